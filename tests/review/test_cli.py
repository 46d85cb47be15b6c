"""`dxcase review` from the command line: create, token, report, simulate; clear errors."""

from __future__ import annotations

from dxcase.review.fixtures import write_course
from tests.conftest import run_cli
from tests.review.conftest import RUBRIC


def test_create_report_and_errors(tmp_path):
    course = write_course(tmp_path / "course", n=9)
    db = f"sqlite:///{tmp_path}/r.db"
    args = [
        "--course-dir",
        str(course),
        "--assignment",
        "retail_demand",
        "--rubric",
        str(RUBRIC),
        "--db",
        db,
    ]
    made = run_cli("review", "create", "--name", "r1", "-k", "2", *args)
    assert made.returncode == 0, made.stderr
    assert "9 submissions" in made.stdout and "18 assignments" in made.stdout
    again = run_cli("review", "create", "--name", "r1", "-k", "2", *args)
    assert again.returncode == 2 and "exists already" in again.stderr
    too_many = run_cli("review", "create", "--name", "r2", "-k", "8", *args)
    assert too_many.returncode == 2 and "cannot give each submission 8 reviewers" in too_many.stderr
    tok = run_cli("review", "token", "add", "coach", "--role", "facilitator", "--db", db)
    assert tok.returncode == 0 and len(tok.stdout.strip()) > 20
    out = tmp_path / "report.html"
    rep = run_cli(
        "review", "report", "r1", "--out", str(out), "--csv", str(tmp_path / "s.csv"), "--db", db
    )
    assert (
        rep.returncode == 0 and out.exists() and "Krippendorff" in out.read_text(encoding="utf-8")
    )
    missing = run_cli("review", "report", "nope", "--out", str(out), "--db", db)
    assert missing.returncode == 2 and "no review round 'nope'" in missing.stderr
    gb = run_cli(
        "review", "gradebook", "r1", "--gradebook", f"sqlite:///{tmp_path}/none.db", "--db", db
    )
    assert gb.returncode == 2 and "not in gradebook" in gb.stderr


def test_simulate_prints_both_methods():
    res = run_cli("review", "simulate", "--reps", "2", "-n", "120")
    assert res.returncode == 0
    rows = {line.split()[0]: line.split() for line in res.stdout.splitlines()[1:]}
    assert set(rows) == {"median", "model"}
