"""Parts lesson: correcting 内示 pays, and a plain LightGBM halves its error for many parts.

Definitions (the parts_forecast case uses the same): horizon exactly 3 months; window = the
last 12 target months before the holdout; WMAPE per part = Σ|actual − forecast| / Σ actual over
the part's customers and window months; parts with no orders in the window are left out.
Only information available at each 内示's issue month is used (vintage discipline).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd

from dxcase.metrics import wmape, wmape_by

HORIZON = 3
WINDOW_MONTHS = 12
FEATURES = [
    "naiji_qty",
    "naiji_prev_vintage",
    "revision",
    "naiji_next_1",
    "naiji_next_2",
    "customer_id",
    "family",
    "lot_size",
    "unit_price",
    "actual_last",
    "actual_mean_3",
    "actual_mean_12",
    "customer_ratio_12",
    "pair_ratio_12",
    "months_since_launch",
    "months_to_eol",
    "target_month_of_year",
]
CATEGORICAL = ["customer_id", "family"]


@dataclass(frozen=True)
class PartsLesson:
    """Error of each forecast in the window and the share of parts the model halves."""

    naiji_wmape: float
    corrected_wmape: float
    lightgbm_wmape: float
    share_parts_below_half: float
    parts_scored: int
    window_start: str

    @property
    def holds(self) -> bool:
        return self.corrected_wmape < self.naiji_wmape and self.share_parts_below_half >= 0.40

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "holds": self.holds}


def month_index(labels: pd.Series) -> pd.Series:
    """'YYYY-MM' → months since year 0, so months subtract like integers."""
    parts = labels.str.split("-", expand=True).astype(int)
    return parts[0] * 12 + parts[1] - 1


def read_tables(folder: str | Path) -> dict[str, pd.DataFrame]:
    folder = Path(folder)
    return {
        n: pd.read_csv(folder / f"{n}.csv", dtype={"eol_month": "string"})
        for n in ("parts", "customers", "naiji", "orders")
    }


def vintage_frame(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per horizon-3 内示 with features known at its issue month, and the actual."""
    naiji = (
        t["naiji"]
        .drop(columns="record_id")
        .drop_duplicates()
        .assign(
            issue=lambda d: month_index(d["issue_month"]),
            target=lambda d: month_index(d["target_month"]),
        )
    )
    orders = t["orders"].assign(month=lambda d: month_index(d["month"]))
    key = ["part_id", "customer_id"]
    rows = naiji[naiji["horizon"] == HORIZON].copy()
    same_target = naiji[naiji["horizon"] == HORIZON + 1][[*key, "target", "naiji_qty"]]
    rows = rows.merge(
        same_target.rename(columns={"naiji_qty": "naiji_prev_vintage"}),
        on=[*key, "target"],
        how="left",
    )
    rows["revision"] = rows["naiji_qty"] - rows["naiji_prev_vintage"]
    for h, name in ((2, "naiji_next_1"), (1, "naiji_next_2")):
        nearer = naiji[naiji["horizon"] == h][[*key, "issue", "naiji_qty"]]
        rows = rows.merge(
            nearer.rename(columns={"naiji_qty": name}), on=[*key, "issue"], how="left"
        )
    rows = rows.merge(
        orders.rename(columns={"month": "target", "order_qty": "actual"}),
        on=[*key, "target"],
        how="left",
    )
    rows = rows.join(_order_history(rows, orders))
    rows = rows.join(_ratio_history(rows, naiji, orders))
    parts = t["parts"].assign(
        launch=lambda d: month_index(d["launch_month"]),
        eol=lambda d: month_index(d["eol_month"].fillna("9999-12")),
    )
    rows = rows.merge(
        parts[["part_id", "family", "lot_size", "unit_price", "launch", "eol"]], on="part_id"
    )
    rows["months_since_launch"] = rows["target"] - rows["launch"]
    rows["months_to_eol"] = (rows["eol"] - rows["target"]).where(rows["eol"] < 9999 * 12)
    rows["target_month_of_year"] = rows["target"] % 12 + 1
    for col in CATEGORICAL:
        rows[col] = rows[col].astype("category")
    return rows


def _order_history(rows: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    """Last known order, and 3- and 12-month means, as of each row's issue month."""
    wide = orders.pivot_table(index="month", columns=["part_id", "customer_id"], values="order_qty")
    wide = wide.reindex(range(wide.index.min(), wide.index.max() + 1))
    known = wide.shift(1)  # at issue month i, orders up to i-1 are known
    feats = {
        "actual_last": known,
        "actual_mean_3": known.rolling(3, min_periods=1).mean(),
        "actual_mean_12": known.rolling(12, min_periods=1).mean(),
    }
    long = pd.concat(
        {k: v.stack(["part_id", "customer_id"], future_stack=True) for k, v in feats.items()},
        axis=1,
    )
    idx = pd.MultiIndex.from_frame(rows[["issue", "part_id", "customer_id"]])
    return long.reindex(idx).reset_index(drop=True).set_axis(rows.index)


def _ratio_history(rows: pd.DataFrame, naiji: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    """Σ orders / Σ horizon-3 内示 over the 12 target months known at the issue month."""
    past = naiji[naiji["horizon"] == HORIZON].merge(
        orders.rename(columns={"month": "target", "order_qty": "actual"}),
        on=["part_id", "customer_id", "target"],
    )
    out = {}
    for name, key in (
        ("customer_ratio_12", ["customer_id"]),
        ("pair_ratio_12", ["part_id", "customer_id"]),
    ):
        sums = past.groupby([*key, "target"])[["actual", "naiji_qty"]].sum()
        wide_a = sums["actual"].unstack(key)
        wide_n = sums["naiji_qty"].unstack(key)
        full = range(wide_a.index.min(), wide_a.index.max() + 2)
        ratio = _trailing_sum(wide_a, full) / _trailing_sum(wide_n, full).replace(0, np.nan)
        ratio = ratio.stack(key, future_stack=True) if len(key) > 1 else ratio.stack()
        idx = pd.MultiIndex.from_frame(rows[["issue", *key]])
        out[name] = ratio.reindex(idx).to_numpy()
    return pd.DataFrame(out, index=rows.index)


def _trailing_sum(wide: pd.DataFrame, months: range) -> pd.DataFrame:
    """Sum over the 12 months before each month (the current month not yet known)."""
    return wide.reindex(months).fillna(0).rolling(12, min_periods=1).sum().shift(1)


def evaluate(folder: str | Path, seed: int = 0) -> PartsLesson:
    return evaluate_tables(read_tables(folder), seed)


def evaluate_tables(tables: dict[str, pd.DataFrame], seed: int = 0) -> PartsLesson:
    """Measure the lesson on learner tables (history only)."""
    rows = vintage_frame(tables).dropna(subset=["actual"])
    start = rows["target"].max() - WINDOW_MONTHS + 1
    train, test = rows[rows["target"] < start], rows[rows["target"] >= start].copy()
    ratio = train.groupby("customer_id", observed=True)[["actual", "naiji_qty"]].sum()
    ratio = ratio["actual"] / ratio["naiji_qty"]
    test["corrected"] = test["naiji_qty"] * test["customer_id"].map(ratio).astype(float).fillna(1)
    model = lgb.LGBMRegressor(random_state=seed, verbose=-1)  # library defaults: no tuning
    model.fit(train[FEATURES], train["actual"])
    test["lightgbm"] = np.clip(model.predict(test[FEATURES]), 0, None)
    per_naiji = wmape_by(test, "part_id", "actual", "naiji_qty").dropna()
    per_model = wmape_by(test, "part_id", "actual", "lightgbm").reindex(per_naiji.index)
    start_label = f"{start // 12:04d}-{start % 12 + 1:02d}"
    return PartsLesson(
        naiji_wmape=wmape(test["actual"], test["naiji_qty"]),
        corrected_wmape=wmape(test["actual"], test["corrected"]),
        lightgbm_wmape=wmape(test["actual"], test["lightgbm"]),
        share_parts_below_half=float((per_model < 0.5 * per_naiji).mean()),
        parts_scored=len(per_naiji),
        window_start=start_label,
    )
