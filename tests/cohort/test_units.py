"""Fast checks of the cohort report's computations: final grades, event logs, item analysis."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from dxcase.cohort.events import Event, read_events, summarize
from dxcase.cohort.grades import LearnerGrade, after_penalty, combine, grades_csv
from dxcase.cohort.items import TaskInfo, hardest, item_analysis, rubric_weakness
from dxcase.cohort.simulate import attempts
from dxcase.grade.late import PerDayPenalty

WEIGHTS = {"autograded": 0.5, "holdout": 0.2, "peer_review": 0.3}
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def test_final_grade_is_the_weighted_sum_of_shares():
    assert combine({"autograded": 1.0, "holdout": 0.5, "peer_review": 0.75}, WEIGHTS) == 82.5
    assert combine({"autograded": 1.2, "holdout": -1, "peer_review": 0}, WEIGHTS) == 50.0
    assert combine({"autograded": 1.0, "holdout": None, "peer_review": 1.0}, WEIGHTS) is None
    no_holdout = {"autograded": 0.6, "holdout": 0.0, "peer_review": 0.4}
    assert combine({"autograded": 0.5, "holdout": None, "peer_review": 1.0}, no_holdout) == 70.0


def test_learner_grade_shares_pending_and_late_penalty():
    g = LearnerGrade("u1", submitted=True)
    g.points = {"autograded": 18.0, "holdout": 5.0, "peer_review": 12.0}
    g.max_points = {"autograded": 24.0, "holdout": 10.0, "peer_review": 16.0}
    assert g.share("autograded") == 0.75
    assert g.final(WEIGHTS) == pytest.approx(100 * (0.5 * 0.75 + 0.2 * 0.5 + 0.3 * 0.75))
    g.pending.add("peer_review")
    assert g.share("peer_review") is None and g.final(WEIGHTS) is None
    assert after_penalty(4.0, 8.0, 2.0) == 3.0  # a quarter of the notebook's points
    assert after_penalty(4.0, 8.0, 0.0) == 4.0 and after_penalty(4.0, 0.0, 1.0) == 4.0
    assert after_penalty(4.0, 8.0, 20.0) == 0.0


def test_grades_csv_has_parts_and_final():
    g = LearnerGrade("u1", "t1", submitted=True)
    g.points = {"autograded": 0.0, "holdout": 0.0, "peer_review": 0.0}
    g.max_points = {"autograded": 24.0, "holdout": 10.0, "peer_review": 16.0}
    open_ = LearnerGrade("u2", "t1", submitted=True, pending={"peer_review"})
    open_.max_points = dict(g.max_points)
    rows = list(csv.DictReader(io.StringIO(grades_csv({"u2": open_, "u1": g}, WEIGHTS))))
    assert [r["learner"] for r in rows] == ["u1", "u2"]
    assert rows[0]["final"] == "0.0" and rows[0]["autograded_share"] == "0.0"
    assert rows[1]["final"] == "" and rows[1]["peer_review_share"] == ""


def test_per_day_late_penalty():
    plugin = PerDayPenalty(share_per_day=0.1)
    assert plugin.late_submission_penalty("u", 10.0, 0) is None
    assert plugin.late_submission_penalty("u", 10.0, 3600) == 1.0  # a started day counts
    assert plugin.late_submission_penalty("u", 10.0, 30 * 3600) == 2.0
    assert plugin.late_submission_penalty("u", 10.0, 30 * 86400) == 10.0


def _line(minutes: int, task: str, event: str, outcome: str) -> str:
    when = (T0 + timedelta(minutes=minutes)).isoformat()
    return json.dumps({"time": when, "task": task, "event": event, "outcome": outcome})


def test_event_log_bad_lines_name_file_and_line(tmp_path):
    log = tmp_path / "events.jsonl"
    log.write_text(
        "\n".join([_line(0, "q1", "check", "correct"), "{not json", "[1, 2]",
                   json.dumps({"task": "q1", "event": "check"}), "",
                   _line(5, "q2", "hint", "shown"),
                   json.dumps({"time": "2026-11-01T10:00:00", "task": "q3", "event": "check"})])
        + "\n",
        encoding="utf-8",
    )  # fmt: skip
    events, problems = read_events(log)
    assert [e.task for e in events] == ["q1", "q2", "q3"]
    assert summarize("u", events).last_task == "q3"  # a time without zone is read as UTC
    assert [p.line for p in problems] == [2, 3, 4]
    assert all(p.file == str(log) for p in problems)
    assert "missing time" in problems[2].message
    assert str(problems[0]).startswith(f"{log}:2: warning: event-log")


def test_stuck_where_hints_and_last_task():
    ev = [Event(T0 + timedelta(minutes=m), task, kind, outcome) for m, task, kind, outcome in [
        (1, "q1", "check", "incorrect"), (2, "q1", "hint", "shown"), (3, "q1", "check", "correct"),
        (4, "q2", "check", "incorrect"), (5, "q2", "check", "incorrect"),
        (6, "q2", "hint", "shown"), (7, "q2", "hint", "shown"), (8, "q2", "check", "incorrect"),
        (9, "q3", "check", "incorrect"), (10, "q3", "check", "incorrect"),
        (11, "q3", "check", "incorrect"), (12, "q3", "check", "correct"),
        (13, "q4", "check", "not_attempted"), (0, "q0", "check", "correct"),
    ]]  # fmt: skip
    act = summarize("u1", ev)
    assert act.stuck == ["q2"]  # q3 was solved after three failures
    assert act.last_task == "q4" and act.last_outcome == "not_attempted"
    assert act.hints == {"q1": 1, "q2": 2}
    assert act.fails["q2"] == 3 and act.checks["q3"] == 4 and act.events == 14


def test_item_analysis_counts_misses_checks_hints_and_stuck():
    tasks = [
        TaskInfo("p1", "nb1", True),
        TaskInfo("q1", "nb1", False),
        TaskInfo("q2", "nb2", False),
    ]
    grades = {}
    for name, q1, q2 in [("a", 1, 2), ("b", 0, 2), ("c", 1, 1)]:
        g = grades[name] = LearnerGrade(name, submitted=True)
        g.cells = {"q1": (q1, 1), "q2": (q2, 2)}
    grades["d"] = LearnerGrade("d")  # nothing submitted: not in the statistics
    acts = {
        "a": summarize("a", [Event(T0, "q1", "check", "incorrect"),
                             Event(T0 + timedelta(1), "q1", "hint", "shown")]),
        "b": summarize("b", [Event(T0 + timedelta(minutes=m), "q1", "check", "incorrect")
                             for m in range(3)]),
    }  # fmt: skip
    items = {i.task: i for i in item_analysis(tasks, grades, acts)}
    assert items["p1"].graded == 0 and items["p1"].miss_share is None
    assert items["q1"].graded == 3 and items["q1"].miss_share == pytest.approx(1 / 3)
    assert items["q2"].miss_share == pytest.approx(1 / 3)
    assert (items["q1"].checks, items["q1"].check_fails, items["q1"].check_fail_share) == (4, 4, 1)
    assert (items["q1"].hints, items["q1"].hinted, items["q1"].stuck) == (1, 1, 1)
    assert [i.task for i in hardest(list(items.values()), 1)] == ["q1"]  # more failed checks


def test_rubric_weakness_orders_criteria_by_mean_share():
    crit = [SimpleNamespace(id=c, title={"en": c}, max_points=4) for c in ("pitch", "risks")]
    subs = [SimpleNamespace(final={"pitch": 3.0, "risks": 2.0}),
            SimpleNamespace(final={"pitch": 4.0, "risks": None})]  # fmt: skip
    result = SimpleNamespace(rubric=SimpleNamespace(criteria=crit), submissions=subs)
    weak = rubric_weakness(result)
    assert [(c.id, c.mean, c.share) for c in weak] == [("risks", 2.0, 0.5), ("pitch", 3.5, 0.875)]


def test_simulated_attempts_follow_the_persona():
    rng = random.Random(1)
    assert all(attempts("strong", "right", 3, rng)[1] == 0 for _ in range(20))
    fails, hints = attempts("weak", "stuck", 3, rng)
    assert fails == 4 and hints == 3
    assert attempts("average", "blank", 2, rng) == (0, 0)


def test_form_ok_ends_a_failing_run_but_is_not_solved():
    ev = [Event(T0 + timedelta(minutes=m), "q5", "check", outcome) for m, outcome in [
        (1, "incorrect"), (2, "incorrect"), (3, "incorrect"), (4, "form_ok"),
    ]]  # fmt: skip
    act = summarize("u2", ev)
    assert act.stuck == [] and act.form_ok == {"q5"} and act.solved == set()
    again = summarize("u2", [*ev, *(Event(T0 + timedelta(minutes=5 + i), "q5", "check",
                                          "incorrect") for i in range(3))])  # fmt: skip
    assert again.stuck == ["q5"]
