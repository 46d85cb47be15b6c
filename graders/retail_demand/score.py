"""Holdout grader of the retail_demand case: WMAPE of a learner's forecast file.

``score(forecast, truth_dir)`` reads the learner's ``forecast_holdout.csv`` (columns date,
store_id, item_id, forecast; one row per row of forecast_inputs.csv) and returns its WMAPE
against ``truth_dir/holdout_sales.csv``. This module never ships to learners.
"""

from __future__ import annotations

from pathlib import Path

from dxcase.grade.forecast import ForecastFileError, ForecastFormat

__all__ = ["FORMAT", "ForecastFileError", "score"]

FORMAT = ForecastFormat(
    keys=("date", "store_id", "item_id"),
    period="date",
    period_format=None,
    period_label="a date",
    truth_file="holdout_sales.csv",
    truth_value="sales_qty",
    rows_expected="forecast_inputs.csv",
)


def score(forecast: Path, truth_dir: Path) -> float:
    """WMAPE of ``forecast`` against the holdout truth in ``truth_dir``."""
    return FORMAT.score(forecast, truth_dir)
