"""What a batch worker does: generate one dataset variant, or run one notebook on one.

Both are plain functions of plain data (picklable), so the same code runs in a local process
pool and on Dask distributed workers. They never raise for a failing notebook or variant:
they return a record saying what went wrong, so one failure never stops the batch.
"""

from __future__ import annotations

import os
import resource
import shutil
import socket
import time
import traceback
from pathlib import Path
from typing import Any

import nbformat

from dxcase.batch.story import read_figures


def cpu_cores() -> int:
    """Cores this process may use (the affinity mask, as containers and taskset set it)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def make_variant(variant: dict[str, Any], data_dir: str, holdout_dir: str) -> dict[str, Any]:
    """Generate a dataset variant into ``data_dir`` and ``holdout_dir`` (both or neither)."""
    from dxcase.data.generate import generate_variant

    started = time.perf_counter()
    try:
        generate_variant(
            variant["dataset"],
            seed=variant["seed"],
            overrides=dict(variant["params"]),
            scale=variant["scale"],
            out_dir=data_dir,
            holdout_dir=holdout_dir,
            overwrite=True,
        )
        error = ""
    except Exception as exc:  # a bad override, say: every run of this variant fails with it
        error = f"{type(exc).__name__}: {exc}"
    return {"seconds": round(time.perf_counter() - started, 2), "error": error}


def _threads(threads: int | dict[str, int]) -> int:
    """Threads for this kernel: given, or looked up by the Dask worker's host."""
    if isinstance(threads, int):
        return threads
    try:
        from distributed import get_worker

        host = get_worker().address.split("://")[-1].rsplit(":", 1)[0]
        return threads.get(host, threads.get("*", 1))
    except (ImportError, ValueError):
        return threads.get("*", 1)


def execute_run(task: dict[str, Any]) -> dict[str, Any]:
    """Run one solution notebook in a fresh copy of its staged source folder.

    The kernel gets the variant folder and language as papermill parameters, its share of the
    cores as thread caps, and exports each task's value (as in a key run), never the holdout. Returns a record for the state file and the report.
    """
    from dxcase.answers.channel import EXPORT_ENV
    from dxcase.check.events import EVENTS_ENV
    from dxcase.kernels import run_notebook

    work = Path(task["work_dir"])
    notebook = task["notebook"]
    threads = _threads(task["threads"])
    record: dict[str, Any] = {
        "status": "failed",
        "seconds": None,
        "cpu_seconds": None,
        "peak_mib": None,
        "error": "",
        "figures": {},
        "answers": {},
        "executed": "",
        "threads": threads,
        "worker": f"{socket.gethostname()}:{os.getpid()}",
    }
    try:
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(task["source_dir"], work)
        env = {EVENTS_ENV: "0", EXPORT_ENV: "1", "MPLBACKEND": "agg"}
        parameters = {task["parameter"]: task["data_dir"], **dict(task["parameters"])}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        run = run_notebook(
            work / f"{notebook}.ipynb",
            work,
            parameters,
            env,
            threads=threads,
            cell_timeout=task["cell_timeout"],
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # the kernel's own CPU time from run_notebook's probe; else this worker's child rusage
        cpu = getattr(run, "cpu_seconds", None)
        if cpu is None:
            cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        record.update(
            seconds=round(run.seconds, 2),
            cpu_seconds=round(cpu, 2),
            peak_mib=None if run.peak_mib is None else round(run.peak_mib, 1),
            figures=read_figures(run.notebook),
            answers=read_answers(run.notebook),
        )
        if run.ok:
            record["status"] = "passed"
        else:
            record["error"] = run.failure or _first_error(run.errors)
        if not run.ok or task.get("keep"):
            executed = work / f"{notebook}.ipynb"
            nbformat.write(run.notebook, str(executed))
            _write_html(run.notebook, work / f"{notebook}.html")
            record["executed"] = str(executed)
    except Exception as exc:  # staging or kernel start: report it, keep the batch going
        record["error"] = f"{type(exc).__name__}: {exc}"
        record["traceback"] = traceback.format_exc()[-2000:]
    if record["status"] == "passed" and not task.get("keep"):
        shutil.rmtree(work, ignore_errors=True)
    return record


def read_answers(nb: nbformat.NotebookNode) -> dict[str, Any]:
    """The value each test cell exported (task id from the cell's grade id): the answer this
    variant's key would hold."""
    from dxcase.answers.channel import read_export
    from dxcase.answers.keys import test_cell_task

    out = {}
    for cell in nb.cells:
        task = test_cell_task(cell)
        if task:
            found, value, _ = read_export(cell.get("outputs", []))
            if found:
                out[task] = value
    return out


def _first_error(errors: list[Any]) -> str:
    if not errors:
        return "failed"
    e = errors[0]
    gid = f" ({e.grade_id})" if e.grade_id else ""
    return f"cell {e.index}{gid}: {e.ename}: {e.evalue[:300]}"


def _write_html(nb: nbformat.NotebookNode, path: Path) -> None:
    """The executed notebook as HTML, so a failure can be read in a browser."""
    try:
        from nbconvert import HTMLExporter

        body, _ = HTMLExporter().from_notebook_node(nb)
        path.write_text(body, encoding="utf-8")
    except Exception:  # HTML is a convenience; the .ipynb is kept regardless
        pass
