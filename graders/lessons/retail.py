"""Retail lesson: manual forecasts beat naive baselines; a plain LightGBM beats manual by 20%.

Window: the last 13 weeks (91 days) before the holdout. Metric: WMAPE over all store-item-days.
Every forecast is one day ahead, as the stores' manual forecast is (made the day before).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd

from dxcase.metrics import wmape

WINDOW_DAYS = 91
FEATURES = [
    "store_id",
    "item_id",
    "category",
    "weekday",
    "month",
    "is_holiday",
    "event",
    "is_payday",
    "promo",
    "discount",
    "temp_max",
    "temp_mean",
    "precip_mm",
    "temp_change",
    "floor_area_m2",
    "lag_1",
    "lag_7",
    "lag_14",
    "mean_7",
    "mean_28",
]
CATEGORICAL = ["store_id", "item_id", "category", "event"]


@dataclass(frozen=True)
class RetailLesson:
    """WMAPE of each forecast over the window, and whether the lesson holds."""

    seasonal_naive_7: float
    moving_average_28: float
    manual: float
    lightgbm: float
    window_start: str
    rows: int

    @property
    def manual_beats_naive(self) -> bool:
        return self.manual < min(self.seasonal_naive_7, self.moving_average_28)

    @property
    def model_gain_over_manual(self) -> float:
        return 1.0 - self.lightgbm / self.manual

    @property
    def holds(self) -> bool:
        return self.manual_beats_naive and self.model_gain_over_manual >= 0.20

    def as_dict(self) -> dict[str, object]:
        return {
            **asdict(self),
            "manual_beats_naive": self.manual_beats_naive,
            "model_gain_over_manual": self.model_gain_over_manual,
            "holds": self.holds,
        }


def read_tables(folder: str | Path) -> dict[str, pd.DataFrame]:
    folder = Path(folder)
    names = ["sales", "stores", "items", "calendar", "weather"]
    return {
        n: pd.read_csv(
            folder / f"{n}.csv",
            parse_dates=["date"] if n in ("sales", "calendar", "weather") else None,
        )
        for n in names
    }


def feature_frame(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Sales joined with calendar, weather, store and item attributes, plus lag features."""
    sales = t["sales"].sort_values(["store_id", "item_id", "date"]).reset_index(drop=True)
    weather = t["weather"].sort_values(["region", "date"]).copy()
    prev_week = weather.groupby("region")["temp_mean"].transform(
        lambda s: s.rolling(7, min_periods=1).mean().shift(1)
    )
    weather["temp_change"] = weather["temp_mean"] - prev_week
    cal = t["calendar"].assign(
        is_holiday=lambda c: c["holiday_name"].notna(), month=lambda c: c["date"].dt.month
    )
    frame = (
        sales.merge(t["stores"], on="store_id")
        .merge(t["items"][["item_id", "category", "regular_price"]], on="item_id")
        .merge(cal[["date", "weekday", "month", "is_holiday", "event", "is_payday"]], on="date")
        .merge(
            weather[["date", "region", "temp_max", "temp_mean", "precip_mm", "temp_change"]],
            on=["date", "region"],
        )
    )
    frame = frame.sort_values(["store_id", "item_id", "date"]).reset_index(drop=True)
    frame["discount"] = 1.0 - frame["price"] / frame["regular_price"]
    frame = frame.join(lag_features(frame))
    for col in CATEGORICAL:
        frame[col] = frame[col].astype("category")
    return frame


def lag_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Lags by calendar day (missing days stay missing), one day ahead of each row."""
    wide = frame.pivot_table(index="date", columns=["store_id", "item_id"], values="sales_qty")
    wide = wide.asfreq("D")
    feats = {
        "lag_1": wide.shift(1),
        "lag_7": wide.shift(7),
        "lag_14": wide.shift(14),
        "mean_7": wide.shift(1).rolling(7, min_periods=4).mean(),
        "mean_28": wide.shift(1).rolling(28, min_periods=14).mean(),
    }
    long = pd.concat(
        {k: v.stack(["store_id", "item_id"], future_stack=True) for k, v in feats.items()}, axis=1
    )
    keys = pd.MultiIndex.from_frame(frame[["date", "store_id", "item_id"]])
    return long.reindex(keys).reset_index(drop=True)


def evaluate(folder: str | Path, seed: int = 0) -> RetailLesson:
    """Measure the lesson on a learner folder (history only; the holdout is not needed)."""
    return evaluate_tables(read_tables(folder), seed)


def evaluate_tables(tables: dict[str, pd.DataFrame], seed: int = 0) -> RetailLesson:
    """Measure the lesson on learner tables already in memory."""
    frame = feature_frame(tables)
    start = frame["date"].max() - pd.Timedelta(days=WINDOW_DAYS - 1)
    train, test = frame[frame["date"] < start], frame[frame["date"] >= start]
    model = lgb.LGBMRegressor(random_state=seed, verbose=-1)  # library defaults: no tuning
    model.fit(train[FEATURES], train["sales_qty"])
    pred = np.clip(model.predict(test[FEATURES]), 0, None)
    y = test["sales_qty"]
    return RetailLesson(
        seasonal_naive_7=wmape(y, test["lag_7"].fillna(test["mean_28"]).fillna(0)),
        moving_average_28=wmape(y, test["mean_28"].fillna(0)),
        manual=wmape(y, test["manual_forecast"]),
        lightgbm=wmape(y, pred),
        window_start=str(start.date()),
        rows=len(test),
    )
