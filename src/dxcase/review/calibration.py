"""Calibration: before reviewing peers, a learner scores example submissions whose reference
scores are known. The deviation is shown to them, and their answers enter the aggregation
model as observations with a known true score (so they inform bias and reliability)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select

from dxcase.review.reviewing import NotFound, parse_review, round_rubric
from dxcase.review.rubric import Rubric
from dxcase.review.store import Store
from dxcase.review.store.models import CalibrationAnswer, CalibrationExample, Round


@dataclass
class CalibrationFeedback:
    example_id: int
    deviation: float  # mean |score - reference| in levels of the scale
    per_criterion: dict[str, int]  # score - reference


def deviation(
    rubric: Rubric, scores: dict[str, int], reference: dict[str, int]
) -> CalibrationFeedback:
    diff = {c.id: scores[c.id] - reference[c.id] for c in rubric.criteria}
    steps = [
        abs(c.points().index(scores[c.id]) - c.points().index(reference[c.id]))
        for c in rubric.criteria
    ]
    return CalibrationFeedback(0, sum(steps) / len(steps), diff)


def next_example(
    store: Store, round_id: int, learner: str, calibrating: bool | None = None
) -> CalibrationExample | None:
    """The first example the learner has not scored yet (None: calibration done or off).

    ``calibrating``: the round's calibration flag when the caller has the round already.
    """
    if calibrating is False:
        return None
    with store.read() as s:
        if calibrating is None:
            rnd = s.get(Round, round_id)
            if rnd is None or not rnd.calibration:
                return None
        done = select(CalibrationAnswer.example_id).where(CalibrationAnswer.learner == learner)
        return s.scalar(
            select(CalibrationExample)
            .where(CalibrationExample.round_id == round_id, CalibrationExample.id.not_in(done))
            .order_by(CalibrationExample.position)
        )


def answer(store: Store, example_id: int, learner: str, data: dict) -> CalibrationFeedback:
    """Record the learner's scores for an example; return their deviation from the reference."""
    with store.write() as s:
        ex = s.get(CalibrationExample, example_id)
        if ex is None:
            raise NotFound(f"no calibration example {example_id}")
        rubric = round_rubric(s.get(Round, ex.round_id))
        scores = _scores_only(rubric, data)
        row = s.scalar(
            select(CalibrationAnswer).where(
                CalibrationAnswer.example_id == example_id, CalibrationAnswer.learner == learner
            )
        )
        if row is None:
            s.add(
                CalibrationAnswer(
                    example_id=ex.id, round_id=ex.round_id, learner=learner, scores=scores
                )
            )
        fb = deviation(rubric, row.scores if row else scores, ex.reference)
        fb.example_id = ex.id
        return fb


def _scores_only(rubric: Rubric, data: dict) -> dict[str, int]:
    """Calibration asks for scores only; comments are not required."""
    relaxed = replace(
        rubric,
        overall_comment="optional",
        criteria=tuple(replace(c, comment="optional") for c in rubric.criteria),
    )
    return parse_review(relaxed, {"scores": data.get("scores")}, final=True)["scores"]


def answers(store: Store, round_id: int) -> list[tuple[str, dict[str, int], dict[str, int]]]:
    """(learner, scores, reference) of every calibration answer in the round."""
    with store.read() as s:
        rows = s.execute(
            select(
                CalibrationAnswer.learner, CalibrationAnswer.scores, CalibrationExample.reference
            )
            .join(CalibrationExample, CalibrationExample.id == CalibrationAnswer.example_id)
            .where(CalibrationAnswer.round_id == round_id)
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]
