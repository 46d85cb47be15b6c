"""Run a batch matrix in a worker pool (or on a Dask cluster), resumably, and check the story.

Output folder layout::

    state.json                     what ran, with which inputs, and how it went (resume)
    sources/<case>/<lang>/         staged solution notebooks + checks.json (stage_source)
    variants/<variant>/data        learner-visible dataset variant (DATA_DIR of the runs)
    variants/<variant>/holdout     its holdout truth (DXCASE_HOLDOUT_DIR, never in DATA_DIR)
    runs/<run>/                    work folder of a run; kept (with the executed notebook)
                                   only when the run failed, or with --keep-executed
    report.csv, report.html        one row per run; plots; failures; story per variant

Each variant is generated once, by the first task that needs it, and shared by its runs.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.markup import escape

from dxcase.atomic import atomic_dir, write_text_atomic
from dxcase.author.build import stage_source
from dxcase.batch.matrix import Matrix, RunSpec, Variant, expand, variants_of
from dxcase.batch.story import ConditionResult, check_story
from dxcase.batch.tasks import cpu_cores, execute_run, make_variant
from dxcase.errors import DxcaseError

STATE_FILE = "state.json"
STATE_VERSION = 1
Echo = Callable[[str], None]


@dataclass
class BatchResult:
    """Every run of the matrix (done now or before) and the story checks per variant."""

    out: Path
    runs: list[RunSpec]
    records: dict[str, dict[str, Any]]  # run id → record
    story: dict[tuple[str, str, str], list[ConditionResult]]
    stories: dict[str, list[str]]  # case → its conditions
    seconds: float
    workers: int
    threads: int | dict[str, int]
    skipped: int = 0
    scheduler: str | None = None
    variant_seconds: dict[str, float] = field(default_factory=dict)
    # case -> task -> distinct answers over the variants (1: the same everywhere, copyable)
    answer_variation: dict[str, dict[str, int]] = field(default_factory=dict)
    report_html: Path | None = None
    report_csv: Path | None = None

    @property
    def failed_runs(self) -> list[RunSpec]:
        return [r for r in self.runs if self.records.get(r.id, {}).get("status") != "passed"]

    @property
    def failed_conditions(self) -> list[tuple[tuple[str, str, str], ConditionResult]]:
        return [(g, c) for g, results in self.story.items() for c in results if not c.ok]

    @property
    def ok(self) -> bool:
        return not self.failed_runs and not self.failed_conditions

    def summary_lines(self) -> list[str]:
        passed = len(self.runs) - len(self.failed_runs)
        groups = len(self.story)
        holding = sum(all(c.status == "holds" for c in cs) for cs in self.story.values())
        lines = [
            f"{len(self.runs)} run(s): {passed} passed, {len(self.failed_runs)} failed"
            f" ({self.skipped} already done, skipped); story holds in {holding} of {groups}"
            f" variant(s); {self.seconds:.1f} s wall on {self.workers} worker(s)"
        ]
        for run in self.failed_runs:
            rec = self.records.get(run.id, {})
            lines.append(f"FAILED run {run.id}: {rec.get('error') or 'not run'}")
        labels = {r.variant.id: r.variant.label for r in self.runs}
        for case, tasks in self.answer_variation.items():
            same = sorted(t for t, n in tasks.items() if n == 1)
            if same and len({r.variant.id for r in self.runs if r.case == case}) > 1:
                lines.append(f"SAME ANSWER in every variant, {case}: {', '.join(same)}")
        for (case, variant, lang), cond in self.failed_conditions:
            lines.append(
                f"STORY {cond.status.upper()} {case} {labels.get(variant, variant)} {lang}: {cond.condition}"
                f" ({cond.detail})"
            )
        return lines


def load_state(out: Path) -> dict[str, Any]:
    path = out / STATE_FILE
    if path.is_file():
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
            if state.get("version") == STATE_VERSION:
                return state
        except (OSError, json.JSONDecodeError):
            pass
    return {"version": STATE_VERSION, "variants": {}, "runs": {}}


def _save_state(out: Path, state: dict[str, Any]) -> None:
    write_text_atomic(out / STATE_FILE, json.dumps(state, ensure_ascii=False, indent=1))


def _variant_ready(out: Path, state: dict[str, Any], variant: Variant) -> bool:
    entry = state["variants"].get(variant.id)
    folder = out / "variants" / variant.id
    return bool(
        entry
        and not entry.get("error")
        and entry.get("key") == variant.key
        and (folder / "data").is_dir()
        and (folder / "holdout").is_dir()
    )


def prepare_variants(
    out: Path, variants: list[Variant], state: dict[str, Any] | None = None
) -> None:
    """Generate variants in this process (benchmarks use it to share folders with papermill)."""
    state = state if state is not None else load_state(out)
    for variant in variants:
        if _variant_ready(out, state, variant):
            continue
        folder = out / "variants" / variant.id
        made = make_variant(variant.as_dict(), str(folder / "data"), str(folder / "holdout"))
        state["variants"][variant.id] = {"key": variant.key, **variant.as_dict(), **made}
    out.mkdir(parents=True, exist_ok=True)
    _save_state(out, state)


class _Pool:
    """A local process pool, or a Dask cluster through its concurrent.futures executor."""

    def __init__(self, workers: int | None, scheduler: str | None) -> None:
        self.client = None
        self.scheduler = scheduler
        if scheduler:
            try:
                from distributed import Client
            except ImportError as exc:  # pragma: no cover - distributed is a dependency
                raise DxcaseError("--scheduler needs the `distributed` package") from exc
            self.client = Client(scheduler, timeout="30s")
            info = self.client.scheduler_info(n_workers=-1)["workers"]
            if not info:
                self.client.close()
                raise DxcaseError(f"Dask scheduler {scheduler} has no workers")
            cores = self.client.run(cpu_cores)
            slots: dict[str, int] = {}
            host_cores: dict[str, int] = {}
            for addr, worker in info.items():
                host = addr.split("://")[-1].rsplit(":", 1)[0]
                slots[host] = slots.get(host, 0) + int(worker.get("nthreads", 1))
                host_cores[host] = int(cores.get(addr, 1))
            self.workers = sum(slots.values())
            self.threads: int | dict[str, int] = {
                h: max(1, host_cores[h] // n) for h, n in slots.items()
            }
            self.executor: Executor = self.client.get_executor(pure=False)
        else:
            cores = cpu_cores()
            self.workers = max(1, workers or cores)
            self.threads = max(1, cores // self.workers)
            # spawn: the parent has threads (progress bar), which fork does not copy safely
            self.executor = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn")
            )

    def close(self, cancel: bool = False) -> None:
        if self.client is not None:  # Dask's executor has no cancel_futures; closing cancels
            if not cancel:
                self.executor.shutdown(wait=True)
            self.client.close()
        else:
            self.executor.shutdown(wait=not cancel, cancel_futures=cancel)


def run_batch(
    matrix: Matrix,
    out: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    cell_timeout: float | None = None,
    retry_failed: bool = False,
    keep_executed: bool = False,
    story: bool = True,
    progress: bool = True,
    echo: Echo = print,
    report: bool = True,
    lang: str | None = None,
) -> BatchResult:
    """Run every run of ``matrix`` not already done with the same inputs; write the report."""
    started = time.perf_counter()
    cases, runs = expand(matrix)
    by_case = {c.slug: c for c in cases}
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    state = load_state(out)

    def done(run: RunSpec) -> bool:
        rec = state["runs"].get(run.id)
        if not rec or rec.get("inputs") != run.inputs:
            return False
        return rec.get("status") == "passed" or not retry_failed

    todo = [r for r in runs if not done(r)]
    for case_slug, lang_ in sorted({(r.case, r.lang) for r in todo}):
        with atomic_dir(out / "sources" / case_slug / lang_, overwrite=True) as tmp:
            stage_source(by_case[case_slug], lang_, tmp)
    needed = variants_of(todo)
    to_make = [v for v in needed if not _variant_ready(out, state, v)]

    pool = _Pool(workers, scheduler)
    echo(
        f"batch: {len(runs)} run(s) ({len(runs) - len(todo)} already done), "
        f"{len(variants_of(runs))} variant(s) ({len(to_make)} to generate), "
        f"{pool.workers} worker(s) x {pool.threads} thread(s)"
        + (f" on {scheduler}" if scheduler else "")
    )
    timeouts = {c.slug: cell_timeout or max(10 * c.limits.seconds, 300) for c in cases}
    waiting: dict[str, list[RunSpec]] = {}
    for run in todo:
        waiting.setdefault(run.variant.id, []).append(run)
    pending: dict[Future, tuple[str, Any]] = {}

    def submit_runs(variant_id: str) -> None:
        folder = out / "variants" / variant_id
        for run in waiting.pop(variant_id, []):
            task = {
                "notebook": run.notebook,
                "source_dir": str(out / "sources" / run.case / run.lang),
                "work_dir": str(out / "runs" / run.id),
                "data_dir": str(folder / "data"),
                "parameter": run.parameter,
                "parameters": list(run.parameters),
                "threads": pool.threads,
                "cell_timeout": timeouts[run.case],
                "keep": keep_executed,
            }
            try:
                pending[pool.executor.submit(execute_run, task)] = ("run", run)
            except Exception as exc:  # a broken pool: record every run it cannot take
                rec = {"status": "failed", "error": f"not started: {type(exc).__name__}: {exc}"}
                _record(state, run, rec)
                bar.run_done(run, rec)

    bar = _Progress(progress, len(todo), len(to_make), echo)
    try:
        for variant in to_make:
            folder = out / "variants" / variant.id
            future = pool.executor.submit(
                make_variant, variant.as_dict(), str(folder / "data"), str(folder / "holdout")
            )
            pending[future] = ("variant", variant)
        for variant in needed:
            if variant not in to_make:
                submit_runs(variant.id)
        while pending:
            finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for future in finished:
                kind, item = pending.pop(future)
                try:
                    result = future.result()
                except Exception as exc:  # worker died or lost: record, go on
                    result = {"status": "failed", "error": f"worker: {type(exc).__name__}: {exc}"}
                if kind == "variant":
                    state["variants"][item.id] = {"key": item.key, **item.as_dict(), **result}
                    bar.variant_done(item, result)
                    if result.get("error"):
                        for run in waiting.pop(item.id, []):
                            rec = {"status": "failed", "error": f"variant: {result['error']}"}
                            _record(state, run, rec)
                            bar.run_done(run, rec)
                    else:
                        submit_runs(item.id)
                else:
                    _record(state, item, result)
                    bar.run_done(item, result)
                _save_state(out, state)
    except BaseException:
        pool.close(cancel=True)
        _save_state(out, state)
        bar.stop()
        raise
    bar.stop()
    pool.close()

    stories = {c.slug: c.story for c in cases}
    result = BatchResult(
        out=out,
        runs=runs,
        records={r.id: state["runs"].get(r.id, {}) for r in runs},
        story=_check_stories(runs, state, stories) if story else {},
        stories=stories if story else {},
        seconds=0.0,
        workers=pool.workers,
        threads=pool.threads,
        skipped=len(runs) - len(todo),
        scheduler=scheduler,
        variant_seconds={
            v.id: state["variants"].get(v.id, {}).get("seconds", 0.0) for v in variants_of(runs)
        },
        answer_variation=_answer_variation(runs, state, by_case),
    )
    if report:
        from dxcase.batch.report import write_report

        result.seconds = time.perf_counter() - started
        result.report_csv, result.report_html = write_report(result, lang)
    result.seconds = time.perf_counter() - started
    return result


def _record(state: dict[str, Any], run: RunSpec, record: dict[str, Any]) -> None:
    state["runs"][run.id] = {
        "inputs": run.inputs,
        "case": run.case,
        "notebook": run.notebook,
        "lang": run.lang,
        "variant": run.variant.id,
        **run.variant.as_dict(),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
        **record,
    }


def _check_stories(
    runs: list[RunSpec], state: dict[str, Any], stories: dict[str, list[str]]
) -> dict[tuple[str, str, str], list[ConditionResult]]:
    """Merge the figures of each (case, variant, language), then check the case's conditions."""
    groups: dict[tuple[str, str, str], list[RunSpec]] = {}
    for run in runs:
        groups.setdefault(run.group, []).append(run)
    checked = {}
    for group, members in groups.items():
        conditions = stories.get(group[0]) or []
        if not conditions:
            continue
        figures: dict[str, float] = {}
        for run in members:
            figures.update(state["runs"].get(run.id, {}).get("figures") or {})
        failed = [
            r.notebook for r in members if state["runs"].get(r.id, {}).get("status") != "passed"
        ]
        missing = [n for n in _needed(conditions) if n not in figures]
        skip = f"not checked: {', '.join(failed)} failed" if failed and missing else ""
        checked[group] = check_story(conditions, figures, skip=skip)
    return checked


def _answer_variation(
    runs: list[RunSpec], state: dict[str, Any], cases: dict[str, Any]
) -> dict[str, dict[str, int]]:
    """Per case and task: how many distinct answers the variants give (the one comparison)."""
    from dxcase.answers.compare import compare
    from dxcase.author.checksfile import load_comparisons

    out: dict[str, dict[str, int]] = {}
    for slug, case in cases.items():
        comparisons = load_comparisons(case)
        values: dict[str, dict[str, Any]] = {}  # task -> variant -> value
        for run in runs:
            if run.case != slug:
                continue
            for task, value in (state["runs"].get(run.id, {}).get("answers") or {}).items():
                values.setdefault(task, {})[run.variant.id] = value
        for task, by_variant in values.items():
            comparison = comparisons.get(task)
            if comparison is None or comparison.kind in ("forecast_file", "custom"):
                continue
            distinct: list[Any] = []
            for value in by_variant.values():
                if not any(compare(comparison, value, d).correct for d in distinct):
                    distinct.append(value)
            out.setdefault(slug, {})[task] = len(distinct)
    return out


def _needed(conditions: list[str]) -> list[str]:
    from dxcase.batch.story import names_in

    return [n for c in conditions for n in names_in(c)]


class _Progress:
    """A rich progress bar with ETA on stderr, and one line per finished run."""

    def __init__(self, enabled: bool, runs: int, variants: int, echo: Echo) -> None:
        self.progress = None
        self.echo = echo
        self.done = 0
        self.total = runs
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("elapsed"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        )
        self.progress.start()
        self.variants = self.progress.add_task("variants", total=variants) if variants else None
        self.runs = self.progress.add_task("runs", total=runs)

    def variant_done(self, variant: Variant, result: dict[str, Any]) -> None:
        if self.progress is None:
            if result.get("error"):
                self.echo(f"variant {variant.id} FAILED: {result['error']}")
            return
        if self.variants is None:
            return
        self.progress.advance(self.variants)
        if result.get("error"):
            text = escape(f"✗ variant {variant.id}: {result['error']}")
            self.progress.console.print(f"[red]{text}[/red]")

    def run_done(self, run: RunSpec, rec: dict[str, Any]) -> None:
        self.done += 1
        ok = rec.get("status") == "passed"
        took = f"{rec['seconds']:.1f} s" if rec.get("seconds") is not None else ""
        if self.progress is None:  # plain lines for logs
            status = "passed" if ok else f"FAILED: {str(rec.get('error', ''))[:160]}"
            self.echo(
                f"[{self.done}/{self.total}] {run.case}/{run.notebook} {run.variant.label}"
                f" {run.lang} {took} {status}"
            )
            return
        self.progress.advance(self.runs)
        mark = "[green]✓[/green]" if ok else "[red]✗[/red]"
        detail = "" if ok else f" [red]{escape(str(rec.get('error', ''))[:160])}[/red]"
        self.progress.console.print(
            f"{mark} {run.case}/{run.notebook} {run.variant.label} {run.lang} {took}{detail}",
            highlight=False,
            markup=True,
        )

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
