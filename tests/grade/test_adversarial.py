"""Adversarial submissions graded in one batch beside honest ones (issue 5).

Every attack starts from the untouched release (which scores zero), so "scores no more than
the release on the cells it attacks" means: zero. The batch must finish, each attack's reason
must be recorded, the holdout truth, a gradebook-like sentinel and every learner's submitted
files must be byte-identical afterwards, and the honest learners keep their exact scores.
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from dxcase.grade.course import open_course
from dxcase.grade.runner import Grader
from dxcase.grade.sandbox import Limits
from tests.grade.conftest import NBGRADER_FILES, USER_GUIDE

HONEST = {"bitdiddle": 1.5, "hacker": 3.0}


def _checksums(*roots: Path) -> dict[str, str]:
    out = {}
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
            out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _release(course: Path, name: str):
    return nbformat.read(str(course / "release" / "ps1" / f"{name}.ipynb"), as_version=4)


def _with(nb, grade_id: str, source: str):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source
    return nb


def _attacks(course: Path, truth: Path, sentinel: Path) -> dict[str, dict[str, object]]:
    """learner -> {file name: notebook or bytes}, each a release with one attack."""
    p1, p2 = _release(course, "problem1"), _release(course, "problem2")
    gradebook = course / "gradebook.db"
    other = course / "submitted" / "hacker" / "ps1" / "problem1.ipynb"

    def answer(code: str) -> dict[str, object]:
        return {"problem1.ipynb": _with(p1, "squares", code), "problem2.ipynb": p2}

    edited = _with(p1, "correct_squares", "print('all good')")
    deleted = copy.deepcopy(p1)
    deleted.cells = [c for c in deleted.cells if not c.metadata.get("nbgrader", {}).get("grade")]
    points = copy.deepcopy(p1)
    for cell in points.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.metadata.nbgrader["points"] = 100
    faked = copy.deepcopy(p1)
    for cell in faked.cells:
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
            cell.execution_count = 1
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="Tests passed\n")]
    sneaky_read = (
        "import json\n"
        f"print(open({str(truth)!r}).read()[:50])\n"
        f"src = json.load(open({str(other)!r}))\n"
        "exec(''.join(src['cells'][2]['source']))"
    )
    write_gb = (
        "import sqlite3\n"
        f"for path in ({str(gradebook)!r}, {str(sentinel)!r}):\n"
        "    db = sqlite3.connect(path)\n"
        "    db.execute('update grade set auto_score = 100')\n"
        "    db.commit()"
    )
    patch = (
        "import builtins\n"
        "from dxcase.check.task import Task\n"
        "Task.grade = lambda self, expected=None: None\n"
        "builtins.AssertionError = type('Never', (Exception,), {})\n"
        "def squares(n):\n    raise NotImplementedError()"
    )
    return {
        "a01_edited_test": {"problem1.ipynb": edited, "problem2.ipynb": p2},
        "a02_deleted_tests": {"problem1.ipynb": deleted, "problem2.ipynb": p2},
        "a03_points_changed": {"problem1.ipynb": points, "problem2.ipynb": p2},
        "a04_faked_output": {"problem1.ipynb": faked, "problem2.ipynb": p2},
        "a05_sys_exit": answer("import sys\nsys.exit(0)"),
        "a06_os_exit": answer("import os\nos._exit(0)"),
        "a07_infinite_loop": answer("while True:\n    pass"),
        "a08_fork_bomb": answer("import os\nwhile True:\n    os.fork()"),
        "a09_memory_hog": answer("hog = bytearray(8 * 1024 ** 3)"),
        "a10_read_truth_and_other": answer(sneaky_read),
        "a11_write_gradebook": answer(write_gb),
        "a12_monkeypatch_checks": answer(patch),
        "a13_network": answer(
            "import socket\nsocket.create_connection(('1.1.1.1', 80), timeout=3)"
        ),
        "a14_huge_output": answer("for i in range(300000):\n    print('spam' * 20, i)"),
        "a15_not_json": {"problem1.ipynb": b"this is not a notebook {", "problem2.ipynb": p2},
        "a16_wrong_nbformat": {
            "problem1.ipynb": (NBGRADER_FILES / "too-new.ipynb").read_bytes(),
            "problem2.ipynb": (NBGRADER_FILES / "test-v0-invalid.ipynb").read_bytes(),
        },
        "a17_renamed": {"Problem1-final.ipynb": p1},
        "a18_nbgrader_infinite_loop": {
            "problem1.ipynb": (NBGRADER_FILES / "infinite-loop.ipynb").read_bytes(),
            "problem2.ipynb": (NBGRADER_FILES / "timeout.ipynb").read_bytes(),
        },
    }


def _write(folder: Path, files: dict[str, object]) -> None:
    folder.mkdir(parents=True)
    (folder / "timestamp.txt").write_text("2015-02-02 22:58:23.948203 UTC")
    for name, content in files.items():
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
        else:
            nbformat.write(content, str(folder / name))


@pytest.mark.slow
def test_adversarial_batch(course_copy, tmp_path):
    course_dir = course_copy
    truth = course_dir / "variants" / "retail_sales-1" / "holdout" / "holdout_sales.csv"
    truth.parent.mkdir(parents=True)
    truth.write_text("date,store_id,item_id,sales_qty\n2025-05-01,S01,I01,42\n")
    sentinel = course_dir / "sentinel.db"
    shutil.copy(course_dir / "gradebook.db", sentinel)
    shutil.copytree(USER_GUIDE / "submitted", course_dir / "submitted")
    attacks = _attacks(course_dir, truth, sentinel)
    for learner, files in attacks.items():
        _write(course_dir / "submitted" / learner / "ps1", files)
    # a symlink to the gradebook inside a submission is never followed
    (course_dir / "submitted" / "a17_renamed" / "ps1" / "gb.db").symlink_to(
        course_dir / "gradebook.db"
    )
    # nbgrader's own cheat-attempt notebooks, against their source, beside an honest one
    cheats = {
        "c01_cheat_attempt": "submitted-cheat-attempt.ipynb",
        "c02_cheat_alternative": "submitted-cheat-attempt-alternative.ipynb",
        "c03_locked_cell_changed": "submitted-locked-cell-changed.ipynb",
        "c04_grade_cell_changed": "submitted-grade-cell-changed.ipynb",
        "c00_honest": "submitted-changed.ipynb",
    }
    for learner, name in cheats.items():
        folder = course_dir / "submitted" / learner / "cheat"
        folder.mkdir(parents=True)
        shutil.copy(NBGRADER_FILES / name, folder / "p1.ipynb")
    before = _checksums(course_dir / "submitted", course_dir / "source", truth.parent)
    before[str(sentinel)] = hashlib.sha256(sentinel.read_bytes()).hexdigest()

    course = open_course(course_dir)
    limits = Limits(cell_seconds=8, total_seconds=60, cpu_seconds=60, memory_mib=1024, processes=64)
    batch = Grader(course, "ps1", 2, limits, work_dir=tmp_path / "w", progress=False).run()
    cheat = Grader(course, "cheat", 2, limits, work_dir=tmp_path / "w2", progress=False).run()

    after = _checksums(course_dir / "submitted", course_dir / "source", truth.parent)
    after[str(sentinel)] = hashlib.sha256(sentinel.read_bytes()).hexdigest()
    assert after == before, "a submission, the source, the truth or the sentinel changed"

    totals: dict[str, float] = {}
    reasons: dict[str, list[str]] = {}
    for o in batch.outcomes:
        totals[o.student] = totals.get(o.student, 0) + o.score
        reasons.setdefault(o.student, []).extend(o.reasons)
    assert {k: totals[k] for k in HONEST} == HONEST  # honest scores exact, beside the attacks
    for learner in attacks:
        assert totals[learner] == 0, (learner, totals[learner], reasons[learner])
    # every attack leaves a recorded reason, except the patched checks: in a plain nbgrader
    # assignment (nbgrader's model, no static scan) its answer is the stub, so it scores zero
    for learner in attacks:
        assert reasons[learner] or learner == "a12_monkeypatch_checks", learner
    expect = {
        "a01_edited_test": "restored from the gradebook",
        "a02_deleted_tests": "deleted",
        "a03_points_changed": "restored from the gradebook",
        "a04_faked_output": "cleared",
        "a09_memory_hog": "MemoryError",
        "a11_write_gradebook": "OperationalError",
        "a06_os_exit": "kernel died",
        "a07_infinite_loop": "longer than",
        "a10_read_truth_and_other": "errors in the learner's cells",
        "a15_not_json": "unreadable",
        "a16_wrong_nbformat": "unreadable",
        "a17_renamed": "no problem1.ipynb",
        "a18_nbgrader_infinite_loop": "longer than",
    }
    for learner, text in expect.items():
        assert any(text in r for r in reasons[learner]), (learner, reasons[learner])

    # the sandbox, not luck, stopped the reads, the writes and the network
    def outputs(learner: str) -> str:
        path = course_dir / "autograded" / learner / "ps1" / "problem1.ipynb"
        return json.dumps(nbformat.read(str(path), as_version=4).cells[2].outputs)

    assert "FileNotFoundError" in outputs("a10_read_truth_and_other") or "Permission" in outputs(
        "a10_read_truth_and_other"
    )
    assert "OperationalError" in outputs("a11_write_gradebook")
    assert "Network is unreachable" in outputs("a13_network")
    assert "MemoryError" in outputs("a09_memory_hog")
    # nbgrader's cheat attempts: as in nbgrader's own test, the honest one scores 1, hiding
    # tracebacks or editing locked and test cells gains nothing
    cheat_totals = {o.student: o.score for o in cheat.outcomes}
    assert cheat_totals["c00_honest"] == 2.0
    for learner in ("c01_cheat_attempt", "c02_cheat_alternative", "c03_locked_cell_changed",
                    "c04_grade_cell_changed"):  # fmt: skip
        assert cheat_totals[learner] <= 1.0, (learner, cheat_totals[learner])
    # the gradebook holds no score above a cell's maximum
    with course.gradebook() as gb:
        for sub in gb.assignment_submissions("ps1"):
            for nb in sub.notebooks:
                for g in nb.grades:
                    assert g.score <= g.max_score
