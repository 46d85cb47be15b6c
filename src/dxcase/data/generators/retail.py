"""Supermarket daily sales simulator (dataset ``retail_sales``).

Every assumption is a named constant or parameter here and is documented, with its source,
in ``datasets/retail_sales/DATASHEET.md``. Arrays are laid out as (store, item, day).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dxcase.data.calendar import calendar_frame
from dxcase.data.generators.base import GeneratedTables, GenerationContext

# item_id, name_ja, name_en, category, base units/day in a 1,500 m2 store, price (yen),
# temperature slope per 10 °C, warming-season asymmetry, sensitivity to a sudden change
ITEMS: list[tuple[str, str, str, str, float, int, float, float, float]] = [
    ("I01", "バニラアイス", "Vanilla ice cream", "ice_cream", 18, 138, 0.95, 0.30, 0.25),
    ("I02", "チョコモナカアイス", "Choco wafer ice cream", "ice_cream", 14, 158, 0.90, 0.30, 0.25),
    ("I03", "かき氷バー", "Shaved-ice bar", "ice_cream", 10, 98, 1.20, 0.35, 0.35),
    ("I04", "麦茶 2L", "Barley tea 2L", "beverage", 30, 168, 0.80, 0.20, 0.20),
    ("I05", "スポーツドリンク 500ml", "Sports drink 500ml", "beverage", 26, 128, 0.85, 0.25, 0.20),
    ("I06", "炭酸飲料 1.5L", "Soda 1.5L", "beverage", 20, 178, 0.55, 0.15, 0.10),
    ("I07", "ホット缶コーヒー", "Hot canned coffee", "beverage", 22, 118, -0.55, -0.20, -0.15),
    ("I08", "おでん 大根", "Oden daikon", "oden", 16, 88, -0.85, -0.25, -0.25),
    ("I09", "おでん 玉子", "Oden egg", "oden", 14, 88, -0.80, -0.25, -0.25),
    ("I10", "おでん 練り物セット", "Oden fish-cake set", "oden", 9, 298, -0.90, -0.25, -0.25),
    ("I11", "鍋つゆ", "Hot-pot soup base", "oden", 12, 298, -0.85, -0.25, -0.20),
    ("I12", "食パン 6枚切", "Sliced bread (6)", "bread", 40, 178, -0.10, 0.00, 0.00),
    ("I13", "メロンパン", "Melon bread", "bread", 22, 128, -0.05, 0.00, 0.00),
    ("I14", "サンドイッチ", "Sandwich", "bread", 24, 298, 0.20, 0.05, 0.05),
    ("I15", "幕の内弁当", "Makunouchi bento", "deli", 28, 498, -0.10, 0.00, 0.00),
    ("I16", "おにぎり 鮭", "Salmon onigiri", "deli", 45, 138, 0.05, 0.00, 0.00),
    ("I17", "唐揚げ", "Fried chicken", "deli", 25, 398, -0.05, 0.00, 0.00),
    ("I18", "冷やし中華", "Chilled ramen", "deli", 12, 398, 1.30, 0.40, 0.30),
    ("I19", "牛乳 1L", "Milk 1L", "dairy", 55, 228, 0.05, 0.00, 0.00),
    ("I20", "ヨーグルト", "Yogurt", "dairy", 30, 158, 0.15, 0.05, 0.00),
    ("I21", "豆腐", "Tofu", "daily", 35, 78, 0.10, 0.00, 0.05),
    ("I22", "納豆 3個パック", "Natto (3)", "daily", 40, 98, 0.00, 0.00, 0.00),
    ("I23", "バナナ", "Bananas", "produce", 38, 198, 0.05, 0.00, 0.00),
    ("I24", "キャベツ", "Cabbage", "produce", 26, 198, -0.25, -0.10, 0.00),
    ("I25", "トマト", "Tomatoes", "produce", 22, 298, 0.35, 0.10, 0.05),
    ("I26", "そうめん", "Somen noodles", "noodles", 8, 298, 1.20, 0.45, 0.30),
    ("I27", "カップ麺", "Cup noodles", "noodles", 30, 198, -0.30, -0.10, -0.05),
    ("I28", "冷凍うどん", "Frozen udon", "noodles", 15, 258, -0.45, -0.15, -0.10),
    ("I29", "季節のスイーツ", "Seasonal dessert", "sweets", 12, 248, 0.25, 0.05, 0.05),
    ("I30", "和菓子 大福", "Daifuku", "sweets", 9, 158, -0.10, 0.00, 0.00),
]
NEW_ITEMS = {"I29": 0.45, "I30": 0.72}  # launched at this share of the history period

CATEGORIES = sorted({row[3] for row in ITEMS})
# Weekday multipliers Mon..Sun by category (deli sells to office workers on weekdays).
WEEKDAY = {
    "deli": [1.05, 1.00, 1.00, 1.00, 1.10, 0.90, 0.85],
    "bread": [0.95, 0.95, 0.95, 0.95, 1.00, 1.15, 1.10],
    "default": [0.92, 0.90, 0.92, 0.93, 1.02, 1.20, 1.18],
}
# Multipliers for customary breaks by category: Golden Week, Obon, New Year break.
EVENT_EFFECT = {
    "gw": {"deli": 0.85, "ice_cream": 1.15, "beverage": 1.12, "default": 1.08},
    "obon": {"deli": 0.80, "sweets": 1.35, "beverage": 1.15, "produce": 1.20, "default": 1.10},
    "new_year": {"oden": 1.50, "produce": 1.40, "dairy": 1.20, "deli": 0.70, "default": 1.05},
}
PAYDAY_CATEGORIES = {"deli", "sweets", "ice_cream"}
WEATHER_CODES = ("sunny", "cloudy", "rain", "snow")
REGIONS = ("north", "central", "south", "inland")
# Planted known issues (store numbers are 1-based; days counted back from the holdout start).
GAP_STORE, GAP_BEFORE = 7, 380
BULK_STORE, BULK_ITEM, BULK_BEFORE = 3, 14, 200
HOURS_STORE, HOURS_CHANGE_BEFORE = 12, 300
REGION_TEMP_OFFSET = (-3.5, 0.0, 1.5, -1.0)


@dataclass(frozen=True)
class Layout:
    """Sizes and dates of one variant."""

    start: dt.date
    history_days: int
    holdout_days: int
    n_stores: int

    @property
    def days(self) -> int:
        return self.history_days + self.holdout_days

    @property
    def n_items(self) -> int:
        return len(ITEMS)


def generate(ctx: GenerationContext) -> GeneratedTables:
    """Simulate stores, weather, demand and manual forecasts; split history and holdout."""
    p = ctx.params
    lay = Layout(
        p["start_date"],
        p["history_days"],
        p["holdout_days"],
        max(2, round(p["n_stores"] * ctx.scale)),
    )
    cal = calendar_frame(lay.start, lay.days)
    stores = _stores(ctx, lay)
    items = _items(lay)
    weather, forecast = _weather(ctx, lay, cal)
    promo, price, regular = _promotions_and_prices(ctx, lay, items)
    log_mu = _log_demand(ctx, lay, cal, stores, items, weather, promo, price, regular)
    qty = _sales(ctx, lay, log_mu)
    manual = _manual_forecast(ctx, lay, cal, stores, items, qty, log_mu, forecast, promo)
    minutes = _forecast_minutes(ctx, lay, cal)
    exists = _existence(lay, items)
    _plant_known_issues(p, lay, qty, exists)
    return _split(
        ctx, lay, cal, stores, items, weather, forecast, promo, price, qty, manual, minutes, exists
    )


def _stores(ctx: GenerationContext, lay: Layout) -> pd.DataFrame:
    rng = ctx.rng("stores")
    area = np.round(rng.lognormal(np.log(1500), 0.35, lay.n_stores), -1).clip(600, 4000)
    return pd.DataFrame(
        {
            "store_id": [f"S{i + 1:03d}" for i in range(lay.n_stores)],
            "region": [REGIONS[i % len(REGIONS)] for i in range(lay.n_stores)],
            "floor_area_m2": area.astype("int64"),
            "opened_year": rng.integers(1985, 2020, lay.n_stores),
            # hidden traits: manual forecast skill (noise sd) and optimism, forecasting pace
            "_skill_sd": rng.uniform(0.03, 0.14, lay.n_stores),
            "_optimism": rng.uniform(0.0, 0.04, lay.n_stores),
        }
    )


def _items(lay: Layout) -> pd.DataFrame:
    cols = [
        "item_id",
        "name_ja",
        "name_en",
        "category",
        "base",
        "price",
        "temp_slope",
        "warm_asym",
        "change_slope",
    ]
    items = pd.DataFrame(ITEMS, columns=cols)
    launch = [
        lay.start + dt.timedelta(days=int(NEW_ITEMS.get(i, 0.0) * lay.history_days))
        for i in items["item_id"]
    ]
    items["launch_date"] = pd.to_datetime(launch)
    return items


def _weather(ctx: GenerationContext, lay: Layout, cal: pd.DataFrame):
    """Daily weather per region; for the holdout, public day-ahead forecasts and secret actuals."""
    rng, n_reg = ctx.rng("weather"), len(REGIONS)
    doy = cal["date"].dt.day_of_year.to_numpy()
    seasonal = 16.2 - 10.5 * np.cos(2 * np.pi * (doy - 25) / 365.25)
    common = _ar1(rng, lay.days, 0.75, 1.3)
    own = np.stack([_ar1(rng, lay.days, 0.6, 0.7) for _ in range(n_reg)])
    mean = seasonal[None, :] + np.array(REGION_TEMP_OFFSET)[:, None] + common[None, :] + own
    month = cal["date"].dt.month.to_numpy()
    p_rain = 0.28 + 0.22 * np.isin(month, [6, 7]) + 0.08 * np.isin(month, [9, 10])
    rains = rng.random((n_reg, lay.days)) < p_rain[None, :]
    precip = np.where(rains, np.round(rng.gamma(0.8, 12.0, (n_reg, lay.days)), 1), 0.0)
    cloudy = rng.random((n_reg, lay.days)) < 0.4
    t_max = mean + 4.5 - 2.0 * rains + rng.normal(0, 1.2, (n_reg, lay.days))
    # Day-ahead forecast = truth + error. In the holdout the truth is drawn from the secret
    # stream around the public forecast, so the forecast file reveals nothing more.
    h0, srng = lay.history_days, ctx.secret_rng("weather")
    fc_err = rng.normal(0, 1.1, (n_reg, lay.days))
    fc_mean, fc_max = mean + fc_err, t_max + fc_err
    hold = slice(h0, None)
    mean[:, hold] = fc_mean[:, hold] + srng.normal(0, 1.1, (n_reg, lay.holdout_days))
    t_max[:, hold] = fc_max[:, hold] + srng.normal(0, 1.1, (n_reg, lay.holdout_days))
    p_rain_fc = np.clip(np.where(rains, 0.7, 0.15) + rng.normal(0, 0.12, rains.shape), 0, 1)
    hold_rain = srng.random((n_reg, lay.holdout_days)) < p_rain_fc[:, hold]
    rains[:, hold] = hold_rain
    precip[:, hold] = np.where(hold_rain, np.round(srng.gamma(0.8, 12.0, hold_rain.shape), 1), 0)
    code = np.where(rains, np.where(mean < 1.5, 3, 2), np.where(cloudy, 1, 0))
    weather = {
        "temp_mean": np.round(mean, 1),
        "temp_max": np.round(t_max, 1),
        "precip_mm": precip,
        "code": code,
        "rain": rains,
    }
    forecast = {
        "temp_mean": np.round(fc_mean, 1),
        "temp_max": np.round(fc_max, 1),
        "precip_prob": np.round(p_rain_fc * 10) * 10,
    }
    return weather, forecast


def _ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    out = np.empty(n)
    out[0] = rng.normal(0, sd / np.sqrt(1 - phi**2))
    shocks = rng.normal(0, sd, n)
    for t in range(1, n):
        out[t] = phi * out[t - 1] + shocks[t]
    return out


def _promotions_and_prices(ctx: GenerationContext, lay: Layout, items: pd.DataFrame):
    """Chain-wide promotion runs of 2 to 4 days per item, a few store-only ones, price rises."""
    rng = ctx.rng("promotions")
    rate = ctx.params["promo_rate"]
    promo = np.zeros((lay.n_stores, lay.n_items, lay.days), dtype=bool)
    for i in range(lay.n_items):
        starts = np.flatnonzero(rng.random(lay.days) < rate / 3.0)
        for s0 in starts:
            promo[:, i, s0 : s0 + rng.integers(2, 5)] = True
    promo |= rng.random(promo.shape) < rate / 15.0
    discount = np.where(promo, rng.choice([0.1, 0.15, 0.2, 0.3], promo.shape), 0.0)
    base_price = items["price"].to_numpy(float)[None, :, None]
    raise_day = lay.history_days // 2 + 60
    rises = (rng.random(lay.n_items) < 0.35) * rng.choice([0.05, 0.08, 0.1], lay.n_items)
    regular = base_price * np.where(np.arange(lay.days) >= raise_day, 1 + rises[:, None], 1)[None]
    price = np.round(regular * (1 - discount))
    return promo, price, regular


def _temperature_effect(
    items: pd.DataFrame, temp: np.ndarray, warming: np.ndarray, change: np.ndarray, strength: float
) -> np.ndarray:
    """Log-multiplier (item, region, day): slope by season direction plus a sudden-change term."""
    slope = items["temp_slope"].to_numpy()[:, None, None]
    asym = items["warm_asym"].to_numpy()[:, None, None]
    jump = items["change_slope"].to_numpy()[:, None, None]
    level = np.tanh((temp[None] - 18.0) / 10.0)  # saturates: 35 °C sells little more than 30
    seasonal = slope * level * (1 + np.where(warming[None, None, :], asym, -asym))
    return strength * (seasonal + jump * np.tanh(change[None] / 5.0))


def _season_direction(cal: pd.DataFrame, temp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Warming season flag by day, and each region's change against the previous week."""
    doy = cal["date"].dt.day_of_year.to_numpy()
    warming = (doy >= 32) & (doy < 217)  # February to early August
    prev = _previous_week_mean(temp)
    return warming, temp - prev


def _calendar_effect(cal: pd.DataFrame, items: pd.DataFrame) -> np.ndarray:
    """Log-multiplier (item, day) from weekday, holidays, customary breaks and paydays."""
    cats = items["category"].to_numpy()
    wd = cal["weekday"].to_numpy().copy()
    wd[cal["holiday_name"].notna().to_numpy()] = 6  # a public holiday sells like a Sunday
    eff = np.array([np.log(WEEKDAY.get(c, WEEKDAY["default"]))[wd] for c in cats])
    events = cal["event"].fillna("").to_numpy()
    for event, table in EVENT_EFFECT.items():
        mult = np.array([table.get(c, table["default"]) for c in cats])
        eff[:, events == event] += np.log(mult)[:, None]
    new_year_day = (cal["date"].dt.month.eq(1) & cal["date"].dt.day.eq(1)).to_numpy()
    eff[:, new_year_day] += np.log(0.55)
    payday = cal["is_payday"].to_numpy()
    after_payday = payday | np.roll(payday, 1) | np.roll(payday, 2)
    pay_cat = np.isin(cats, list(PAYDAY_CATEGORIES))
    eff[np.ix_(pay_cat, after_payday)] += np.log(1.12)
    return eff


def _log_demand(ctx, lay, cal, stores, items, weather, promo, price, regular) -> np.ndarray:
    p = ctx.params
    rng = ctx.rng("demand")
    region = stores["region"].map({r: i for i, r in enumerate(REGIONS)}).to_numpy()
    warming, change = _season_direction(cal, weather["temp_mean"])
    temp_eff = _temperature_effect(
        items, weather["temp_mean"], warming, change, p["temperature_effect"]
    )  # (item, region, day)
    size = np.log((stores["floor_area_m2"].to_numpy() / 1500.0) ** 0.8)
    base = np.log(items["base"].to_numpy())
    trend = rng.normal(0, 0.06, lay.n_items)[:, None] * np.arange(lay.days)[None, :] / 365.0
    log_mu = (
        base[None, :, None]
        + size[:, None, None]
        + trend[None]
        + _calendar_effect(cal, items)[None] * p["calendar_effect"]
        + np.transpose(temp_eff[:, region, :], (1, 0, 2))
    )
    base_price = items["price"].to_numpy(float)[None, :, None]
    log_mu += p["price_elasticity"] * np.log(price / regular)  # promotion discounts
    log_mu += 0.3 * p["price_elasticity"] * np.log(regular / base_price)  # permanent rises
    log_mu += np.log(p["promo_display_lift"]) * promo
    log_mu += np.log(0.85) * (weather["precip_mm"] >= 10)[region][:, None, :]
    if p["plant_issues"] and lay.n_stores >= HOURS_STORE:
        # One store extends its opening hours part-way through (a declared known issue).
        log_mu[HOURS_STORE - 1, :, lay.history_days - HOURS_CHANGE_BEFORE :] += np.log(1.15)
    log_mu += _local_level(ctx, lay)
    log_mu += _launch_curve(lay, items)[None]
    return log_mu


def _local_level(ctx: GenerationContext, lay: Layout) -> np.ndarray:
    """Slow store-item drift (AR(1) on the log scale); holdout innovations are secret."""
    phi, sd = 0.98, 0.02
    shape = (lay.n_stores, lay.n_items)
    shocks = np.concatenate(
        [
            ctx.rng("level").normal(0, sd, (*shape, lay.history_days)),
            ctx.secret_rng("level").normal(0, sd, (*shape, lay.holdout_days)),
        ],
        axis=2,
    )
    level = np.empty((*shape, lay.days))
    level[..., 0] = ctx.rng("level0").normal(0, sd / np.sqrt(1 - phi**2), shape)
    for t in range(1, lay.days):
        level[..., t] = phi * level[..., t - 1] + shocks[..., t]
    return level


def _launch_curve(lay: Layout, items: pd.DataFrame) -> np.ndarray:
    """New items sell 50% above their level at launch, fading over about three weeks."""
    days = np.arange(lay.days)
    since = (
        days[None, :] - (items["launch_date"] - pd.Timestamp(lay.start)).dt.days.to_numpy()[:, None]
    )
    return np.where(since >= 0, np.log1p(0.5 * np.exp(-np.maximum(since, 0) / 10.0)), 0.0)


def _sales(ctx: GenerationContext, lay: Layout, log_mu: np.ndarray) -> np.ndarray:
    """Gamma-Poisson (negative binomial) sales; holdout draws from the secret stream."""
    k = ctx.params["dispersion"]
    h0 = lay.history_days
    qty = np.empty(log_mu.shape, dtype=np.int64)
    for part, rng in (
        (slice(None, h0), ctx.rng("sales")),
        (slice(h0, None), ctx.secret_rng("sales")),
    ):
        mu = np.exp(log_mu[..., part])
        qty[..., part] = rng.poisson(mu * rng.gamma(k, 1.0 / k, mu.shape))
    return qty


def _manual_forecast(ctx, lay, cal, stores, items, qty, log_mu, forecast, promo) -> np.ndarray:
    """What each store's staff forecast the day before (see DATASHEET: manual forecasts)."""
    rng = ctx.rng("manual")
    y = qty.astype(float)
    same_weekday = (_lagged(y, 7) + _lagged(y, 14)) / 2.0
    last_week = sum(_lagged(y, k) for k in range(1, 8)) / 7.0
    cats = items["category"].to_numpy()
    wd_true = np.array([WEEKDAY.get(c, WEEKDAY["default"]) for c in cats])  # (item, 7)
    wd_staff = wd_true**0.6 / (wd_true**0.6).mean(axis=1, keepdims=True)
    wd = cal["weekday"].to_numpy()
    anchor = 0.35 * same_weekday + 0.65 * last_week * wd_staff[:, wd][None]
    # Staff discount promo days in the anchor only roughly, and expect a flat lift.
    was_promo = _lagged(promo, 7, pad=np.zeros_like(promo[..., :1]))
    promo_lift = np.where(promo, 1.8, 1.0) / np.where(was_promo, 1.25, 1.0)
    special = (cal["holiday_name"].notna() | cal["event"].notna()).to_numpy()
    optimism = 1.0 + stores["_optimism"].to_numpy()[:, None, None] + 0.10 * special[None, None, :]
    region = stores["region"].map({r: i for i, r in enumerate(REGIONS)}).to_numpy()
    # Staff nudge forecasts by a third of the change in tomorrow's forecast against last week.
    fc = forecast["temp_mean"]
    warm_hint = (fc - _previous_week_mean(fc))[region] / 10.0 / 3.0  # (store, day)
    temp_adj = np.exp(
        items["temp_slope"].to_numpy()[None, :, None]
        * warm_hint[:, None, :]
        * ctx.params["temperature_effect"]
    )
    noise = rng.lognormal(0.0, stores["_skill_sd"].to_numpy()[:, None, None], y.shape)
    raw = anchor * promo_lift * optimism * temp_adj * noise
    return np.where(raw >= 20, np.round(raw / 5) * 5, np.round(raw)).astype(np.int64)


def _lagged(a: np.ndarray, k: int, pad: np.ndarray | None = None) -> np.ndarray:
    """``a`` shifted k days later along the last axis; the first k days repeat ``pad``
    (default: the first day's values)."""
    fill = a[..., :1] if pad is None else pad
    return np.concatenate([np.repeat(fill, k, axis=-1), a[..., :-k]], axis=-1)


def _previous_week_mean(values: np.ndarray) -> np.ndarray:
    """Mean of the 7 days before each day, per row of a (region, day) array."""
    frame = pd.DataFrame(values.T).rolling(7, min_periods=1).mean().shift(1).bfill()
    return frame.to_numpy().T


def _forecast_minutes(ctx: GenerationContext, lay: Layout, cal: pd.DataFrame) -> np.ndarray:
    """Staff minutes spent on the day's forecast per store: longer on Mondays and before holidays."""
    rng = ctx.rng("minutes")
    per_item = rng.uniform(0.8, 2.2, lay.n_stores)[:, None]
    busy = (
        1
        + 0.25 * (cal["weekday"].to_numpy() == 0)
        + 0.2 * cal["holiday_name"].shift(-1).notna().to_numpy()
    )
    noise = rng.normal(0, 4.0, (lay.n_stores, lay.days))
    return np.round(np.maximum(5, per_item * lay.n_items * busy[None] + noise)).astype(np.int64)


def _existence(lay: Layout, items: pd.DataFrame) -> np.ndarray:
    since = (items["launch_date"] - pd.Timestamp(lay.start)).dt.days.to_numpy()
    exists = np.arange(lay.days)[None, :] >= since[:, None]
    return np.broadcast_to(exists[None], (lay.n_stores, lay.n_items, lay.days)).copy()


def _plant_known_issues(p, lay: Layout, qty: np.ndarray, exists: np.ndarray) -> None:
    """Data-quality problems learners should find (declared in datapackage.json)."""
    if not p["plant_issues"] or lay.n_stores < HOURS_STORE:
        return
    gap_day = lay.history_days - GAP_BEFORE
    exists[GAP_STORE - 1, :, gap_day : gap_day + 5] = False  # closed five days for a refit
    qty[BULK_STORE - 1, BULK_ITEM, lay.history_days - BULK_BEFORE] += 400  # one bulk order


def _split(
    ctx, lay, cal, stores, items, weather, forecast, promo, price, qty, manual, minutes, exists
) -> GeneratedTables:
    h0 = lay.history_days
    dates = cal["date"].to_numpy()
    s_idx, i_idx, d_idx = np.nonzero(exists)
    store_ids, item_ids = stores["store_id"].to_numpy(), items["item_id"].to_numpy()
    long = pd.DataFrame(
        {
            "date": dates[d_idx],
            "store_id": store_ids[s_idx],
            "item_id": item_ids[i_idx],
            "sales_qty": qty[s_idx, i_idx, d_idx],
            "price": price[s_idx, i_idx, d_idx].astype("int64"),
            "promo": promo[s_idx, i_idx, d_idx],
            "manual_forecast": manual[s_idx, i_idx, d_idx],
        }
    )
    history = d_idx < h0
    public_cols = ["date", "store_id", "item_id", "price", "promo"]
    weather_df = _region_frame(
        dates,
        {
            "temp_max": weather["temp_max"],
            "temp_mean": weather["temp_mean"],
            "precip_mm": weather["precip_mm"],
            "weather": np.array(WEATHER_CODES)[weather["code"]],
        },
    )
    forecast_df = _region_frame(dates, forecast)
    in_holdout = weather_df["date"] >= dates[h0]
    # One row per store and history day the store was open (any item has a row), by date.
    open_day, open_store = np.nonzero(exists.any(axis=1)[:, :h0].T)
    work = pd.DataFrame(
        {
            "date": dates[open_day],
            "store_id": store_ids[open_store],
            "minutes": minutes[open_store, open_day],
        }
    )
    stores_public = stores[["store_id", "region", "floor_area_m2", "opened_year"]]
    items_public = items[["item_id", "name_ja", "name_en", "category", "launch_date"]].assign(
        regular_price=items["price"].to_numpy()
    )
    return GeneratedTables(
        learner={
            "sales": long.loc[history].reset_index(drop=True),
            "forecast_inputs": long.loc[~history, public_cols].reset_index(drop=True),
            "stores": stores_public,
            "items": items_public,
            "calendar": cal,
            "weather": weather_df.loc[~in_holdout].reset_index(drop=True),
            "weather_forecast": forecast_df.loc[forecast_df["date"] >= dates[h0]].reset_index(
                drop=True
            ),
            "forecast_work": work.reset_index(drop=True),
            "cost_assumptions": cost_assumptions(),
        },
        holdout={
            "holdout_sales": long.loc[
                ~history, ["date", "store_id", "item_id", "sales_qty", "manual_forecast"]
            ].reset_index(drop=True),
            "holdout_weather": weather_df.loc[in_holdout].reset_index(drop=True),
        },
    )


def _region_frame(dates: np.ndarray, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    n_reg = len(REGIONS)
    frame = pd.DataFrame({"date": np.tile(dates, n_reg), "region": np.repeat(REGIONS, len(dates))})
    for name, values in columns.items():
        frame[name] = np.asarray(values).reshape(-1)
    return frame.sort_values(["date", "region"], kind="stable").reset_index(drop=True)


def cost_assumptions() -> pd.DataFrame:
    """Unit costs for the business case (the company's own figures, rounded)."""
    return pd.DataFrame(
        [
            (
                "staff_cost_per_hour",
                1400,
                "JPY/hour",
                "店舗スタッフの時間単価(社会保険等込み)",
                "store staff cost per hour, with social insurance",
            ),
            (
                "hq_analyst_cost_per_hour",
                4000,
                "JPY/hour",
                "本部の需要予測担当の時間単価",
                "headquarters forecaster cost per hour",
            ),
            (
                "waste_cost_share",
                0.7,
                "1",
                "売れ残り 1 個の廃棄損失(売価比)",
                "loss per unsold unit, share of selling price",
            ),
            (
                "stockout_margin_share",
                0.3,
                "1",
                "欠品 1 個あたりの粗利損失(売価比)",
                "gross margin lost per unit short, share of selling price",
            ),
            ("business_days_per_year", 363, "days/year", "年間営業日数", "business days per year"),
        ],
        columns=["name", "value", "unit", "description_ja", "description_en"],
    )
