"""Check one CSV resource against its Table Schema with pandera, collecting every failure."""

from __future__ import annotations

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


def typed_columns(frame: pd.DataFrame, resource: dict[str, Any]) -> dict[str, pd.Series]:
    """Each declared column present in ``frame``, parsed once to its Table Schema type."""
    return {
        f["name"]: parse(frame[f["name"]], f)
        for f in resource["schema"]["fields"]
        if f["name"] in frame.columns
    }


def pandera_schema(resource: dict[str, Any], typed: dict[str, pd.Series]) -> pa.DataFrameSchema:
    """A pandera schema equivalent to the resource's Table Schema (types, constraints, key).

    Checks compare the raw strings with ``typed`` (the same column, already parsed), so each
    column is parsed once however many constraints it has.
    """
    columns = {}
    for field in resource["schema"]["fields"]:
        cons = field.get("constraints", {})
        values = typed.get(field["name"])
        checks = [
            pa.Check(
                lambda s, v=values: ~bad_type_mask(s, v),
                error=f"type{SEP}not a valid {field['type']}",
            )
        ]
        for name, test in _constraint_checks(cons, values):
            checks.append(pa.Check(test, error=f"{name}{SEP}{_WORDS[name]} {cons[name]}"))
        columns[field["name"]] = pa.Column(
            None, checks=checks, nullable=not cons.get("required", False)
        )
    pk = resource["schema"].get("primaryKey") or None
    return pa.DataFrameSchema(columns, unique=pk, strict=False, report_duplicates="exclude_first")


def _constraint_checks(cons: dict[str, Any], values: pd.Series | None):
    if "minimum" in cons:
        yield "minimum", lambda s: ~(values < cons["minimum"]).fillna(False)
    if "maximum" in cons:
        yield "maximum", lambda s: ~(values > cons["maximum"]).fillna(False)
    if "enum" in cons:
        allowed = {str(v) for v in cons["enum"]}
        yield "enum", lambda s: s.isna() | s.isin(allowed)
    if "pattern" in cons:
        yield "pattern", lambda s: s.isna() | s.str.fullmatch(cons["pattern"]).fillna(False)


def schema_problems(
    frame: pd.DataFrame, typed: dict[str, pd.Series], resource: dict[str, Any], file: str
) -> list[Problem]:
    """Every type, constraint, missing-column and primary-key failure as a Problem, by line."""
    try:
        pandera_schema(resource, typed).validate(frame, lazy=True)
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
