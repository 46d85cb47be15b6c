"""Review rounds: roster, collecting presentation notebooks, creating a round, late submissions.

A round is created from an nbgrader course: the roster (``roster.csv`` with ``id,team`` and
optionally ``lang``, ``name``, ``conflicts`` separated by ``;``) and each learner's latest
submission ``submitted/<id>/<assignment>/<notebook>.ipynb``. Each notebook is rendered once to
sanitized, anonymous HTML and stored with the round, so reviewers never touch learners' files.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from dxcase.errors import InputError, Problem, ProblemList
from dxcase.review.assign import Learner, initial_assignment
from dxcase.review.render import render_notebook
from dxcase.review.rubric import Rubric
from dxcase.review.store import Store
from dxcase.review.store.models import (
    Assignment,
    CalibrationExample,
    Participant,
    Round,
    Submission,
    utcnow,
)


@dataclass
class RosterEntry:
    id: str
    team: str | None = None
    lang: str = "ja"
    name: str = ""
    conflicts: list[str] = field(default_factory=list)


@dataclass
class RoundSpec:
    name: str
    course: str
    assignment: str
    notebook: str
    rubric: Rubric
    k: int = 3
    seed: int = 0
    calibration: bool = False
    lease_hours: float = 48.0
    opens_at: datetime | None = None
    reviews_due_at: datetime | None = None


def read_roster(path: str | Path) -> list[RosterEntry]:
    """Read ``roster.csv``; problems name the file, line and column."""
    path = Path(path)
    problems = ProblemList()
    entries: list[RosterEntry] = []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InputError(f"{path}: roster not found") from exc
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames or "id" not in reader.fieldnames:
        raise InputError(
            f"{path}: roster needs an 'id' column",
            [Problem(str(path), "roster", "missing column 'id'", line=1, column="id")],
        )
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        lid = (row.get("id") or "").strip()
        if not lid:
            problems.add(Problem(str(path), "roster", "empty id", line=line, column="id"))
            continue
        if lid in seen:
            problems.add(Problem(str(path), "roster", f"duplicate id {lid!r}", line, "id"))
        seen.add(lid)
        lang = (row.get("lang") or "ja").strip() or "ja"
        if lang not in ("ja", "en"):
            problems.add(
                Problem(str(path), "roster", f"lang must be ja or en ({lang!r})", line, "lang")
            )
        conflicts = [c.strip() for c in (row.get("conflicts") or "").split(";") if c.strip()]
        entries.append(
            RosterEntry(
                lid,
                (row.get("team") or "").strip() or None,
                lang,
                (row.get("name") or "").strip(),
                conflicts,
            )
        )
    if problems.has_errors:
        raise InputError(f"{path}: invalid roster", problems)
    return entries


def find_notebooks(course_dir: str | Path, assignment: str, notebook: str) -> dict[str, Path]:
    """Each learner's submitted notebook in an nbgrader course folder."""
    root = Path(course_dir) / "submitted"
    return {
        p.parents[1].name: p
        for p in sorted(root.glob(f"*/{assignment}/{notebook}.ipynb"))
        if p.is_file()
    }


def identities(entry: RosterEntry, roster: list[RosterEntry]) -> list[str]:
    """Strings that would reveal who wrote a submission: the author's and teammates' ids and
    names, and the team name."""
    mates = [e for e in roster if entry.team and e.team == entry.team] or [entry]
    out = [entry.id, entry.name, entry.team or ""]
    for m in mates:
        out += [m.id, m.name]
    return [s for s in out if s]


def submission_code(round_name: str, author: str, seed: int) -> str:
    digest = hashlib.sha256(f"{round_name}:{seed}:{author}".encode()).hexdigest()
    return "S-" + digest[:6].upper()


def create_round(
    store: Store,
    spec: RoundSpec,
    roster: list[RosterEntry],
    notebooks: dict[str, Path],
    calibration_examples: list[tuple[Path, dict[str, int]]] = (),  # type: ignore[assignment]
    now: datetime | None = None,
) -> int:
    """Render the submissions, assign reviewers and store the round; return its id."""
    now = now or utcnow()
    by_id = {e.id: e for e in roster}
    unknown = sorted(set(notebooks) - set(by_id))
    if unknown:
        raise InputError(
            "submissions from learners not in the roster",
            [Problem("roster.csv", "roster", f"not listed: {u}") for u in unknown],
        )
    if spec.calibration and not calibration_examples:
        raise InputError("calibration is on but no calibration example was given")
    authors = [by_id[a] for a in sorted(notebooks)]
    pairs = initial_assignment(
        [Learner(e.id, e.team) for e in authors],
        spec.k,
        spec.seed,
        {e.id: e.conflicts for e in authors if e.conflicts},
    )
    opens = spec.opens_at or now
    due = spec.reviews_due_at or opens + timedelta(days=7)
    lease_end = max(opens, now) + timedelta(hours=spec.lease_hours)
    with store.write() as s:
        if s.scalar(select(Round.id).where(Round.name == spec.name)) is not None:
            raise InputError(f"a round named {spec.name!r} exists already")
        rnd = Round(
            name=spec.name,
            course=spec.course,
            assignment=spec.assignment,
            notebook=spec.notebook,
            rubric=spec.rubric.to_dict(),
            k=spec.k,
            seed=spec.seed,
            calibration=spec.calibration,
            lease_hours=spec.lease_hours,
            opens_at=opens,
            reviews_due_at=due,
        )
        s.add(rnd)
        s.flush()
        s.add_all(
            Participant(
                round_id=rnd.id, learner=e.id, team=e.team, lang=e.lang, conflicts=e.conflicts
            )
            for e in roster
        )
        subs = {}
        for e in authors:
            html = render_notebook(notebooks[e.id], identities(e, roster))
            subs[e.id] = Submission(
                round_id=rnd.id,
                author=e.id,
                code=submission_code(spec.name, e.id, spec.seed),
                html=html,
            )
        s.add_all(subs.values())
        s.flush()
        s.add_all(
            Assignment(
                round_id=rnd.id,
                submission_id=subs[author].id,
                reviewer=reviewer,
                lease_expires_at=lease_end,
            )
            for reviewer, author in pairs
        )
        for pos, (path, reference) in enumerate(calibration_examples):
            _check_reference(spec.rubric, reference, str(path))
            s.add(
                CalibrationExample(
                    round_id=rnd.id, position=pos, html=render_notebook(path), reference=reference
                )
            )
        return rnd.id


def _check_reference(rubric: Rubric, reference: dict[str, int], source: str) -> None:
    problems = [
        Problem(
            source, "calibration", f"reference score missing or not a level of {c.id}", column=c.id
        )
        for c in rubric.criteria
        if reference.get(c.id) not in c.points()
    ]
    if problems:
        raise InputError(f"{source}: invalid reference scores", problems)


def add_late_submission(
    store: Store, round_id: int, author: str, notebook: str | Path, now: datetime | None = None
) -> int:
    """A submission that arrives after the round started: render it, give it reviewers and
    give its author reviews to do (see :mod:`dxcase.review.leases`)."""
    from dxcase.review.leases import attach_late

    now = now or utcnow()
    with store.write() as s:
        rnd = s.get(Round, round_id)
        if rnd is None:
            raise InputError(f"no review round with id {round_id}")
        people = s.scalars(select(Participant).where(Participant.round_id == round_id)).all()
        roster = [RosterEntry(p.learner, p.team, p.lang, "", p.conflicts) for p in people]
        entry = next((e for e in roster if e.id == author), None)
        if entry is None:
            raise InputError(f"{author!r} is not in the roster of round {rnd.name!r}")
        exists = s.scalar(
            select(Submission.id).where(
                Submission.round_id == round_id, Submission.author == author
            )
        )
        if exists is not None:
            raise InputError(f"{author!r} already has a submission in round {rnd.name!r}")
        sub = Submission(
            round_id=round_id,
            author=author,
            code=submission_code(rnd.name, author, rnd.seed),
            html=render_notebook(notebook, identities(entry, roster)),
            late=True,
        )
        s.add(sub)
        s.flush()
        attach_late(s, rnd, sub, now)
        return sub.id
