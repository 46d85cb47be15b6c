"""Holdout grader of the parts_forecast case: WMAPE of a learner's forecast file.

``score(forecast, truth_dir)`` reads the learner's ``forecast_holdout.csv`` (columns part_id,
customer_id, month, forecast; one row per supply pair and holdout month) and returns its WMAPE
against ``truth_dir/holdout_orders.csv``. A malformed file raises :class:`ForecastFileError`
with a message that says what to fix. This module never ships to learners.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from dxcase.metrics import wmape

KEYS = ["part_id", "customer_id", "month"]
VALUE = "forecast"
TRUTH_FILE = "holdout_orders.csv"


class ForecastFileError(ValueError):
    """The forecast file cannot be scored; the message names the fault."""


def _months(values: pd.Series, what: str) -> pd.Series:
    parsed = pd.to_datetime(values, format="%Y-%m", errors="coerce")
    if parsed.isna().any():
        bad = values[parsed.isna()].iloc[0]
        raise ForecastFileError(
            f"{what}: column month has a value that is not a YYYY-MM month: {bad!r}"
        )
    return parsed.dt.strftime("%Y-%m")


def read_forecast(forecast: Path) -> pd.DataFrame:
    """The forecast file as a frame with string keys and a float forecast, or a clear error."""
    forecast = Path(forecast)
    if not forecast.is_file():
        raise ForecastFileError(f"{forecast}: forecast file not found")
    try:
        frame = pd.read_csv(forecast, dtype={k: str for k in KEYS})
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ForecastFileError(f"{forecast}: not a readable CSV file: {exc}") from None
    missing = [c for c in [*KEYS, VALUE] if c not in frame.columns]
    if missing:
        raise ForecastFileError(
            f"{forecast}: missing column(s) {', '.join(missing)} "
            f"(expected {', '.join([*KEYS, VALUE])})"
        )
    frame = frame[[*KEYS, VALUE]].copy()
    if frame[KEYS].isna().any().any():
        raise ForecastFileError(f"{forecast}: a key column (part_id, customer_id, month) is empty")
    frame["month"] = _months(frame["month"], str(forecast))
    values = pd.to_numeric(frame[VALUE], errors="coerce")
    if values.isna().any() or not np.isfinite(values).all() or (values < 0).any():
        raise ForecastFileError(
            f"{forecast}: column forecast must hold finite numbers >= 0 in every row"
        )
    frame[VALUE] = values.astype(float)
    duplicated = int(frame.duplicated(KEYS).sum())
    if duplicated:
        raise ForecastFileError(
            f"{forecast}: {duplicated} row(s) repeat a (part_id, customer_id, month)"
        )
    return frame


def score(forecast: Path, truth_dir: Path) -> float:
    """WMAPE of ``forecast`` against the holdout truth in ``truth_dir``."""
    frame = read_forecast(Path(forecast))
    truth = pd.read_csv(Path(truth_dir) / TRUTH_FILE, dtype={k: str for k in KEYS})
    truth["month"] = _months(truth["month"], TRUTH_FILE)
    merged = truth[[*KEYS, "order_qty"]].merge(frame, on=KEYS, how="outer", indicator=True)
    absent = int((merged["_merge"] == "left_only").sum())
    extra = int((merged["_merge"] == "right_only").sum())
    if absent or extra:
        raise ForecastFileError(
            f"{forecast}: rows do not match the supply pairs × holdout months to forecast "
            f"({absent} row(s) missing, {extra} extra row(s))"
        )
    return wmape(merged["order_qty"].to_numpy(), merged[VALUE].to_numpy())
