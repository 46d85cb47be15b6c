"""The batch matrix: cases x notebooks x dataset variants x languages, and each run's identity.

A matrix comes from the command line or a YAML file (docs/batch.md)::

    cases: [casestudies/retail_demand]
    notebooks: [03_trial]          # default: every notebook of each case
    languages: [ja]                # default: ja
    variants:                      # default: the case's own seed
      - seeds: 1-8                 # "1-8", "1,3,5", [1, 2] or one number
      - seeds: [101]
        params: {temperature_effect: 0}
        scale: 0.5
        dataset: retail_sales      # optional: only for cases on this dataset
    parameters: {}                 # extra papermill parameters for every run

A variant is (dataset, seed, parameters, scale): the case's own ``params`` from case.yaml,
overlaid by the variant's. Cases on the same dataset with the same variant share one folder.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dxcase import __version__
from dxcase.author.casefile import CHECKS_SOURCE, CUSTOM_CHECKS, Case, load_case
from dxcase.batch.story import ConditionError, parse_condition
from dxcase.errors import InputError, Problem
from dxcase.i18n import LANGS


def parse_seeds(value: object, where: str = "seeds") -> list[int]:
    """``"1-8"``, ``"1,3,10-12"``, ``[1, 2]`` or ``7`` → a list of seeds, in order, no repeats."""
    items: list[object] = list(value) if isinstance(value, list | tuple) else [value]
    seeds: list[int] = []
    for item in items:
        for part in str(item).split(","):
            part = part.strip()
            match = re.fullmatch(r"(-?\d+)(?:\s*-\s*(\d+))?", part)
            if not match:
                raise InputError(
                    f"{where}: {part!r} is not a seed or a range like 1-8",
                    [Problem(where, "bad-seeds", f"{part!r}: use N, N-M or N,M,...")],
                )
            start = int(match.group(1))
            stop = int(match.group(2)) if match.group(2) else start
            if stop < start:
                raise InputError(f"{where}: empty range {part!r}")
            seeds.extend(s for s in range(start, stop + 1) if s not in seeds)
    return seeds


@dataclass(frozen=True)
class VariantGroup:
    """Seeds that share parameter overrides and scale (one ``variants:`` entry or --seeds)."""

    seeds: tuple[int, ...]
    params: tuple[tuple[str, str], ...] = ()
    scale: float = 1.0
    dataset: str | None = None


@dataclass(frozen=True)
class Variant:
    """One dataset variant: a pure function of (generator version, dataset, params, seed, scale)."""

    dataset: str
    seed: int
    params: tuple[tuple[str, str], ...]
    scale: float = 1.0

    @property
    def key(self) -> str:
        blob = json.dumps([__version__, self.dataset, self.seed, self.params, self.scale])
        return hashlib.sha256(blob.encode()).hexdigest()[:10]

    @property
    def id(self) -> str:
        """Readable and unique folder name, e.g. ``retail_sales-s3-temperature_effect0-1a2b3c``."""
        parts = [self.dataset, f"s{self.seed}"]
        parts += [_slug(f"{k}{v}") for k, v in self.params]
        if self.scale != 1.0:
            parts.append(f"x{self.scale:g}")
        return "-".join(parts)[:80] + f"-{self.key[:6]}"

    @property
    def label(self) -> str:
        """Short text for tables and plots: seed, then overrides and scale if any."""
        extra = [f"{k}={v}" for k, v in self.params]
        if self.scale != 1.0:
            extra.append(f"scale={self.scale:g}")
        return f"seed {self.seed}" + (f" ({', '.join(extra)})" if extra else "")

    def as_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "seed": self.seed,
            "params": dict(self.params),
            "scale": self.scale,
        }


@dataclass(frozen=True)
class RunSpec:
    """One papermill run: a case's solution notebook on one variant in one language."""

    case: str
    case_root: str
    notebook: str
    lang: str
    variant: Variant
    parameter: str  # the notebook parameter that receives the variant folder (DATA_DIR)
    parameters: tuple[tuple[str, Any], ...]
    inputs: str  # hash of everything the run depends on (resume skips equal ones)

    @property
    def id(self) -> str:
        return f"{self.case}-{self.notebook}-{self.variant.id}-{self.lang}"

    @property
    def group(self) -> tuple[str, str, str]:
        """Runs whose figures are merged before the story is checked."""
        return (self.case, self.variant.id, self.lang)


@dataclass
class Matrix:
    cases: list[Path]
    notebooks: list[str] = field(default_factory=list)  # empty: every notebook
    languages: list[str] = field(default_factory=lambda: ["ja"])
    variants: list[VariantGroup] = field(default_factory=list)  # empty: each case's own seed
    parameters: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Matrix:
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(f"{path}: cannot read the matrix: {exc}") from None
        if not isinstance(data, dict):
            raise InputError(f"{path}: the matrix must be a mapping")
        unknown = set(data) - {"cases", "notebooks", "languages", "variants", "parameters"}
        if unknown:
            raise InputError(f"{path}: unknown key(s): {', '.join(sorted(unknown))}")
        base = path.parent
        groups = []
        for i, item in enumerate(data.get("variants") or []):
            if not isinstance(item, dict) or "seeds" not in item:
                raise InputError(f"{path}: variants[{i}] needs `seeds:`")
            groups.append(
                VariantGroup(
                    tuple(parse_seeds(item["seeds"], f"{path}: variants[{i}].seeds")),
                    _params(item.get("params") or {}),
                    float(item.get("scale", 1.0)),
                    item.get("dataset"),
                )
            )
        return cls(
            cases=[(base / str(c)).resolve() for c in _list(data.get("cases"))],
            notebooks=[str(n) for n in _list(data.get("notebooks"))],
            languages=[str(x) for x in _list(data.get("languages"))] or ["ja"],
            variants=groups,
            parameters=dict(data.get("parameters") or {}),
        )


def _list(value: object) -> list[object]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _params(params: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), str(v)) for k, v in params.items()))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.]+", "_", text)


def _digest(*parts: object) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else json.dumps(part, default=str).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def expand(matrix: Matrix) -> tuple[list[Case], list[RunSpec]]:
    """Every run of the matrix, in a stable order; InputError lists every fault first."""
    from dxcase.data.registry import load_spec

    problems: list[Problem] = []
    cases = []
    for root in matrix.cases:
        try:
            cases.append(load_case(root))
        except InputError as exc:
            problems.extend(exc.problems)
    for lang in matrix.languages:
        if lang not in LANGS:
            problems.append(Problem("--lang", "bad-lang", f"{lang!r}: use {' or '.join(LANGS)}"))
    runs: list[RunSpec] = []
    for case in cases:
        yaml_file = str(case.root / "case.yaml")
        for i, text in enumerate(case.story):
            try:
                parse_condition(text)
            except ConditionError as exc:
                problems.append(
                    Problem(yaml_file, "bad-story", f"{text!r}: {exc}", column=f"story[{i}]")
                )
        names = [p.notebook for p in case.phases]
        wanted = matrix.notebooks or names
        if matrix.notebooks and not set(wanted) & set(names):
            problems.append(
                Problem(
                    yaml_file,
                    "no-notebook",
                    f"none of {', '.join(wanted)} is in {case.slug}: it has {', '.join(names)}",
                )
            )
        use = case.dataset
        try:
            known = set(load_spec(use.name).parameters)
        except Exception as exc:  # unknown dataset
            problems.append(Problem(yaml_file, "unknown-dataset", str(exc)))
            continue
        groups = [g for g in matrix.variants if g.dataset in (None, use.name)] or [
            VariantGroup((use.seed,))
        ]
        variants: list[Variant] = []
        for group in groups:
            bad = {k for k, _ in group.params} - known
            if bad:
                problems.append(
                    Problem(
                        "--param",
                        "unknown-param",
                        f"{use.name} has no parameter(s) {', '.join(sorted(bad))}; see `dxcase data list`",
                    )
                )
            params = _params({**use.params, **dict(group.params)})
            for seed in group.seeds or (use.seed,):
                variant = Variant(use.name, seed, params, group.scale)
                if variant not in variants:
                    variants.append(variant)
        shared = _digest(*(_read(case.root / f) for f in (CHECKS_SOURCE, CUSTOM_CHECKS)))
        extra = tuple(sorted(matrix.parameters.items()))
        for phase, path in zip(case.phases, case.notebooks, strict=True):
            if phase.notebook not in wanted:
                continue
            source = _read(path)
            for variant in variants:
                for lang in matrix.languages:
                    parameters = (*extra, ("LANG", lang))
                    inputs = _digest(source, shared, variant.key, lang, extra, use.parameter)
                    runs.append(
                        RunSpec(
                            case.slug,
                            str(case.root.resolve()),
                            phase.notebook,
                            lang,
                            variant,
                            use.parameter,
                            parameters,
                            inputs,
                        )
                    )
    if problems:
        raise InputError(f"the batch matrix has {len(problems)} problem(s)", problems)
    if not runs:
        raise InputError("the batch matrix is empty: give at least one case folder")
    return cases, runs


def _read(path: Path) -> bytes:
    return path.read_bytes() if path.is_file() else b""


def variants_of(runs: Iterable[RunSpec]) -> list[Variant]:
    seen: dict[str, Variant] = {}
    for run in runs:
        seen.setdefault(run.variant.id, run.variant)
    return list(seen.values())
