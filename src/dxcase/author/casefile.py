"""``case.yaml``: what a case is, checked field by field with errors naming the field.

A case is one nbgrader assignment: four phase notebooks in nbgrader format, the task checks
(``checks.yaml``), optional visible custom checks (``checks.py``) and assets. ``case.yaml`` says
what it is about, which dataset variant and rubric it uses, which tasks are practice, how its
final grade is weighed, and the time and memory each notebook may take.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dxcase.errors import InputError, Problem
from dxcase.i18n import LANGS

CASE_FILE = "case.yaml"
CHECKS_SOURCE = "checks.yaml"
CUSTOM_CHECKS = "checks.py"
ASSETS_DIR = "assets"
PHASES = ("business_issue", "requirements", "trial", "presentation")
WEIGHT_KEYS = ("autograded", "holdout", "peer_review")


@dataclass(frozen=True)
class Limits:
    """Per-notebook budget of the solution run (DESIGN.md: 60 s and 1 GiB on 2 cores)."""

    seconds: float = 60.0
    memory_mib: float = 1024.0
    cores: int = 2


@dataclass(frozen=True)
class DatasetUse:
    """Which dataset variant the notebooks run on, and the parameter that receives its folder."""

    name: str
    seed: int
    params: dict[str, str]
    parameter: str


@dataclass(frozen=True)
class HoldoutGrade:
    """How the holdout forecast is scored: task, grader module, and WMAPE → points."""

    task: str
    grader: str
    points: float
    full_credit_wmape: float
    zero_credit_wmape: float

    def points_for(self, wmape: float) -> float:
        """Full points at or below ``full_credit_wmape``, none at or above the zero line."""
        if math.isnan(wmape):
            return 0.0
        span = self.zero_credit_wmape - self.full_credit_wmape
        share = (self.zero_credit_wmape - wmape) / span
        return round(self.points * min(1.0, max(0.0, share)), 4)


@dataclass(frozen=True)
class Phase:
    notebook: str
    phase: str
    title: dict[str, str]
    minutes: int


@dataclass(frozen=True)
class Case:
    """A parsed ``case.yaml`` and the folder it lives in."""

    root: Path
    slug: str
    version: str
    title: dict[str, str]
    summary: dict[str, str]
    company: dict[str, str]
    decision_maker: dict[str, str]
    skills: list[dict[str, str]]
    phases: list[Phase]
    datasets: list[DatasetUse]
    practice: list[str]
    rubric: str
    weights: dict[str, float]
    holdout: HoldoutGrade | None
    limits: Limits
    hours: float
    story: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def notebooks(self) -> list[Path]:
        return [self.root / f"{p.notebook}.ipynb" for p in self.phases]

    @property
    def dataset(self) -> DatasetUse:
        return self.datasets[0]


def case_problem(case: Case, rule: str, message: str, field_name: str) -> Problem:
    """A problem in a case's ``case.yaml`` at ``field_name``."""
    return Problem(str(case.root / CASE_FILE), rule, message, column=field_name)


class _Reader:
    """Reads fields from the YAML mapping, collecting a Problem per wrong field."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path, self.data, self.problems = path, data, []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(Problem(str(self.path), "case-field", message, column=where))

    def get(
        self, where: str, kind: type | tuple[type, ...], default: Any = ..., within: Any = None
    ) -> Any:
        source = self.data if within is None else within
        name = where.rsplit(".", 1)[-1]
        if not isinstance(source, dict) or name not in source:
            if default is ...:
                self.fail(where, "required field is missing")
                return None
            return default
        value = source[name]
        if not isinstance(value, kind) or (
            isinstance(value, bool) and kind in (int, float, (int, float))
        ):
            self.fail(
                where, f"expected {getattr(kind, '__name__', kind)}, got {type(value).__name__}"
            )
            return None
        return value

    def text(self, where: str, within: Any = None, default: Any = ...) -> dict[str, str]:
        value = self.get(where, dict, default, within)
        if not isinstance(value, dict):
            return {}
        for lang in LANGS:
            if not isinstance(value.get(lang), str) or not value[lang].strip():
                self.fail(f"{where}.{lang}", f"text in {lang} is missing")
        return value


def load_case(path: str | Path) -> Case:
    """Read ``case.yaml`` from a case folder (or the file itself); InputError lists every fault."""
    path = Path(path)
    file = path / CASE_FILE if path.is_dir() else path
    if not file.is_file():
        raise InputError(f"{file}: no case.yaml", [Problem(str(file), "case-missing", "not found")])
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise InputError(
            f"{file}: not valid YAML", [Problem(str(file), "yaml", str(exc), line)]
        ) from None
    if not isinstance(data, dict):
        raise InputError(
            f"{file}: not a mapping", [Problem(str(file), "yaml", "expected a mapping")]
        )
    r = _Reader(file, data)
    case = Case(
        root=file.parent,
        slug=r.get("slug", str) or file.parent.name,
        version=str(r.get("version", (str, int, float), "1.0.0")),
        title=r.text("title"),
        summary=r.text("summary"),
        company=r.text("company"),
        decision_maker=r.text("decision_maker"),
        skills=[
            r.text(f"skills[{i}]", within={f"skills[{i}]": s})
            for i, s in enumerate(r.get("skills", list) or [])
        ],
        phases=_phases(r),
        datasets=_datasets(r),
        practice=[str(x) for x in r.get("practice", list, [])],
        rubric=r.get("rubric", str) or "",
        weights=_weights(r),
        holdout=_holdout(r),
        limits=_limits(r),
        hours=float(r.get("hours", (int, float), 0) or 0),
        story=[str(x) for x in r.get("story", list, [])],
        raw=data,
    )
    if case.slug != file.parent.name:
        r.fail("slug", f"slug {case.slug!r} must equal the folder name {file.parent.name!r}")
    if r.problems:
        raise InputError(f"{file}: {len(r.problems)} problem(s)", r.problems)
    return case


def _phases(r: _Reader) -> list[Phase]:
    phases = []
    for i, item in enumerate(r.get("phases", list) or []):
        where = f"phases[{i}]"
        if not isinstance(item, dict):
            r.fail(where, "expected a mapping")
            continue
        phase = r.get(f"{where}.phase", str, within=item)
        if phase is not None and phase not in PHASES:
            r.fail(f"{where}.phase", f"must be one of {', '.join(PHASES)}")
        phases.append(
            Phase(
                notebook=r.get(f"{where}.notebook", str, within=item) or "",
                phase=phase or "",
                title=r.text(f"{where}.title", within=item),
                minutes=int(r.get(f"{where}.minutes", int, 60, within=item) or 0),
            )
        )
    if phases and [p.phase for p in phases] != list(PHASES):
        r.fail("phases", f"a case has the four phases in order: {', '.join(PHASES)}")
    return phases


def _datasets(r: _Reader) -> list[DatasetUse]:
    uses = []
    for i, item in enumerate(r.get("datasets", list) or []):
        where = f"datasets[{i}]"
        if not isinstance(item, dict):
            r.fail(where, "expected a mapping")
            continue
        params = r.get(f"{where}.params", dict, {}, within=item) or {}
        uses.append(
            DatasetUse(
                name=r.get(f"{where}.name", str, within=item) or "",
                seed=int(r.get(f"{where}.seed", int, 2024, within=item) or 0),
                params={str(k): str(v) for k, v in params.items()},
                parameter=r.get(f"{where}.parameter", str, "DATA_DIR", within=item) or "DATA_DIR",
            )
        )
    if not uses:
        r.fail("datasets", "a case uses at least one dataset")
    return uses


def _weights(r: _Reader) -> dict[str, float]:
    grading = r.get("grading", dict) or {}
    weights = r.get("grading.weights", dict, within=grading) or {}
    out = {}
    for key in WEIGHT_KEYS:
        value = r.get(f"grading.weights.{key}", (int, float), within=weights)
        out[key] = float(value or 0)
    unknown = set(weights) - set(WEIGHT_KEYS)
    if unknown:
        r.fail("grading.weights", f"unknown weight(s): {', '.join(sorted(unknown))}")
    if weights and abs(sum(out.values()) - 1.0) > 1e-6:
        r.fail(
            "grading.weights", f"weights must add up to 1 (they add up to {sum(out.values()):g})"
        )
    return out


def _holdout(r: _Reader) -> HoldoutGrade | None:
    grading = r.data.get("grading") if isinstance(r.data.get("grading"), dict) else {}
    item = r.get("grading.holdout", dict, None, within=grading)
    if item is None:
        return None
    w = "grading.holdout"
    holdout = HoldoutGrade(
        task=r.get(f"{w}.task", str, within=item) or "",
        grader=r.get(f"{w}.grader", str, within=item) or "",
        points=float(r.get(f"{w}.points", (int, float), within=item) or 0),
        full_credit_wmape=float(r.get(f"{w}.full_credit_wmape", (int, float), within=item) or 0),
        zero_credit_wmape=float(r.get(f"{w}.zero_credit_wmape", (int, float), within=item) or 0),
    )
    if holdout.zero_credit_wmape <= holdout.full_credit_wmape:
        r.fail(f"{w}.zero_credit_wmape", "must be larger than full_credit_wmape")
    return holdout


def _limits(r: _Reader) -> Limits:
    item = r.get("limits", dict, {}) or {}
    return Limits(
        seconds=float(r.get("limits.seconds", (int, float), 60.0, within=item) or 60.0),
        memory_mib=float(r.get("limits.memory_mib", (int, float), 1024.0, within=item) or 1024.0),
        cores=int(r.get("limits.cores", int, 2, within=item) or 2),
    )
