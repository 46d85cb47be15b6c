"""Learners' event logs (``.dxcase/events.jsonl``, see :mod:`dxcase.check.events`) and what
they say about progress: the last task each learner worked on and where they are stuck.

A line that is not a JSON object with ``time``, ``task`` and ``event`` is reported as a
:class:`~dxcase.errors.Problem` naming the file and line; the rest of the log still counts
(one learner's damaged log must not hide the cohort).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dxcase.errors import Problem

STUCK_FAILS = 3  # failed self-checks in a row on one task, with no success since


@dataclass(frozen=True)
class Event:
    time: datetime
    task: str
    event: str  # check, hint, solution
    outcome: str  # correct, incorrect, not_attempted, form_ok; shown, none, refused


@dataclass
class Activity:
    """One learner's self-check history, summarised."""

    learner: str
    events: int = 0
    last_time: datetime | None = None
    last_task: str = ""
    last_outcome: str = ""
    hints: Counter[str] = field(default_factory=Counter)  # task -> hints shown
    checks: Counter[str] = field(default_factory=Counter)  # task -> self-checks run
    fails: Counter[str] = field(default_factory=Counter)  # task -> failed checks
    solved: set[str] = field(default_factory=set)  # tasks with a correct check
    # graded tasks whose last offline check passed the form (correctness unknown until graded);
    # logs from before this status said "correct" for that and read as solved, as they did
    form_ok: set[str] = field(default_factory=set)
    streak: dict[str, int] = field(default_factory=dict)  # task -> failed checks since success

    @property
    def stuck(self) -> list[str]:
        """Tasks never solved whose last ``STUCK_FAILS`` or more checks all failed (a check
        whose form passed ends the run of failures)."""
        return sorted(
            t for t, n in self.streak.items() if n >= STUCK_FAILS and t not in self.solved
        )


def read_events(path: Path) -> tuple[list[Event], list[Problem]]:
    """The events of one log, in file order, and a problem for every unreadable line."""
    events, problems = [], []
    text = path.read_text(encoding="utf-8", errors="replace")
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict):
                raise ValueError("not a JSON object")
            missing = [k for k in ("time", "task", "event") if not rec.get(k)]
            if missing:
                raise ValueError(f"missing {', '.join(missing)}")
            when = datetime.fromisoformat(str(rec["time"]))
            if when.tzinfo is None:  # dxcase writes UTC; a hand-made line may omit the zone
                when = when.replace(tzinfo=UTC)
        except ValueError as exc:
            problems.append(
                Problem(str(path), "event-log", f"unreadable event line: {exc}"[:200], line_no,
                        severity="warning")
            )  # fmt: skip
            continue
        events.append(Event(when, str(rec["task"]), str(rec["event"]), str(rec.get("outcome", ""))))
    return events, problems


def summarize(learner: str, events: list[Event]) -> Activity:
    """What one learner's events say: last task, hints, failed checks, where stuck."""
    act = Activity(learner)
    for ev in sorted(events, key=lambda e: e.time):
        act.events += 1
        act.last_time, act.last_task, act.last_outcome = ev.time, ev.task, ev.outcome
        if ev.event == "hint" and ev.outcome == "shown":
            act.hints[ev.task] += 1
        if ev.event != "check":
            continue
        act.checks[ev.task] += 1
        if ev.outcome == "correct":
            act.solved.add(ev.task)
            act.streak[ev.task] = 0
        elif ev.outcome == "form_ok":
            act.form_ok.add(ev.task)
            act.streak[ev.task] = 0
        elif ev.outcome == "incorrect":
            act.fails[ev.task] += 1
            act.streak[ev.task] = act.streak.get(ev.task, 0) + 1
    return act


def cohort_activity(logs: dict[str, Path]) -> tuple[dict[str, Activity], list[Problem]]:
    """Each learner's activity from their log file (learner id -> path)."""
    out, problems = {}, []
    for learner, path in sorted(logs.items()):
        events, bad = read_events(path)
        problems += bad
        out[learner] = summarize(learner, events)
    return out, problems


def find_logs(course_root: Path, assignment: str, learners: list[str]) -> dict[str, Path]:
    """Each learner's log: the one in the latest submission, else the copy kept at grading."""
    out = {}
    for learner in learners:
        sent = course_root / "submitted" / learner / assignment / ".dxcase" / "events.jsonl"
        kept = course_root / "dxcase" / "events" / assignment / f"{learner}.jsonl"
        for path in (sent, kept):
            if path.is_file() and not path.is_symlink():
                out[learner] = path
                break
    return out
