"""Fast checks of the grading pieces: roster, verdicts, similarity, users."""

from __future__ import annotations

import nbformat
import pytest

from dxcase.errors import InputError
from dxcase.grade import scores
from dxcase.grade.course import read_roster
from dxcase.grade.sandbox import user_name
from dxcase.grade.similarity import normalize_code


def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    for source, meta in cells:
        cell = nbformat.v4.new_code_cell(source)
        if meta:
            cell.metadata["nbgrader"] = meta
        nb.cells.append(cell)
    return nb


LOCKED = {"grade": False, "solution": False, "locked": True, "grade_id": "setup"}
ANSWER = {"grade": False, "solution": True, "locked": False, "grade_id": "a1"}
TEST = {"grade": True, "solution": False, "locked": True, "grade_id": "t1", "points": 1}


def test_verdicts_set_what_nbgrader_scores():
    from nbgrader.utils import determine_grade

    nb = _nb(("q1.grade()", TEST))
    cell = nb.cells[0]
    scores.set_verdict(cell, True, "正解です。")
    assert determine_grade(cell) == (1.0, 1.0)
    scores.set_verdict(cell, False, "÷60 を忘れていませんか。")
    assert determine_grade(cell) == (0.0, 1.0)
    assert cell.outputs[0].ename == scores.INCORRECT
    scores.set_points(cell, 0.5)
    assert determine_grade(cell) == (0.5, 1.0)


def test_roster_rows_are_checked(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("id,team,lang,seed\nalice,t1,ja,3\nbob,t1,fr,\n")
    with pytest.raises(InputError) as info:
        read_roster(path)
    assert "line" in str(info.value) or ":3" in str(info.value)
    path.write_text("id,team,lang,seed,extension_hours\nalice,t1,en,3,24\n")
    assert read_roster(path)["alice"].extension_hours == 24


def test_user_names_are_valid_and_distinct():
    names = {user_name(x) for x in ["alice", "Alice", "a" * 80, "山田", "x@y.z"]}
    assert len(names) == 5 and all(len(n) <= 32 and n.isascii() for n in names)


def test_similarity_normalizes_comments_and_whitespace():
    a = normalize_code("x = 1  # set x\ny=x+2\n")
    b = normalize_code("x=1\n\n\ny = x + 2")
    assert a == b
