"""A simulated peer-review round on a demo cohort (12 learners in teams of 3), end to end:
round creation from an nbgrader-style course, calibration, reviews by a mix of careful,
biased, careless and rogue reviewers, a dropout whose lease is reclaimed, feedback ratings,
a facilitator override, the gradebook write and the facilitator report."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import nbformat
import numpy as np

from dxcase.atomic import write_text_atomic
from dxcase.i18n import current_lang
from dxcase.review import calibration, reviewing
from dxcase.review.facilitate import close_round, round_csv, set_override
from dxcase.review.fixtures import presentation_notebook, write_course, write_gradebook
from dxcase.review.gradebook import write_scores
from dxcase.review.leases import reclaim_expired
from dxcase.review.report import write_report
from dxcase.review.results import round_result
from dxcase.review.round import RoundSpec, create_round, find_notebooks, read_roster
from dxcase.review.rubric import load_rubric
from dxcase.review.simulate import report_scores
from dxcase.review.store import Store
from dxcase.review.store.models import Round, utcnow

RUBRIC = Path(__file__).resolve().parents[3] / "rubrics" / "presentation.yaml"
KINDS = ["careful"] * 7 + ["biased"] * 2 + ["careless", "rogue", "careful"]
COMMENT = "数字の根拠が示されていて判断しやすい。次はリスクも定量化するとよい。"


def simulated_scores(
    rng: np.random.Generator, crit: list[str], kind: str, direction: int, level: int
) -> dict[str, int]:
    """What a reviewer of ``kind`` gives a submission whose true level is ``level`` (1..4)."""
    truth = np.full(len(crit), float(level))
    got = report_scores(
        rng, truth, np.array([kind] * len(crit)), np.array([direction] * len(crit)), 1, 4
    )
    return dict(zip(crit, got.astype(int).tolist(), strict=True))


def review_as(
    store: Store,
    rid: int,
    reviewer: str,
    kind: str,
    direction: int,
    quality: dict[str, int],
    crit: list[str],
    rng: np.random.Generator,
) -> None:
    """A simulated reviewer's calibration (if any) and every open review in round ``rid``;
    ``quality`` gives each author's true level."""
    ex = calibration.next_example(store, rid, reviewer)
    if ex is not None:
        scores = simulated_scores(rng, crit, kind, direction, 3)
        calibration.answer(store, ex.id, reviewer, {"scores": scores})
    for a in reviewing.my_assignments(store, rid, reviewer):
        if a.status != "assigned":
            continue
        _, _, sub, _ = reviewing.open_assignment(store, a.id, reviewer)
        scores = simulated_scores(rng, crit, kind, direction, quality[sub.author])
        comment = "ok" if kind in ("careless", "rogue") else COMMENT
        reviewing.submit_review(store, a.id, reviewer, {
            "scores": scores, "comments": dict.fromkeys(crit[:4], comment),
            "overall_comment": comment,
        })  # fmt: skip


def run_review_demo(out: str | Path, lang: str | None = None, seed: int = 7) -> Path:
    """Run the simulated round into ``out`` (replaced); return the facilitator report."""
    import shutil

    lang = current_lang(lang)
    out = Path(out).resolve()
    shutil.rmtree(out, ignore_errors=True)
    course = write_course(out / "course", n=12, team_size=3)
    rubric = load_rubric(RUBRIC)
    crit = [c.id for c in rubric.criteria]
    example = out / "calibration" / "example.ipynb"
    example.parent.mkdir(parents=True)
    nbformat.write(presentation_notebook("example", 3), example)
    store = Store(f"sqlite:///{out}/review.db")
    spec = RoundSpec("retail_demand-presentation", "demo", "retail_demand", "04_presentation",
                     rubric, k=3, seed=seed, calibration=True, lease_hours=48,
                     reviews_due_at=utcnow() + timedelta(days=7))  # fmt: skip
    roster = read_roster(course / "roster.csv")
    rid = create_round(store, spec, roster, find_notebooks(course, "retail_demand", "04_presentation"),
                       [(example, dict.fromkeys(crit, 3))])  # fmt: skip
    rng = np.random.default_rng(seed)
    learners = [e.id for e in roster]
    quality = {u: 1 + i % 4 for i, u in enumerate(learners)}  # as write_course made them
    kinds = dict(zip(learners, KINDS, strict=True))
    direction = {u: int(rng.choice([-1, 1])) for u in learners}
    dropout = "learner06"

    def review_all(u: str) -> None:
        review_as(store, rid, u, kinds[u], direction[u], quality, crit, rng)

    for u in learners:
        if u != dropout:
            review_all(u)
    with store.write() as s:  # the dropout's leases run out and go back to the pool
        reclaim_expired(s, s.get(Round, rid), utcnow() + timedelta(hours=49))
    for u in learners:
        if u != dropout:
            review_all(u)
    close_round(store, rid)
    for i, u in enumerate(learners):  # feedback on feedback
        for rv in reviewing.received_reviews(store, rid, u):
            short = len(rv.overall_comment) < 10
            reviewing.rate_review(store, rv.id, u, 1 if short else 3, short and i % 3 == 0, "")
    result = round_result(store, rid)
    low = min(result.submissions, key=lambda x: x.total or 0)
    set_override(
        store,
        rid,
        low.submission_id,
        dict.fromkeys(crit, 2),
        "facilitator",
        "demo: appeal reviewed",
    )
    result = round_result(store, rid)
    gb_url = write_gradebook(out / "gradebook.db", "demo", learners)
    write_scores(result, gb_url)
    write_text_atomic(out / "scores.csv", round_csv(result))
    return write_report(result, out / "report.html", lang)
