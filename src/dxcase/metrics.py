"""Forecast error metrics shared by datasets, cases, checks and graders."""

from __future__ import annotations

import numpy as np
import pandas as pd


def wmape(actual: pd.Series | np.ndarray, forecast: pd.Series | np.ndarray) -> float:
    """Weighted MAPE: Σ|actual − forecast| / Σ actual (robust to zero sales); NaN if Σ actual = 0."""
    y = np.asarray(actual, dtype=float)
    f = np.asarray(forecast, dtype=float)
    if y.shape != f.shape:
        raise ValueError(f"actual and forecast differ in shape: {y.shape} vs {f.shape}")
    total = y.sum()
    return float(np.abs(y - f).sum() / total) if total > 0 else float("nan")


def wmape_by(frame: pd.DataFrame, by: str | list[str], actual: str, forecast: str) -> pd.Series:
    """WMAPE per group (for example per store or per part); groups with no actuals give NaN."""
    err = (frame[actual] - frame[forecast]).abs()
    sums = frame.assign(_err=err).groupby(by, observed=True)[["_err", actual]].sum()
    return (sums["_err"] / sums[actual].where(sums[actual] > 0)).rename("wmape")
