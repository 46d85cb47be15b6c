"""A simulated cohort for the demo: varied personas, submission times and event logs.

The notebooks come from :func:`dxcase.grade.simulate.make_submission` (real answers that run
when graded). On top of it: ``late`` learners submit after the due date, one ``tamper`` learner
edits a test cell, one ``copy`` learner hands in a copy of a strong learner's folder, and each
learner gets the event log that their way of working would have written (self-checks failing
before they pass, hints on hard tasks, repeated failures where they gave up). The event logs
are simulated, in the format :mod:`dxcase.check.events` writes, because the learners' kernels
never ran in a JupyterLab; everything else is graded from the files as a real cohort is.
"""

from __future__ import annotations

import ast
import json
import random
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nbformat

from dxcase.author.casefile import Case
from dxcase.author.checksfile import load_checks
from dxcase.author.notebooks import nbgrader_meta
from dxcase.grade.course import Learner
from dxcase.grade.simulate import make_submission

# the first eight hold one of each persona, so a small cohort still shows every case
MIX = ("strong", "average", "weak", "incomplete", "late", "tamper", "copy", "broken",
       "strong", "average", "weak", "average", "strong", "late", "average", "incomplete",
       "weak", "average", "strong", "average")  # fmt: skip
DUE = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)  # 17:00 JST
LATE_HOURS = 30
TEAM_SIZE = 3  # teams of three from 12 learners on; smaller cohorts work alone


def persona_at(index: int) -> str:
    return MIX[index % len(MIX)]


def make_demo_cohort(case: Case, release: Path, out: Path, n: int, seed: int = 7) -> list[Learner]:
    """``n`` learners' submission folders under ``out/<id>/`` (with timestamps and event logs)."""
    rng = random.Random(seed)
    team_size = TEAM_SIZE if n >= 12 else 1
    learners, done = [], {}
    for i in range(n):
        persona = persona_at(i)
        lid = f"u{i + 1:03d}"
        folder = out / lid
        if persona == "copy":
            source = next(x for x, p in done.items() if p[0] == "strong")
            shutil.copytree(out / source, folder)
            shutil.rmtree(folder / ".dxcase", ignore_errors=True)
            outcomes = done[source][1]
        else:
            outcomes = make_submission(case, release, folder, persona, 1000 + i)
            personalize(folder, lid, rng)
        done[lid] = (persona, outcomes)
        start = DUE - timedelta(days=13, hours=rng.randint(0, 96))
        write_events(folder, case, lid, persona, outcomes, start, rng)
        sent = (
            DUE + timedelta(hours=LATE_HOURS)
            if persona == "late"
            else DUE - timedelta(hours=rng.randint(2, 60))
        )
        (folder / "timestamp.txt").write_text(_stamp(sent), encoding="utf-8")
        lang = "en" if i % 5 == 3 else "ja"
        learners.append(Learner(lid, f"team{i // team_size + 1}", lang))
    return learners


NOTES = ("確認", "メモ", "あとで見直す", "check", "todo plot", "値を確かめた", "first try")


def personalize(folder: Path, learner: str, rng: random.Random) -> None:
    """Each learner's own scratch lines between the statements of their answers, as real
    notebooks have, so that honest learners who found the same solution are not near-identical
    for copy detection (only a copied folder is)."""
    for path in sorted(folder.glob("*.ipynb")):
        try:
            nb = nbformat.read(str(path), as_version=4)
        except Exception:  # the broken persona's file is not a notebook
            continue
        for cell in nb.cells:
            blank = "NotImplementedError" in cell.source  # the release stub, left as it was
            if cell.cell_type == "code" and nbgrader_meta(cell).get("solution") and not blank:
                cell.source = _with_notes(cell.source, learner, rng)
        nbformat.write(nb, str(path))


def _with_notes(source: str, learner: str, rng: random.Random) -> str:
    """``source`` with a note after about every other top-level statement (and at the end)."""
    lines = source.splitlines()
    try:
        ends = {node.end_lineno for node in ast.parse(source).body}
    except SyntaxError:
        ends = set()
    out = []
    for number, line in enumerate(lines, start=1):
        out.append(line)
        if number == len(lines) or (number in ends and rng.random() < 0.5):
            note = rng.choice(NOTES)
            out.append(f'_memo_{learner}_{number} = ("{learner}", "{note}", {rng.randint(1, 999)})')
    return "\n".join(out)


def personas(n: int) -> dict[str, str]:
    """Learner id -> persona of :func:`make_demo_cohort`'s learners."""
    return {f"u{i + 1:03d}": persona_at(i) for i in range(n)}


def write_events(
    folder: Path,
    case: Case,
    learner: str,
    persona: str,
    outcomes: dict[str, str],
    start: datetime,
    rng: random.Random,
) -> None:
    """The event log a learner of ``persona`` with these task ``outcomes`` would have written."""
    tasks = load_checks(case, "ja").tasks
    when = start
    lines = []

    def log(task: str, event: str, outcome: str, **extra: object) -> None:
        nonlocal when
        when += timedelta(minutes=rng.randint(2, 25))
        lines.append({"time": when.isoformat(timespec="seconds"), "learner": learner,
                      "case": case.slug, "task": task, "event": event, "outcome": outcome,
                      **extra})  # fmt: skip

    notebook, gave_up = "", False
    for tid, spec in tasks.items():
        result = outcomes.get(tid)
        if result is None and persona == "incomplete" and not gave_up:
            result, gave_up = "stuck", True  # the first task of the notebook never handed in
        if result is None:
            continue
        if spec.notebook != notebook:
            notebook, when = spec.notebook, when + timedelta(days=rng.randint(1, 3))
        if persona == "copy":
            log(tid, "check", "correct")
            continue
        fails, hints = attempts(persona, result, len(spec.hints), rng)
        if result == "blank":
            log(tid, "check", "not_attempted")
        for k in range(max(fails, hints)):
            if k < fails:
                log(tid, "check", "incorrect")
            if k < hints:
                log(tid, "hint", "shown", level=k + 1)
        if spec.practice and persona == "weak":
            log(tid, "solution", "shown")
        if result == "right" or (result == "wrong" and rng.random() < 0.5):
            log(tid, "check", "correct")  # a wrong answer can pass the visible part
    path = folder / ".dxcase" / "events.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), "utf-8")


STRUGGLING = ("weak", "broken", "incomplete")  # ask for a hint after every failed check


def attempts(persona: str, result: str, n_hints: int, rng: random.Random) -> tuple[int, int]:
    """(failed self-checks, hints asked) on one task before the learner moved on."""
    fails = {"right": rng.choice([0, 0, 0, 1]) + (persona == "weak"),
             "wrong": rng.randint(1, 3), "blank": 0, "error": 3, "stuck": 4}[result]  # fmt: skip
    if persona == "strong":
        return fails, 0
    if persona in STRUGGLING:
        return fails, min(n_hints, fails + (result == "blank"))
    return fails, min(n_hints, int(fails > 0 and rng.random() < 0.6))


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
