"""Parse Table Schema field types from CSV strings, vectorized; unparsable values become NA."""

from __future__ import annotations

from typing import Any

import pandas as pd

TRUE_VALUES = {"true", "True", "TRUE", "1"}
FALSE_VALUES = {"false", "False", "FALSE", "0"}


def parse(values: pd.Series, field: dict[str, Any]) -> pd.Series:
    """Typed values of a string column (NA where missing or not of the field's type)."""
    kind = field.get("type", "string")
    if kind == "integer":
        numbers = pd.to_numeric(values, errors="coerce")
        return numbers.where(numbers == numbers.round()).astype("Int64")
    if kind == "number":
        return pd.to_numeric(values, errors="coerce").astype("Float64")
    if kind == "date":
        return pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
    if kind == "yearmonth":
        return pd.to_datetime(values, format="%Y-%m", errors="coerce")
    if kind == "boolean":
        typed = pd.Series(pd.NA, index=values.index, dtype="boolean")
        typed[values.isin(TRUE_VALUES)] = True
        typed[values.isin(FALSE_VALUES)] = False
        return typed
    return values


def bad_type_mask(values: pd.Series, typed: pd.Series) -> pd.Series:
    """Rows with a value present that did not parse."""
    return values.notna() & typed.isna()
