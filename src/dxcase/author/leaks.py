"""Search every file of a release for secrets: solution and hidden-test lines, expected values
of graded tasks, holdout truth and keys. Returns one Problem per leak, naming file and cell."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat

from dxcase.author.notebooks import Secret
from dxcase.errors import Problem


@dataclass(frozen=True)
class Place:
    """A piece of release text and where it is: file, and cell index for notebooks."""

    file: Path
    cell: int | None
    text: str

    def where(self) -> str:
        return f"{self.file.name}" + ("" if self.cell is None else f" cell {self.cell}")


def release_texts(release: Path) -> Iterator[Place]:
    """Every readable text in the release: notebook cells (source, outputs, metadata) and files."""
    for path in sorted(p for p in release.rglob("*") if p.is_file()):
        if path.suffix == ".ipynb":
            nb = nbformat.read(str(path), as_version=4)
            yield Place(path, None, json.dumps(nb.metadata, ensure_ascii=False))
            for index, cell in enumerate(nb.cells):
                outputs = json.dumps(cell.get("outputs", []), ensure_ascii=False)
                meta = json.dumps(cell.metadata, ensure_ascii=False)
                yield Place(path, index, f"{cell.source}\n{outputs}\n{meta}")
            continue
        try:
            yield Place(path, None, path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            yield Place(path, None, path.read_bytes().decode("latin-1"))


def number_forms(value: float) -> list[str]:
    """How a distinctive number would be written: repr and 3 to 4 decimals; big ones whole."""
    if value != value or abs(value) in (0.0, float("inf")):
        return []
    forms = set()
    if float(value).is_integer():
        if abs(value) >= 1000:
            forms.add(str(int(value)))
    else:
        forms.update({repr(float(value)), f"{value:.3f}", f"{value:.4f}"})
        if abs(value) >= 1000:
            forms.add(str(round(value)))
    return [f for f in forms if len(f.replace("-", "").replace(".", "").lstrip("0")) >= 3]


def find_leaks(
    release: Path,
    secrets: Iterable[Secret],
    expected: dict[str, list[object]],
    holdout_lines: set[str],
    keys: Iterable[str],
) -> list[Problem]:
    """Problems for each secret found in ``release`` (one per secret and place, capped upstream)."""
    secrets = list(secrets)
    patterns = [
        (task, form, re.compile(rf"(?<![\d.]){re.escape(form)}(?!\d)"))
        for task, values in expected.items()
        for value in values
        for form in _forms(value)
    ]
    keys = [k for k in keys if k]
    problems = []
    for place in release_texts(release):
        name = str(place.file)
        for secret in secrets:
            if secret.text in place.text:
                problems.append(
                    Problem(
                        name,
                        f"leak-{secret.kind}",
                        f"{place.where()}: {secret.kind} line from {secret.notebook} cell {secret.cell} is in the release: {secret.text[:80]!r}",
                    )
                )
        for task, form, pattern in patterns:
            if pattern.search(place.text):
                problems.append(
                    Problem(
                        name,
                        "leak-expected-value",
                        f"{place.where()}: the expected value of graded task {task} ({form}) is in the release",
                    )
                )
        lines = {line.strip().strip('",\\n') for line in place.text.splitlines()}
        hits = lines & holdout_lines
        if hits:
            sample = next(iter(hits))
            problems.append(
                Problem(
                    name,
                    "leak-holdout",
                    f"{place.where()}: {len(hits)} line(s) of holdout truth, e.g. {sample[:60]!r}",
                )
            )
        for key in keys:
            if key in place.text:
                problems.append(
                    Problem(name, "leak-key", f"{place.where()}: a secret key is in the release")
                )
    return problems


def _forms(value: object) -> list[str]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return number_forms(float(value))
    if isinstance(value, list) and len(value) >= 3:
        return [json.dumps(value, ensure_ascii=False), repr(value)]
    return []


def holdout_fingerprints(holdout_dir: Path, max_rows: int = 20000) -> set[str]:
    """Rows of the holdout tables as written (distinctive enough to prove a copy)."""
    lines: set[str] = set()
    for path in sorted(holdout_dir.glob("*.csv")):
        with path.open(encoding="utf-8") as fh:
            next(fh, None)
            for i, line in enumerate(fh):
                if i >= max_rows:
                    break
                line = line.strip()
                if len(line) >= 15:
                    lines.add(line)
    return lines
