"""Fast checks of the grading pieces: roster, tamper scan, holdout marker, similarity, users."""

from __future__ import annotations

import nbformat
import pytest

from dxcase.errors import InputError
from dxcase.grade import scores, tamper
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


def test_tamper_scan_flags_rebinding_and_patching_but_not_honest_code():
    honest = _nb(("import numpy as np\nfrom dxcase.check import load_tasks", LOCKED),
                 ("x = np.arange(3).sum()\nimport pandas as pd\npd.options.display.max_rows = 5", ANSWER),
                 ("q.grade()\nassert np.isclose(x, 3)", TEST))  # fmt: skip
    assert tamper.scan(honest) == []
    patched = _nb(("import numpy as np", LOCKED), ("np.isclose = lambda *a: True", ANSWER),
                  ("assert np.isclose(x, 3)", TEST))  # fmt: skip
    assert [f.what for f in tamper.scan(patched)] == ["patches np.isclose"]
    rebound = _nb(("import numpy as np", LOCKED), ("np = None", ANSWER), ("np.isclose(1, 1)", TEST))
    assert tamper.scan(rebound)[0].tests == {"t1"}
    checker = _nb(("from dxcase.check.task import Task\nTask.grade = print", ANSWER))
    assert any("dxcase.check" in f.what for f in tamper.scan(checker))
    # a setup cell copied from the release is the author's code, not the learner's
    release = {"from dxcase.check import load_tasks"}
    setup = _nb(("from dxcase.check import load_tasks", None), ("x = 1", ANSWER))
    assert tamper.scan(setup, release) == []


def test_holdout_marker_replaces_hidden_part_only():
    nb = _nb(
        ("q4_4.grade()\n### BEGIN HIDDEN TESTS\nq4_4.holdout_points()\n### END HIDDEN TESTS", TEST)
    )
    nb.cells[0].metadata.nbgrader["grade_id"] = "q4_4"
    assert scores.mark_holdout(nb, "q4_4", "forecast_path")
    source = nb.cells[0].source
    assert source.startswith("q4_4.grade()") and "holdout_points" not in source
    cell = nb.cells[0]
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout",
                                           text=scores.HOLDOUT_MARK + '"f.csv"\n')]  # fmt: skip
    assert scores.holdout_file(cell) == "f.csv"
    scores.set_points(cell, 0.5)
    from nbgrader.utils import determine_grade

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
