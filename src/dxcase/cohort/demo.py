"""The cohort step of ``dxcase demo`` (and ``dxcase cohort demo``): a simulated cohort of
retail_demand taken through the whole cycle without a hub.

Course with a due date and a per-day late penalty, learners' submissions
(:mod:`dxcase.cohort.simulate`), ``dxcase grade`` on every core, a peer-review round on their
presentation notebooks with simulated reviewers, the aggregated peer score written into the
gradebook, and the cohort report.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import click
import numpy as np
from sqlalchemy.exc import SAWarning

from dxcase.atomic import write_text_atomic
from dxcase.author.casefile import Case, load_case
from dxcase.cohort.collect import collect
from dxcase.cohort.grades import grades_csv, presentation_notebook
from dxcase.cohort.report import write_cohort_report
from dxcase.cohort.simulate import DUE, make_demo_cohort, personas
from dxcase.errors import DxcaseError
from dxcase.grade.course import Course, open_course, setup_case_course, write_roster
from dxcase.grade.intake import import_submissions
from dxcase.grade.late import config_lines
from dxcase.grade.runner import Batch, Grader
from dxcase.grade.simulate import release_of
from dxcase.i18n import t
from dxcase.paths import content_root

CASE = "retail_demand"
LATE_SHARE_PER_DAY = 0.1
DETAIL = "  · "  # prefix of the log's detail lines
# how each persona reviews, and the true level of its presentation (1..4)
REVIEWER = {"strong": "careful", "average": "careful", "weak": "careless", "late": "biased",
            "tamper": "rogue", "copy": "careless", "broken": "biased", "incomplete": "careful"}  # fmt: skip
LEVEL = {"strong": 4, "average": 3, "late": 3, "tamper": 3, "copy": 4, "weak": 2, "broken": 1}


@dataclass
class CohortDemo:
    report: Path
    feedback: Path
    batch: Batch | None = None  # None when it ran in another process
    reviewed: int = 0


class Background:
    """``dxcase cohort demo`` in its own process, so that its grading fills the cores that the
    demo's serial steps (case validation runs one notebook at a time) leave idle."""

    def __init__(self, out: Path, lang: str, learners: int, extra: tuple[str, ...] = ()) -> None:
        self.out = out
        self.log_path = out.with_name(f"{out.name}.log")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-c", "from dxcase.cli import main; main()", "cohort", "demo",
               "--out", str(out), "--learners", str(learners), "--lang", lang, *extra]  # fmt: skip
        with self.log_path.open("w", encoding="utf-8") as log:
            env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # the log shows progress as it comes
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                         start_new_session=True)  # fmt: skip

    def wait(self) -> CohortDemo:
        """Wait for it, show its output; raise with the output's end if it failed."""
        code = self.proc.wait()
        lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        for line in lines:
            if not line.startswith(DETAIL):  # one line per notebook run stays in the log
                click.echo(f"    {line.strip()}")
        if code != 0:
            raise DxcaseError(f"demo: the cohort step failed (exit {code}), see {self.log_path}")
        return CohortDemo(self.out / "report.html", self.out / "course" / "feedback")

    def stop(self) -> None:
        """End it and its grading workers (after an error elsewhere in the demo)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait()


def run_cohort_demo(
    out: Path,
    lang: str,
    learners: int = 20,
    notebooks: list[str] | None = None,
    workers: int | None = None,
) -> CohortDemo:
    """Simulate, grade and review a cohort into ``out`` (replaced); write the cohort report."""

    def echo(message: str) -> None:
        click.echo(f"    {message}")

    shutil.rmtree(out, ignore_errors=True)
    case = load_case(content_root("casestudies") / CASE)
    root = out / "course"
    due = f"{DUE:%Y-%m-%d %H:%M:%S} UTC"
    course = setup_case_course(root, CASE, [], due, config_lines(LATE_SHARE_PER_DAY))
    cohort = make_demo_cohort(case, release_of(course, CASE), out / "submissions", learners)
    write_roster(root / "roster.csv", cohort)
    course = open_course(root)
    import_submissions(course, CASE, out / "submissions")
    grader = Grader(course, CASE, workers, progress=False, echo=lambda m: click.echo(DETAIL + m))
    with warnings.catch_warnings():  # nbgrader's add_submission on SQLAlchemy 2: harmless noise
        warnings.filterwarnings("ignore", "Object of type", SAWarning)
        batch = grader.run(notebooks=notebooks)
    echo(t("co_demo_graded", lang, count=len(batch.outcomes), seconds=f"{batch.wall_s:.0f}",
           workers=batch.workers))  # fmt: skip
    reviewed = review_round(course, case, personas(learners), lang)
    data = collect(root)
    report = write_cohort_report(data, out / "report.html", lang)
    write_text_atomic(out / "final_grades.csv", grades_csv(data.grades, case.weights))
    return CohortDemo(report, root / "feedback", batch, reviewed)


def review_round(course: Course, case: Case, who: dict[str, str], lang: str, seed: int = 7) -> int:
    """A peer-review round on the presentations, reviewed by simulated learners; the
    aggregated scores go into the gradebook. Returns how many learners got a peer score."""
    from dxcase.review.demo import review_as
    from dxcase.review.facilitate import close_round
    from dxcase.review.gradebook import write_scores
    from dxcase.review.results import round_result
    from dxcase.review.round import RoundSpec, create_round, find_notebooks, read_roster
    from dxcase.review.rubric import load_rubric
    from dxcase.review.store import Store

    pitch = presentation_notebook(case)
    rubric = load_rubric(content_root("rubrics") / f"{case.rubric}.yaml")
    crit = [c.id for c in rubric.criteria]
    store = Store(f"sqlite:///{course.state_dir / 'review.db'}")
    roster = read_roster(course.root / "roster.csv")
    notebooks = find_notebooks(course.root, case.slug, pitch)
    team = Counter(e.team for e in roster if e.id in notebooks)
    k = max(1, min(3, len(notebooks) - 2 * max(team.values(), default=1) + 1))  # small cohorts
    spec = RoundSpec(f"{case.slug}-{pitch}", course.course_id, case.slug, pitch, rubric, k, seed)
    rid = create_round(store, spec, roster, notebooks)
    rng = np.random.default_rng(seed)
    quality = {u: LEVEL.get(p, 2) for u, p in who.items()}
    for entry in roster:
        persona = who.get(entry.id, "average")
        direction = int(rng.choice([-1, 1]))
        review_as(store, rid, entry.id, REVIEWER[persona], direction, quality, crit, rng)
    close_round(store, rid)
    result = round_result(store, rid)
    written = write_scores(result, course.db_url)
    for problem in written.problems:
        click.echo(f"    {problem}")
    click.echo("    " + t("co_demo_review", lang, subs=len(result.submissions),
                          reviews=len(result.reviews), written=len(written.written)))  # fmt: skip
    store.close()
    return len(written.written)
