"""Everything the cohort report shows, gathered from one nbgrader course (and its review round).

Sources, all inside the course folder or named by the facilitator: the roster, the gradebook,
the grader's records (``dxcase/grading/<case>/state.json``: tamper findings), the submissions
(copy detection, event logs) and the peer-review store. Nothing is read from the holdout truth
or the hidden tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from dxcase.author.casefile import Case, load_case
from dxcase.author.checksfile import load_checks
from dxcase.cohort.events import Activity, cohort_activity, find_logs
from dxcase.cohort.grades import LearnerGrade, learner_grades, presentation_notebook
from dxcase.cohort.items import Item, TaskInfo, item_analysis
from dxcase.errors import DxcaseError, InputError, Problem
from dxcase.grade.course import Course, open_course
from dxcase.grade.similarity import Pair, similarity_report
from dxcase.review.results import RoundResult

TAMPER_MARKS = ("tampering:", "locked or test cells edited", "test or locked cells deleted")


@dataclass
class CohortData:
    case: Case
    course: Course
    learners: list[str]
    grades: dict[str, LearnerGrade]
    activity: dict[str, Activity]
    items: list[Item]
    review: RoundResult | None
    copies: list[Pair]
    tamper: dict[str, list[str]]  # learner -> "notebook: reason" lines
    duedate: str = ""
    problems: list[Problem] = field(default_factory=list)


def collect(
    course_dir: Path,
    case_dir: Path | None = None,
    review_db: str | None = None,
    round_ref: str | None = None,
    copy_threshold: float = 0.8,
) -> CohortData:
    """Read a cohort's course folder; the case is the course's only assignment unless given."""
    course = open_course(course_dir)
    case = load_case(case_dir or _case_dir(course))
    learners = sorted(set(course.roster) | _graded_students(course))
    if not learners:
        raise InputError(f"{course.root}: no learners (no roster.csv rows, no gradebook students)")
    grades = learner_grades(course, case, learners)
    activity, problems = cohort_activity(find_logs(course.root, case.slug, learners))
    tasks = [TaskInfo(t.id, t.notebook, t.practice) for t in load_checks(case, "ja").tasks.values()]
    _, copies = similarity_report(course, case.slug, course.state_dir / "reports", copy_threshold)
    with course.gradebook() as gb:
        due = gb.find_assignment(case.slug).duedate
    return CohortData(
        case, course, learners, grades, activity, item_analysis(tasks, grades, activity),
        _review(course, case, review_db, round_ref), copies, _tamper(course, case.slug),
        f"{due:%Y-%m-%d %H:%M} UTC" if due else "", problems,
    )  # fmt: skip


def _case_dir(course: Course) -> Path:
    from dxcase.paths import content_root

    names = sorted(p.name for p in (course.root / "source").glob("*") if p.is_dir())
    if len(names) != 1:
        raise DxcaseError(
            f"{course.root}: give the case with --case (assignments in source/: {names or 'none'})"
        )
    return content_root("casestudies") / names[0]


def _graded_students(course: Course) -> set[str]:
    with course.gradebook() as gb:
        return {s.id for s in gb.students}


def _tamper(course: Course, assignment: str) -> dict[str, list[str]]:
    path = course.state_dir / "grading" / assignment / "state.json"
    if not path.is_file():
        return {}
    out: dict[str, list[str]] = {}
    for rec in json.loads(path.read_text(encoding="utf-8")).values():
        for reason in rec.get("reasons", []):
            if reason.startswith(TAMPER_MARKS):
                out.setdefault(rec["student"], []).append(f"{rec['notebook']}: {reason}")
    return out


def _review(course: Course, case: Case, db: str | None, ref: str | None) -> RoundResult | None:
    """The review round of the case's presentation (the named one, else the latest)."""
    from sqlalchemy import select

    from dxcase.review.results import find_round, round_result
    from dxcase.review.store import Store
    from dxcase.review.store.models import Round

    default = course.state_dir / "review.db"
    if db is None and not default.is_file():
        return None
    store = Store(db or f"sqlite:///{default}")
    if ref is not None:
        return round_result(store, find_round(store, ref).id)
    with store.read() as s:
        rid = s.scalar(
            select(Round.id)
            .where(Round.assignment == case.slug, Round.notebook == presentation_notebook(case))
            .order_by(Round.id.desc())
        )
    return None if rid is None else round_result(store, rid)
