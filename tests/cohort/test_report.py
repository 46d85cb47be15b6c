"""The cohort report renders from its data in both languages; bad input names file and line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from dxcase.author.casefile import load_case
from dxcase.cli import cli
from dxcase.cohort.collect import CohortData
from dxcase.cohort.events import Event, summarize
from dxcase.cohort.grades import LearnerGrade
from dxcase.cohort.items import TaskInfo, item_analysis
from dxcase.cohort.report import write_cohort_report
from dxcase.errors import InputError, Problem
from dxcase.grade.similarity import Pair
from dxcase.paths import content_root

T0 = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


def _data() -> CohortData:
    case = load_case(content_root("casestudies") / "retail_demand")
    grades = {}
    for i, name in enumerate(["u001", "u002", "u003"]):
        g = grades[name] = LearnerGrade(name, "team1", submitted=i < 2)
        g.max_points = {"autograded": 23.0, "holdout": 10.0, "peer_review": 16.0}
        g.points = {"autograded": 23.0 - 8 * i, "holdout": 10.0 - 5 * i, "peer_review": 12.0}
        g.cells = {"q1_2": (1 - i % 2, 1)}
    grades["u002"].late_hours, grades["u002"].late_penalty = 30.0, 1.5
    fails = [Event(T0 + timedelta(minutes=m), "q1_2", "check", "incorrect") for m in range(3)]
    activity = {"u002": summarize("u002", fails)}
    items = item_analysis([TaskInfo("q1_2", "01_business_issue", False)], grades, activity)
    problem = Problem("/c/submitted/u002/retail_demand/.dxcase/events.jsonl", "event-log",
                      "unreadable event line: not a JSON object", 7, severity="warning")  # fmt: skip
    return CohortData(
        case, None, sorted(grades), grades, activity, items, None,  # type: ignore[arg-type]
        [Pair("u001", "u003", 0.97, 100, 100)], {"u002": ["01_business_issue: tampering: x"]},
        "2026-11-20 08:00 UTC", [problem],
    )  # fmt: skip


@pytest.mark.parametrize("lang, words", [
    ("ja", ["コホートレポート", "最終成績", "行き詰まり: q1_2", "u003 と酷似", "テスト改変"]),
    ("en", ["Cohort report", "Final grade", "stuck: q1_2", "near-identical to u003",
            "test tampering", "No review round", "events.jsonl:7"]),
])  # fmt: skip
def test_report_renders_every_section(tmp_path, lang, words):
    html = write_cohort_report(_data(), tmp_path / "r.html", lang).read_text(encoding="utf-8")
    for word in words:
        assert word in html, word
    assert html.count("<img ") == 3  # distribution, stuck, items (no review round here)
    assert "92.5" in html and "30.0" in html  # u001: 100 x (0.5 + 0.2 + 0.3 x 0.75); 30 h late


def test_malformed_roster_names_file_and_line(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    (course / "roster.csv").write_text("id,team,lang,seed\nu1,t1,ja,\nu2,t1,fr,\n", "utf-8")
    out = CliRunner().invoke(cli, ["cohort", "report", str(course)])
    assert isinstance(out.exception, InputError)
    assert f"{course / 'roster.csv'}:3" in str(out.exception)
