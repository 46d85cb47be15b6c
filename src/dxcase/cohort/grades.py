"""Each learner's final grade of a case, from the nbgrader gradebook and case.yaml's weights.

Three parts, each a share between 0 and 1 (DESIGN.md, "Grades"): ``autograded`` (every
autograded cell except the holdout task), ``holdout`` (the holdout task's cell) and
``peer_review`` (the presentation notebook's manually graded cells, where the aggregated peer
review is written). nbgrader's late penalty on a notebook is taken from that notebook's
autograded and holdout points in proportion. Manually graded cells of other notebooks are not
part of the final grade. The final grade is ``100 x sum(weight x share)``; it stays open
(None) while a weighted part is still to be graded.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from nbgrader.api import MissingEntry

from dxcase.author.casefile import Case
from dxcase.grade.course import Course
from dxcase.review.gradebook import manual_cell_names

PARTS = ("autograded", "holdout", "peer_review")


@dataclass
class LearnerGrade:
    learner: str
    team: str = ""
    submitted: bool = False
    late_hours: float = 0.0
    late_penalty: float = 0.0
    points: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PARTS, 0.0))
    max_points: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PARTS, 0.0))
    pending: set[str] = field(default_factory=set)  # parts still to be graded
    cells: dict[str, tuple[float, float]] = field(default_factory=dict)  # graded: id -> score, max

    def share(self, part: str) -> float | None:
        if part in self.pending:
            return None
        top = self.max_points[part]
        return self.points[part] / top if top else None

    def final(self, weights: dict[str, float]) -> float | None:
        return combine({p: self.share(p) for p in PARTS}, weights)


def combine(shares: dict[str, float | None], weights: dict[str, float]) -> float | None:
    """``100 x sum(weight x share)``; None if a part with weight is missing (not yet graded)."""
    total = 0.0
    for part, weight in weights.items():
        if not weight:
            continue
        share = shares.get(part)
        if share is None:
            return None
        total += weight * min(1.0, max(0.0, share))
    return round(100 * total, 2)


def grades_csv(grades: dict[str, LearnerGrade], weights: dict[str, float]) -> str:
    """One row per learner: team, each part's points and share, late penalty, final grade."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["learner", "team", "submitted", *[f"{p}_{k}" for p in PARTS for k in
                ("points", "max", "share")], "late_hours", "late_penalty", "final"])  # fmt: skip
    for g in sorted(grades.values(), key=lambda g: g.learner):
        parts = [v for p in PARTS for v in (round(g.points[p], 3), g.max_points[p], g.share(p))]
        row = [*parts, g.late_hours, round(g.late_penalty, 3), g.final(weights)]
        w.writerow([g.learner, g.team, int(g.submitted), *["" if v is None else v for v in row]])
    return buf.getvalue()


def after_penalty(points: float, notebook_points: float, penalty: float) -> float:
    """``points`` of a notebook after taking ``penalty`` from its ``notebook_points``."""
    if penalty <= 0 or notebook_points <= 0:
        return points
    return points * max(0.0, 1 - penalty / notebook_points)


def presentation_notebook(case: Case) -> str:
    return next((p.notebook for p in case.phases if p.phase == "presentation"), "")


def learner_grades(course: Course, case: Case, learners: list[str]) -> dict[str, LearnerGrade]:
    """Every learner's parts, read from the gradebook in one session."""
    assignment, holdout = case.slug, case.holdout.task if case.holdout else None
    pitch = presentation_notebook(case)
    out = {}
    with course.gradebook() as gb:
        spec = gb.find_assignment(assignment)
        manual = {nb.name: manual_cell_names(gb, assignment, nb.name) for nb in spec.notebooks}
        tops = dict.fromkeys(PARTS, 0.0)
        for nb in spec.notebooks:
            for cell in nb.grade_cells:
                part = _part(cell.name, nb.name, manual, holdout, pitch)
                if part is not None:
                    tops[part] += cell.max_score
        for learner in learners:
            row = out[learner] = LearnerGrade(learner, course.learner(learner).team)
            row.max_points = dict(tops)
            try:
                sub = gb.find_submission(assignment, learner)
            except MissingEntry:  # nothing submitted
                continue
            row.submitted = True
            row.late_hours = round((sub.total_seconds_late or 0) / 3600, 1)
            for nb in sub.notebooks:
                _add_notebook(row, nb, manual.get(nb.name, {}), holdout, pitch)
    return out


def _part(cell: str, notebook: str, manual: dict, holdout: str | None, pitch: str) -> str | None:
    if cell in manual.get(notebook, {}):
        return "peer_review" if notebook == pitch else None
    return "holdout" if cell == holdout else "autograded"


def _add_notebook(row: LearnerGrade, nb, manual: dict, holdout: str | None, pitch: str) -> None:
    penalty = nb.late_submission_penalty or 0.0
    graded = {g.name: g for g in nb.grades}
    auto_points = sum(g.score or 0.0 for n, g in graded.items() if n not in manual)
    row.late_penalty += penalty
    for name, g in graded.items():
        part = _part(name, nb.name, {nb.name: manual}, holdout, pitch)
        score = g.score or 0.0
        if name not in manual:
            score = after_penalty(score, auto_points, penalty)
        if part is not None and g.needs_manual_grade:
            row.pending.add(part)
        if g.needs_manual_grade:
            continue  # not graded yet: no share, no item statistics
        row.cells[name] = (round(score, 3), g.max_score)
        if part is not None:
            row.points[part] += score
