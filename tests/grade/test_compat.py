"""nbgrader's own example course graded by dxcase gives the scores of its grades.csv."""

from __future__ import annotations

import csv
import shutil

import pytest

from dxcase.grade.course import open_course
from dxcase.grade.runner import Grader
from tests.grade.conftest import USER_GUIDE


@pytest.mark.slow
def test_example_course_scores_match_grades_csv(course_copy, tmp_path):
    shutil.copytree(USER_GUIDE / "submitted", course_copy / "submitted")
    course = open_course(course_copy)
    batch = Grader(course, "ps1", workers=2, work_dir=tmp_path / "work", progress=False).run()
    with (USER_GUIDE / "grades.csv").open() as fh:
        expected = {row["student_id"]: float(row["score"]) for row in csv.DictReader(fh)}
    got = {}
    for o in batch.outcomes:
        assert o.status == "graded", o
        got[o.student] = got.get(o.student, 0) + o.score
    assert got == expected
    # nbgrader's own gradebook API sees the same totals (what formgrader and export read)
    with course.gradebook() as gb:
        totals = {s.student.id: s.score for s in gb.assignment_submissions("ps1")}
    assert totals == expected
    # and a second run resumes: nothing is re-run, the scores stay
    again = Grader(course, "ps1", workers=2, work_dir=tmp_path / "work2", progress=False).run()
    assert {(o.student, o.notebook, o.score) for o in again.outcomes} == {
        (o.student, o.notebook, o.score) for o in batch.outcomes
    }
