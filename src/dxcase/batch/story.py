"""Key figures a notebook records, and the story conditions a case checks on them.

A notebook records its key figures once, as a raw MIME bundle (far cheaper than scrapbook)::

    display({"application/vnd.dxcase.figures+json": {"model_wmape": 0.21, ...}}, raw=True)

``case.yaml`` lists the conditions its business story needs (``story:``), such as
``model_wmape <= 0.8 * manual_wmape``. They are evaluated with :mod:`ast` over the recorded
figures only: names, numbers, comparisons, ``+ - * /``, unary minus, ``and``/``or``/``not`` and
parentheses. Nothing else is accepted, so a condition can never run code.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from nbformat import NotebookNode

FIGURES_MIME = "application/vnd.dxcase.figures+json"

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}
_COMPARE = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}


_ALLOWED = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.USub,
    ast.UAdd,
    ast.Not,
    ast.BinOp,
    ast.Div,
    ast.Compare,
    ast.Load,
    *_BINARY,
    *_COMPARE,
)


class ConditionError(ValueError):
    """A condition uses something other than names, numbers, arithmetic and comparisons."""


class MissingFigure(LookupError):
    """A condition names a figure that no notebook of the variant recorded."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__(", ".join(names))


@dataclass
class ConditionResult:
    """One story condition on one variant: holds, fails, or missing (figures named)."""

    condition: str
    status: str  # "holds", "fails", "missing", "skipped"
    detail: str = ""
    values: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status in ("holds", "skipped")


def read_figures(nb: NotebookNode) -> dict[str, float]:
    """Merge every figures bundle an executed notebook displayed (later ones win)."""
    figures: dict[str, float] = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data") or {}
            bundle = data.get(FIGURES_MIME)
            if isinstance(bundle, Mapping):
                for key, value in bundle.items():
                    if isinstance(value, bool) or not isinstance(value, int | float):
                        continue
                    figures[str(key)] = float(value)
    return figures


def parse_condition(text: str) -> ast.Expression:
    """Parse and vet a condition; ConditionError says what is not allowed."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ConditionError(f"not a valid expression: {exc.msg}") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise ConditionError(f"only numbers are allowed, not {node.value!r}")
        elif isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Load):
                raise ConditionError(f"cannot assign to {node.id}")
        elif not isinstance(node, _ALLOWED):
            raise ConditionError(f"{type(node).__name__} is not allowed in a story condition")
    return tree


def names_in(text: str) -> list[str]:
    """Figure names a condition uses, in order of first appearance."""
    seen: dict[str, None] = {}
    for node in ast.walk(parse_condition(text)):
        if isinstance(node, ast.Name):
            seen.setdefault(node.id, None)
    return list(seen)


def evaluate(text: str, figures: Mapping[str, float]) -> Any:
    """The value of a condition over ``figures``; MissingFigure names every absent figure."""
    tree = parse_condition(text)
    missing = [n for n in names_in(text) if n not in figures]
    if missing:
        raise MissingFigure(missing)
    return _eval(tree.body, figures)


def _eval(node: ast.AST, figures: Mapping[str, float]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return figures[node.id]
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, figures)
        return (
            not value
            if isinstance(node.op, ast.Not)
            else (-value if isinstance(node.op, ast.USub) else +value)
        )
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, figures), _eval(node.right, figures)
        if isinstance(node.op, ast.Div):
            return math.nan if right == 0 else left / right
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.BoolOp):
        values = (_eval(v, figures) for v in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, figures)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _eval(comparator, figures)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    raise ConditionError(f"{type(node).__name__} is not allowed")  # parse_condition vets first


def check_story(
    conditions: Iterable[str], figures: Mapping[str, float], skip: str = ""
) -> list[ConditionResult]:
    """Evaluate every condition; ``skip`` (a reason) marks them all skipped instead."""
    results = []
    for text in conditions:
        if skip:
            results.append(ConditionResult(text, "skipped", skip))
            continue
        values = {n: figures[n] for n in names_in(text) if n in figures}
        try:
            holds = bool(evaluate(text, figures))
        except MissingFigure as exc:
            results.append(
                ConditionResult(
                    text,
                    "missing",
                    "figure(s) not recorded by any notebook of this variant: "
                    + ", ".join(exc.names),
                    values,
                )
            )
            continue
        shown = ", ".join(f"{k}={v:.4g}" for k, v in values.items())
        results.append(ConditionResult(text, "holds" if holds else "fails", shown, values))
    return results
