"""Reading and scoring a learner's holdout forecast file, shared by every case's grader.

A case's ``graders/<case>/score.py`` declares a :class:`ForecastFormat` (key columns, the
period column and its format, the truth file and column) and calls :func:`score_file`.
A malformed file raises :class:`ForecastFileError` with a message that says what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dxcase.metrics import wmape

VALUE = "forecast"


class ForecastFileError(ValueError):
    """The forecast file cannot be scored; the message names the fault."""


@dataclass(frozen=True)
class ForecastFormat:
    """What a case's forecast file holds and which truth it is scored against."""

    keys: tuple[str, ...]
    period: str  # the key column that is a date or month
    period_format: str | None  # e.g. "%Y-%m"; None parses any date
    period_label: str  # how the message names a valid value ("a date", "a YYYY-MM month")
    truth_file: str
    truth_value: str
    rows_expected: str  # how the message names the rows to forecast

    def _periods(self, values: pd.Series, what: str) -> pd.Series:
        parsed = pd.to_datetime(values, format=self.period_format, errors="coerce")
        if parsed.isna().any():
            bad = values[parsed.isna()].iloc[0]
            raise ForecastFileError(
                f"{what}: column {self.period} has a value that is not {self.period_label}: {bad!r}"
            )
        return parsed.dt.strftime(self.period_format or "%Y-%m-%d")

    def read(self, forecast: Path) -> pd.DataFrame:
        """The forecast file with string keys and a float forecast, or a clear error."""
        keys, names = list(self.keys), ", ".join(self.keys)
        forecast = Path(forecast)
        if not forecast.is_file():
            raise ForecastFileError(f"{forecast}: forecast file not found")
        try:
            frame = pd.read_csv(forecast, dtype={k: str for k in keys})
        except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise ForecastFileError(f"{forecast}: not a readable CSV file: {exc}") from None
        missing = [c for c in [*keys, VALUE] if c not in frame.columns]
        if missing:
            raise ForecastFileError(
                f"{forecast}: missing column(s) {', '.join(missing)} "
                f"(expected {', '.join([*keys, VALUE])})"
            )
        frame = frame[[*keys, VALUE]].copy()
        if frame[keys].isna().any().any():
            raise ForecastFileError(f"{forecast}: a key column ({names}) is empty")
        frame[self.period] = self._periods(frame[self.period], str(forecast))
        values = pd.to_numeric(frame[VALUE], errors="coerce")
        if values.isna().any() or not np.isfinite(values).all() or (values < 0).any():
            raise ForecastFileError(
                f"{forecast}: column forecast must hold finite numbers >= 0 in every row"
            )
        frame[VALUE] = values.astype(float)
        duplicated = int(frame.duplicated(keys).sum())
        if duplicated:
            raise ForecastFileError(f"{forecast}: {duplicated} row(s) repeat a ({names})")
        return frame

    def score(self, forecast: Path, truth_dir: Path) -> float:
        """WMAPE of ``forecast`` against the holdout truth in ``truth_dir``."""
        keys = list(self.keys)
        frame = self.read(Path(forecast))
        truth = pd.read_csv(Path(truth_dir) / self.truth_file, dtype={k: str for k in keys})
        truth[self.period] = self._periods(truth[self.period], self.truth_file)
        merged = truth[[*keys, self.truth_value]].merge(frame, on=keys, how="outer", indicator=True)
        absent = int((merged["_merge"] == "left_only").sum())
        extra = int((merged["_merge"] == "right_only").sum())
        if absent or extra:
            raise ForecastFileError(
                f"{forecast}: rows do not match {self.rows_expected} "
                f"({absent} row(s) missing, {extra} extra row(s))"
            )
        return wmape(merged[self.truth_value].to_numpy(), merged[VALUE].to_numpy())
