"""Anonymize one table: apply each column's rule and scan the text that stays."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dxcase.data.anonymize import pii
from dxcase.data.anonymize.config import ColumnRule, Config, FileRule
from dxcase.data.anonymize.leaks import SubstringIndex
from dxcase.data.anonymize.pseudonymize import Keyed
from dxcase.data.anonymize.transforms import (
    PARTS,
    BadRow,
    derive,
    generalize,
    infer_part,
    parse_dates,
    scale,
    shift_dates,
)
from dxcase.errors import Problem

MAX_STORED_FINDINGS = 1000
_NUMERIC = re.compile(r"[-+]?[\d,]*\.?\d+(?:[eE][-+]?\d+)?")


@dataclass
class InputTable:
    """One input CSV, read as strings, with the physical line of each row."""

    name: str
    path: Path
    encoding: str
    frame: pd.DataFrame
    lines: list[int]


@dataclass(frozen=True)
class Occurrence:
    """Where the scanner found something; ``excerpt`` is masked."""

    file: str
    line: int
    column: str
    category: str
    excerpt: str
    redacted: bool


@dataclass
class Plan:
    """Key-derived settings shared by all tables, so every file is treated the same way."""

    config: Config
    keyed: Keyed
    weeks: int
    pseudonyms: dict[str, dict[str, str]]  # domain -> original -> pseudonym
    text_index: SubstringIndex

    def factor(self, rule: ColumnRule) -> float:
        if "factor" in rule.options:
            return float(rule.get("factor"))
        low, high = rule.get("range", self.config.scale_range)
        return self.keyed.factor(rule.get("group", rule.name), float(low), float(high))


@dataclass
class TableResult:
    """The anonymized table and what was done and found on the way."""

    name: str
    frame: pd.DataFrame
    rules: dict[str, ColumnRule]
    unreviewed: list[str] = field(default_factory=list)
    derived: dict[str, str] = field(default_factory=dict)  # column -> part, or "" if dropped
    findings: list[Occurrence] = field(default_factory=list)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (column, category)
    problems: list[Problem] = field(default_factory=list)


def is_numeric(series: pd.Series) -> bool:
    values = series.dropna().unique()
    return len(values) > 0 and all(_NUMERIC.fullmatch(v) for v in values)


def effective_rules(table: InputTable, rule: FileRule) -> dict[str, ColumnRule]:
    """The configured rule of every column; columns not in the config are kept as they are."""
    return {
        col: rule.columns.get(col)
        or ColumnRule(col, "keep", {"unreviewed": True}, ("files", table.name, "columns", col))
        for col in table.frame.columns
    }


class _TableJob:
    def __init__(self, table: InputTable, file_rule: FileRule, plan: Plan) -> None:
        self.table = table
        self.plan = plan
        self.out: dict[str, pd.Series] = {}
        self.shifted: dict[str, tuple[pd.Series, pd.Series]] = {}  # col -> (original, shifted)
        rules = effective_rules(table, file_rule)
        self.result = TableResult(table.name, pd.DataFrame(), rules)
        self.result.unreviewed = [c for c, r in rules.items() if r.get("unreviewed")]

    def bad(self, column: str, rows: list[BadRow]) -> None:
        self.result.problems += [
            Problem(str(self.table.path), rule, message, self.table.lines[i], column)
            for i, rule, message in rows
        ]

    def run(self) -> TableResult:
        rules = self.result.rules
        order = sorted(rules, key=lambda c: rules[c].action != "shift_date")  # dates first
        for col in order:
            self.apply(rules[col], self.table.frame[col])
        kept = [c for c in self.table.frame.columns if c in self.out]
        self.result.frame = pd.DataFrame({c: self.out[c] for c in kept})
        return self.result

    def apply(self, rule: ColumnRule, series: pd.Series) -> None:
        action, col = rule.action, rule.name
        if action == "drop":
            return
        if action == "pseudonymize":
            table = self.plan.pseudonyms[rule.get("domain", col)]
            self.out[col] = series.map(lambda v: table[v.strip()] if isinstance(v, str) else v)
        elif action == "shift_date":
            parsed, bad, fmt = parse_dates(series, rule.get("format"))
            self.bad(col, bad)
            shifted, self.out[col] = shift_dates(parsed, self.plan.weeks, fmt)
            self.shifted[col] = (parsed, shifted)
        elif action == "derive":
            self.derive(rule, series)
        elif action == "scale":
            self.out[col], bad = scale(series, self.plan.factor(rule))
            self.bad(col, bad)
        elif action == "generalize":
            self.out[col], bad = generalize(series, rule.options)
            self.bad(col, bad)
        elif action == "text":
            self.out[col] = self.scan(col, series, bool(rule.get("redact")), True)
        elif is_numeric(series):
            self.out[col] = series
        else:
            self.out[col] = self.scan(col, series, False, False)

    def derive(self, rule: ColumnRule, series: pd.Series) -> None:
        original, shifted = self.shifted[str(rule.get("from"))]
        part = rule.get("part") or infer_part(series, original)
        if part not in PARTS:
            self.result.derived[rule.name] = ""
            what = f"unknown part {part!r}" if part else "values match no known calendar part"
            self.result.problems.append(
                Problem(
                    str(self.plan.config.path),
                    "unknown-derivation",
                    f"{rule.path}: {what}; the column is dropped (known: {', '.join(PARTS)})",
                    rule.line,
                    rule.name,
                    "warning",
                )
            )
            return
        self.result.derived[rule.name] = part
        moved = rule.get("mode", "recompute") == "move"
        self.out[rule.name] = series if moved else derive(series, shifted, part)

    def scan(self, col: str, series: pd.Series, redact: bool, replace_ids: bool) -> pd.Series:
        """Scan each distinct value for personal data; optionally redact what is found."""
        done: dict[str, tuple[str, list[pii.Finding]]] = {}
        for value in series.dropna().unique():
            text = self.plan.text_index.replace(value) if replace_ids else value
            done[value] = (text, pii.scan(text))
        hits = {v: found for v, (_, found) in done.items() if found}
        for value, n in series[series.isin(list(hits))].value_counts().items():
            for f in hits[value]:
                self.result.counts[(col, f.category)] += int(n)
        stored = self.result.findings
        for i, value in enumerate(series.tolist()):
            if len(stored) >= MAX_STORED_FINDINGS:
                break
            if pd.isna(value) or value not in hits:
                continue
            text, found = done[value]
            stored += [
                Occurrence(
                    self.table.name,
                    self.table.lines[i],
                    col,
                    f.category,
                    pii.excerpt(text, f, found),
                    redact,
                )
                for f in found
            ]
        output = {v: pii.redact(t, f) if redact else t for v, (t, f) in done.items()}
        return series.map(output).astype("string")


def anonymize_table(table: InputTable, file_rule: FileRule, plan: Plan) -> TableResult:
    """Apply ``file_rule`` to ``table``; problems are collected in the result, not raised."""
    return _TableJob(table, file_rule, plan).run()
