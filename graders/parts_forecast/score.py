"""Holdout grader of the parts_forecast case: WMAPE of a learner's forecast file.

``score(forecast, truth_dir)`` reads the learner's ``forecast_holdout.csv`` (columns part_id,
customer_id, month, forecast; one row per supply pair and holdout month) and returns its WMAPE
against ``truth_dir/holdout_orders.csv``. This module never ships to learners.
"""

from __future__ import annotations

from pathlib import Path

from dxcase.grade.forecast import ForecastFileError, ForecastFormat

__all__ = ["FORMAT", "ForecastFileError", "score"]

FORMAT = ForecastFormat(
    keys=("part_id", "customer_id", "month"),
    period="month",
    period_format="%Y-%m",
    period_label="a YYYY-MM month",
    truth_file="holdout_orders.csv",
    truth_value="order_qty",
    rows_expected="the supply pairs × holdout months to forecast",
)


def score(forecast: Path, truth_dir: Path) -> float:
    """WMAPE of ``forecast`` against the holdout truth in ``truth_dir``."""
    return FORMAT.score(forecast, truth_dir)
