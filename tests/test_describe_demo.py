from __future__ import annotations

import pytest

from dxcase.author.casefile import load_case
from dxcase.author.leaks import find_leaks, holdout_fingerprints
from dxcase.author.notebooks import for_language, read_notebook, secret_lines
from dxcase.author.showcase import bundled_cases
from dxcase.data.describe import describe_dir
from dxcase.paths import content_root
from tests.conftest import run_cli


@pytest.mark.parametrize(
    "lang, heading", [("ja", "既知のデータ品質問題"), ("en", "Known data-quality")]
)
@pytest.mark.parametrize("name", ["retail_sales", "parts_orders"])
def test_describe_writes_page_with_plots(small_variants, tmp_path, name, lang, heading):
    page = describe_dir(small_variants[name][0], tmp_path / "d", lang=lang)
    html = page.read_text(encoding="utf-8")
    assert heading in html
    assert html.count("<img ") == 3 and "data:image/png;base64," in html


@pytest.mark.slow
def test_demo_runs_and_lessons_hold(tmp_path):
    """The demo validates every bundled case too, so this is also the cases' end-to-end test.

    CI runs it on 8 learners (one of each persona); ``make demo`` on 20.
    """
    result = run_cli("demo", "--out", str(tmp_path / "demo"), "--learners", "8", timeout=1800)
    assert result.returncode == 0, result.stderr
    index = tmp_path / "demo" / "index.html"
    html = index.read_text(encoding="utf-8")
    assert 'class="bad"' not in html
    assert html.count('class="ok"') >= 2 + len(bundled_cases())  # lessons hold, cases validate
    for case in bundled_cases():
        assert (tmp_path / "demo" / "cases" / case.name / "release-en").is_dir()
    assert str(index) in result.stdout
    holdout = tmp_path / "demo" / "holdout"
    data = tmp_path / "demo" / "data"
    assert holdout.is_dir() and not any(holdout.is_relative_to(p) for p in data.iterdir())
    _check_cohort_report(tmp_path / "demo" / "cohort", tmp_path / "scan")


def _check_cohort_report(cohort, scan):
    """The cohort of 8 (u001 strong ... u007 copies u001, u008 broken): flags and no secrets."""
    html = (cohort / "report.html").read_text(encoding="utf-8")
    assert html.count("<img ") >= 5  # distribution, review scores, stuck, items, rubric
    assert "near-identical to u001" in html and "near-identical to u007" in html
    assert html.count("test tampering") == 1  # u006 edited a test cell
    assert "stuck: q3_1" in html  # u004 gave up at the first task of the trial notebook
    assert "Krippendorff" in html and "late" in html
    scan.mkdir()
    (scan / "report.html").write_text(html, encoding="utf-8")  # the report alone, not the course
    case = load_case(content_root("casestudies") / "retail_demand")
    secrets = []
    for phase, path in zip(case.phases, case.notebooks, strict=True):
        secrets += secret_lines(for_language(read_notebook(path), "ja"), phase.notebook)
    truth = holdout_fingerprints(
        cohort / "course" / "dxcase" / "variants" / f"retail_sales-{case.dataset.seed}" / "holdout"
    )
    leaks = find_leaks(scan, secrets, {}, truth, [])
    assert not leaks, [str(p) for p in leaks][:5]
