"""Column transforms: shift dates by whole weeks, recompute calendar columns, scale, generalize.

Every transform takes a column of strings (missing values are ``<NA>``) and returns the new
column plus the rows it could not handle, as ``(row position, rule, message)``; the caller
turns those into problems naming file, line and column. Work is done once per distinct value.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

BadRow = tuple[int, str, str]

DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y%m%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日",
)


def map_unique(
    series: pd.Series, fn: Callable[[str], Any], rule: str
) -> tuple[pd.Series, list[BadRow]]:
    """Apply ``fn`` to each distinct value; a ValueError marks that value's rows as bad."""
    mapping: dict[str, Any] = {}
    failed: dict[str, str] = {}
    for value in series.dropna().unique():
        try:
            mapping[value] = fn(value)
        except ValueError as exc:
            failed[value] = str(exc)
    rows = series.tolist()
    bad = [(i, rule, failed[v]) for i, v in enumerate(rows) if isinstance(v, str) and v in failed]
    values = [mapping.get(v) if isinstance(v, str) else None for v in rows]
    return pd.Series(values, index=series.index, dtype=object), bad


# --- dates -----------------------------------------------------------------------------------


def detect_date_format(series: pd.Series) -> str | None:
    """The first known format that parses every value (None if no format parses them all)."""
    values = series.dropna().unique()
    for fmt in DATE_FORMATS:
        try:
            for value in values:
                datetime.strptime(value, fmt)
        except ValueError:
            continue
        return fmt
    return None


def parse_dates(series: pd.Series, fmt: str | None) -> tuple[pd.Series, list[BadRow], str]:
    """Parse the column with ``fmt`` (or the detected format); the format is returned too."""
    fmt = fmt or detect_date_format(series) or DATE_FORMATS[0]

    def parse(value: str) -> datetime:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            raise ValueError(f"not a date in the format {fmt}") from None

    parsed, bad = map_unique(series, parse, "bad-date")
    return parsed, bad, fmt


def shift_dates(parsed: pd.Series, weeks: int, fmt: str) -> tuple[pd.Series, pd.Series]:
    """Shifted dates (datetimes) and their text in ``fmt``: weekdays stay the same."""
    delta = timedelta(weeks=weeks)
    shifted = pd.Series(
        [d + delta if isinstance(d, datetime) else None for d in parsed],
        index=parsed.index,
        dtype=object,
    )
    text = [d.strftime(fmt) if isinstance(d, datetime) else pd.NA for d in shifted]
    return shifted, pd.Series(text, index=parsed.index, dtype="string")


# --- calendar columns derived from a date ----------------------------------------------------

_JA_DAYS = "月火水木金土日"


def _holiday_name(d: datetime) -> str:
    import jpholiday

    return jpholiday.is_holiday_name(d.date()) or ""


def _is_holiday(d: datetime) -> bool:
    import jpholiday

    return bool(jpholiday.is_holiday(d.date()))


PARTS: dict[str, Callable[[datetime], str | bool]] = {
    "weekday_ja": lambda d: _JA_DAYS[d.weekday()],
    "weekday_ja_long": lambda d: f"{_JA_DAYS[d.weekday()]}曜日",
    "weekday_en": lambda d: d.strftime("%a"),
    "weekday_en_long": lambda d: d.strftime("%A"),
    "weekday": lambda d: str(d.weekday()),
    "weekday_iso": lambda d: str(d.isoweekday()),
    "month": lambda d: str(d.month),
    "year": lambda d: str(d.year),
    "day": lambda d: str(d.day),
    "quarter": lambda d: str((d.month - 1) // 3 + 1),
    "iso_week": lambda d: str(d.isocalendar().week),
    "yearmonth": lambda d: d.strftime("%Y-%m"),
    "holiday_name": _holiday_name,
    "is_weekend": lambda d: d.weekday() >= 5,
    "holiday": _is_holiday,
}
BOOL_STYLES = (("1", "0"), ("True", "False"), ("true", "false"), ("TRUE", "FALSE"), ("Y", "N"))


def _render(part: str, style: tuple[str, str]) -> Callable[[datetime], str]:
    fn = PARTS[part]

    def render(d: datetime) -> str:
        value = fn(d)
        return style[0 if value else 1] if isinstance(value, bool) else str(value)

    return render


def _bool_style(series: pd.Series) -> tuple[str, str]:
    values = set(series.dropna().unique())
    return next((s for s in BOOL_STYLES if values <= set(s)), BOOL_STYLES[0])


def _padded(values: pd.Series) -> bool:
    return any(len(v) == 2 and v.startswith("0") for v in values.dropna().unique())


def _matches(values: pd.Series, dates: pd.Series, render: Callable[[datetime], str]) -> bool:
    pairs = [
        (v, d)
        for v, d in zip(values, dates, strict=True)
        if not pd.isna(v) and isinstance(d, datetime)
    ]
    return bool(pairs) and all(v.lstrip("0") == render(d).lstrip("0") for v, d in pairs)


def infer_part(values: pd.Series, original_dates: pd.Series) -> str | None:
    """Which calendar part of the original date the column holds, if any known one fits."""
    style = _bool_style(values)
    for part in PARTS:
        if _matches(values, original_dates, _render(part, style)):
            return part
    return None


def derive(values: pd.Series, shifted_dates: pd.Series, part: str) -> pd.Series:
    """Recompute the calendar ``part`` from the shifted dates, in the column's own style."""
    render = _render(part, _bool_style(values))
    pad = _padded(values)
    out = [render(d) if isinstance(d, datetime) else pd.NA for d in shifted_dates]
    if pad:
        out = [v.zfill(2) if isinstance(v, str) and v.isdigit() else v for v in out]
    return pd.Series(out, index=shifted_dates.index, dtype="string")


# --- numbers ---------------------------------------------------------------------------------

_INT = re.compile(r"[-+]?\d+")


def _number(value: str) -> float:
    try:
        number = float(value.replace(",", ""))
    except ValueError:
        raise ValueError("not a number") from None
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def _decimals(series: pd.Series) -> int | None:
    """None if every value is a whole number, else the most decimal places seen."""
    values = [v.replace(",", "") for v in series.dropna().unique()]
    if all(_INT.fullmatch(v) for v in values):
        return None
    return max((len(v.split(".", 1)[1]) if "." in v else 0) for v in values)


def scale(series: pd.Series, factor: float) -> tuple[pd.Series, list[BadRow]]:
    """Multiply by ``factor``; whole-number columns stay whole numbers, decimals keep places."""
    places = _decimals(series)

    def scaled(value: str) -> str:
        x = _number(value) * factor
        if places is None:
            return str(int(Decimal(repr(x)).quantize(Decimal(1), ROUND_HALF_UP)))
        return f"{x:.{places}f}"

    out, bad = map_unique(series, scaled, "not-a-number")
    return out.astype("string"), bad


# --- generalizing ----------------------------------------------------------------------------


def _fmt(x: float) -> str:
    return f"{x:g}"


def _band(width: int) -> Callable[[str], str]:
    def band(value: str) -> str:
        low = math.floor(_number(value) / width) * width
        return f"{low}-{low + width - 1}" if width > 1 else str(low)

    return band


def _bins(edges: list[float]) -> Callable[[str], str]:
    def bin_of(value: str) -> str:
        x = _number(value)
        if x < edges[0]:
            return f"<{_fmt(edges[0])}"
        for low, high in itertools.pairwise(edges):
            if x < high:
                return f"[{_fmt(low)}, {_fmt(high)})"
        return f">={_fmt(edges[-1])}"

    return bin_of


def _prefix(n: int) -> Callable[[str], str]:
    return lambda value: "".join(c for c in value if c.isalnum())[:n]


def _category(mapping: Mapping[Any, Any], other: str | None) -> Callable[[str], str]:
    table = {str(k): str(v) for k, v in mapping.items()}

    def category(value: str) -> str:
        if value in table:
            return table[value]
        if other is None:
            raise ValueError("value not in 'map' (add it, or give 'other')")
        return other

    return category


def generalize(series: pd.Series, options: Mapping[str, Any]) -> tuple[pd.Series, list[BadRow]]:
    """Coarsen values: ``band`` (numbers), ``bins``, ``keep_prefix`` (codes) or ``map``."""
    if "band" in options:
        fn, rule = _band(int(options["band"])), "not-a-number"
    elif "bins" in options:
        fn, rule = _bins([float(x) for x in options["bins"]]), "not-a-number"
    elif "keep_prefix" in options:
        fn, rule = _prefix(int(options["keep_prefix"])), "bad-value"
    else:
        fn, rule = _category(options["map"], options.get("other")), "unmapped-value"
    out, bad = map_unique(series, fn, rule)
    return out.astype("string"), bad
