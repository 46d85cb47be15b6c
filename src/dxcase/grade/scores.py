"""Scores into nbgrader's gradebook, exactly as ``nbgrader autograde`` writes them.

Before a run, the submitted notebook goes through nbgrader's own sanitizing preprocessors
(ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata): locked and
test cells come back from the gradebook's master copy (so edited tests, changed points and
deleted test cells do not count). After the run, nbgrader's LimitOutput, SaveAutoGrades
(``determine_grade`` per cell), AssignLatePenalties and CheckCellMetadata record the grades.
Only the grader process touches the gradebook; the learner's kernel never sees it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from dxcase.grade.course import Course

NOT_RUN = "NotRun"
INCORRECT = "Incorrect"


def resources(course: Course, assignment: str, notebook: str, student: str) -> dict:
    return {
        "nbgrader": {
            "db_url": course.db_url,
            "assignment": assignment,
            "notebook": notebook,
            "student": student,
        }
    }


def _run(pps: Iterable[type], course: Course, nb: NotebookNode, res: dict) -> NotebookNode:
    for cls in pps:
        nb, res = cls(config=course.config)(nb, res)
    return nb


def start_submission(course: Course, sub, extension_hours: float = 0) -> None:
    """Learner, submission (timestamp, extension) and zeroes for missing notebooks in the gradebook."""
    with course.gradebook() as gb:
        gb.update_or_create_student(sub.student)
    with course.gradebook() as gb:
        kwargs = {"timestamp": sub.timestamp} if sub.timestamp else {}
        gb.update_or_create_submission(sub.assignment, sub.student, **kwargs)
    with course.gradebook() as gb:
        submission = gb.find_submission(sub.assignment, sub.student)
        submission.extension = timedelta(hours=extension_hours) if extension_hours else None
        gb.db.commit()
        names = [nb.name for nb in gb.find_assignment(sub.assignment).notebooks]
    for name in names:
        if name not in sub.notebooks:
            with course.gradebook() as gb:
                zero_notebook(gb, name, sub.assignment, sub.student)


def zero_notebook(gb, notebook: str, assignment: str, student: str) -> None:
    """Every grade of a notebook that could not be graded is zero (as nbgrader does for a missing one)."""
    submission = gb.find_submission_notebook(notebook, assignment, student)
    for grade in submission.grades:
        grade.auto_score = 0
        grade.needs_manual_grade = False
    gb.db.commit()


def notebooks_of(course: Course, assignment: str) -> dict[str, float]:
    """Notebook name -> max score, from the gradebook."""
    with course.gradebook() as gb:
        return {nb.name: nb.max_score for nb in gb.find_assignment(assignment).notebooks}


def sanitize(course: Course, nb: NotebookNode, res: dict) -> NotebookNode:
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        OverwriteCells,
        OverwriteKernelspec,
    )

    pps = [ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata]
    return _run(pps, course, nb, res)


def record(course: Course, nb: NotebookNode, res: dict) -> NotebookNode:
    """Grades of an executed notebook into the gradebook.

    ``nbgrader autograde`` ends with CheckCellMetadata again; here the metadata is the one
    :func:`sanitize` already validated (a kernel cannot change it), so that check is skipped.
    """
    from nbgrader.preprocessors import AssignLatePenalties, LimitOutput, SaveAutoGrades

    pps = [LimitOutput, SaveAutoGrades, AssignLatePenalties]
    return _run(pps, course, nb, res)


def is_test(cell: NotebookNode) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def grade_id(cell: NotebookNode) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def set_verdict(cell: NotebookNode, correct: bool, message: str) -> None:
    """What the grader decided for a test cell, as the outputs ``determine_grade`` reads:
    full points for a plain output, zero for an error output named ``Incorrect``."""
    if correct:
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=message + "\n")]
    else:
        cell.outputs = [
            nbformat.v4.new_output("error", ename=INCORRECT, evalue=message, traceback=[])
        ]


def set_points(cell: NotebookNode, points: float | None, reason: str = "") -> None:
    """Make ``determine_grade`` give ``points`` (partial credit) or zero (an error output)."""
    if points is None:
        cell.outputs = [
            nbformat.v4.new_output("error", ename="HoldoutNotScored", evalue=reason, traceback=[])
        ]
    else:
        cell.outputs = [
            nbformat.v4.new_output(
                "execute_result", data={"text/plain": repr(float(points))}, execution_count=1
            )
        ]


def fail_unrun_tests(nb: NotebookNode, reason: str) -> list[str]:
    """Test cells the run never reached (kernel died, total time limit) score zero."""
    hit = []
    for cell in nb.cells:
        errored = any(o.output_type == "error" for o in cell.get("outputs", []))
        if is_test(cell) and cell.get("execution_count") is None and not errored:
            cell.outputs = [
                nbformat.v4.new_output("error", ename=NOT_RUN, evalue=reason, traceback=[])
            ]
            hit.append(grade_id(cell) or "?")
    return hit


def notebook_scores(course: Course, assignment: str, student: str) -> dict[str, dict]:
    """Per notebook: score, max_score, late penalty and per-cell scores from the gradebook."""
    out = {}
    with course.gradebook() as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except Exception:
            return out
        for nb in sub.notebooks:
            out[nb.name] = {
                **_totals(nb),
                "cells": {g.name: (g.score, g.max_score) for g in nb.grades},
            }
    return out


def _totals(nb) -> dict[str, float]:
    """Score, max score and late penalty of a gradebook SubmittedNotebook."""
    return {
        "score": nb.score,
        "max_score": nb.max_score,
        "late_penalty": nb.late_submission_penalty or 0.0,
    }


def notebook_score(course: Course, assignment: str, student: str, notebook: str) -> dict | None:
    """One notebook's score, max_score and late penalty from the gradebook (None if absent)."""
    with course.gradebook() as gb:
        try:
            nb = gb.find_submission_notebook(notebook, assignment, student)
        except Exception:
            return None
        return _totals(nb)


def write_notebook(nb: NotebookNode, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
