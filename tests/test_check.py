"""Learner self-checks: not attempted vs incorrect vs correct, hint ladders, solutions only for
practice tasks, grade() for nbgrader test cells, languages, and the event log."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from dxcase.check import CheckFailed, load_tasks
from dxcase.check.spec import CaseChecks, TaskSpec

HINTS = ({"ja": "ヒント一", "en": "first hint"}, {"ja": "ヒント二", "en": "second hint"})


@pytest.fixture
def folder(tmp_path, monkeypatch):
    tasks = {
        "q1": TaskSpec(
            "q1", "total", "number", "nb1", {"min": 0, "max": 1000}, {"rel": 0.01}, HINTS
        ),
        "q2": TaskSpec(
            "q2",
            "n",
            "number",
            "nb1",
            {"integer": True, "min": 1},
            {},
            HINTS[:1],
            solution="n = 3",
            practice=True,
        ),
        "q3": TaskSpec("q3", "cols", "subset", "nb1", {"options": ["a", "b", "c"], "min_size": 1}),
        "q4": TaskSpec(
            "q4",
            "by_store",
            "dataframe",
            "nb1",
            {"columns": ["store", "wmape"], "min_rows": 2},
            {"keys": ["store"], "abs": 0.001},
        ),
    }
    (tmp_path / "checks.json").write_text(
        CaseChecks("demo", "ja", tasks, {"t": {"ja": "題", "en": "title"}}).to_json()
    )
    monkeypatch.delenv("DXCASE_EVENTS", raising=False)
    monkeypatch.delenv("DXCASE_LANG", raising=False)
    monkeypatch.setenv("DXCASE_LEARNER", "learner-7")
    return tmp_path


def events(folder):
    path = folder / ".dxcase" / "events.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_not_attempted_incorrect_and_passed_are_distinct(folder):
    q1 = load_tasks(folder, lang="en").q1
    global total
    total = None
    assert q1.check().status == "not_attempted"
    total = "12"
    outcome = q1.check()
    assert outcome.status == "incorrect" and "number" in outcome.message
    total = 5000
    assert "too large" in q1.check().message
    total = 420.0
    outcome = q1.check()  # a graded task: the release cannot know the answer, so never "correct"
    assert outcome.status == "form_ok" and "checked when graded" in outcome.message
    assert "Form OK" in repr(outcome) and "Correct" not in repr(outcome)
    assert [e["outcome"] for e in events(folder)] == [
        "not_attempted",
        "incorrect",
        "incorrect",
        "form_ok",
    ]
    assert {e["learner"] for e in events(folder)} == {"learner-7"}


def test_practice_task_compares_with_its_published_solution(folder):
    global n
    q2 = load_tasks(folder, lang="en").q2
    n = 4
    assert q2.check().status == "incorrect"
    n = 3
    assert q2.check().status == "correct"
    assert "n = 3" in repr(q2.solution())


def test_graded_task_refuses_its_solution_and_logs_it(folder):
    q1 = load_tasks(folder, lang="en").q1
    shown = q1.solution()
    assert "graded" in shown.body and "total" not in shown.body
    assert events(folder)[-1]["event"] == "solution" and events(folder)[-1]["outcome"] == "refused"


def test_hint_ladder_goes_further_and_stops_at_the_last(folder):
    q1 = load_tasks(folder, lang="en").q1
    assert "first hint" in q1.hint().body
    second = q1.hint()
    assert "second hint" in second.body and "last hint" in second.body
    assert "first hint" in q1.hint(1).body and "hint(2)" in q1.hint(1).body
    assert "second hint" in q1.hint(9).body
    assert [e.get("level") for e in events(folder)] == [1, 2, 1, 1, 2]


def test_language_comes_from_the_release_unless_asked(folder, monkeypatch):
    assert "ヒント一" in load_tasks(folder).q1.hint().body
    assert load_tasks(folder).text("t") == "題"
    monkeypatch.setenv("DXCASE_LANG", "en")
    assert load_tasks(folder).text("t") == "title"


def test_grade_runs_form_checks_silently_outside_trusted_runs(folder, monkeypatch):
    global total, cols
    monkeypatch.delenv("DXCASE_EXPORT", raising=False)
    tasks = load_tasks(folder, lang="en")
    total = -1
    with pytest.raises(CheckFailed, match="too small"):
        tasks.q1.grade()
    total = 100.5
    assert tasks.q1.grade() is None  # the form is right: nothing is said about correctness
    cols = ["a", "z"]
    with pytest.raises(CheckFailed, match="z"):
        tasks.q3.grade()
    assert not (folder / ".dxcase" / "events.jsonl").exists()  # grade() is never an attempt


def test_grade_exports_only_the_value_in_trusted_runs(folder, monkeypatch):
    from IPython.display import display  # noqa: F401  (grade() displays through IPython)

    from dxcase.answers.channel import MIME

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append(obj))
    monkeypatch.setenv("DXCASE_EXPORT", "1")
    global total, by_store
    tasks = load_tasks(folder, lang="en")
    total = -1  # an out-of-range value is still exported: the grader decides
    tasks.q1.grade()
    by_store = pd.DataFrame({"store": ["s1", "s2"], "wmape": [0.2, 0.3]})
    tasks.q4.grade()
    assert shown[0][MIME]["value"] == -1.0
    assert shown[1][MIME]["value"] == {
        "columns": ["store", "wmape"],
        "records": [{"store": "s1", "wmape": 0.2}, {"store": "s2", "wmape": 0.3}],
    }
    del total
    tasks.q1.grade()
    assert shown[2][MIME]["value"] is None


def test_events_can_be_switched_off_and_never_break_a_notebook(folder, monkeypatch):
    global total
    total = 1.0
    monkeypatch.setenv("DXCASE_EVENTS", "0")
    load_tasks(folder).q1.check()
    assert not (folder / ".dxcase").exists()
    monkeypatch.delenv("DXCASE_EVENTS")
    (folder / ".dxcase").write_text("a file where the folder should be")
    assert load_tasks(folder).q1.check().status == "form_ok"


def test_missing_checks_file_and_unknown_task_say_what_to_do(tmp_path, folder):
    with pytest.raises(FileNotFoundError, match="assignment folder"):
        load_tasks(tmp_path / "elsewhere", lang="en")
    with pytest.raises(AttributeError, match="q9"):
        _ = load_tasks(folder, lang="en").q9


def test_choice_options_can_come_from_the_data(tmp_path):
    global store
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "stores.csv").write_text("store_id,region\nS001,north\nS042,south\n")
    task = TaskSpec("q5", "store", "choice", "nb1", {"options_from": "stores.store_id"})
    (tmp_path / "checks.json").write_text(CaseChecks("demo", "en", {"q5": task}, {}).to_json())
    q5 = load_tasks(tmp_path, data_dir="data").q5
    store = "S007"
    outcome = q5.check()
    assert outcome.status == "incorrect" and "S001, S042" in outcome.message
    store = "S042"
    assert q5.check().status == "form_ok"


def test_forecast_file_keys_can_come_from_a_frame_the_notebook_defines(tmp_path, monkeypatch):
    """Datasets without a keys file: the rows to forecast are a frame the given code builds."""
    visible = {"keys": ["part_id", "month"], "value": "forecast", "keys_variable": "to_forecast"}
    spec = TaskSpec("q9", "forecast_path", "forecast_file", "nb4", visible)
    (tmp_path / "checks.json").write_text(CaseChecks("demo", "en", {"q9": spec}, {}).to_json())
    monkeypatch.setenv("DXCASE_EVENTS", "0")
    monkeypatch.chdir(tmp_path)
    q9 = load_tasks(tmp_path, lang="en", data_dir=".").q9
    keys = pd.DataFrame({"part_id": ["P1", "P1", "P2"], "month": ["2025-04", "2025-05", "2025-04"]})
    global forecast_path, to_forecast
    forecast_path = "f.csv"
    keys.assign(forecast=1.0).to_csv(tmp_path / "f.csv", index=False)
    to_forecast = keys
    assert q9.check().status == "form_ok"
    keys.iloc[:2].assign(forecast=1.0).to_csv(tmp_path / "f.csv", index=False)
    outcome = q9.check()
    assert outcome.status == "incorrect" and "1 missing" in outcome.message
    del to_forecast  # without the frame the check still tests the file's form
    assert q9.check().status == "form_ok"
    del forecast_path
