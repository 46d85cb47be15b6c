from __future__ import annotations

import pytest

from dxcase.author.showcase import bundled_cases
from dxcase.data.describe import describe_dir
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
    """The demo validates every bundled case too, so this is also the cases' end-to-end test."""
    result = run_cli("demo", "--out", str(tmp_path / "demo"), timeout=1800)
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
