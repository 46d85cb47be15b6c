"""The visible part of each kind of check: what can be judged without the answer.

A visible check looks only at the learner's value (its type, range, shape, plausibility and
consistency with the data) and returns a :class:`Failure` naming a message code, or ``None``.
Comparing with the expected value is :func:`dxcase.answers.compare.compare`, on the trusted side.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Failure:
    """Why a value failed: a message code (``messages`` key) and the fields it shows."""

    code: str
    fields: dict[str, Any] = field(default_factory=dict)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_number(value: Any, visible: dict[str, Any], ctx: dict[str, Any]) -> Failure | None:
    if not _is_number(value):
        return Failure("not_a_number", {"type": type(value).__name__})
    value = float(value)
    if not math.isfinite(value):
        return Failure("not_finite")
    if visible.get("integer") and not value.is_integer():
        return Failure("not_integer")
    if "min" in visible and value < visible["min"]:
        return Failure("below_min", {"min": visible["min"]})
    if "max" in visible and value > visible["max"]:
        return Failure("above_max", {"max": visible["max"]})
    if "too_good_below" in visible and value < visible["too_good_below"]:
        return Failure("too_good", {"bound": visible["too_good_below"]})
    return None


def choice_options(visible: dict[str, Any], ctx: dict[str, Any]) -> list[Any]:
    """The listed ``options``, or the values of a data column (``options_from: table.column``),
    so a task stays right on dataset variants with other stores, items or parts."""
    if "options_from" not in visible:
        return list(visible["options"])
    import pandas as pd

    table, column = visible["options_from"].rsplit(".", 1)
    if not ctx.get("data_dir"):
        raise ValueError("options_from needs load_tasks(data_dir=...)")
    values = pd.read_csv(Path(ctx["data_dir"]) / f"{table}.csv", usecols=[column], dtype=str)
    return sorted(values[column].dropna().unique())


def check_choice(value: Any, visible: dict[str, Any], ctx: dict[str, Any]) -> Failure | None:
    options = choice_options(visible, ctx)
    if value not in options:
        return Failure("not_an_option", {"options": ", ".join(map(str, options))})
    return None


def _as_list(value: Any) -> list[Any] | None:
    if isinstance(value, str) or not isinstance(value, Iterable):
        return None
    return list(value)


def check_subset(value: Any, visible: dict[str, Any], ctx: dict[str, Any]) -> Failure | None:
    items = _as_list(value)
    if items is None:
        return Failure("not_a_list", {"type": type(value).__name__})
    allowed = (
        choice_options(visible, ctx) if "options" in visible or "options_from" in visible else items
    )
    unknown = [str(i) for i in items if i not in allowed]
    if unknown:
        return Failure("unknown_items", {"items": ", ".join(unknown)})
    if len(set(items)) != len(items):
        return Failure("duplicates")
    if len(items) < visible.get("min_size", 0):
        return Failure("too_few", {"n": visible["min_size"]})
    if "max_size" in visible and len(items) > visible["max_size"]:
        return Failure("too_many", {"n": visible["max_size"]})
    return None


def check_dataframe(value: Any, visible: dict[str, Any], ctx: dict[str, Any]) -> Failure | None:
    import pandas as pd

    if isinstance(value, pd.Series):
        value = value.reset_index()
    if not isinstance(value, pd.DataFrame):
        return Failure("not_a_dataframe", {"type": type(value).__name__})
    frame = value if not visible.get("use_index") else value.reset_index()
    missing = [c for c in visible.get("columns", []) if c not in frame.columns]
    if missing:
        return Failure("missing_columns", {"columns": ", ".join(missing)})
    if len(frame) < visible.get("min_rows", 0):
        return Failure("too_few_rows", {"n": visible["min_rows"]})
    if "max_rows" in visible and len(frame) > visible["max_rows"]:
        return Failure("too_many_rows", {"n": visible["max_rows"]})
    for col in visible.get("no_missing", []):
        if frame[col].isna().any():
            return Failure("has_missing", {"column": col})
    for col, (lo, hi) in visible.get("ranges", {}).items():
        values = pd.to_numeric(frame[col], errors="coerce")
        if values.isna().any() or (values < lo).any() or (values > hi).any():
            return Failure("out_of_range", {"column": col, "min": lo, "max": hi})
    return None


def check_forecast_file(value: Any, visible: dict[str, Any], ctx: dict[str, Any]) -> Failure | None:
    """A CSV of forecasts with one row per key to forecast, values >= 0.

    The keys to forecast come from the data's ``keys_file`` or, when the dataset has no such
    file (the rows to forecast follow from the history), from the data frame the notebook's
    given code defines under the name ``keys_variable``.
    """
    import pandas as pd

    if not isinstance(value, str | Path) or not Path(value).is_file():
        return Failure("no_file", {"path": str(value)})
    keys, column = visible["keys"], visible["value"]
    try:
        frame = pd.read_csv(value, dtype={k: str for k in keys})
    except (ValueError, UnicodeDecodeError) as exc:
        return Failure("unreadable_file", {"path": str(value), "error": str(exc)[:200]})
    missing = [c for c in [*keys, column] if c not in frame.columns]
    if missing:
        return Failure("missing_columns", {"columns": ", ".join(missing)})
    if frame.duplicated(keys).any():
        return Failure("duplicate_keys", {"n": int(frame.duplicated(keys).sum())})
    values = pd.to_numeric(frame[column], errors="coerce")
    if values.isna().any() or (values < 0).any() or not values.map(math.isfinite).all():
        return Failure("bad_values", {"column": column})
    wanted = _wanted_keys(visible, ctx)
    if wanted is not None:
        merged = wanted.merge(frame[keys].astype(str), how="outer", indicator=True)
        absent = int((merged["_merge"] == "left_only").sum())
        extra = int((merged["_merge"] == "right_only").sum())
        if absent or extra:
            return Failure("keys_mismatch", {"absent": absent, "extra": extra})
    return None


def _wanted_keys(visible: dict[str, Any], ctx: dict[str, Any]) -> Any:
    """The keys a forecast file must cover, as a frame of strings, or None if unknown."""
    import pandas as pd

    keys = visible["keys"]
    if ctx.get("data_dir") and visible.get("keys_file"):
        return pd.read_csv(Path(ctx["data_dir"]) / visible["keys_file"], dtype=str)[keys]
    name = visible.get("keys_variable")
    table = (ctx.get("namespace") or {}).get(name) if name else None
    if isinstance(table, pd.DataFrame) and all(k in table.columns for k in keys):
        return table[keys].astype(str).drop_duplicates()
    return None


VISIBLE: dict[str, Callable[[Any, dict[str, Any], dict[str, Any]], Failure | None]] = {
    "number": check_number,
    "choice": check_choice,
    "subset": check_subset,
    "dataframe": check_dataframe,
    "forecast_file": check_forecast_file,
}
