"""Attacks on a dxcase case's grading, beside honest learners (issue 15).

The old design ran test code in the learner's kernel; code that hooks IPython's input
processing (also from a file the learner writes and imports or ``%run``s), a ``dxcase/``
package beside the notebook, or patched check functions reached points from an untouched
release. Now a test cell only exports a value and the grader compares it with the key outside
the kernel: each attack scores no more than the untouched release (zero), honest neighbours
keep their exact scores, and honest but unusual code keeps its points.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from dxcase.author.casefile import load_case
from dxcase.grade.course import Learner, open_course, setup_case_course, write_roster
from dxcase.grade.intake import import_submissions
from dxcase.grade.runner import Grader
from dxcase.grade.simulate import make_submission, release_of
from dxcase.paths import content_root

CASE = "retail_demand"
NB = "01_business_issue"

HOOK = """
def _always_pass(lines):
    return ["print('all tests passed')\\n"] if any(".grade()" in l for l in lines) else lines
get_ipython().input_transformers_post.append(_always_pass)
"""

FAKE_EXPORT = """
from IPython.display import display
def _fake(lines):
    if any(".grade()" in l for l in lines):
        return ["display({'application/vnd.dxcase.answer+json': {'value': 'S001'}}, raw=True)\\n",
                "display({'application/vnd.dxcase.answer+json': {'value': 1.0}}, raw=True)\\n"]
    return lines
get_ipython().input_transformers_post.append(_fake)
"""

PATCH = """
from dxcase.check.task import Task
from IPython.display import display
Task.grade = lambda self: display({"application/vnd.dxcase.answer+json": {"value": 42.0}}, raw=True)
"""


def _answer_cell(nb, task: str):
    return next(
        c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == f"{task}_answer"
    )


def _attack(release: Path, dest: Path, code: str, files: dict[str, str] | None = None) -> None:
    shutil.copytree(release, dest)
    path = dest / f"{NB}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    _answer_cell(nb, "q1_2").source = code
    nbformat.write(nb, str(path))
    for name, text in (files or {}).items():
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / name).write_text(text, encoding="utf-8")


@pytest.mark.slow
def test_attacks_on_a_case_score_no_more_than_the_release(tmp_path):
    case = load_case(content_root("casestudies") / CASE)
    root = tmp_path / "course"
    course = setup_case_course(root, CASE, [])
    release = release_of(course, CASE)
    subs = tmp_path / "subs"
    attacks = {
        "a_untouched": ("raise NotImplementedError()", None),
        "a_hook_input": (HOOK, None),
        "a_hook_from_file": ("import hooks_helper", {"hooks_helper.py": HOOK}),
        "a_hook_run": ("%run -i hook_file.py", {"hook_file.py": HOOK}),
        "a_fake_exports": (FAKE_EXPORT, None),
        "a_patch_task": (PATCH, None),
        "a_shadow_dxcase": ("closed_store = 'S001'", {"dxcase/__init__.py": "raise SystemExit"}),
    }
    for name, (code, files) in attacks.items():
        _attack(release, subs / name, code, files)
    make_submission(case, release, subs / "h_strong", "strong", 1000)
    # honest but unusual code: re-imports, vars(), a helper named like the case's functions
    make_submission(case, release, subs / "h_unusual", "strong", 1000)
    path = subs / "h_unusual" / f"{NB}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    cell = _answer_cell(nb, "q1_4")
    cell.source = (
        "import numpy as np\nimport pandas as pd\n_ = vars()\ndef wmape(a, b):\n    return 0\n"
        + cell.source
    )
    nbformat.write(nb, str(path))
    learners = [Learner(n) for n in [*attacks, "h_strong", "h_unusual"]]
    write_roster(root / "roster.csv", learners)
    course = open_course(root)
    import_submissions(course, CASE, subs)
    grader = Grader(course, CASE, workers=2, work_dir=tmp_path / "work", progress=False)
    batch = grader.run(notebooks=[NB])

    score = {o.student: o.score for o in batch.outcomes}
    assert score["a_untouched"] == 0
    for name in attacks:
        assert score[name] <= score["a_untouched"], (name, score[name], batch.outcomes)
    assert score["h_strong"] == 6  # every autograded point of the notebook
    assert score["h_unusual"] == score["h_strong"]
    # the learner's (faked) output in a test cell is replaced by the grader's verdict
    graded = nbformat.read(
        str(root / "autograded" / "a_hook_input" / CASE / f"{NB}.ipynb"), as_version=4
    )
    tests = [
        c
        for c in graded.cells
        if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"
    ]
    assert tests and not any("all tests passed" in str(c.outputs) for c in tests)
