"""Leases and late submissions; calibration; aggregated scores into the nbgrader gradebook."""

from __future__ import annotations

from datetime import timedelta

import pytest
from nbgrader.api import Gradebook

from dxcase.review import calibration, reviewing
from dxcase.review.assign import Eligibility, Learner
from dxcase.review.facilitate import set_override
from dxcase.review.fixtures import presentation_notebook, write_gradebook
from dxcase.review.gradebook import write_scores
from dxcase.review.leases import pull_extra, reclaim_expired
from dxcase.review.results import round_result
from dxcase.review.round import add_late_submission, read_roster
from dxcase.review.store.models import Assignment, Round, utcnow
from tests.review.conftest import CRITERIA, good_review, make_round


def _elig(env):
    roster = read_roster(env.course / "roster.csv")
    return Eligibility([Learner(e.id, e.team) for e in roster])


def test_expired_lease_goes_back_to_the_pool(round_env):
    st, rid = round_env.store, round_env.round_id
    # everyone but learner04 (who dropped out) does their reviews
    for u in round_env.learners:
        if u != "learner04":
            for a in reviewing.my_assignments(st, rid, u):
                reviewing.submit_review(st, a.id, u, good_review())
    later = utcnow() + timedelta(days=3)
    with st.write() as s:
        moved = reclaim_expired(s, s.get(Round, rid), later)
    assert len(moved) == 3
    elig = _elig(round_env)
    with st.read() as s:
        rows = s.query(Assignment).filter_by(round_id=rid).all()
        expired = [a for a in rows if a.status == "expired"]
        new = [a for a in rows if a.origin == "reassigned"]
    assert {a.reviewer for a in expired} == {"learner04"}
    assert len(new) == 3 and all(a.reviewer != "learner04" for a in new)
    assert all(elig.ok(a.reviewer, _author(st, a)) for a in new)
    assert len({(a.reviewer, a.submission_id) for a in rows}) == len(rows)
    with pytest.raises(reviewing.Conflict, match="lease"):
        reviewing.submit_review(st, expired[0].id, "learner04", good_review())
    with st.write() as s:  # running it again changes nothing
        assert reclaim_expired(s, s.get(Round, rid), later) == []


def _author(st, a):
    with st.read() as s:
        return s.get(reviewing.Submission, a.submission_id).author


def test_late_submission_gets_k_reviewers_and_reviews(store, tmp_path):
    import nbformat

    env = make_round(store, tmp_path, n=12, skip=("learner12",))
    path = tmp_path / "late.ipynb"
    nbformat.write(presentation_notebook("learner12", 2), path)
    sid = add_late_submission(store, env.round_id, "learner12", path)
    with store.read() as s:
        rows = s.query(Assignment).filter_by(round_id=env.round_id, origin="late").all()
    reviewers = [a.reviewer for a in rows if a.submission_id == sid]
    own = [a for a in rows if a.reviewer == "learner12"]
    assert len(reviewers) == 3 and len(own) == 3
    elig = _elig(env)
    assert all(elig.ok(r, "learner12") for r in reviewers)
    assert all(elig.ok("learner12", _author(store, a)) for a in own)


def test_pull_extra_only_when_nothing_is_open(round_env):
    st, rid = round_env.store, round_env.round_id
    with st.write() as s:
        assert pull_extra(s, s.get(Round, rid), "learner01") is None  # still has open reviews


def test_calibration_before_reviewing(sqlite_store, tmp_path):
    import nbformat

    ex = tmp_path / "example.ipynb"
    nbformat.write(presentation_notebook("model", 3), ex)
    env = make_round(
        sqlite_store, tmp_path, calibration=True, examples=[(ex, dict.fromkeys(CRITERIA, 3))]
    )
    first = calibration.next_example(sqlite_store, env.round_id, "learner01")
    assert first is not None
    fb = calibration.answer(
        sqlite_store, first.id, "learner01", {"scores": dict.fromkeys(CRITERIA, 1)}
    )
    assert fb.deviation == 2.0 and fb.per_criterion["trial_validity"] == -2
    assert calibration.next_example(sqlite_store, env.round_id, "learner01") is None
    assert calibration.answers(sqlite_store, env.round_id)[0][0] == "learner01"


def _gradebook(path, learners):
    url = write_gradebook(path, "course1", learners)
    with Gradebook(url, course_id="course1") as gb:
        g = gb.find_grade("holdout_score", "04_presentation", "retail_demand", learners[0])
        g.auto_score = 4.0
        gb.db.commit()
    return url


def test_scores_go_into_manually_graded_cells(round_env, tmp_path):
    st, rid = round_env.store, round_env.round_id
    for u in round_env.learners:
        for a in reviewing.my_assignments(st, rid, u):
            reviewing.submit_review(st, a.id, u, good_review(3))
    url = _gradebook(tmp_path / "gradebook.db", [u for u in round_env.learners if u != "learner12"])
    result = round_result(st, rid, "median")
    sub12 = next(x for x in result.submissions if x.author == "learner12")
    set_override(st, rid, sub12.submission_id, dict.fromkeys(CRITERIA, 4), "facil", "appeal upheld")
    done = write_scores(round_result(st, rid, "median"), url)
    assert [p.column for p in done.problems] == ["learner12"]  # not in the gradebook: reported
    with Gradebook(url, course_id="course1") as gb:
        pitch = gb.find_grade("pitch", "04_presentation", "retail_demand", "learner01")
        rollout = gb.find_grade("rollout", "04_presentation", "retail_demand", "learner01")
        holdout = gb.find_grade("holdout_score", "04_presentation", "retail_demand", "learner01")
        assert pitch.manual_score == pytest.approx(15 / 20 * 6)  # all criteria at 3 of 4: 15/20
        assert rollout.manual_score == pytest.approx(15 / 20 * 4)
        assert holdout.manual_score is None and holdout.auto_score == 4.0  # autograded: untouched
    assert done.written["learner01"] == pytest.approx(7.5)
    override = round_result(st, rid, "median")
    assert next(x for x in override.submissions if x.author == "learner12").total == 20
