"""``dxcase grade`` on the command line: collect from a folder, run, export, similarity."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from dxcase.cli import cli
from tests.grade.conftest import USER_GUIDE


@pytest.mark.slow
def test_grade_cli_collect_run_export(course_copy, tmp_path):
    runner = CliRunner()
    out = runner.invoke(cli, ["grade", "collect", str(course_copy), "ps1", "--from",
                              str(USER_GUIDE / "submitted")])  # fmt: skip
    assert out.exit_code == 0 and "imported 2" in out.output, out.output
    out = runner.invoke(
        cli, ["grade", "run", str(course_copy), "ps1", "--workers", "2", "--lang", "en"]
    )
    assert out.exit_code == 0, out.output
    assert "Graded 4 notebook(s)" in out.output and "Feedback:" in out.output
    grades = tmp_path / "grades.csv"
    out = runner.invoke(cli, ["grade", "export", str(course_copy), "--out", str(grades)])
    assert out.exit_code == 0, out.output
    rows = {
        r["student_id"]: float(r["score"])
        for r in csv.DictReader(grades.open())
        if r["assignment"] == "ps1"
    }
    assert rows == {"bitdiddle": 1.5, "hacker": 3.0}
    out = runner.invoke(cli, ["grade", "similarity", str(course_copy), "ps1"])
    assert out.exit_code == 0 and "pair(s) flagged" in out.output
