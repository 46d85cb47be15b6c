"""A case's answer key on one dataset variant: computed once, cached, shared by every caller.

The grader (``dxcase grade keys``, ``assign``, ``run``), ``dxcase author validate`` and
``dxcase batch`` get keys here. The solution notebooks run in a trusted process (this one's
kernel, never a grading sandbox) on the learner-visible data folder of the variant; the key is
stored under the caller's keys folder and reused while its digest (code cells, comparisons,
the data folder's content hashes, library versions) stays the same.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nbformat import NotebookNode

from dxcase.answers.compare import Comparison
from dxcase.answers.keys import AnswerKey, compute_key, key_digest, load_key, store_key
from dxcase.author.build import stage_source
from dxcase.author.casefile import Case
from dxcase.author.checksfile import load_checks, load_comparisons
from dxcase.author.notebooks import for_language, read_notebook


@dataclass(frozen=True)
class KeyInputs:
    """What a case's key is computed from: solution notebooks, the graded tasks' comparisons,
    every task's variable."""

    case: Case
    notebooks: dict[str, NotebookNode]
    comparisons: dict[str, Comparison]
    variables: dict[str, str]

    @classmethod
    def of(cls, case: Case) -> KeyInputs:
        checks = load_checks(case, "ja")
        graded = {
            k: v
            for k, v in load_comparisons(case).items()
            if k in checks.tasks and not checks.tasks[k].practice
        }
        notebooks = {
            phase.notebook: for_language(read_notebook(path), "ja")
            for phase, path in zip(case.phases, case.notebooks, strict=True)
        }
        variables = {k: v.variable for k, v in checks.tasks.items()}
        return cls(case, notebooks, graded, variables)

    def digest(self, data_dir: Path) -> str:
        return key_digest(
            self.notebooks, self.comparisons, self.variables, variant_identity(data_dir)
        )


def variant_identity(data_dir: Path) -> dict[str, Any]:
    """A learner data folder's identity: its variant record and every file's content hash."""
    from dxcase.data.package import DESCRIPTOR, VARIANT_KEY

    path = Path(data_dir) / DESCRIPTOR
    if not path.is_file():  # a folder without a descriptor: hash the files themselves
        import hashlib

        files = sorted(p for p in Path(data_dir).rglob("*") if p.is_file())
        return {
            str(p.relative_to(data_dir)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files
        }
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    return {
        "variant": descriptor.get(VARIANT_KEY),
        "files": {r.get("path"): r.get("hash") for r in descriptor.get("resources", [])},
    }


def ensure_key(
    inputs: KeyInputs,
    data_dir: Path,
    keys_dir: Path,
    threads: int = 1,
    cell_timeout: float = 600,
) -> AnswerKey:
    """The cached key of ``inputs`` on ``data_dir``, computed now if missing or stale."""
    digest = inputs.digest(data_dir)
    found = load_key(keys_dir, inputs.case.slug, digest)
    if found is not None:
        return found
    use = inputs.case.dataset
    with tempfile.TemporaryDirectory(prefix=f"dxcase-key-{inputs.case.slug}-") as tmp:
        work = Path(tmp)
        stage_source(inputs.case, "ja", work)
        key = compute_key(
            inputs.case.slug,
            inputs.notebooks,
            inputs.comparisons,
            inputs.variables,
            variant_identity(data_dir),
            work,
            {use.parameter: str(Path(data_dir).resolve())},
            threads=threads,
            cell_timeout=cell_timeout,
        )
    store_key(keys_dir, key)
    return key


def ensure_keys(
    inputs: KeyInputs,
    data_dirs: list[Path],
    keys_dir: Path,
    workers: int = 1,
    progress: bool = True,
) -> list[AnswerKey]:
    """Keys for several variants, computed side by side (each in its own kernels) with a
    progress bar; cached ones are read at once. Thread count per kernel: cores / workers."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    todo = [d for d in data_dirs if load_key(keys_dir, inputs.case.slug, inputs.digest(d)) is None]
    workers = max(1, min(workers, len(todo) or 1))
    threads = max(1, (os.cpu_count() or 1) // workers)
    columns = [
        TextColumn("[bold]answer keys {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, disable=not progress or not todo) as bar:
        task = bar.add_task(inputs.case.slug, total=len(todo))

        def one(data_dir: Path) -> AnswerKey:
            key = ensure_key(inputs, data_dir, keys_dir, threads=threads)
            if data_dir in todo:
                bar.advance(task)
            return key

        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(one, data_dirs))
