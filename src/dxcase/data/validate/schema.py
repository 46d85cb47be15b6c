"""Check one CSV resource against its Table Schema with pandera, collecting every failure."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from dxcase.data.validate.types import bad_type_mask, parse
from dxcase.errors import Problem

HEADER_LINES = 1  # data row i (0-based) is line i + 2 of the file
SEP = "|"  # between the rule name and the message in a pandera check's error text
_WORDS = {
    "minimum": "below the minimum",
    "maximum": "above the maximum",
    "enum": "not one of",
    "pattern": "does not match",
}


def pandera_schema(resource: dict[str, Any]) -> pa.DataFrameSchema:
    """A pandera schema equivalent to the resource's Table Schema (types, constraints, key)."""
    columns = {}
    for field in resource["schema"]["fields"]:
        cons = field.get("constraints", {})
        checks = [
            pa.Check(
                lambda s, f=field: ~bad_type_mask(s, parse(s, f)),
                error=f"type{SEP}not a valid {field['type']}",
            )
        ]
        for name, test in _constraint_checks(field, cons):
            checks.append(pa.Check(test, error=f"{name}{SEP}{_WORDS[name]} {cons[name]}"))
        columns[field["name"]] = pa.Column(
            None, checks=checks, nullable=not cons.get("required", False)
        )
    pk = resource["schema"].get("primaryKey") or None
    return pa.DataFrameSchema(columns, unique=pk, strict=False, report_duplicates="exclude_first")


def _constraint_checks(field: dict[str, Any], cons: dict[str, Any]):
    def typed(s: pd.Series) -> pd.Series:
        return parse(s, field)

    if "minimum" in cons:
        yield "minimum", lambda s: ~(typed(s) < cons["minimum"]).fillna(False)
    if "maximum" in cons:
        yield "maximum", lambda s: ~(typed(s) > cons["maximum"]).fillna(False)
    if "enum" in cons:
        allowed = {str(v) for v in cons["enum"]}
        yield "enum", lambda s: s.isna() | s.isin(allowed)
    if "pattern" in cons:
        pattern = re.compile(cons["pattern"])
        yield "pattern", lambda s: s.isna() | s.map(lambda v: bool(pattern.fullmatch(str(v))))


def schema_problems(frame: pd.DataFrame, resource: dict[str, Any], file: str) -> list[Problem]:
    """Every type, constraint, missing-column and primary-key failure as a Problem, by line."""
    try:
        pandera_schema(resource).validate(frame, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return []
    problems = []
    pk_cases = cases["check"].astype(str).str.contains("uniqueness")
    pk = resource["schema"].get("primaryKey", [])
    for index in cases.loc[pk_cases, "index"].dropna().unique():
        values = ", ".join(str(frame.at[index, c]) for c in pk)
        problems.append(
            Problem(
                file, "primary-key", f"duplicate primary key ({values})", _line(index), "+".join(pk)
            )
        )
    problems += [_to_problem(row, file) for row in cases[~pk_cases].itertuples(index=False)]
    return sorted(problems, key=lambda p: (p.line or 0, p.column or ""))


def _line(index: Any) -> int | None:
    return None if index is None or pd.isna(index) else int(index) + HEADER_LINES + 1


def _to_problem(case: Any, file: str) -> Problem:
    check, column = str(case.check), None if pd.isna(case.column) else str(case.column)
    if check == "column_in_dataframe":
        return Problem(
            file, "missing-column", "required column is absent", 1, str(case.failure_case)
        )
    if check == "not_nullable":
        return Problem(file, "required", "value is missing", _line(case.index), column)
    rule, _, message = check.partition(SEP)
    return Problem(
        file, rule, f"{case.failure_case!r}: {message or rule}", _line(case.index), column
    )
