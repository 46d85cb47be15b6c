"""A round's results read from the store: progress, aggregated scores (median and model),
facilitator overrides, agreement and flags. Used by the facilitator pages, the HTML report,
the CSV export and the gradebook writer, so they all show the same numbers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select

from dxcase.errors import InputError
from dxcase.review import calibration
from dxcase.review.aggregate import DEFAULT_METHOD, Observations, estimate
from dxcase.review.agreement import ReviewRow, alpha_per_criterion, flag_reviews
from dxcase.review.reviewing import round_rubric
from dxcase.review.rubric import Rubric
from dxcase.review.store import Store
from dxcase.review.store.models import (
    Assignment,
    Override,
    Participant,
    Rating,
    Review,
    Round,
    Submission,
)


@dataclass
class SubmissionResult:
    submission_id: int
    author: str
    code: str
    late: bool
    n_reviews: int
    median: dict[str, float | None]
    model: dict[str, float | None]
    final: dict[str, float | None]
    overridden: bool = False

    @property
    def total(self) -> float | None:
        values = list(self.final.values())
        return (
            None if not values or any(v is None for v in values) else round(float(sum(values)), 3)
        )


@dataclass
class ReviewerProgress:
    learner: str
    team: str | None
    submitted: bool
    assigned: int
    done: int
    expired: int
    received: int


@dataclass
class RoundResult:
    round: Round
    rubric: Rubric
    method: str
    submissions: list[SubmissionResult]
    reviews: list[ReviewRow]
    alpha: dict[str, float | None]
    flags: dict[int, list[str]]
    progress: list[ReviewerProgress]
    reviewer_bias: dict[str, float] = field(default_factory=dict)
    reviewer_reliability: dict[str, float] = field(default_factory=dict)


def find_round(store: Store, ref: str | int) -> Round:
    """A round by id or by name."""
    with store.read() as s:
        rnd = s.get(Round, int(ref)) if str(ref).isdigit() else None
        rnd = rnd or s.scalar(select(Round).where(Round.name == str(ref)))
    if rnd is None:
        raise InputError(f"no review round {ref!r}")
    return rnd


def round_result(store: Store, round_id: int, method: str = DEFAULT_METHOD) -> RoundResult:
    with store.read() as s:
        rnd = s.get(Round, round_id)
        if rnd is None:
            raise InputError(f"no review round with id {round_id}")
        subs = s.scalars(
            select(Submission).where(Submission.round_id == round_id).order_by(Submission.id)
        ).all()
        reviews = s.scalars(select(Review).where(Review.round_id == round_id)).all()
        ratings = (
            s.execute(
                select(Rating)
                .join(Review, Review.id == Rating.review_id)
                .where(Review.round_id == round_id)
            )
            .scalars()
            .all()
        )
        overrides = s.scalars(
            select(Override).where(Override.round_id == round_id).order_by(Override.id)
        ).all()
        assigns = s.scalars(select(Assignment).where(Assignment.round_id == round_id)).all()
        people = s.scalars(select(Participant).where(Participant.round_id == round_id)).all()
    rubric = round_rubric(rnd)
    crit = [c.id for c in rubric.criteria]
    rows = _review_rows(reviews, ratings)
    obs, reviewers = _observations(rubric, subs, reviews, calibration.answers(store, round_id))
    med = estimate(obs, "median").scores
    mod_est = estimate(obs, "model")
    chosen = med if method == "median" else mod_est.scores
    latest = {o.submission_id: o for o in overrides}
    counts = Counter(r.submission_id for r in reviews)
    results = []
    for i, sub in enumerate(subs):
        final = _as_dict(crit, chosen[i])
        ov = latest.get(sub.id)
        if ov is not None:
            final.update({c: float(v) for c, v in ov.scores.items() if c in final})
        results.append(
            SubmissionResult(
                sub.id, sub.author, sub.code, sub.late, counts[sub.id],
                _as_dict(crit, med[i]), _as_dict(crit, mod_est.scores[i]), final, ov is not None,
            )
        )  # fmt: skip
    return RoundResult(
        rnd,
        rubric,
        method,
        results,
        rows,
        alpha_per_criterion(rows, crit, {c.id: c.points() for c in rubric.criteria}),
        flag_reviews(rows, crit, rubric.min_comment_chars),
        _progress(people, subs, assigns),
        {r: float(mod_est.bias[j]) for r, j in reviewers.items()},
        {r: float(mod_est.reliability[j]) for r, j in reviewers.items()},
    )


def _as_dict(crit: list[str], values: np.ndarray) -> dict[str, float | None]:
    return {
        c: (None if np.isnan(v) else round(float(v), 3)) for c, v in zip(crit, values, strict=True)
    }


def _review_rows(reviews, ratings) -> list[ReviewRow]:
    helpful: dict[int, list[int]] = {}
    reported: set[int] = set()
    for rt in ratings:
        if rt.helpful is not None:
            helpful.setdefault(rt.review_id, []).append(rt.helpful)
        if rt.reported:
            reported.add(rt.review_id)
    return [
        ReviewRow(
            r.id, r.submission_id, r.reviewer, r.scores, r.comments, r.overall_comment,
            helpful.get(r.id, []), r.id in reported,
        )
        for r in reviews
    ]  # fmt: skip


def _observations(rubric: Rubric, subs, reviews, cal) -> tuple[Observations, dict[str, int]]:
    crit = {c.id: j for j, c in enumerate(rubric.criteria)}
    sub_index = {s.id: i for i, s in enumerate(subs)}
    reviewers: dict[str, int] = {}
    for name in [r.reviewer for r in reviews] + [c[0] for c in cal]:
        reviewers.setdefault(name, len(reviewers))
    obs = Observations(
        len(subs),
        len(reviewers),
        np.array([c.min_points for c in rubric.criteria], float),
        np.array([c.max_points for c in rubric.criteria], float),
    )
    trip = [
        (sub_index[r.submission_id], reviewers[r.reviewer], crit[c], v)
        for r in reviews
        for c, v in r.scores.items()
        if c in crit
    ]
    if trip:
        obs.sub, obs.rev, obs.crit, obs.score = (np.array(x) for x in zip(*trip, strict=True))
        obs.score = obs.score.astype(float)
    ctrip = [
        (reviewers[learner], crit[c], v, ref[c])
        for learner, scores, ref in cal
        for c, v in scores.items()
        if c in crit and c in ref
    ]
    if ctrip:
        obs.cal_rev, obs.cal_crit, obs.cal_score, obs.cal_truth = (
            np.array(x) for x in zip(*ctrip, strict=True)
        )
        obs.cal_score, obs.cal_truth = obs.cal_score.astype(float), obs.cal_truth.astype(float)
    return obs, reviewers


def _progress(people, subs, assigns) -> list[ReviewerProgress]:
    authors = {s.author for s in subs}
    author_of = {s.id: s.author for s in subs}
    by = Counter()
    for a in assigns:
        by[(a.reviewer, a.status)] += 1
    received = Counter(author_of[a.submission_id] for a in assigns if a.status == "submitted")
    return [
        ReviewerProgress(
            p.learner,
            p.team,
            p.learner in authors,
            by[(p.learner, "assigned")],
            by[(p.learner, "submitted")],
            by[(p.learner, "expired")],
            received[p.learner],
        )
        for p in sorted(people, key=lambda p: p.learner)
    ]
