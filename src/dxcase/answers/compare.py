"""The one comparison of a learner's value with a task's answer key, and its mistake rules.

Both values are in the JSON form of :mod:`dxcase.answers.channel`. The checker service, the
grader, ``dxcase author validate`` and ``dxcase batch`` all call :func:`compare`; nothing else
compares answers. Precedence: correct first, then the first mistake rule that matches, then a
plain mismatch. Messages name the kind of mistake and never the expected value.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Text = dict[str, str]
Status = Literal["correct", "incorrect", "not_attempted"]
MISTAKE_KINDS = ("ratio", "flipped_sign", "alternative", "option")


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer: how to recognise it and what to tell the learner."""

    kind: str  # one of MISTAKE_KINDS
    message: Text
    ratio: float | None = None  # ratio: value ≈ key × ratio
    code: str | None = None  # alternative: a snippet run after the answer cell in the key run
    option: str | None = None  # option: this option chosen (choice) or got wrong (subset)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "message": self.message}
        for name in ("ratio", "code", "option"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Mistake:
        return cls(
            data["kind"],
            dict(data["message"]),
            data.get("ratio"),
            data.get("code"),
            data.get("option"),
        )


@dataclass(frozen=True)
class Comparison:
    """What comparing a task needs: its kind, tolerance, table layout and mistake rules."""

    task: str
    kind: str
    tolerance: dict[str, Any] = field(default_factory=dict)
    keys: tuple[str, ...] = ()  # dataframe: the columns that identify a row
    columns: tuple[str, ...] = ()  # dataframe: every column compared (keys excluded)
    mistakes: tuple[Mistake, ...] = ()
    too_good_below: float | None = None  # number: below this, an honest method cannot be
    comparator: str | None = None  # custom: a function of the case source's comparators.py

    def to_json(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "kind": self.kind,
            "tolerance": self.tolerance,
            "keys": list(self.keys),
            "columns": list(self.columns),
            "mistakes": [m.to_json() for m in self.mistakes],
            "too_good_below": self.too_good_below,
            "comparator": self.comparator,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Comparison:
        return cls(
            task=data["task"],
            kind=data["kind"],
            tolerance=dict(data.get("tolerance") or {}),
            keys=tuple(data.get("keys") or ()),
            columns=tuple(data.get("columns") or ()),
            mistakes=tuple(Mistake.from_json(m) for m in data.get("mistakes") or ()),
            too_good_below=data.get("too_good_below"),
            comparator=data.get("comparator"),
        )


@dataclass(frozen=True)
class Verdict:
    """The outcome of one comparison: a status, a message code and, for rules, its message."""

    status: Status
    code: str  # correct, not_attempted, mismatch, missing_rows, extra_rows, mistake, too_good
    fields: dict[str, Any] = field(default_factory=dict)
    message: Text | None = None  # a mistake rule's own message

    @property
    def correct(self) -> bool:
        return self.status == "correct"


Comparator = Callable[[Any, Any, dict[str, Any]], bool]


def rule_id(code: str) -> str:
    """An alternative rule's stable id: a hash of its snippet (rules may be reordered)."""
    import hashlib

    return hashlib.sha256(code.strip().encode("utf-8")).hexdigest()[:12]


def compare(
    comparison: Comparison,
    value: Any,
    key: Any,
    alternatives: dict[str, Any] | None = None,
    comparators: Path | None = None,
) -> Verdict:
    """Compare ``value`` with ``key`` (both JSON forms); ``alternatives`` holds, by
    :func:`rule_id`, what each alternative snippet computed on the same variant. ``comparators`` is the case
    source's ``comparators.py``, for custom tasks (never a file that was submitted)."""
    if value is None:
        return Verdict("not_attempted", "not_attempted")
    same = _matcher(comparison, comparators)
    try:
        if same(value, key):
            return Verdict("correct", "correct")
    except (TypeError, ValueError, KeyError):
        return Verdict("incorrect", "mismatch")
    for index, rule in enumerate(comparison.mistakes):
        if _rule_matches(comparison, rule, index, value, key, alternatives or {}, same):
            return Verdict("incorrect", "mistake", {"rule": index}, rule.message)
    if comparison.kind == "dataframe":
        shape = _row_problem(comparison, value, key)
        if shape is not None:
            return shape
    if (
        comparison.kind == "number"
        and comparison.too_good_below is not None
        and _is_number(value)
        and value < comparison.too_good_below
    ):
        return Verdict("incorrect", "too_good", {"bound": comparison.too_good_below})
    return Verdict("incorrect", "mismatch")


def rule_matches_key(
    comparison: Comparison, index: int, key: Any, alternatives: dict[str, Any]
) -> bool:
    """Whether rule ``index`` coincides with the right answer on this variant (then it stays
    silent there; ``author validate`` warns, since it may still fire on other variants)."""
    rule = comparison.mistakes[index]
    same = _matcher(comparison, None)
    if rule.kind == "option":
        return False
    if rule.kind == "alternative":
        wrong = _alternative(alternatives, rule, index)
        return wrong is not None and _equal_to_key(same, wrong, key)
    return _rule_matches(comparison, rule, index, key, key, alternatives, same)


def _matcher(comparison: Comparison, comparators: Path | None) -> Callable[[Any, Any], bool]:
    kind, tol = comparison.kind, comparison.tolerance
    if kind == "number":
        return lambda v, k: _is_number(v) and _is_number(k) and close(v, k, tol)
    if kind == "choice":
        return lambda v, k: isinstance(v, str) and v == k
    if kind == "subset":
        return lambda v, k: isinstance(v, list) and sorted(map(str, v)) == sorted(map(str, k))
    if kind == "dataframe":
        return lambda v, k: tables_match(comparison, v, k)
    if kind == "custom":
        func = load_comparator(comparators, comparison.comparator or "")
        return lambda v, k: bool(func(v, k, tol))
    raise ValueError(f"a {kind} task is not compared with a key")


def _rule_matches(
    comparison: Comparison,
    rule: Mistake,
    index: int,
    value: Any,
    key: Any,
    alternatives: dict[str, Any],
    same: Callable[[Any, Any], bool],
) -> bool:
    try:
        if rule.kind == "ratio" and _is_number(key) and rule.ratio:
            return key != 0 and same(value, key * rule.ratio)
        if rule.kind == "flipped_sign" and _is_number(key):
            return key != 0 and same(value, -key)
        if rule.kind == "alternative":
            wrong = _alternative(alternatives, rule, index)
            return wrong is not None and not _equal_to_key(same, wrong, key) and same(value, wrong)
        if rule.kind == "option":
            return _option_wrong(comparison.kind, rule.option, value, key)
    except (TypeError, ValueError, KeyError):
        return False
    return False


def _alternative(alternatives: dict[str, Any], rule: Mistake, index: int) -> Any:
    """What a rule's snippet computed: by rule id as keys store it (or by index, hand-made)."""
    found = alternatives.get(rule_id(rule.code or ""))
    return alternatives.get(str(index)) if found is None else found


def _equal_to_key(same: Callable[[Any, Any], bool], wrong: Any, key: Any) -> bool:
    try:
        return same(wrong, key)
    except (TypeError, ValueError, KeyError):
        return False


def _option_wrong(kind: str, option: str | None, value: Any, key: Any) -> bool:
    if option is None:
        return False
    if kind == "choice":
        return value == option and key != option
    if kind == "subset" and isinstance(value, list):
        return (option in value) != (option in key)
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def close(value: float, expected: float, tolerance: dict[str, Any]) -> bool:
    """``|value − expected| <= max(abs, rel × |expected|)``; exact when no tolerance is given."""
    allowed = max(
        float(tolerance.get("abs", 0.0)), float(tolerance.get("rel", 0.0)) * abs(expected)
    )
    return abs(float(value) - float(expected)) <= allowed + 1e-12


def column_tolerance(comparison: Comparison, column: str) -> dict[str, Any]:
    """A table column's own tolerance, else the task's ``abs``/``rel``."""
    own = (comparison.tolerance.get("columns") or {}).get(column)
    if own is not None:
        return dict(own)
    return {k: v for k, v in comparison.tolerance.items() if k in ("abs", "rel")}


def _rows(comparison: Comparison, table: Any) -> dict[tuple[str, ...], dict[str, Any]]:
    if not isinstance(table, dict) or not isinstance(table.get("records"), list):
        raise ValueError("not a table")
    rows: dict[tuple[str, ...], dict[str, Any]] = {}
    for record in table["records"]:
        if not isinstance(record, dict):
            raise ValueError("not a table")
        key = tuple(str(record.get(k)) for k in comparison.keys)
        if key in rows:
            raise ValueError("a key repeats")
        rows[key] = record
    return rows


def _cell_close(comparison: Comparison, column: str, value: Any, expected: Any) -> bool:
    if expected is None or value is None:
        return expected is None and value is None
    if _is_number(expected):
        return _is_number(value) and close(value, expected, column_tolerance(comparison, column))
    return str(value) == str(expected)


def tables_match(comparison: Comparison, value: Any, key: Any) -> bool:
    """Same rows (by the key columns) and every compared column within its tolerance."""
    mine, want = _rows(comparison, value), _rows(comparison, key)
    if set(mine) != set(want):
        return False
    columns = [c for c in comparison.columns if c not in comparison.keys]
    return all(
        column in mine[row]
        and _cell_close(comparison, column, mine[row][column], want[row][column])
        for row in want
        for column in columns
    )


def _row_problem(comparison: Comparison, value: Any, key: Any) -> Verdict | None:
    """Rows missing or extra (by the key columns): said before any value is compared."""
    try:
        mine, want = _rows(comparison, value), _rows(comparison, key)
    except ValueError:
        return Verdict("incorrect", "mismatch")
    missing, extra = len(set(want) - set(mine)), len(set(mine) - set(want))
    if missing or extra:
        return Verdict("incorrect", "rows_differ", {"missing": missing, "extra": extra})
    columns = [c for c in comparison.columns if c not in comparison.keys]
    wrong = [
        c
        for c in columns
        if any(
            c not in mine[r] or not _cell_close(comparison, c, mine[r][c], want[r][c]) for r in want
        )
    ]
    if wrong:
        return Verdict("incorrect", "columns_differ", {"columns": ", ".join(wrong)})
    return None


def load_comparator(path: Path | None, name: str) -> Comparator:
    """A custom comparator from the case source's ``comparators.py`` (trusted code only)."""
    if path is None or not path.is_file():
        raise ValueError(f"custom comparator {name!r} needs the case source's comparators.py")
    spec = importlib.util.spec_from_file_location(f"dxcase_comparators_{abs(hash(path))}", path)
    if spec is None or spec.loader is None:
        raise ValueError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    func = getattr(module, name, None)
    if not callable(func):
        raise ValueError(f"{path} has no function {name!r}")
    return func


def describe(verdict: Verdict, lang: str) -> str:
    """The learner-facing text of a verdict: the rule's own message, else the code's."""
    from dxcase.i18n import t

    if verdict.message:
        return verdict.message.get(lang) or verdict.message.get("ja") or ""
    return t(f"answer_{verdict.code}", lang, **verdict.fields)
