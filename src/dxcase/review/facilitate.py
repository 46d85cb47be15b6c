"""What a facilitator does to a round besides looking: override a score, reclaim expired
leases, close the round, export CSV."""

from __future__ import annotations

import csv
import io

from dxcase.errors import InputError, Problem
from dxcase.review.leases import reclaim_expired
from dxcase.review.results import RoundResult
from dxcase.review.reviewing import NotFound, round_rubric
from dxcase.review.store import Store
from dxcase.review.store.models import Override, Round, Submission


def set_override(
    store: Store, round_id: int, submission_id: int, scores: dict[str, object], by: str, reason: str
) -> None:
    """Record the facilitator's scores (every criterion, each a level of the rubric)."""
    with store.write() as s:
        rnd = s.get(Round, round_id)
        sub = s.get(Submission, submission_id)
        if rnd is None or sub is None or sub.round_id != round_id:
            raise NotFound(f"no submission {submission_id} in round {round_id}")
        rubric = round_rubric(rnd)
        clean: dict[str, int] = {}
        problems = []
        for c in rubric.criteria:
            try:
                value = int(scores.get(c.id))  # type: ignore[arg-type]
            except (TypeError, ValueError):
                value = None
            if value not in c.points():
                problems.append(
                    Problem("request", "override", f"must be one of {c.points()}", column=c.id)
                )
            else:
                clean[c.id] = value
        if not reason.strip():
            problems.append(Problem("request", "override", "give a reason", column="reason"))
        if problems:
            raise InputError("invalid override", problems)
        s.add(
            Override(
                round_id=round_id, submission_id=submission_id, scores=clean, by=by, reason=reason
            )
        )


def reclaim(store: Store, round_id: int) -> int:
    """Expire overdue leases and reassign them; returns how many were reassigned."""
    with store.write() as s:
        rnd = s.get(Round, round_id)
        if rnd is None:
            raise NotFound(f"no round {round_id}")
        return len(reclaim_expired(s, rnd))


def close_round(store: Store, round_id: int) -> None:
    with store.write() as s:
        rnd = s.get(Round, round_id)
        if rnd is None:
            raise NotFound(f"no round {round_id}")
        rnd.closed = True


def round_csv(r: RoundResult) -> str:
    """One row per submission: final scores per criterion, total, and both estimates."""
    crit = [c.id for c in r.rubric.criteria]
    team = {p.learner: p.team or "" for p in r.progress}
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(
        ["learner", "team", "submission", "late", "n_reviews", *crit, "total", "max_total",
         "overridden", *[f"median_{c}" for c in crit], *[f"model_{c}" for c in crit]]
    )  # fmt: skip
    for sub in r.submissions:
        w.writerow(
            [sub.author, team.get(sub.author, ""), sub.code, int(sub.late), sub.n_reviews,
             *[sub.final[c] for c in crit], sub.total, r.rubric.max_total, int(sub.overridden),
             *[sub.median[c] for c in crit], *[sub.model[c] for c in crit]]
        )  # fmt: skip
    return buf.getvalue()
