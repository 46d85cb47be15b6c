"""Every bundled case passes `dxcase author validate` (solutions, releases, leaks, languages)."""

from __future__ import annotations

import json

import pytest

from dxcase.author.showcase import bundled_cases
from tests.conftest import run_cli


@pytest.mark.slow
@pytest.mark.parametrize("case", bundled_cases(), ids=lambda p: p.name)
def test_bundled_case_validates(case):
    proc = run_cli("author", "validate", str(case), "--json")
    report = json.loads(proc.stdout)
    assert proc.returncode == 0, "\n".join(p["message"] for p in report["problems"])
    solution = [r for r in report["runs"] if r["kind"] == "solution"]
    assert len(solution) == 4 and all(r["ok"] for r in solution)
    assert all(r["peak_mib"] <= 1024 for r in solution)
