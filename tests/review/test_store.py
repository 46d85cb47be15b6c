"""The store on SQLite and PostgreSQL: migrations, concurrent submits, crashes mid-write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, inspect, select

from dxcase.review import reviewing
from dxcase.review.store.models import Assignment, Draft, Review
from tests.review.conftest import good_review, make_round


def _counts(store, round_id):
    with store.read() as s:
        submitted = s.scalar(
            select(func.count()).where(
                Assignment.round_id == round_id, Assignment.status == "submitted"
            )
        )
        reviews = s.scalar(select(func.count(Review.id)).where(Review.round_id == round_id))
        orphans = s.scalar(
            select(func.count(Review.id))
            .join(Assignment, Assignment.id == Review.assignment_id)
            .where(Assignment.status != "submitted")
        )
    return submitted, reviews, orphans


def test_migrations_create_schema_and_are_idempotent(store):
    store.migrate()  # a second time is a no-op
    names = set(inspect(store.engine).get_table_names())
    assert {"rounds", "assignments", "reviews", "drafts", "ratings", "alembic_version"} <= names
    with store.engine.connect() as c:
        assert c.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0001"
    if store.is_sqlite:
        with store.engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_submit_once_then_conflict_and_draft_is_cleared(round_env):
    st, rid = round_env.store, round_env.round_id
    a = reviewing.my_assignments(st, rid, "learner01")[0]
    reviewing.save_draft(st, a.id, "learner01", {"scores": {"business_issue": 2}})
    assert reviewing.my_assignments(st, rid, "learner01")[0].has_draft
    reviewing.submit_review(st, a.id, "learner01", good_review())
    with pytest.raises(reviewing.Conflict):
        reviewing.submit_review(st, a.id, "learner01", good_review())
    with st.read() as s:
        assert s.get(Draft, a.id) is None
    assert _counts(st, rid) == (1, 1, 0)


@pytest.mark.slow
def test_200_concurrent_reviewers_lose_nothing(store, tmp_path):
    env = make_round(store, tmp_path, n=200, k=3)
    jobs = [
        (a.id, learner)
        for learner in env.learners
        for a in reviewing.my_assignments(store, env.round_id, learner)
    ]
    assert len(jobs) == 600

    def work(job):
        aid, learner = job
        reviewing.save_draft(store, aid, learner, {"scores": {"business_issue": 2}})
        rid = reviewing.submit_review(store, aid, learner, good_review(1 + aid % 4))
        try:  # a double click: the second submit must be refused, not duplicated
            reviewing.submit_review(store, aid, learner, good_review())
        except reviewing.Conflict:
            return rid
        raise AssertionError("second submit accepted")

    with ThreadPoolExecutor(max_workers=200) as pool:
        ids = list(pool.map(work, jobs))
    assert len(set(ids)) == 600
    assert _counts(store, env.round_id) == (600, 600, 0)
    with store.read() as s:
        stored = {r.assignment_id: r.scores["business_issue"] for r in s.scalars(select(Review))}
    assert stored == {aid: 1 + aid % 4 for aid, _ in jobs}


def test_failure_inside_a_submit_rolls_back_whole(round_env, monkeypatch):
    st, rid = round_env.store, round_env.round_id
    a = reviewing.my_assignments(st, rid, "learner02")[0]

    class Broken:  # looking up the draft fails *after* the review row was added
        pass

    monkeypatch.setattr(reviewing, "Draft", Broken)
    with pytest.raises(Exception, match="inspection"):
        reviewing.submit_review(st, a.id, "learner02", good_review())
    monkeypatch.undo()
    assert _counts(st, rid) == (0, 0, 0)
    assert reviewing.my_assignments(st, rid, "learner02")[0].status == "assigned"
    reviewing.submit_review(st, a.id, "learner02", good_review())
    assert _counts(st, rid) == (1, 1, 0)


CRASHER = """
import sys
from dxcase.review import reviewing
from dxcase.review.store import Store
from tests.review.conftest import good_review
st = Store(sys.argv[1])
jobs = [(a.id, u) for u in sys.argv[3:] for a in reviewing.my_assignments(st, int(sys.argv[2]), u)]
print("ready", flush=True)
for aid, u in jobs:
    reviewing.submit_review(st, aid, u, good_review())
print("finished", flush=True)
"""


def test_killed_writer_leaves_no_half_written_review(store, tmp_path):
    env = make_round(store, tmp_path, n=60, k=3)
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASHER, store.url, str(env.round_id), *env.learners],
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.getcwd(),
    )
    assert proc.stdout.readline().strip() == "ready"
    deadline = time.time() + 20
    while _counts(store, env.round_id)[1] < 20 and time.time() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)  # mid-way through the writes
    proc.wait()
    submitted, reviews, orphans = _counts(store, env.round_id)
    assert 20 <= reviews < 180, "the writer should have been killed mid-way"
    assert submitted == reviews and orphans == 0
    with store.read() as s:
        for r in s.scalars(select(Review)):
            assert reviewing.parse_review(reviewing.round_rubric(_round(s, r.round_id)), {
                "scores": r.scores, "comments": r.comments, "overall_comment": r.overall_comment,
            }, final=True)  # fmt: skip


def _round(s, rid):
    from dxcase.review.store.models import Round

    return s.get(Round, rid)
