"""What a learner does in a round: list assignments, open one, save a draft, submit, read the
feedback received and rate it. Every function takes the acting learner and refuses anything
that is not theirs with :class:`NotFound` (the same answer as for an id that does not exist,
so ids cannot be probed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from dxcase.errors import DxcaseError, InputError, Problem
from dxcase.review.rubric import Rubric, rubric_from_dict
from dxcase.review.store import Store
from dxcase.review.store.models import (
    Assignment,
    Draft,
    Rating,
    Review,
    Round,
    Submission,
    utcnow,
)

MAX_COMMENT = 5000
MAX_REASON = 1000


class NotFound(DxcaseError):
    http_status = 404


class Conflict(DxcaseError):
    http_status = 409


def round_rubric(rnd: Round) -> Rubric:
    """The round's rubric, parsed once per round (a round's rubric never changes)."""
    key = (rnd.id, rnd.name, rnd.created_at)
    rubric = _RUBRICS.get(key)
    if rubric is None:
        rubric = rubric_from_dict(rnd.rubric, f"round {rnd.name}")
        if len(_RUBRICS) >= 256:
            _RUBRICS.clear()
        _RUBRICS[key] = rubric
    return rubric


_RUBRICS: dict[tuple, Rubric] = {}


@dataclass
class AssignmentView:
    id: int
    round_id: int
    code: str
    status: str
    lease_expires_at: datetime
    has_draft: bool


def my_assignments(store: Store, round_id: int, learner: str) -> list[AssignmentView]:
    """The learner's assignments in a round (expired ones included, marked as such)."""
    with store.read() as s:
        rows = s.execute(
            select(Assignment, Submission.code, Draft.assignment_id)
            .join(Submission, Submission.id == Assignment.submission_id)
            .outerjoin(Draft, Draft.assignment_id == Assignment.id)
            .where(Assignment.round_id == round_id, Assignment.reviewer == learner)
            .order_by(Assignment.id)
        ).all()
    return [
        AssignmentView(a.id, a.round_id, code, a.status, a.lease_expires_at, d is not None)
        for a, code, d in rows
    ]


def open_assignment(store: Store, assignment_id: int, learner: str):
    """(round, assignment, submission, draft data or None) if it is the learner's."""
    with store.read() as s:
        row = s.execute(
            select(Round, Assignment, Submission, Draft.data)
            .join(Round, Round.id == Assignment.round_id)
            .join(Submission, Submission.id == Assignment.submission_id)
            .outerjoin(Draft, Draft.assignment_id == Assignment.id)
            .where(Assignment.id == assignment_id, Assignment.reviewer == learner)
        ).first()
    if row is None:
        raise NotFound(f"no assignment {assignment_id}")
    return tuple(row)


def parse_review(rubric: Rubric, data: Any, final: bool) -> dict[str, Any]:
    """Check a review (``final``) or a draft against the rubric; name every wrong field."""
    problems: list[Problem] = []

    def bad(field: str, msg: str) -> None:
        problems.append(Problem("request", "review", msg, column=field))

    if not isinstance(data, dict):
        raise InputError(
            "a review is a JSON object", [Problem("request", "review", "not an object")]
        )
    scores = data.get("scores") or {}
    comments = data.get("comments") or {}
    overall = data.get("overall_comment") or ""
    if (
        not isinstance(scores, dict)
        or not isinstance(comments, dict)
        or not isinstance(overall, str)
    ):
        raise InputError("invalid review", [Problem("request", "review", "wrong types")])
    ids = {c.id for c in rubric.criteria}
    for key in sorted(set(scores) | set(comments)):
        if key not in ids:
            bad(key, "no such criterion in the rubric")
    clean_scores: dict[str, int] = {}
    clean_comments: dict[str, str] = {}
    for c in rubric.criteria:
        raw = scores.get(c.id)
        if raw in (None, ""):
            if final:
                bad(f"scores.{c.id}", "choose a level")
        else:
            try:
                value = int(raw)
            except (TypeError, ValueError):
                value = None
            if value not in c.points():
                bad(f"scores.{c.id}", f"must be one of {c.points()} (got {raw!r})")
            else:
                clean_scores[c.id] = value
        text = comments.get(c.id) or ""
        if not isinstance(text, str) or len(text) > MAX_COMMENT:
            bad(f"comments.{c.id}", f"must be text of at most {MAX_COMMENT} characters")
            continue
        if final and c.comment == "required" and not text.strip():
            bad(f"comments.{c.id}", "a comment is required")
        if text:
            clean_comments[c.id] = text
    if len(overall) > MAX_COMMENT:
        bad("overall_comment", f"at most {MAX_COMMENT} characters")
    if final and rubric.overall_comment == "required" and not overall.strip():
        bad("overall_comment", "an overall comment is required")
    if problems:
        raise InputError(f"review has {len(problems)} problem(s)", problems)
    return {"scores": clean_scores, "comments": clean_comments, "overall_comment": overall}


def _lock_own_open(s, assignment_id: int, learner: str, now: datetime) -> tuple[Assignment, Round]:
    a = s.scalar(select(Assignment).where(Assignment.id == assignment_id).with_for_update())
    if a is None or a.reviewer != learner:
        raise NotFound(f"no assignment {assignment_id}")
    if a.status == "submitted":
        raise Conflict("this review was submitted already")
    if a.status == "expired":
        raise Conflict("the lease of this assignment ran out; it was given to another reviewer")
    rnd = s.get(Round, a.round_id)
    if rnd.closed or now > rnd.reviews_due_at:
        raise Conflict("the review period of this round is over")
    return a, rnd


def save_draft(store: Store, assignment_id: int, learner: str, data: Any) -> datetime:
    """Store a partial review (autosave); returns when it was saved."""
    now = utcnow()
    with store.write() as s:
        a, rnd = _lock_own_open(s, assignment_id, learner, now)
        clean = parse_review(round_rubric(rnd), data, final=False)
        draft = s.get(Draft, a.id)
        if draft is None:
            s.add(Draft(assignment_id=a.id, data=clean, updated_at=now))
        else:
            draft.data, draft.updated_at = clean, now
    return now


def submit_review(store: Store, assignment_id: int, learner: str, data: Any) -> int:
    """Write the review and close the assignment in one transaction; return the review id."""
    now = utcnow()
    with store.write() as s:
        a, rnd = _lock_own_open(s, assignment_id, learner, now)
        clean = parse_review(round_rubric(rnd), data, final=True)
        review = Review(
            assignment_id=a.id,
            round_id=a.round_id,
            submission_id=a.submission_id,
            reviewer=learner,
            submitted_at=now,
            **clean,
        )
        s.add(review)
        a.status, a.completed_at = "submitted", now
        draft = s.get(Draft, a.id)
        if draft is not None:
            s.delete(draft)
        s.flush()
        return review.id


def feedback_open(rnd: Round, now: datetime | None = None) -> bool:
    return rnd.closed or (now or utcnow()) > rnd.reviews_due_at


@dataclass
class ReceivedReview:
    id: int
    number: int  # "review 1, 2, ..." (reviewers stay anonymous)
    scores: dict[str, int]
    comments: dict[str, str]
    overall_comment: str
    helpful: int | None
    reported: bool


def received_reviews(store: Store, round_id: int, learner: str) -> list[ReceivedReview]:
    """Reviews of the learner's own submission, without reviewers' names."""
    with store.read() as s:
        sub = s.scalar(
            select(Submission).where(Submission.round_id == round_id, Submission.author == learner)
        )
        if sub is None:
            return []
        rows = s.execute(
            select(Review, Rating)
            .outerjoin(Rating, (Rating.review_id == Review.id) & (Rating.rater == learner))
            .where(Review.submission_id == sub.id)
            .order_by(Review.id)
        ).all()
    return [
        ReceivedReview(
            r.id,
            i + 1,
            r.scores,
            r.comments,
            r.overall_comment,
            rating.helpful if rating else None,
            bool(rating and rating.reported),
        )
        for i, (r, rating) in enumerate(rows)
    ]


def rate_review(
    store: Store, review_id: int, learner: str, helpful: int | None, reported: bool, reason: str
) -> None:
    """Feedback on feedback: only the reviewee can rate a review of their own work."""
    if helpful is not None and helpful not in (1, 2, 3):
        raise InputError("helpful must be 1, 2 or 3", [Problem("request", "rating", "helpful")])
    if len(reason) > MAX_REASON:
        raise InputError(f"reason: at most {MAX_REASON} characters")
    now = utcnow()
    with store.write() as s:
        review = s.get(Review, review_id)
        sub = s.get(Submission, review.submission_id) if review else None
        if review is None or sub is None or sub.author != learner:
            raise NotFound(f"no review {review_id}")
        if not feedback_open(s.get(Round, review.round_id), now):
            raise Conflict("feedback opens when the review period is over")
        rating = s.scalar(
            select(Rating).where(Rating.review_id == review_id, Rating.rater == learner)
        )
        if rating is None:
            rating = Rating(review_id=review_id, rater=learner)
            s.add(rating)
        if helpful is not None:
            rating.helpful = helpful
        rating.reported = rating.reported or reported
        if reason:
            rating.reason = reason
        rating.updated_at = now


def count_reviews(store: Store, round_id: int) -> int:
    with store.read() as s:
        return s.scalar(select(func.count(Review.id)).where(Review.round_id == round_id)) or 0
