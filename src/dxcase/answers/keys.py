"""Answer keys: the expected value of every task on one dataset variant, held by the trusted side.

A key is computed by running the case's solution notebooks on the variant in a trusted process
(never a learner's sandbox) with :data:`~dxcase.answers.channel.EXPORT_ENV` set: each test cell
exports the solution's value, and a cell injected after it exports what each ``alternative``
mistake rule computes. A key is stored as ``<keys folder>/<case>/<digest>.json``, private to the
trusted side, where the digest covers everything that changes the values: the notebooks' code
cells, the tasks' kinds, variables and alternative snippets, the dataset variant's identity and
the locked versions of the libraries the solutions use. Markdown and the language do not count,
so one key serves the ja and en releases.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from dxcase.answers.channel import ALTERNATIVE_MIME, EXPORT_ENV, read_export
from dxcase.answers.compare import Comparison, rule_id
from dxcase.atomic import write_text_atomic
from dxcase.errors import DxcaseError

KEY_FORMAT = 1
LIBRARIES = ("numpy", "pandas", "scikit-learn", "lightgbm", "scipy")
KEY_CELL_TAG = "dxcase-key-alternatives"


@dataclass(frozen=True)
class TaskKey:
    """One task's expected value (JSON form) and what its alternative snippets computed."""

    value: Any
    alternatives: dict[str, Any] = field(default_factory=dict)  # rule id -> value


@dataclass
class AnswerKey:
    """The key of one case on one variant."""

    case: str
    digest: str
    variant: dict[str, Any]
    tasks: dict[str, TaskKey]
    problems: list[str] = field(default_factory=list)  # snippets that failed, tasks not exported

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": KEY_FORMAT,
                "case": self.case,
                "digest": self.digest,
                "variant": self.variant,
                "tasks": {
                    k: {"value": v.value, "alternatives": v.alternatives}
                    for k, v in self.tasks.items()
                },
                "problems": self.problems,
            },
            ensure_ascii=False,
            indent=1,
        )

    @classmethod
    def read(cls, path: Path) -> AnswerKey:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != KEY_FORMAT:
            raise DxcaseError(
                f"{path}: answer key format {data.get('format')!r} is not {KEY_FORMAT}"
            )
        tasks = {
            k: TaskKey(v.get("value"), dict(v.get("alternatives") or {}))
            for k, v in data["tasks"].items()
        }
        return cls(
            data["case"], data["digest"], data["variant"], tasks, list(data.get("problems") or [])
        )


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries solutions compute with."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "absent"
    return found


def key_digest(
    notebooks: Mapping[str, NotebookNode],
    comparisons: Mapping[str, Comparison],
    variables: Mapping[str, str],
    variant: Mapping[str, Any],
    libraries: Mapping[str, str] | None = None,
) -> str:
    """The cache key of an answer key: what changes the expected values, nothing else."""
    code = {
        name: [c.source for c in nb.cells if c.cell_type == "code"]
        for name, nb in sorted(notebooks.items())
    }
    tasks = {
        task: {
            "kind": comp.kind,
            "variable": variables.get(task),
            "alternatives": sorted(m.code for m in comp.mistakes if m.code),
        }
        for task, comp in sorted(comparisons.items())
    }
    blob = json.dumps(
        {
            "format": KEY_FORMAT,
            "code": code,
            "tasks": tasks,
            "variant": dict(variant),
            "libraries": dict(libraries or library_versions()),
        },
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def key_notebook(
    nb: NotebookNode, comparisons: Mapping[str, Comparison], variables: Mapping[str, str]
) -> NotebookNode:
    """The solution notebook with a cell after each test cell that has alternative rules."""
    out = copy.deepcopy(nb)
    cells = []
    for cell in out.cells:
        cells.append(cell)
        task = test_cell_task(cell)
        comp = comparisons.get(task or "")
        snippets = {rule_id(m.code): m.code for m in comp.mistakes if m.code} if comp else {}
        if snippets:
            source = (
                "__import__('dxcase.answers.channel', fromlist=['x']).export_alternatives("
                f"{task!r}, {comp.kind!r}, {variables[task]!r}, {snippets!r}, globals())"
            )
            extra = nbformat.v4.new_code_cell(source)
            extra.metadata["tags"] = [KEY_CELL_TAG]
            cells.append(extra)
    out.cells = cells
    return out


def test_cell_task(cell: NotebookNode) -> str | None:
    """The task an autograded test cell checks: its grade id (from the trusted copy)."""
    meta = cell.metadata.get("nbgrader", {})
    if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
        return meta.get("grade_id")
    return None


def collect(nb: NotebookNode, tasks: Iterable[str]) -> tuple[dict[str, TaskKey], list[str]]:
    """Read the exports of an executed key notebook: values per task and problems found."""
    wanted = set(tasks)
    values: dict[str, Any] = {}
    alternatives: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for cell in nb.cells:
        task = test_cell_task(cell)
        if task in wanted:
            found, value, problem = read_export(cell.get("outputs", []))
            if found and value is not None:
                values[task] = value
            else:
                problems.append(f"{task}: the solution exported no value ({problem or 'null'})")
        if KEY_CELL_TAG in cell.metadata.get("tags", []):
            for out in cell.get("outputs", []):
                data = (out.get("data") or {}).get(ALTERNATIVE_MIME)
                if not isinstance(data, dict):
                    continue
                if data.get("problem"):
                    problems.append(
                        f"{data['task']}: mistake {data['rule']} failed: {data['problem']}"
                    )
                alternatives.setdefault(data["task"], {})[data["rule"]] = data.get("value")
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    problems.append(
                        f"mistake snippets failed: {out.get('ename')}: {out.get('evalue')}"
                    )
    keys = {t: TaskKey(v, alternatives.get(t, {})) for t, v in values.items()}
    return keys, problems


Runner = Callable[[NotebookNode, Path, dict[str, str], dict[str, str]], NotebookNode]


def compute_key(
    case: str,
    notebooks: Mapping[str, NotebookNode],
    comparisons: Mapping[str, Comparison],
    variables: Mapping[str, str],
    variant: Mapping[str, Any],
    work_dir: Path,
    params: dict[str, str],
    threads: int = 1,
    cell_timeout: float = 600,
) -> AnswerKey:
    """Run the solution notebooks (staged in ``work_dir``) on one variant and read the key."""
    from dxcase.kernels import run_notebook

    env = {EXPORT_ENV: "1", "DXCASE_EVENTS": "0", "MPLBACKEND": "agg"}
    tasks: dict[str, TaskKey] = {}
    problems: list[str] = []
    for name, nb in notebooks.items():
        run = run_notebook(
            key_notebook(nb, comparisons, variables), work_dir, params, env, threads, cell_timeout
        )
        if run.failure:
            problems.append(f"{name}: {run.failure}")
        for err in run.errors:
            problems.append(f"{name} cell {err.index}: {err.ename}: {err.evalue[:200]}")
        graded = [t for t in comparisons if _in_notebook(nb, t)]
        found, why = collect(run.notebook, graded)
        tasks.update(found)
        problems += why
    digest = key_digest(notebooks, comparisons, variables, variant)
    return AnswerKey(case, digest, dict(variant), tasks, problems)


def _in_notebook(nb: NotebookNode, task: str) -> bool:
    return any(test_cell_task(c) == task for c in nb.cells)


def key_path(folder: Path, case: str, digest: str) -> Path:
    return folder / case / f"{digest}.json"


def store_key(folder: Path, key: AnswerKey) -> Path:
    """Write a key (atomically, private: 0600 in a 0700 folder) and return its path."""
    path = key_path(folder, key.case, key.digest)
    for part in (folder, path.parent):
        part.mkdir(parents=True, exist_ok=True)
        os.chmod(part, 0o700)
    write_text_atomic(path, key.to_json())
    os.chmod(path, 0o600)
    return path


def load_key(folder: Path, case: str, digest: str) -> AnswerKey | None:
    path = key_path(folder, case, digest)
    return AnswerKey.read(path) if path.is_file() else None
