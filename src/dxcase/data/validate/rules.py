"""Semantic rules beyond the Table Schema, declared per resource under ``dxcase:rules``.

Each rule yields :class:`Finding` records: a Problem plus the key values it concerns, which is
what declared known issues are matched against.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dxcase.data.validate.schema import HEADER_LINES
from dxcase.errors import Problem


@dataclass(frozen=True)
class Finding:
    problem: Problem
    resource: str
    context: dict[str, str] = field(default_factory=dict)


RuleFn = Callable[[pd.DataFrame, dict[str, Any], str, str], Iterator[Finding]]


def _line(index: Any) -> int:
    return int(index) + HEADER_LINES + 1


def _context(row: pd.Series, fields: list[str]) -> dict[str, str]:
    return {f: str(row[f]) for f in fields}


def _month_number(values: pd.Series) -> pd.Series:
    return values.dt.year * 12 + values.dt.month


def contiguous_dates(
    frame: pd.DataFrame, rule: dict[str, Any], resource: str, file: str
) -> Iterator[Finding]:
    """Within each group, dates follow each other without gaps (daily or monthly)."""
    col, by = rule["field"], list(rule.get("by", []))
    data = frame[[col, *by]].dropna().drop_duplicates(subset=[col, *by])
    data = data.sort_values([*by, col], kind="stable")
    steps = (
        _month_number(data[col])
        if rule.get("freq") == "M"
        else (data[col] - pd.Timestamp(0)).dt.days
    )
    gap = steps.groupby([data[b] for b in by]).diff() if by else steps.diff()
    unit = "month(s)" if rule.get("freq") == "M" else "day(s)"
    for index in gap.index[gap > 1]:
        row = data.loc[index]
        prev = data[col].iloc[data.index.get_loc(index) - 1]
        fmt = "%Y-%m" if rule.get("freq") == "M" else "%Y-%m-%d"
        group = ", ".join(f"{b}={row[b]}" for b in by) or "the table"
        msg = (
            f"{int(gap[index]) - 1} {unit} missing in {group} between "
            f"{prev:{fmt}} and {row[col]:{fmt}}"
        )
        yield Finding(
            Problem(file, "contiguous-dates", msg, _line(index), col), resource, _context(row, by)
        )


def outlier(
    frame: pd.DataFrame, rule: dict[str, Any], resource: str, file: str
) -> Iterator[Finding]:
    """Values far above the group's local median (factor times, and by at least min_excess)."""
    col, by = rule["field"], list(rule["by"])
    data = frame.sort_values([*by], kind="stable")
    values = data[col].astype(float)
    median = (
        values.groupby([data[b] for b in by], sort=False)
        .rolling(29, center=True, min_periods=7)
        .median()
        .droplevel(list(range(len(by))))
        .reindex(values.index)
    )
    flagged = (values > rule["factor"] * median) & (values - median >= rule["min_excess"])
    for index in flagged.index[flagged.fillna(False).to_numpy(bool)]:
        row = data.loc[index]
        msg = f"{row[col]} is over {rule['factor']}x the local median ({median[index]:.0f})"
        yield Finding(Problem(file, "outlier", msg, _line(index), col), resource, _context(row, by))


def horizon_consistent(
    frame: pd.DataFrame, rule: dict[str, Any], resource: str, file: str
) -> Iterator[Finding]:
    """horizon = target month − issue month, in months."""
    diff = _month_number(frame[rule["target"]]) - _month_number(frame[rule["issue"]])
    wrong = (diff != frame[rule["horizon"]]).fillna(False)
    for index in wrong.index[wrong.to_numpy(bool)]:
        msg = (
            f"horizon {frame.at[index, rule['horizon']]} but {rule['target']} − "
            f"{rule['issue']} is {diff[index]} month(s)"
        )
        yield Finding(
            Problem(file, "horizon-consistent", msg, _line(index), rule["horizon"]), resource
        )


def unique(
    frame: pd.DataFrame, rule: dict[str, Any], resource: str, file: str
) -> Iterator[Finding]:
    """No two rows share the same values of ``fields`` (a business key beside the record id)."""
    fields = list(rule["fields"])
    dup = frame.duplicated(subset=fields, keep="first")
    for index in dup.index[dup.to_numpy(bool)]:
        row = frame.loc[index]
        msg = "same " + ", ".join(f"{f}={_show(row[f])}" for f in fields) + " as an earlier row"
        yield Finding(
            Problem(file, "unique", msg, _line(index), "+".join(fields)),
            resource,
            _context(row, fields),
        )


def _show(value: Any) -> str:
    return value.strftime("%Y-%m") if isinstance(value, pd.Timestamp) else str(value)


RULES: dict[str, RuleFn] = {
    "contiguous-dates": contiguous_dates,
    "outlier": outlier,
    "horizon-consistent": horizon_consistent,
    "unique": unique,
}


def foreign_key_findings(
    frames: dict[str, pd.DataFrame], resource: dict[str, Any], file: str
) -> Iterator[Finding]:
    """Rows whose foreign key values are absent from the referenced resource."""
    child = frames[resource["name"]]
    for fk in resource["schema"].get("foreignKeys", []):
        fields, ref = fk["fields"], fk["reference"]
        parent = frames.get(ref["resource"])
        if parent is None:
            continue
        keys = pd.MultiIndex.from_frame(parent[ref["fields"]].dropna())
        present = pd.MultiIndex.from_frame(child[fields]).isin(keys)
        missing = ~present & child[fields].notna().all(axis=1).to_numpy()
        for index in child.index[np.asarray(missing)]:
            row = child.loc[index]
            values = ", ".join(f"{f}={_show(row[f])}" for f in fields)
            msg = f"{values} not found in {ref['resource']}"
            yield Finding(
                Problem(file, "foreign-key", msg, _line(index), "+".join(fields)),
                resource["name"],
                _context(row, fields),
            )
