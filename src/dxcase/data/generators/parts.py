"""Parts manufacturer's 内示 (preliminary forecasts) and firm orders (dataset ``parts_orders``).

Every assumption is a named constant or parameter here and is documented, with its source,
in ``datasets/parts_orders/DATASHEET.md``. Months are counted from the first history month;
arrays are laid out as (supply pair, month) where a supply pair is one part for one customer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dxcase.data.generators.base import GeneratedTables, GenerationContext

# customer_id, industry, 内示 inflation at 3 months, volatility per sqrt(month), max horizon
CUSTOMERS: list[tuple[str, str, float, float, int]] = [
    ("C01", "automotive", 1.40, 0.06, 4),
    ("C02", "automotive", 1.30, 0.07, 6),
    ("C03", "appliance", 1.20, 0.09, 3),
    ("C04", "industrial_machinery", 1.08, 0.08, 4),
    ("C05", "appliance", 1.35, 0.10, 3),
    ("C06", "automotive", 1.02, 0.05, 6),
    ("C07", "construction_machinery", 0.90, 0.10, 4),
    ("C08", "industrial_machinery", 1.25, 0.12, 3),
]
FAMILIES = {  # family: (unit price range in yen, typical monthly quantity range)
    "bracket": (80, 400, 800, 6000),
    "housing": (900, 4000, 200, 2000),
    "shaft": (300, 1500, 300, 3000),
    "gear": (200, 1200, 500, 5000),
    "harness": (600, 3000, 200, 2500),
    "sensor_mount": (150, 700, 500, 4000),
    "panel": (1200, 6000, 100, 1200),
    "fastener_kit": (40, 200, 2000, 15000),
}
# Fiscal year-end push in March, Golden Week and Obon shutdowns, year-end slowdown.
MONTH_FACTOR = {3: 1.15, 5: 0.82, 8: 0.80, 12: 0.93}
DEMAND_NOISE_SD, DEMAND_PHI = 0.07, 0.5
# Planted known issues: a duplicated 内示 row, one month a customer sent no 内示.
DUPLICATE_PAIR, SKIPPED_CUSTOMER, SKIPPED_BEFORE = 5, "C05", 17


@dataclass(frozen=True)
class Layout:
    start: dt.date
    history_months: int
    holdout_months: int
    n_parts: int

    @property
    def months(self) -> int:
        return self.history_months + self.holdout_months

    def label(self, m: np.ndarray | int) -> np.ndarray:
        """'YYYY-MM' labels of month indices."""
        idx = np.asarray(m) + self.start.year * 12 + self.start.month - 1
        return np.char.add(
            np.char.add((idx // 12).astype(str), "-"), np.char.zfill((idx % 12 + 1).astype(str), 2)
        )


def generate(ctx: GenerationContext) -> GeneratedTables:
    """Simulate parts, demand, firm orders and every 内示 vintage; split history and holdout."""
    p = ctx.params
    lay = Layout(
        p["start_month"],
        p["history_months"],
        p["holdout_months"],
        max(10, round(p["n_parts"] * ctx.scale)),
    )
    parts = _parts(ctx, lay)
    pairs = _pairs(ctx, lay, parts)
    smooth = _smooth_demand(ctx, lay, parts, pairs)
    orders = _orders(ctx, lay, pairs, smooth)
    naiji = _naiji(ctx, lay, parts, pairs, smooth)
    return _split(lay, parts, pairs, orders, naiji, p["plant_issues"])


def _parts(ctx: GenerationContext, lay: Layout) -> pd.DataFrame:
    rng = ctx.rng("parts")
    n = lay.n_parts
    families = rng.choice(list(FAMILIES), n)
    lo_p, hi_p, lo_q, hi_q = (np.array([FAMILIES[f][k] for f in families]) for k in range(4))
    price = np.round(np.exp(rng.uniform(np.log(lo_p), np.log(hi_p))), -1).clip(10)
    level = np.exp(rng.uniform(np.log(lo_q), np.log(hi_q)))
    lot = np.array(
        [min((v for v in (10, 20, 50, 100, 200, 500) if v * 8 >= q), default=500) for q in level]
    )
    stage = rng.choice(["mass", "new", "eol", "changeover"], n, p=[0.70, 0.12, 0.10, 0.08])
    # Launch month: most parts run before the history starts; new parts launch inside it.
    launch = np.where(
        stage == "new",
        rng.integers(lay.history_months - 18, lay.history_months - 3, n),
        rng.integers(-60, -1, n),
    )
    end = np.where(
        stage == "eol",
        rng.integers(lay.history_months - 20, lay.history_months + 2, n),
        np.where(
            stage == "changeover",
            rng.integers(lay.history_months - 30, lay.history_months - 6, n),
            10_000,
        ),
    )
    announced = (stage == "eol") & (rng.random(n) < 0.7)
    return pd.DataFrame(
        {
            "part_id": [f"P{i + 1:04d}" for i in range(n)],
            "family": families,
            "unit_price": price.astype("int64"),
            "lot_size": lot,
            "_level": level,
            "_stage": stage,
            "_launch": launch,
            "_end": end,
            "_announced": announced,
        }
    )


def _pairs(ctx: GenerationContext, lay: Layout, parts: pd.DataFrame) -> pd.DataFrame:
    """Each part goes to a main customer, and to a second one three times in ten."""
    rng = ctx.rng("pairs")
    cust = np.array([c[0] for c in CUSTOMERS])
    main = rng.choice(len(cust), len(parts))
    second = np.where(
        rng.random(len(parts)) < 0.3,
        (main + rng.integers(1, len(cust), len(parts))) % len(cust),
        -1,
    )
    rows = [(i, main[i], 1.0) for i in range(len(parts))]
    rows += [(i, second[i], rng.uniform(0.2, 0.6)) for i in range(len(parts)) if second[i] >= 0]
    frame = pd.DataFrame(rows, columns=["part", "cust", "share"]).sort_values(["part", "cust"])
    frame["part_id"] = parts["part_id"].to_numpy()[frame["part"]]
    frame["customer_id"] = cust[frame["cust"]]
    frame["pair_bias"] = rng.lognormal(0.0, 0.08, len(frame))
    return frame.reset_index(drop=True)


def _lifecycle(lay: Layout, parts: pd.DataFrame) -> np.ndarray:
    """Share of full volume by (part, month): ramp-up after launch, run-down to zero at the end."""
    m = np.arange(lay.months)[None, :]
    since = m - parts["_launch"].to_numpy()[:, None]
    until = parts["_end"].to_numpy()[:, None] - m
    ramp = np.clip((since + 1) / 6.0, 0, 1)
    rundown = np.clip(until / 4.0, 0, 1)
    return ramp * rundown


def _smooth_demand(ctx, lay: Layout, parts: pd.DataFrame, pairs: pd.DataFrame) -> np.ndarray:
    """Expected monthly demand per pair: level x share x season x lifecycle x slow trend."""
    rng = ctx.rng("demand")
    months = pd.period_range(lay.start, periods=lay.months, freq="M").month
    season = np.array([MONTH_FACTOR.get(mo, 1.0) for mo in months]) ** ctx.params["season_effect"]
    trend = np.exp(rng.normal(0, 0.08, len(pairs))[:, None] * np.arange(lay.months)[None] / 12)
    life = _lifecycle(lay, parts)[pairs["part"]]
    level = (parts["_level"].to_numpy()[pairs["part"]] * pairs["share"].to_numpy())[:, None]
    return level * season[None] * trend * life


def _orders(
    ctx: GenerationContext, lay: Layout, pairs: pd.DataFrame, smooth: np.ndarray
) -> np.ndarray:
    """Firm orders: smooth demand with AR(1) shocks; holdout shocks come from the secret stream."""
    h0 = lay.history_months
    shocks = (
        np.concatenate(
            [
                ctx.rng("orders").normal(0, DEMAND_NOISE_SD, (len(pairs), h0)),
                ctx.secret_rng("orders").normal(
                    0, DEMAND_NOISE_SD, (len(pairs), lay.holdout_months)
                ),
            ],
            axis=1,
        )
        * ctx.params["demand_noise"]
    )
    eps = np.zeros_like(shocks)
    for t in range(lay.months):
        eps[:, t] = (DEMAND_PHI * eps[:, t - 1] if t else 0) + shocks[:, t]
    return np.round(smooth * np.exp(eps)).astype(np.int64)


def _naiji(
    ctx, lay: Layout, parts: pd.DataFrame, pairs: pd.DataFrame, smooth: np.ndarray
) -> pd.DataFrame:
    """Every vintage: issue month i states quantities for i+1 .. i+H (the customer's horizon).

    A customer plans on the smooth demand it sees, inflated by a bias that grows with the
    horizon, with noise that grows with the horizon and persists across revisions, rounded up
    to the part's lot. It keeps sending 内示 for parts running down (unannounced changeovers)
    and over-states new parts' ramp-up.
    """
    rng = ctx.rng("naiji")
    cust = {c[0]: c for c in CUSTOMERS}
    strength = ctx.params["naiji_bias"]
    rows = []
    part = pairs["part"].to_numpy()
    level = parts["_level"].to_numpy()[part] * pairs["share"].to_numpy()
    stage, launch, end = (parts[c].to_numpy()[part] for c in ("_stage", "_launch", "_end"))
    announced = parts["_announced"].to_numpy()[part]
    lot = parts["lot_size"].to_numpy()[part]
    for k, pair in enumerate(pairs.itertuples(index=False)):
        _, _, bias3, vol, max_h = cust[pair.customer_id]
        persistent = rng.normal(0, vol, lay.months)  # the customer's view of each target month
        for h in range(1, max_h + 1):
            bias = 1 + (bias3 * pair.pair_bias - 1) * strength * (h / 3) ** 0.7
            issue = np.arange(0, lay.history_months)
            target = issue + h
            target_c = np.minimum(target, lay.months - 1)
            base = smooth[k, target_c].copy()
            # Run-down not announced: the customer plans as if volume continued.
            blind = (stage[k] in ("changeover", "eol")) & ~announced[k] & (target > end[k] - 6)
            base = np.where(blind, level[k] * 0.9, base)
            ramping = (target - launch[k] >= 0) & (target - launch[k] < 8)
            base = np.where(ramping, base * 1.5, base)
            noise = persistent[target_c] * np.sqrt(h / 3) + rng.normal(0, vol * 0.4, len(issue))
            qty = np.ceil(base * bias * np.exp(noise) / lot[k]) * lot[k]
            live = (target >= launch[k]) & (issue < end[k] + (0 if announced[k] else 3))
            rows.append(
                pd.DataFrame(
                    {
                        "pair": k,
                        "issue": issue[live],
                        "target": target[live],
                        "horizon": h,
                        "naiji_qty": qty[live].astype(np.int64),
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def _plant_known_issues(lay: Layout, naiji: pd.DataFrame) -> pd.DataFrame:
    """A customer skipped one month's 内示, and one row was sent twice."""
    skipped = lay.label(lay.history_months - SKIPPED_BEFORE)
    naiji = naiji[~((naiji["customer_id"] == SKIPPED_CUSTOMER) & (naiji["issue_month"] == skipped))]
    dup_at = naiji.index[naiji["issue_month"] == lay.label(lay.history_months - 9)]
    dup = naiji.loc[[dup_at[min(DUPLICATE_PAIR, len(dup_at) - 1)]]]
    return pd.concat([naiji, dup]).sort_index(kind="stable").reset_index(drop=True)


def _split(
    lay: Layout,
    parts: pd.DataFrame,
    pairs: pd.DataFrame,
    orders: np.ndarray,
    naiji: pd.DataFrame,
    plant: bool,
) -> GeneratedTables:
    h0 = lay.history_months
    launch = parts["_launch"].to_numpy()[pairs["part"]]
    k, m = np.nonzero(np.arange(lay.months)[None, :] >= launch[:, None])
    order_frame = pd.DataFrame(
        {
            "part_id": pairs["part_id"].to_numpy()[k],
            "customer_id": pairs["customer_id"].to_numpy()[k],
            "month": lay.label(m),
            "order_qty": orders[k, m],
            "_m": m,
        }
    )
    vintages = pd.DataFrame(
        {
            "part_id": pairs["part_id"].to_numpy()[naiji["pair"]],
            "customer_id": pairs["customer_id"].to_numpy()[naiji["pair"]],
            "issue_month": lay.label(naiji["issue"].to_numpy()),
            "target_month": lay.label(naiji["target"].to_numpy()),
            "horizon": naiji["horizon"].to_numpy(),
            "naiji_qty": naiji["naiji_qty"].to_numpy(),
        }
    ).sort_values(["issue_month", "customer_id", "part_id", "horizon"], kind="stable")
    vintages = vintages.reset_index(drop=True)
    if plant:
        vintages = _plant_known_issues(lay, vintages)
    vintages.insert(0, "record_id", np.arange(1, len(vintages) + 1))
    end = parts["_end"].to_numpy()
    parts_public = pd.DataFrame(
        {
            "part_id": parts["part_id"],
            "family": parts["family"],
            "unit_price": parts["unit_price"],
            "lot_size": parts["lot_size"],
            "launch_month": lay.label(parts["_launch"].to_numpy()),
            "eol_month": pd.array(
                np.where(parts["_announced"], lay.label(np.minimum(end, 9999)), None),
                dtype="string",
            ),
            "lifecycle_stage": _stage_at_cutoff(lay, parts),
        }
    )
    customers = pd.DataFrame(
        [(c[0], c[1], c[4]) for c in CUSTOMERS],
        columns=["customer_id", "industry", "naiji_max_horizon"],
    )
    history = order_frame["_m"] < h0
    cols = ["part_id", "customer_id", "month", "order_qty"]
    return GeneratedTables(
        learner={
            "parts": parts_public,
            "customers": customers,
            "naiji": vintages,
            "orders": order_frame.loc[history, cols].reset_index(drop=True),
            "cost_assumptions": cost_assumptions(),
        },
        holdout={"holdout_orders": order_frame.loc[~history, cols].reset_index(drop=True)},
    )


def _stage_at_cutoff(lay: Layout, parts: pd.DataFrame) -> np.ndarray:
    """What the company's part master says at the cutoff (not the hidden future)."""
    h0 = lay.history_months
    since, end = h0 - parts["_launch"].to_numpy(), parts["_end"].to_numpy()
    stage = np.where(since < 12, "new", "mass")
    stage = np.where(end < h0, "discontinued", stage)
    return np.where((end >= h0) & (end < 10_000) & parts["_announced"].to_numpy(), "eol", stage)


def cost_assumptions() -> pd.DataFrame:
    """Unit costs for the business case (the company's own figures, rounded)."""
    return pd.DataFrame(
        [
            (
                "inventory_carrying_rate",
                0.20,
                "1/year",
                "在庫保管コスト率(年、部品単価比)",
                "annual inventory carrying cost, share of unit price",
            ),
            (
                "overtime_cost_per_hour",
                3500,
                "JPY/hour",
                "残業1時間あたりの人件費",
                "overtime cost per hour",
            ),
            (
                "overtime_hours_per_shortage_lot",
                1.5,
                "hour/lot",
                "不足1ロットを挽回する残業時間",
                "overtime hours to recover one short lot",
            ),
            (
                "express_shipping_per_shipment",
                45000,
                "JPY",
                "特急便1回あたりの費用",
                "cost of one express shipment",
            ),
            (
                "planner_hours_per_month",
                60,
                "hour/month",
                "生産計画担当の月間調整工数",
                "planners' monthly hours spent re-planning",
            ),
            (
                "planner_cost_per_hour",
                4200,
                "JPY/hour",
                "生産計画担当の時間単価",
                "planner cost per hour",
            ),
        ],
        columns=["name", "value", "unit", "description_ja", "description_en"],
    )
