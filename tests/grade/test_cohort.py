"""A small retail_demand cohort graded end to end (the CI run of the issue's cohort grading)."""

from __future__ import annotations

import csv
import re

import nbformat
import pytest

from dxcase.author.casefile import load_case
from dxcase.author.leaks import find_leaks, holdout_fingerprints
from dxcase.author.notebooks import for_language, read_notebook, secret_lines
from dxcase.grade.course import open_course, setup_case_course, write_roster
from dxcase.grade.export import export_csv
from dxcase.grade.intake import import_submissions
from dxcase.grade.runner import Grader
from dxcase.grade.similarity import similarity_report
from dxcase.grade.simulate import make_cohort, release_of
from dxcase.paths import content_root

CASE = "retail_demand"


@pytest.mark.slow
def test_cohort_of_six(tmp_path):
    case = load_case(content_root("casestudies") / CASE)
    root = tmp_path / "course"
    course = setup_case_course(root, CASE, [])
    learners = make_cohort(case, release_of(course, CASE), tmp_path / "subs", 6)
    write_roster(root / "roster.csv", learners)
    course = open_course(root)
    assert len(import_submissions(course, CASE, tmp_path / "subs")) == 6
    grader = Grader(course, CASE, workers=2, work_dir=tmp_path / "work", progress=False)
    batch = grader.run()

    by = {(o.student, o.notebook): o for o in batch.outcomes}
    strong = [o for o in batch.outcomes if o.student == "l000_strong"]
    auto_max = {"01_business_issue": 6, "02_requirements": 7, "03_trial": 8, "04_presentation": 12}
    assert {o.notebook: o.score for o in strong} == auto_max  # every autograded point
    assert any("holdout: WMAPE" in r for r in by[("l000_strong", "04_presentation")].reasons)
    # honest work is not reported as tampering (released test cells differ from the master)
    assert not [r for o in strong for r in o.reasons if "edited" in r], strong
    assert by[("l003_incomplete", "03_trial")].status == "missing"
    assert any("unreadable" in r for r in by[("l004_broken", "02_requirements")].reasons)
    totals = {}
    for o in batch.outcomes:
        totals[o.student] = totals.get(o.student, 0) + o.score
    assert totals["l000_strong"] > totals["l001_average"] > totals["l004_broken"]
    assert totals["l005_strong"] == totals["l000_strong"]

    # feedback: one report per learner, in the roster's language, with nothing secret
    reports = sorted((root / "feedback").rglob("feedback.html"))
    assert len(reports) == 6
    secrets = []
    for phase, path in zip(case.phases, case.notebooks, strict=True):
        secrets += secret_lines(for_language(read_notebook(path), "ja"), phase.notebook)
    truth = holdout_fingerprints(
        root / "dxcase" / "variants" / f"retail_sales-{case.dataset.seed}" / "holdout"
    )
    leaks = find_leaks(root / "feedback", secrets, {}, truth, [])
    assert not leaks, [str(p) for p in leaks][:5]
    for report in reports:
        text = report.read_text(encoding="utf-8")
        assert "HIDDEN TESTS" not in text and "expected=" not in text and "Traceback" not in text
        assert not re.search(r"holdout_sales|/dxcase/variants/", text)
    strong_wmape = by[("l000_strong", "04_presentation")].holdout_wmape
    strong_fb = (root / "feedback" / "l000_strong" / CASE / "feedback.html").read_text()
    assert strong_wmape is not None and f"WMAPE は {strong_wmape:.3f}" in strong_fb
    en = next(x for x in learners if x.lang == "en")
    assert "Your graded work" in (root / "feedback" / en.id / CASE / "feedback.html").read_text()
    # test cells hold no test code: the grader's verdict is their only output
    graded = nbformat.read(
        str(root / "autograded" / "l001_average" / CASE / "01_business_issue.ipynb"), as_version=4
    )
    tests = [c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]
    assert tests and all(c.source.strip().endswith(".grade()") for c in tests)
    assert all(len(c.outputs) == 1 for c in tests)
    assert not (root / "release" / CASE / "keys").exists()
    assert any((root / "dxcase" / "keys" / CASE).glob("*.json"))

    # export and similarity
    n = export_csv(course, tmp_path / "grades.csv")
    rows = list(csv.DictReader((tmp_path / "grades.csv").open()))
    assert n == 6 and {r["student_id"] for r in rows} == {x.id for x in learners}
    _, pairs = similarity_report(course, CASE, tmp_path / "reports")
    assert ("l000_strong", "l005_strong") in {(p.a, p.b) for p in pairs}

    # regrading one learner and one notebook only reruns that notebook
    again = Grader(course, CASE, workers=2, work_dir=tmp_path / "w2", progress=False)
    rerun = again.run(students=["l001_average"], notebooks=["02_requirements"], force=True)
    assert [(o.student, o.notebook) for o in rerun.outcomes] == [
        ("l001_average", "02_requirements")
    ]
    assert rerun.outcomes[0].score == by[("l001_average", "02_requirements")].score
