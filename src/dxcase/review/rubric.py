"""Rubrics: criteria with scored levels (descriptors in ja and en), loaded from YAML.

Schema (``rubrics/*.yaml``)::

    id: presentation                      # [a-z0-9_]+
    title: {ja: ..., en: ...}
    overall_comment: required | optional | none
    min_comment_chars: 20                 # optional; shorter comments are flagged
    criteria:
      - id: business_issue
        title: {ja: ..., en: ...}
        comment: required | optional
        levels:                           # at least 2, distinct points, ascending
          - points: 1
            label: {ja: ..., en: ...}
            descriptor: {ja: ..., en: ...}

Every problem is reported with the file and the field path (``criteria[2].levels[0].points``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dxcase.errors import InputError, Problem, ProblemList
from dxcase.i18n import LANGS, current_lang

ID_RE = re.compile(r"^[a-z0-9_]+$")
COMMENT_MODES = ("required", "optional")
OVERALL_MODES = ("required", "optional", "none")


@dataclass(frozen=True)
class Level:
    points: int
    label: dict[str, str]
    descriptor: dict[str, str]


@dataclass(frozen=True)
class Criterion:
    id: str
    title: dict[str, str]
    comment: str
    levels: tuple[Level, ...]

    @property
    def min_points(self) -> int:
        return self.levels[0].points

    @property
    def max_points(self) -> int:
        return self.levels[-1].points

    def points(self) -> list[int]:
        return [lv.points for lv in self.levels]


@dataclass(frozen=True)
class Rubric:
    id: str
    title: dict[str, str]
    overall_comment: str
    criteria: tuple[Criterion, ...]
    min_comment_chars: int = 20

    @property
    def max_total(self) -> int:
        return sum(c.max_points for c in self.criteria)

    @property
    def min_total(self) -> int:
        return sum(c.min_points for c in self.criteria)

    def criterion(self, cid: str) -> Criterion:
        for c in self.criteria:
            if c.id == cid:
                return c
        raise KeyError(cid)

    def text(self, value: dict[str, str], lang: str | None = None) -> str:
        return value[current_lang(lang)]

    def to_dict(self) -> dict[str, Any]:
        """Plain data (stored with each round so later edits of the file do not change it)."""
        return {
            "id": self.id,
            "title": self.title,
            "overall_comment": self.overall_comment,
            "min_comment_chars": self.min_comment_chars,
            "criteria": [
                {
                    "id": c.id,
                    "title": c.title,
                    "comment": c.comment,
                    "levels": [
                        {"points": lv.points, "label": lv.label, "descriptor": lv.descriptor}
                        for lv in c.levels
                    ],
                }
                for c in self.criteria
            ],
        }


def load_rubric(path: str | Path) -> Rubric:
    """Read and validate a rubric file; raise :class:`InputError` naming every wrong field."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"{path}: rubric file not found") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise InputError(
            f"{path}: not valid YAML",
            [Problem(str(path), "yaml", str(exc).splitlines()[0], line=line)],
        ) from exc
    return rubric_from_dict(data, str(path))


def rubric_from_dict(data: Any, source: str = "<rubric>") -> Rubric:
    """Validate plain data as a rubric (``source`` names the file in problems)."""
    problems = ProblemList()

    def bad(field: str, message: str) -> None:
        problems.add(Problem(source, "rubric", message, column=field))

    if not isinstance(data, dict):
        bad("(top)", "a rubric is a mapping with id, title and criteria")
        raise InputError(f"{source}: invalid rubric", problems)
    rid = data.get("id")
    if not isinstance(rid, str) or not ID_RE.match(rid):
        bad("id", f"must be lower-case letters, digits or _ (got {rid!r})")
    title = _bilingual(data.get("title"), "title", bad)
    overall = data.get("overall_comment", "optional")
    if overall not in OVERALL_MODES:
        bad("overall_comment", f"must be one of {', '.join(OVERALL_MODES)} (got {overall!r})")
    min_chars = data.get("min_comment_chars", 20)
    if not isinstance(min_chars, int) or isinstance(min_chars, bool) or min_chars < 0:
        bad("min_comment_chars", f"must be a non-negative integer (got {min_chars!r})")
    unknown = set(data) - {"id", "title", "overall_comment", "min_comment_chars", "criteria"}
    for key in sorted(unknown):
        bad(key, "unknown field")
    raw_criteria = data.get("criteria")
    criteria: list[Criterion] = []
    if not isinstance(raw_criteria, list) or not raw_criteria:
        bad("criteria", "must be a non-empty list")
    else:
        seen: set[str] = set()
        for i, raw in enumerate(raw_criteria):
            crit = _criterion(raw, f"criteria[{i}]", bad)
            if crit is None:
                continue
            if crit.id in seen:
                bad(f"criteria[{i}].id", f"duplicate criterion id {crit.id!r}")
            seen.add(crit.id)
            criteria.append(crit)
    if problems.has_errors:
        raise InputError(f"{source}: invalid rubric ({problems.error_count} problem(s))", problems)
    return Rubric(rid, title, overall, tuple(criteria), min_chars)  # type: ignore[arg-type]


def _bilingual(value: Any, field: str, bad) -> dict[str, str]:
    if not isinstance(value, dict):
        bad(field, f"must give text in {' and '.join(LANGS)} ({{ja: ..., en: ...}})")
        return {}
    for lang in LANGS:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            bad(f"{field}.{lang}", "missing or empty text")
    return {lang: str(value.get(lang, "")) for lang in LANGS}


def _criterion(raw: Any, field: str, bad) -> Criterion | None:
    if not isinstance(raw, dict):
        bad(field, "a criterion is a mapping with id, title, comment and levels")
        return None
    cid = raw.get("id")
    if not isinstance(cid, str) or not ID_RE.match(cid):
        bad(f"{field}.id", f"must be lower-case letters, digits or _ (got {cid!r})")
    title = _bilingual(raw.get("title"), f"{field}.title", bad)
    comment = raw.get("comment", "optional")
    if comment not in COMMENT_MODES:
        bad(f"{field}.comment", f"must be one of {', '.join(COMMENT_MODES)} (got {comment!r})")
    raw_levels = raw.get("levels")
    levels: list[Level] = []
    if not isinstance(raw_levels, list) or len(raw_levels) < 2:
        bad(f"{field}.levels", "must list at least 2 levels")
    else:
        for j, lv in enumerate(raw_levels):
            where = f"{field}.levels[{j}]"
            if not isinstance(lv, dict):
                bad(where, "a level is a mapping with points, label and descriptor")
                continue
            pts = lv.get("points")
            if not isinstance(pts, int) or isinstance(pts, bool) or pts < 0:
                bad(f"{where}.points", f"must be a non-negative integer (got {pts!r})")
                continue
            label = _bilingual(lv.get("label"), f"{where}.label", bad)
            desc = _bilingual(lv.get("descriptor"), f"{where}.descriptor", bad)
            levels.append(Level(pts, label, desc))
        pts_list = [lv.points for lv in levels]
        if pts_list != sorted(set(pts_list)):
            bad(f"{field}.levels", f"points must be distinct and ascending (got {pts_list})")
    return Criterion(str(cid), title, str(comment), tuple(levels))
