"""``dxcase grade run``: autograde an assignment's submissions in parallel, sandboxed.

The grader process prepares each notebook run (nbgrader's sanitizing against the gradebook,
which restores every test cell from its master copy; a private run folder for the learner's OS
user), hands runs to a pool of workers (local processes, or a Dask cluster with
``scheduler``), and records each result as it arrives. For a dxcase case, no test code runs in
the learner's kernel: each test cell only exports the learner's value, and this process
compares it with the answer key of the learner's variant (:mod:`dxcase.answers`), scores the
holdout forecast file against the truth, and sets each test cell's outcome before nbgrader's
own preprocessors write the grades to the gradebook; the autograded notebook is saved,
progress and state updated. Runs already graded (same notebook bytes and
submission time) are skipped unless ``force``, so an interrupted batch resumes; one failed run
never stops the others and is recorded with its reason.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import tempfile
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from dxcase.answers.channel import EXPORT_ENV, read_export
from dxcase.answers.compare import Verdict, compare, describe
from dxcase.answers.keys import AnswerKey
from dxcase.atomic import write_text_atomic
from dxcase.errors import DxcaseError
from dxcase.grade import scores
from dxcase.grade.course import Course
from dxcase.grade.intake import Submission, list_submissions
from dxcase.grade.sandbox import Limits, Sandbox, give, kernel_env

DATA_PARAM_DEFAULT = "DATA_DIR"


@dataclass
class Job:
    """One notebook run, everything a worker needs (picklable, for processes and Dask)."""

    key: str  # student/notebook
    student: str
    notebook: str
    nb_json: str
    run_dir: str
    parameters: dict[str, str]
    env: dict[str, str]
    threads: int
    cell_timeout: float
    prefix: list[str]
    usage: str
    sockets: str
    hard_seconds: float = 0


class _HardLimit(Exception):
    pass


def _raise_hard_limit(signum, frame) -> None:
    raise _HardLimit()


@dataclass
class JobResult:
    key: str
    nb_json: str | None
    seconds: float
    cpu_seconds: float | None
    peak_mib: float | None
    failure: str | None


@dataclass
class Outcome:
    """What grading one notebook of one learner gave (one line of the run record)."""

    student: str
    notebook: str
    status: str  # graded, failed, missing, skipped
    score: float = 0.0
    max_score: float = 0.0
    seconds: float = 0.0
    cpu_seconds: float | None = None
    peak_mib: float | None = None
    reasons: list[str] = field(default_factory=list)
    checksum: str = ""
    holdout_wmape: float | None = None  # the learner's own error on the holdout, if scored


@dataclass
class Batch:
    assignment: str
    outcomes: list[Outcome] = field(default_factory=list)
    wall_s: float = 0.0
    workers: int = 1
    isolated: bool = False

    def to_json(self) -> str:
        return json.dumps(
            {
                "assignment": self.assignment,
                "wall_s": round(self.wall_s, 2),
                "workers": self.workers,
                "isolated": self.isolated,
                "outcomes": [asdict(o) for o in self.outcomes],
            },
            ensure_ascii=False,
            indent=1,
        )


def execute_job(job: Job) -> JobResult:
    """Run one prepared notebook in its sandbox (in a worker process or on a Dask worker)."""
    from dxcase.kernels import run_notebook

    nb = nbformat.reads(job.nb_json, as_version=4)
    # last line of defence: the jail kills the kernel at the wall limit; this frees the worker
    hard = job.hard_seconds > 0 and threading.current_thread() is threading.main_thread()
    if hard:
        signal.signal(signal.SIGALRM, _raise_hard_limit)
        signal.alarm(int(job.hard_seconds))
    options = {
        "interrupt_on_timeout": True,  # as nbgrader: a slow cell fails, the rest still runs
        "error_on_timeout": {
            "ename": "CellTimeoutError",
            "evalue": f"cell ran longer than {job.cell_timeout:g} s",
            "traceback": [],
        },
        "extra_arguments": ["--HistoryManager.hist_file=:memory:"],
        "on_cell_executed": _record_reply_error,
    }
    try:
        run = run_notebook(
            nb,
            job.run_dir,
            job.parameters or None,
            job.env,
            job.threads,
            job.cell_timeout,
            allow_errors=True,
            kernel_prefix=job.prefix,
            runtime_dir=job.sockets,
            inherit_env=False,
            client_options=options,
        )
    except _HardLimit:
        return JobResult(job.key, None, 0.0, None, None, "total time limit reached (worker)")
    except Exception as exc:  # the runner itself failed: record it, never stop the batch
        return JobResult(job.key, None, 0.0, None, None, f"run failed: {exc!r}"[:500])
    finally:
        if hard:
            signal.alarm(0)
    return JobResult(
        job.key,
        nbformat.writes(run.notebook),
        run.seconds,
        run.cpu_seconds,
        run.peak_mib,
        run.failure,
    )


def _record_reply_error(cell, cell_index, execute_reply) -> None:
    """As nbgrader's Execute: an error the kernel replied with always lands in the outputs.

    Learner code that silences tracebacks (nbgrader's cheat-attempt notebooks) cannot make a
    failing test look passed.
    """
    content = (execute_reply or {}).get("content", {})
    if content.get("status") != "error":
        return
    if any(
        o.get("output_type") == "error" and o.get("ename") == content.get("ename")
        for o in cell.outputs
    ):
        return
    cell.outputs.append(
        nbformat.v4.new_output(
            "error",
            ename=str(content.get("ename", "Error")),
            evalue=str(content.get("evalue", "")),
            traceback=list(content.get("traceback") or ["(traceback hidden by the notebook)"]),
        )
    )


@dataclass
class _Plan:
    """What one submission needs in this batch: notebooks to run and notebooks missing."""

    sub: Submission
    extension_hours: float
    runs: list[tuple[str, Outcome]] = field(default_factory=list)
    missing: list[Outcome] = field(default_factory=list)
    begun: bool = False


@dataclass
class _Prepared:
    job: Job
    sub: Submission
    nb_name: str
    checksum: str


class Grader:
    """Grades one assignment of a course."""

    def __init__(
        self,
        course: Course,
        assignment: str,
        workers: int | None = None,
        limits: Limits | None = None,
        scheduler: str | None = None,
        work_dir: Path | None = None,
        echo: Callable[[str], None] = lambda _: None,
        progress: bool = True,
    ) -> None:
        self.course = course
        self.assignment = assignment
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.threads = max(1, (os.cpu_count() or 1) // self.workers)
        self.limits = limits or Limits()
        self.scheduler = scheduler
        self.echo = echo
        self.progress = progress
        self.case = case_for(assignment)
        self._own_base = work_dir is None  # a temporary work area is removed after the run
        base = Path(work_dir or tempfile.mkdtemp(prefix="dxcase-grade-"))
        self.sandbox = Sandbox(base, hide=self._hidden(), limits=self.limits)
        self.reports: dict[str, Path] = {}
        self._release: dict[str, set[str]] = {}
        self._expected: dict[str, int] = {}  # per learner: outcomes this batch records
        self._keys: dict[Path, AnswerKey] = {}  # variant folder -> its answer key
        self.state_path = course.state_dir / "grading" / assignment / "state.json"
        self.state: dict[str, dict] = (
            json.loads(self.state_path.read_text(encoding="utf-8"))
            if self.state_path.is_file()
            else {}
        )

    # -- what the sandbox hides -------------------------------------------------------------
    def _hidden(self) -> list[Path]:
        from dxcase.paths import content_root

        hide = [self.course.root]
        for name in ("graders", "casestudies"):
            try:
                path = content_root(name)
            except Exception:
                continue
            if path.is_dir():
                hide.append(path)
        home = Path.home()
        if home.is_dir() and home != Path("/"):
            hide.append(home)
        extra = os.environ.get("DXCASE_GRADE_HIDE", "")
        hide += [Path(p) for p in extra.split(os.pathsep) if p]
        return hide

    # -- preparation ----------------------------------------------------------------------
    def _data_for(self, student: str) -> dict[str, str]:
        """Parameters of the learner's run: their dataset variant's learner-visible folder."""
        if self.case is None or not self.case.datasets:
            return {}
        use = self.case.dataset
        variant = self._variant_of(student)
        shared = self.sandbox.base / "data" / variant.name
        if not shared.is_dir():  # learner-visible data only, read-only for everyone
            shutil.copytree(variant / "data", shared)
            os.chmod(self.sandbox.base / "data", 0o755)
            for root, _dirs, files in os.walk(shared):
                os.chmod(root, 0o755)
                for f in files:
                    os.chmod(os.path.join(root, f), 0o644)
        return {use.parameter or DATA_PARAM_DEFAULT: str(shared)}

    def _prepare(self, sub: Submission, name: str, outcome: Outcome) -> _Prepared | None:
        res = scores.resources(self.course, self.assignment, name, sub.student)
        try:
            nb = nbformat.read(str(sub.notebooks[name]), as_version=4)
            submitted = _graded_cells(nb)
            nb = scores.sanitize(self.course, nb, res)
            outcome.reasons += _restored(submitted, _graded_cells(nb), self._release_cells(name))
            with self.course.gradebook() as gb:
                wanted = [c.name for c in gb.find_notebook(name, self.assignment).grade_cells]
            gone = [g for g in wanted if g not in _graded_cells(nb)]
            if gone:
                outcome.reasons.append(
                    f"graded cells deleted (they score zero): {', '.join(gone[:6])}"
                )
        except Exception as exc:
            outcome.reasons.append(f"unreadable notebook: {type(exc).__name__}: {str(exc)[:300]}")
            return None
        owner = self.sandbox.user_for(sub.student)
        job_id = f"{_safe(sub.student)}-{_safe(name)}"
        run_dir = self.sandbox.run_dir(job_id, None)
        _copy_submission(sub.folder, run_dir, self.course.source(self.assignment))
        nbformat.write(nb, str(run_dir / f"{name}.ipynb"))
        self.sandbox.seed_font_cache(run_dir)
        give(run_dir, owner)
        params = self._data_for(sub.student)
        learner = self.course.learner(sub.student)
        env = kernel_env(
            run_dir,
            {
                "DXCASE_EVENTS": "0",
                "DXCASE_LANG": learner.lang,
                "NBGRADER_EXECUTION": "autograde",
                EXPORT_ENV: "1",
            },
        )
        usage = self.sandbox.base / "state" / f"{job_id}.json"
        usage.unlink(missing_ok=True)
        job = Job(
            f"{sub.student}/{name}",
            sub.student,
            name,
            nbformat.writes(nb),
            str(run_dir),
            params,
            env,
            self.threads,
            self.limits.cell_seconds,
            self.sandbox.prefix(owner, usage, read_only=list(params.values())),  # data variant
            str(usage),
            str(self.sandbox.socket_dir(owner)),
            self.limits.total_seconds + 30,
        )
        return _Prepared(job, sub, name, sub.checksum(name))

    @functools.cached_property
    def _key_inputs(self):
        from dxcase.author.answerkey import KeyInputs

        return KeyInputs.of(self.case)

    @functools.cached_property
    def _comparators(self) -> Path | None:
        path = self.case.root / "comparators.py"
        return path if path.is_file() else None

    def _key_for(self, student: str) -> AnswerKey:
        """The answer key of the learner's variant (computed once per variant, then cached)."""
        variant = self._variant_of(student)
        if variant not in self._keys:
            self.prepare_keys([student])
        return self._keys[variant]

    def _variant_of(self, student: str) -> Path:
        from dxcase.grade.keys import variant_of

        return variant_of(self.course, self.case, student)

    def prepare_keys(self, students: list[str]) -> None:
        """Every key the batch needs, computed in parallel with progress before grading."""
        if self.case is None or not self.case.datasets:
            return
        from dxcase.grade.keys import course_keys

        found = course_keys(self.course, self.case, students, self.workers, self.progress)
        for key in found.values():
            for problem in key.problems:
                self.echo(f"answer key {key.digest[:8]}: {problem}")
        self._keys.update(found)

    def _release_cells(self, name: str) -> set[str]:
        if name not in self._release:
            path = self.course.root / "release" / self.assignment / f"{name}.ipynb"
            cells = set()
            if path.is_file():
                nb = nbformat.read(str(path), as_version=4)
                cells = {c.source.strip() for c in nb.cells if c.cell_type == "code"}
                cells.discard("")
            self._release[name] = cells
        return self._release[name]

    # -- after a run ------------------------------------------------------------------------
    def _finish(self, prep: _Prepared, result: JobResult, outcome: Outcome) -> None:
        sub, name = prep.sub, prep.nb_name
        outcome.seconds, outcome.cpu_seconds, outcome.peak_mib = (
            round(result.seconds, 2),
            result.cpu_seconds,
            result.peak_mib,
        )
        if result.nb_json is None:
            outcome.reasons.append(result.failure or "run failed")
            self._zero(sub, name, outcome)
            return
        nb = nbformat.reads(result.nb_json, as_version=4)
        if result.failure:
            outcome.reasons.append(self._explain(result.failure, prep.job.usage))
            missed = scores.fail_unrun_tests(nb, outcome.reasons[-1])
            if missed:
                outcome.reasons.append(f"tests not reached: {', '.join(missed)}")
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                if out.get("ename") == "CellTimeoutError":
                    outcome.reasons.append(
                        f"a cell ran longer than {self.limits.cell_seconds:g} s ({scores.grade_id(cell) or 'learner cell'})"
                    )
        errors = [
            f"{scores.grade_id(c) or f'cell {i}'}: {o.get('ename')}"
            for i, c in enumerate(nb.cells)
            if not scores.is_test(c)
            for o in c.get("outputs", [])
            if o.get("output_type") == "error" and o.get("ename") != "NotImplementedError"
        ]
        if errors:
            outcome.reasons.append("errors in the learner's cells: " + ", ".join(errors[:4]))
        if self.case is not None and self.case.datasets:
            self._score_exports(nb, sub, Path(prep.job.run_dir), outcome)
        nb.cells = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
        res = scores.resources(self.course, self.assignment, name, sub.student)
        try:
            nb = scores.record(self.course, nb, res)
        except Exception as exc:
            outcome.reasons.append(f"recording failed: {type(exc).__name__}: {str(exc)[:300]}")
            self._zero(sub, name, outcome)
            return
        scores.write_notebook(
            nb, self.course.autograded(sub.student, self.assignment) / f"{name}.ipynb"
        )
        outcome.status = "graded"

    def _explain(self, failure: str, usage_path: str) -> str:
        path = Path(usage_path)
        for _ in range(10):
            if path.is_file():
                try:
                    reason = json.loads(path.read_text(encoding="utf-8")).get("reason")
                except (OSError, ValueError):
                    reason = None
                if reason:
                    return reason
                break
            time.sleep(0.1)
        return failure[:300]

    def _score_exports(self, nb, sub: Submission, run_dir: Path, outcome: Outcome) -> None:
        """Each test cell's exported value against the key, outside the sandbox.

        The task is the cell's grade id from the gradebook's master copy (the kernel cannot
        change it); only one exported value per cell counts; whatever else the cell printed is
        discarded. A cell without a valid export scores zero.
        """
        key = self._key_for(sub.student)
        lang = self.course.learner(sub.student).lang
        holdout = self.case.holdout.task if self.case.holdout else None
        for cell in nb.cells:
            task = scores.grade_id(cell) if scores.is_test(cell) else None
            if task is None:
                continue
            if any(
                o.get("ename") in (scores.NOT_RUN, "CellTimeoutError")
                for o in cell.get("outputs", [])
            ):
                continue  # already zero, with its reason
            found, value, problem = read_export(cell.get("outputs", []))
            if not found:
                outcome.reasons.append(f"{task}: {problem}")
                scores.set_verdict(
                    cell, False, describe(Verdict("not_attempted", "not_attempted"), lang)
                )
            elif task == holdout:
                self._score_holdout(cell, value, sub, run_dir, outcome, lang)
            elif task not in key.tasks or task not in self._key_inputs.comparisons:
                outcome.reasons.append(f"{task}: no answer key (see `dxcase grade keys`)")
                scores.set_verdict(cell, False, describe(Verdict("incorrect", "no_key"), lang))
            else:
                entry = key.tasks[task]
                comparison = self._key_inputs.comparisons[task]
                verdict = compare(
                    comparison, value, entry.value, entry.alternatives, self._comparators
                )
                scores.set_verdict(cell, verdict.correct, describe(verdict, lang))

    def _score_holdout(
        self, cell, named: object, sub: Submission, run_dir: Path, outcome: Outcome, lang: str
    ) -> None:
        """The forecast file the learner named, scored against the truth: no file, no points."""
        from dxcase.grade.holdout import score_forecast

        if not isinstance(named, str) or not named:
            scores.set_points(cell, None, "no forecast file was named")
            outcome.reasons.append("holdout: no forecast file was named")
            return
        path = (run_dir / named).resolve()
        if not path.is_relative_to(run_dir.resolve()) or not path.is_file():
            scores.set_points(cell, None, "forecast file not found in the submission")
            outcome.reasons.append(f"holdout: {named!r} is not a file of the submission")
            return
        if path.stat().st_size > 100 * 1024 * 1024:
            scores.set_points(cell, None, "forecast file too large")
            outcome.reasons.append("holdout: forecast file over 100 MiB")
            return
        truth = self._variant_of(sub.student) / "holdout"
        try:
            scored = score_forecast(self.case.root, path, truth)
        except Exception as exc:
            scores.set_points(cell, None, str(exc)[:200])
            outcome.reasons.append(f"holdout: {str(exc)[:200]}")
            return
        scores.set_points(cell, scored.points)
        outcome.holdout_wmape = round(scored.wmape, 4)
        outcome.reasons.append(f"holdout: WMAPE {scored.wmape:.3f} -> {scored.points:g} points")

    def _zero(self, sub: Submission, name: str, outcome: Outcome) -> None:
        with self.course.gradebook() as gb:
            scores.zero_notebook(gb, name, self.assignment, sub.student)
        outcome.status = "failed"

    # -- the batch ----------------------------------------------------------------------------
    def run(
        self,
        students: list[str] | None = None,
        notebooks: list[str] | None = None,
        force: bool = False,
    ) -> Batch:
        started = time.perf_counter()
        batch = Batch(self.assignment, workers=self.workers, isolated=self.sandbox.isolated)
        with self.course.gradebook() as gb:
            try:
                gb.find_assignment(self.assignment)
            except Exception as exc:
                raise DxcaseError(
                    f"assignment {self.assignment!r} is not in the gradebook {self.course.db_url} "
                    "(run `dxcase grade assign` or `nbgrader generate_assignment` first)"
                ) from exc
        expected = scores.notebooks_of(self.course, self.assignment)
        subs = list_submissions(self.course, self.assignment, students)
        self.prepare_keys([s.student for s in subs])
        self._expected = {}
        plans: list[_Plan] = []
        for sub in subs:
            wanted = [n for n in expected if not notebooks or n in notebooks]
            todo = [
                n
                for n in wanted
                if force
                or self.state.get(f"{sub.student}/{n}", {}).get("checksum") != sub.checksum(n)
            ]
            self._expected[sub.student] = len(todo or wanted)
            if not todo:
                for n in wanted:
                    self._record(batch, Outcome(**self.state[f"{sub.student}/{n}"]), saved=True)
                continue
            plan = _Plan(sub, self.course.learner(sub.student).extension_hours)
            extra = sorted(set(sub.notebooks) - set(expected))
            for name in todo:
                outcome = Outcome(sub.student, name, "failed", checksum=sub.checksum(name))
                if name in sub.notebooks:
                    plan.runs.append((name, outcome))
                    continue
                outcome.status = "missing"
                outcome.reasons.append(f"no {name}.ipynb in the submission")
                if extra:
                    outcome.reasons.append(f"unknown notebook(s) ignored: {', '.join(extra)}")
                plan.missing.append(outcome)
            plans.append(plan)
        self._dispatch(plans, batch)
        batch.outcomes.sort(key=lambda o: (o.student, o.notebook))
        batch.wall_s = time.perf_counter() - started
        record_dir = self.course.state_dir / "grading" / self.assignment
        write_text_atomic(record_dir / "last-run.json", batch.to_json())
        self.sandbox.close()
        if self._own_base:
            shutil.rmtree(self.sandbox.base, ignore_errors=True)
        return batch

    def _after(self, student: str, outcomes: list[Outcome]) -> None:
        """A learner's feedback report and event log (kept for the cohort report), written as
        soon as all their notebooks are recorded, while the others are still being graded."""
        from dxcase.grade.feedback import write_feedback

        holdout = self.case.holdout.task if self.case and self.case.holdout else None
        try:
            self.reports[student] = write_feedback(
                self.course, self.assignment, student, outcomes, holdout
            )
        except Exception as exc:  # a report must not stop the others
            self.echo(f"{student}: feedback failed: {exc!r}")
        log = self.course.submitted(student, self.assignment) / ".dxcase" / "events.jsonl"
        if log.is_file() and not log.is_symlink():
            events_dir = self.course.state_dir / "events" / self.assignment
            events_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(log, events_dir / f"{student}.jsonl")

    def _record(self, batch: Batch, outcome: Outcome, saved: bool = False) -> None:
        """Add one outcome to the batch (its score read back from the gradebook unless it is a
        ``saved`` one from an earlier run); the learner's last one triggers :meth:`_after`."""
        if not saved and outcome.status in ("graded", "failed", "missing"):
            nb = scores.notebook_score(
                self.course, self.assignment, outcome.student, outcome.notebook
            )
            if nb is not None:
                outcome.score = round(nb["score"] - nb["late_penalty"], 3)
                outcome.max_score = nb["max_score"]
        batch.outcomes.append(outcome)
        if not saved:
            self.state[f"{outcome.student}/{outcome.notebook}"] = asdict(outcome)
            write_text_atomic(self.state_path, json.dumps(self.state, ensure_ascii=False, indent=1))
        mine = [o for o in batch.outcomes if o.student == outcome.student]
        if len(mine) == self._expected[outcome.student]:
            self._after(outcome.student, mine)

    def _dask_results(self, jobs: Iterator[Job]):
        return _dask_results_impl(self.scheduler, jobs)

    def _dispatch(self, plans: list[_Plan], batch: Batch) -> None:
        """Prepare each run and hand it to the workers at once, so preparing the next runs
        overlaps the first kernels; record results as they arrive. A submission is entered in
        the gradebook just before its first run is prepared, not all of them up front."""
        if not plans:
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        columns = [
            TextColumn("[bold]grading {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
        ]
        runs = [(plan, name, outcome) for plan in plans for name, outcome in plan.runs]
        # biggest notebooks first: the batch ends sooner when long runs start early
        runs.sort(key=lambda t: -t[0].sub.notebooks[t[1]].stat().st_size)
        by_key: dict[str, tuple[_Prepared, Outcome]] = {}
        ready: deque[Outcome] = deque()  # recorded without a run: missing or unreadable

        def begin(plan: _Plan) -> None:
            if not plan.begun:
                plan.begun = True
                scores.start_submission(self.course, plan.sub, plan.extension_hours)
                ready.extend(plan.missing)

        def jobs():
            for plan, name, outcome in runs:
                begin(plan)
                prep = self._prepare(plan.sub, name, outcome)
                if prep is None:
                    self._zero(plan.sub, name, outcome)
                    ready.append(outcome)
                    continue
                by_key[prep.job.key] = (prep, outcome)
                yield prep.job
            for plan in plans:  # submissions with no notebook to run
                begin(plan)

        def record_ready() -> None:
            while ready:
                self._record(batch, ready.popleft())
                bar.advance(task)

        results = self._results(jobs())
        with Progress(*columns, disable=not self.progress, transient=False) as bar:
            total = sum(len(p.runs) + len(p.missing) for p in plans)
            task = bar.add_task(self.assignment, total=total)
            for result in results:
                record_ready()
                prep, outcome = by_key[result.key]
                try:
                    self._finish(prep, result, outcome)
                except Exception as exc:
                    outcome.reasons.append(f"grader error: {exc!r}"[:300])
                    outcome.reasons.append(traceback.format_exc(limit=2)[-300:])
                    self._zero(prep.sub, prep.nb_name, outcome)
                self._record(batch, outcome)
                bar.advance(task)
                self.echo(
                    f"{outcome.student}/{outcome.notebook}: {outcome.status} {outcome.score:g}/{outcome.max_score:g}"
                )
            record_ready()  # when no run was left to start

    def _results(self, jobs: Iterator[Job]):
        """Results as they finish. The first job is submitted (and the workers forked) before
        this returns; the rest are submitted, as ``jobs`` makes them, when iteration starts."""
        if self.scheduler:
            return self._dask_results(jobs)
        import multiprocessing

        import jupyter_client.manager  # noqa: F401  imported once here, shared by forked workers
        import nbclient  # noqa: F401
        import papermill.parameterize  # noqa: F401

        import dxcase.kernels
        import dxcase.quick_kernels  # noqa: F401

        # fork: workers start at once with everything imported (a fresh interpreter spends
        # seconds importing nbformat's jsonschema format checkers); the gradebook is only ever
        # opened in this process, between runs
        ctx = multiprocessing.get_context("fork")
        pool = ProcessPoolExecutor(self.workers, mp_context=ctx)  # forks before any UI thread
        pending: dict[Future, Job] = {}
        first = next(jobs, None)
        if first is not None:  # with fork, the first submit starts every worker
            pending[pool.submit(execute_job, first)] = first

        def results():
            try:
                for job in jobs:
                    pending[pool.submit(execute_job, job)] = job
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in done:
                        job = pending.pop(fut)
                        try:
                            yield fut.result()
                        except Exception as exc:  # a worker process died
                            yield JobResult(
                                job.key, None, 0.0, None, None, f"worker failed: {exc!r}"[:300]
                            )
            finally:
                pool.shutdown(wait=True, cancel_futures=True)

        return results()


def _dask_results_impl(scheduler: str, jobs: Iterator[Job]):
    from distributed import Client, as_completed

    with Client(scheduler) as client:
        futures = {
            client.submit(execute_job, j, key=f"dxcase-{j.key}-{time.time_ns()}", pure=False): j
            for j in jobs
        }
        for fut in as_completed(list(futures)):
            try:
                yield fut.result()
            except Exception as exc:
                job = futures[fut]
                yield JobResult(job.key, None, 0.0, None, None, f"worker failed: {exc!r}"[:300])


def _graded_cells(nb) -> dict[str, tuple[str, object, bool]]:
    """grade id -> (source, points, has outputs) of the cells nbgrader protects."""
    out = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") and (meta.get("grade") or meta.get("locked")):
            has_out = bool(cell.get("outputs")) if cell.cell_type == "code" else False
            out[meta["grade_id"]] = (cell.source, meta.get("points"), has_out)
    return out


def _restored(submitted: dict, sanitized: dict, release: set[str]) -> list[str]:
    """What nbgrader's sanitizing undid: the facilitator sees each attempt.

    A test cell as released (its hidden part stripped) differs from the gradebook's master
    copy without any edit, so a cell counts as edited only when it matches neither.
    """
    edited = [
        k
        for k, v in sanitized.items()
        if k in submitted
        and (
            submitted[k][1] != v[1]
            or (submitted[k][0] != v[0] and submitted[k][0].strip() not in release)
        )
    ]
    missing = [k for k in sanitized if k not in submitted]
    outputs = [k for k, v in submitted.items() if v[2]]
    reasons = []
    if edited:
        reasons.append(
            f"locked or test cells edited, restored from the gradebook: {', '.join(edited[:6])}"
        )
    if missing:
        reasons.append(f"test or locked cells deleted, put back: {', '.join(missing[:6])}")
    if outputs:
        reasons.append(f"outputs submitted in graded cells, cleared: {', '.join(outputs[:6])}")
    return reasons


def case_for(assignment: str) -> Any:
    """The dxcase case an assignment is named after (None for a plain nbgrader assignment)."""
    from dxcase.author.casefile import load_case
    from dxcase.paths import content_root

    try:
        folder = content_root("casestudies") / assignment
    except Exception:
        return None
    if not (folder / "case.yaml").is_file():
        return None
    return load_case(folder)


def _copy_submission(folder: Path, dest: Path, source: Path) -> None:
    """Learner's files (no symlinks, no notebooks), then the master files over them."""
    for root, dirs, files in os.walk(folder, followlinks=False):
        rel = Path(root).relative_to(folder)
        dirs[:] = [d for d in dirs if not (Path(root) / d).is_symlink() and d != ".dxcase"]
        (dest / rel).mkdir(parents=True, exist_ok=True)
        for f in files:
            p = Path(root) / f
            if p.is_symlink() or not p.is_file() or f.endswith(".ipynb") or f == "timestamp.txt":
                continue
            shutil.copy2(p, dest / rel / f)
    if source.is_dir():
        for root, _dirs, files in os.walk(source):
            rel = Path(root).relative_to(source)
            (dest / rel).mkdir(parents=True, exist_ok=True)
            for f in files:
                if not f.endswith(".ipynb"):
                    target = dest / rel / f
                    if target.exists() or target.is_symlink():
                        target.unlink()
                    shutil.copy2(Path(root) / f, target)


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[:80]
