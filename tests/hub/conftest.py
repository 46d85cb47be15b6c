"""One cohort hub for the tests in tests/hub (it takes a minute to make and start), stopped
after the last of them."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from dxcase.grade.course import Learner
from tests.hub.hubclient import CASE, Hub, make_hub

PERSONAS = {"learner1": "strong", "learner2": "average", "learner3": "weak"}
LANGS = {"learner1": "ja", "learner2": "en", "learner3": "ja"}


@pytest.fixture(scope="package")
def hub():
    """3 learners in 3 teams (learner2 in English) and facilitator ``coach``, servers up."""
    if os.geteuid() != 0:
        pytest.skip("a cohort hub runs as root (one OS user per learner)")
    root = Path(tempfile.mkdtemp(prefix="dxhub-")) / "cohort"
    learners = [Learner(u, f"t{i}", LANGS[u]) for i, u in enumerate(PERSONAS, start=1)]
    started = make_hub(root, learners, ["coach"])
    try:
        started.start_servers([*PERSONAS, "coach"])
        yield started
    finally:
        started.stop()
        shutil.rmtree(root.parent, ignore_errors=True)


def fetch_once(hub: Hub, user: str) -> dict:
    """The learner's copy of the case: fetched through nbgrader's server extension if needed."""
    params = {"course_id": hub.cohort.name}
    listed = hub.as_user(user, "GET", f"/user/{user}/assignments", params=params).json()
    mine = [a for a in listed["value"] if a["assignment_id"] == CASE]
    if mine and mine[0]["status"] == "fetched":
        return mine[0]
    r = hub.as_user(
        user, "POST", f"/user/{user}/assignments/fetch", params={**params, "assignment_id": CASE}
    )
    assert r.status_code == 200 and r.json()["success"], r.text
    return next(a for a in r.json()["value"] if a["assignment_id"] == CASE)
