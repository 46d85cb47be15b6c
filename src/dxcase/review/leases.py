"""Leases, as in edX ORA2: an assignment not submitted before its lease ends goes back to the
pool and is given to another reviewer; late submitters join the pool as they arrive.

Who gets a reclaimed review: an eligible reviewer (not the author, not the author's team, no
conflict, not already holding this submission) who is *active* (has submitted a review or
still holds a live lease) and has the fewest open reviews; ties are broken by a hash of the
round seed, so reruns give the same result.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dxcase.review.assign import Eligibility, Learner, pick
from dxcase.review.store.models import Assignment, Participant, Round, Submission, utcnow


class Pool:
    """The state a reassignment decision needs, read once per round."""

    def __init__(self, s: Session, rnd: Round) -> None:
        people = s.scalars(select(Participant).where(Participant.round_id == rnd.id)).all()
        self.elig = Eligibility(
            [Learner(p.learner, p.team) for p in people], {p.learner: p.conflicts for p in people}
        )
        self.subs = {
            sub.id: sub.author
            for sub in s.scalars(select(Submission).where(Submission.round_id == rnd.id))
        }
        self.authors = set(self.subs.values())
        self.rows = s.scalars(select(Assignment).where(Assignment.round_id == rnd.id)).all()
        self.held = {(a.reviewer, a.submission_id) for a in self.rows}
        self.open_load = Counter(a.reviewer for a in self.rows if a.status == "assigned")
        self.done = Counter(a.reviewer for a in self.rows if a.status == "submitted")

    def active(self, now: datetime) -> set[str]:
        """Authors who submitted a review, hold a live lease, or never let one expire."""
        live = {
            a.reviewer for a in self.rows if a.status == "assigned" and a.lease_expires_at >= now
        }
        expired = {a.reviewer for a in self.rows if a.status == "expired"}
        return {r for r in self.authors if self.done[r] or r in live or r not in expired}

    def reviewers_for(self, sub_id: int, k: int, now: datetime, salt: str) -> list[str]:
        author = self.subs[sub_id]
        candidates = [
            r for r in self.active(now) if self.elig.ok(r, author) and (r, sub_id) not in self.held
        ]
        return pick(candidates, self.open_load, k, salt)

    def add(self, s: Session, rnd: Round, sub_id: int, reviewer: str, origin: str, now: datetime):
        row = Assignment(
            round_id=rnd.id,
            submission_id=sub_id,
            reviewer=reviewer,
            origin=origin,
            assigned_at=now,
            lease_expires_at=now + timedelta(hours=rnd.lease_hours),
        )
        s.add(row)
        self.rows.append(row)
        self.held.add((reviewer, sub_id))
        self.open_load[reviewer] += 1
        return row


def reclaim_expired(s: Session, rnd: Round, now: datetime | None = None) -> list[tuple[int, str]]:
    """Expire overdue assignments and give each submission a new reviewer.

    Returns ``(submission_id, new_reviewer)`` pairs; a submission that finds no eligible
    active reviewer stays short and shows up in the facilitator's progress page.
    """
    now = now or utcnow()
    pool = Pool(s, rnd)
    overdue = [a for a in pool.rows if a.status == "assigned" and a.lease_expires_at < now]
    for a in overdue:
        a.status = "expired"
        pool.open_load[a.reviewer] -= 1
    moved = []
    for a in overdue:
        for reviewer in pool.reviewers_for(a.submission_id, 1, now, f"{rnd.seed}:{a.id}"):
            pool.add(s, rnd, a.submission_id, reviewer, "reassigned", now)
            moved.append((a.submission_id, reviewer))
    s.flush()
    return moved


def attach_late(s: Session, rnd: Round, sub: Submission, now: datetime) -> None:
    """Give a late submission k reviewers, and its author k submissions to review."""
    pool = Pool(s, rnd)
    for reviewer in pool.reviewers_for(sub.id, rnd.k, now, f"{rnd.seed}:late:{sub.id}"):
        pool.add(s, rnd, sub.id, reviewer, "late", now)
    reviewed = Counter(a.submission_id for a in pool.rows if a.status != "expired")
    targets = [
        sid
        for sid, author in pool.subs.items()
        if sid != sub.id and pool.elig.ok(sub.author, author)
    ]
    for sid in pick(targets, reviewed, rnd.k, f"{rnd.seed}:late-author:{sub.author}"):
        pool.add(s, rnd, sid, sub.author, "late", now)
    s.flush()


def pull_extra(s: Session, rnd: Round, learner: str, now: datetime | None = None) -> int | None:
    """A reviewer with nothing open asks for one more: the eligible submission with the fewest
    reviews that still has fewer than k. Returns the new assignment id, or None."""
    now = now or utcnow()
    pool = Pool(s, rnd)
    if learner not in pool.authors or pool.open_load[learner] > 0:
        return None
    counts = Counter(a.submission_id for a in pool.rows if a.status != "expired")
    targets = [
        sid
        for sid, author in pool.subs.items()
        if counts[sid] < rnd.k and pool.elig.ok(learner, author) and (learner, sid) not in pool.held
    ]
    chosen = pick(targets, counts, 1, f"{rnd.seed}:extra:{learner}")
    if not chosen:
        return None
    row = pool.add(s, rnd, chosen[0], learner, "extra", now)
    s.flush()
    return row.id
