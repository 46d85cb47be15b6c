"""Write aggregated peer-review scores into the nbgrader gradebook (DESIGN.md, "Grades").

The peer-review score is the points of the presentation notebook's *manually graded* cells:
manually graded answers (grade cells that are also solution cells) and manually graded tasks.
The aggregated rubric total (after any facilitator override) is mapped proportionally:
``manual_score = total / rubric max total x cell max_score``. Autograded cells (for example the
holdout score) are never touched.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from dxcase.errors import Problem
from dxcase.review.results import RoundResult


@dataclass
class GradebookWrite:
    written: dict[str, float] = field(default_factory=dict)  # learner -> points written
    problems: list[Problem] = field(default_factory=list)


def _alembic_on_path() -> None:
    """nbgrader creates a new gradebook by running the ``alembic`` command: find ours."""
    if shutil.which("alembic") is None:
        os.environ["PATH"] = (
            f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
        )


def manual_cell_names(gb: Gradebook, assignment: str, notebook: str) -> dict[str, float]:
    """Manually graded cells of a notebook: name -> max points."""
    nb = gb.find_notebook(notebook, assignment)
    solution = {c.name for c in nb.solution_cells}
    cells = {c.name: c.max_score for c in nb.grade_cells if c.name in solution}
    cells.update({c.name: c.max_score for c in nb.task_cells})
    return cells


def write_scores(result: RoundResult, gradebook_url: str, dry_run: bool = False) -> GradebookWrite:
    """Set ``Grade.manual_score`` of each reviewed learner's manually graded cells."""
    rnd, out = result.round, GradebookWrite()
    where = f"{gradebook_url} [{rnd.course}/{rnd.assignment}/{rnd.notebook}]"
    max_total = result.rubric.max_total
    _alembic_on_path()
    with Gradebook(gradebook_url, course_id=rnd.course) as gb:
        try:
            cells = manual_cell_names(gb, rnd.assignment, rnd.notebook)
        except MissingEntry:
            out.problems.append(
                Problem(where, "gradebook", "assignment or notebook not in gradebook")
            )
            return out
        if not cells:
            out.problems.append(Problem(where, "gradebook", "notebook has no manually graded cell"))
            return out
        for sub in result.submissions:
            total = sub.total
            if total is None:
                out.problems.append(
                    Problem(where, "gradebook", "no complete score", column=sub.author)
                )
                continue
            frac = total / max_total
            try:
                grades = [
                    gb.find_grade(name, rnd.notebook, rnd.assignment, sub.author) for name in cells
                ]
            except MissingEntry:
                out.problems.append(
                    Problem(where, "gradebook", "no submission in gradebook", column=sub.author)
                )
                continue
            points = 0.0
            for grade, (_, max_score) in zip(grades, cells.items(), strict=True):
                grade.manual_score = round(frac * max_score, 3)
                grade.needs_manual_grade = False
                points += grade.manual_score
            out.written[sub.author] = round(points, 3)
        if dry_run:
            gb.db.rollback()
        else:
            gb.db.commit()
    return out
