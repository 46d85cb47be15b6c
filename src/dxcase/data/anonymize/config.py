"""Load and check ``anonymize.yaml``: every problem names the file, line and field path.

Format (see docs/anonymize.md)::

    date_shift_weeks: auto          # or whole weeks, e.g. -104
    date_shift_range: [-156, -26]   # weeks, used when auto (drawn from the key)
    scale_range: [0.8, 1.25]        # factor range for scale columns without a factor
    k_anonymity: 5                  # groups smaller than this are reported as a risk
    outlier_share: 0.2              # one entity or row above this share of a total is a risk
    files:
      orders.csv:
        quasi_identifiers: [age, postal_code]
        columns:
          cust_id: {action: pseudonymize, domain: customer, prefix: CUST}
          memo: {action: text, redact: true}
          phone: drop
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dxcase.errors import InputError, Problem

Check = Callable[[Any], str | None]


def _is_str(v: Any) -> str | None:
    return None if isinstance(v, str) and v.strip() else "expected a non-empty text"


def _is_bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else "expected true or false"


def _int_in(lo: int, hi: int) -> Check:
    def check(v: Any) -> str | None:
        ok = isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi
        return None if ok else f"expected a whole number from {lo} to {hi}"

    return check


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _positive(v: Any) -> str | None:
    return None if _is_number(v) and v > 0 else "expected a number above 0"


def _share(v: Any) -> str | None:
    return None if _is_number(v) and 0 < v <= 1 else "expected a number above 0 and at most 1"


def _pair(positive: bool, integer: bool) -> Check:
    def check(v: Any) -> str | None:
        kind = int if integer else (int, float)
        ok = (
            isinstance(v, list)
            and len(v) == 2
            and all(isinstance(x, kind) for x in v)
            and not any(isinstance(x, bool) for x in v)
            and v[0] <= v[1]
        )
        ok = ok and (not positive or v[0] > 0)
        what = "whole numbers" if integer else "positive numbers" if positive else "numbers"
        return None if ok else f"expected [low, high] with low <= high ({what})"

    return check


def _ascending(v: Any) -> str | None:
    ok = (
        isinstance(v, list)
        and len(v) >= 1
        and all(_is_number(x) for x in v)
        and all(a < b for a, b in itertools.pairwise(v))
    )
    return None if ok else "expected a list of numbers in ascending order"


def _text_map(v: Any) -> str | None:
    ok = (
        isinstance(v, dict)
        and v
        and all(isinstance(k, str | int) and isinstance(x, str | int) for k, x in v.items())
    )
    return None if ok else "expected a mapping of original value -> category"


def _shift(v: Any) -> str | None:
    return (
        None
        if v == "auto" or (isinstance(v, int) and not isinstance(v, bool))
        else ("expected auto or a whole number of weeks")
    )


def _mode(v: Any) -> str | None:
    return None if v in ("recompute", "move") else "expected recompute or move"


_STR_LIST = "expected a list of column names"

TOP_KEYS: dict[str, Check] = {
    "version": _int_in(1, 1),
    "date_shift_weeks": _shift,
    "date_shift_range": _pair(False, True),
    "scale_range": _pair(True, False),
    "k_anonymity": _int_in(2, 1000),
    "outlier_share": _share,
    "files": lambda v: None if isinstance(v, dict) and v else "expected a mapping of file names",
}
FILE_KEYS: dict[str, Check] = {
    "columns": lambda v: None if isinstance(v, dict) else "expected a mapping of column names",
    "quasi_identifiers": lambda v: (
        None if isinstance(v, list) and all(isinstance(x, str) for x in v) else _STR_LIST
    ),
}
ACTIONS: dict[str, dict[str, Check]] = {
    "keep": {"public": _is_bool},
    "drop": {"identifier": _is_bool},
    "pseudonymize": {"domain": _is_str, "prefix": _is_str, "length": _int_in(6, 26)},
    "shift_date": {"format": _is_str},
    "derive": {"from": _is_str, "part": _is_str, "mode": _mode},
    "scale": {
        "factor": _positive,
        "range": _pair(True, False),
        "group": _is_str,
        "public": _is_bool,
    },
    "generalize": {
        "band": _int_in(1, 10**9),
        "keep_prefix": _int_in(1, 100),
        "map": _text_map,
        "other": _is_str,
        "bins": _ascending,
        "public": _is_bool,
    },
    "text": {"redact": _is_bool},
}
REQUIRED = {"derive": ("from",)}
GENERALIZE_METHODS = ("band", "keep_prefix", "map", "bins")


@dataclass(frozen=True)
class ColumnRule:
    """What to do with one column; ``path`` is its field path in the config."""

    name: str
    action: str
    options: Mapping[str, Any]
    keys: tuple[str, ...]
    line: int | None = None

    @property
    def path(self) -> str:
        return ".".join(self.keys)

    def get(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)


@dataclass(frozen=True)
class FileRule:
    """The rules for one input file, keyed by its file name."""

    name: str
    columns: dict[str, ColumnRule]
    quasi_identifiers: list[str] | None
    path: str
    line: int | None = None


@dataclass(frozen=True)
class Config:
    """A checked ``anonymize.yaml``."""

    path: Path
    files: dict[str, FileRule]
    date_shift_weeks: int | None = None  # None: drawn from the key
    date_shift_range: tuple[int, int] = (-156, -26)
    scale_range: tuple[float, float] = (0.8, 1.25)
    k_anonymity: int = 5
    outlier_share: float = 0.2
    lines: dict[tuple[str, ...], int] = field(default_factory=dict, repr=False)

    def line_of(self, *keys: str) -> int | None:
        return self.lines.get(tuple(keys))


def _line_map(
    node: yaml.Node,
    prefix: tuple[str, ...],
    out: dict[tuple[str, ...], int],
    problems: list[Problem],
    file: str,
) -> None:
    """Record the line of every mapping key; report duplicated keys."""
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            path = (*prefix, key)
            if key in seen:
                problems.append(
                    Problem(
                        file,
                        "duplicate-key",
                        f"{'.'.join(path)}: given twice",
                        key_node.start_mark.line + 1,
                    )
                )
            seen.add(key)
            out[path] = key_node.start_mark.line + 1
            _line_map(value_node, path, out, problems, file)


def _parse_yaml(path: Path) -> tuple[Any, dict[tuple[str, ...], int]]:
    name = str(path)
    if not path.is_file():
        raise InputError(
            f"{path}: no such config file", [Problem(name, "missing-file", "config file not found")]
        )
    text = path.read_text(encoding="utf-8-sig")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = None if mark is None else mark.line + 1
        reason = getattr(exc, "problem", None) or str(exc)
        raise InputError(
            f"{path}: not valid YAML", [Problem(name, "yaml-syntax", str(reason), line)]
        ) from exc
    lines: dict[tuple[str, ...], int] = {}
    problems: list[Problem] = []
    if node is not None:
        _line_map(node, (), lines, problems, name)
    if problems:
        raise InputError(f"{path}: the config has problems", problems)
    return data, lines


class _Checker:
    """Collects problems while walking the config, each with its field path and line."""

    def __init__(self, path: Path, lines: dict[tuple[str, ...], int]) -> None:
        self.file = str(path)
        self.lines = lines
        self.problems: list[Problem] = []

    def add(
        self, keys: tuple[str, ...], rule: str, message: str, column: str | None = None
    ) -> None:
        line = None
        for n in range(len(keys), 0, -1):  # nearest line we know
            line = self.lines.get(keys[:n])
            if line is not None:
                break
        self.problems.append(
            Problem(self.file, rule, f"{'.'.join(keys) or '(top)'}: {message}", line, column)
        )

    def mapping(
        self,
        keys: tuple[str, ...],
        data: Mapping[str, Any],
        allowed: dict[str, Check],
        column: str | None = None,
    ) -> None:
        for key, value in data.items():
            if key not in allowed:
                self.add(
                    (*keys, str(key)),
                    "unknown-key",
                    f"unknown key {key!r} (allowed: {', '.join(allowed)})",
                    column,
                )
            else:
                error = allowed[key](value)
                if error:
                    self.add((*keys, key), "bad-value", error, column)


def _column_rule(check: _Checker, keys: tuple[str, ...], name: str, raw: Any) -> ColumnRule | None:
    if isinstance(raw, str):
        raw = {"action": raw}
    if not isinstance(raw, dict) or "action" not in raw:
        check.add(keys, "bad-value", "expected an action name or a mapping with 'action'", name)
        return None
    action = raw["action"]
    if action not in ACTIONS:
        check.add(
            (*keys, "action"),
            "bad-value",
            f"unknown action {action!r} (allowed: {', '.join(ACTIONS)})",
            name,
        )
        return None
    options = {k: v for k, v in raw.items() if k != "action"}
    check.mapping(keys, options, ACTIONS[action], name)
    for key in REQUIRED.get(action, ()):
        if key not in options:
            check.add(keys, "missing-field", f"action {action} needs {key!r}", name)
    if action == "generalize":
        methods = [m for m in GENERALIZE_METHODS if m in options]
        if len(methods) != 1:
            check.add(
                keys,
                "bad-value",
                f"generalize needs exactly one of {', '.join(GENERALIZE_METHODS)}",
                name,
            )
        if "other" in options and "map" not in options:
            check.add((*keys, "other"), "bad-value", "'other' only goes with 'map'", name)
    if action == "scale" and "factor" in options and "range" in options:
        check.add(keys, "bad-value", "give either 'factor' or 'range', not both", name)
    return ColumnRule(name, action, options, keys, check.lines.get(keys))


def _file_rule(check: _Checker, name: str, raw: Any) -> FileRule | None:
    keys = ("files", name)
    if not isinstance(raw, dict):
        check.add(keys, "bad-value", "expected a mapping with 'columns'")
        return None
    check.mapping(keys, raw, FILE_KEYS)
    columns: dict[str, ColumnRule] = {}
    raw_columns = raw.get("columns")
    for col, spec in (raw_columns if isinstance(raw_columns, dict) else {}).items():
        rule = _column_rule(check, (*keys, "columns", str(col)), str(col), spec)
        if rule is not None:
            columns[str(col)] = rule
    for rule in columns.values():
        if rule.action == "derive":
            source = columns.get(str(rule.get("from")))
            if source is None or source.action != "shift_date":
                check.add(
                    (*keys, "columns", rule.name, "from"),
                    "bad-value",
                    f"{rule.get('from')!r} is not a shift_date column of this file",
                    rule.name,
                )
    qi = raw.get("quasi_identifiers")
    return FileRule(
        name, columns, qi if isinstance(qi, list) else None, ".".join(keys), check.lines.get(keys)
    )


def _consistency(check: _Checker, files: dict[str, FileRule]) -> None:
    """Columns that share a pseudonym domain or scale group must agree, or joins break."""
    seen: dict[tuple[str, str], tuple[Any, str]] = {}
    for rule in (r for f in files.values() for r in f.columns.values()):
        if rule.action == "pseudonymize":
            key, value = (
                ("domain", rule.get("domain", rule.name)),
                (rule.get("prefix"), rule.get("length")),
            )
        elif rule.action == "scale" and "factor" in rule.options:
            key, value = ("group", rule.get("group", rule.name)), rule.get("factor")
        else:
            continue
        if key in seen and seen[key][0] != value:
            check.add(
                rule.keys,
                "inconsistent",
                f"{key[0]} {key[1]!r} is configured differently in {seen[key][1]}",
                rule.name,
            )
        seen.setdefault(key, (value, rule.path))


def load_config(path: str | Path) -> Config:
    """Read and check ``path``; raise InputError listing every problem found."""
    path = Path(path)
    data, lines = _parse_yaml(path)
    check = _Checker(path, lines)
    if not isinstance(data, dict):
        check.add((), "bad-value", "expected a mapping with 'files'")
        raise InputError(f"{path}: the config has problems", check.problems)
    check.mapping((), data, TOP_KEYS)
    if "files" not in data:
        check.add((), "missing-field", "'files' is required")
    files: dict[str, FileRule] = {}
    if isinstance(data.get("files"), dict):
        for name, raw in data["files"].items():
            rule = _file_rule(check, str(name), raw)
            if rule is not None:
                files[str(name)] = rule
    _consistency(check, files)
    if check.problems:
        raise InputError(f"{path}: the config has problems", check.problems)
    shift = data.get("date_shift_weeks", "auto")
    return Config(
        path=path,
        files=files,
        date_shift_weeks=None if shift == "auto" else int(shift),
        date_shift_range=tuple(data.get("date_shift_range", (-156, -26))),  # type: ignore[arg-type]
        scale_range=tuple(data.get("scale_range", (0.8, 1.25))),  # type: ignore[arg-type]
        k_anonymity=int(data.get("k_anonymity", 5)),
        outlier_share=float(data.get("outlier_share", 0.2)),
        lines=lines,
    )


def column_problems(config: Config, rule: FileRule, header: list[str]) -> list[Problem]:
    """Configured columns (and quasi-identifiers) the file does not have."""
    problems = []
    shown = ", ".join(header)
    for column in rule.columns.values():
        if column.name not in header:
            problems.append(
                Problem(
                    str(config.path),
                    "unknown-column",
                    f"{column.path}: column {column.name!r} is not in {rule.name} (columns: {shown})",
                    column.line,
                    column.name,
                )
            )
    for name in rule.quasi_identifiers or []:
        dropped = name in rule.columns and rule.columns[name].action in ("drop", "pseudonymize")
        if name not in header or dropped:
            problems.append(
                Problem(
                    str(config.path),
                    "unknown-column",
                    f"{rule.path}.quasi_identifiers: {name!r} is not a kept column of {rule.name}",
                    config.line_of("files", rule.name, "quasi_identifiers"),
                    name,
                )
            )
    return problems
