"""A cohort on a real JupyterHub on loopback, end to end (issue 8).

Three learners and a facilitator: the case is released to the exchange by ``dxcase hub init``;
each learner fetches it, writes answers through the contents API, runs a self-check in a kernel
and submits; the facilitator collects (an impostor's submission is quarantined), autogrades the
first notebook with ``dxcase grade`` and releases feedback; learners fetch it; a peer-review
round runs through the review service with hub identities; grades and reviews are exported.
Learners cannot reach each other's servers or files, the course or the holdout truth.
"""

from __future__ import annotations

import csv
import json
import os
import re
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from dxcase.paths import content_root
from tests.hub.conftest import CASE, PERSONAS, fetch_once
from tests.hub.hubclient import Hub, Kernel, answer_and_upload, dx

pytestmark = [pytest.mark.hub, pytest.mark.slow]
FIRST = "01_business_issue"


def _assignment(hub: Hub, user: str, action: str) -> dict:
    r = hub.as_user(
        user,
        "POST",
        f"/user/{user}/assignments/{action}",
        params={"course_id": hub.cohort.name, "assignment_id": CASE},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["success"], body
    return body


def _self_check(hub: Hub, user: str) -> tuple[str, Kernel]:
    """Run the first notebook up to the first self-check in the learner's own kernel."""
    path = f"{hub.cohort.name}/{CASE}/{FIRST}.ipynb"
    r = hub.as_user(user, "GET", f"/user/{user}/api/contents/{path}")
    cells = [c for c in r.json()["content"]["cells"] if c["cell_type"] == "code"]
    upto = next(i for i, c in enumerate(cells) if re.search(r"q1_1\.check\(\)", c["source"]))
    kernel = Kernel(hub, user, path)
    out = ""
    for cell in cells[: upto + 1]:
        out = kernel.run(cell["source"])
        assert "ERROR" not in out or cell is cells[upto], out
    return out, kernel


def test_cohort_end_to_end_on_a_real_hub(hub: Hub, tmp_path):
    cohort = hub.cohort
    learners = list(PERSONAS)

    # groups from the roster and the facilitator list
    groups = {g["name"]: g["users"] for g in hub.api("GET", "/groups").json()}
    assert sorted(groups["learners"]) == learners and groups["facilitators"] == ["coach"]
    assert {"review", "idle-culler"} <= set(hub.api("GET", "/services").json())
    lab = cohort.home("learner2") / ".jupyter/lab/user-settings/@jupyterlab/translation-extension"
    assert json.loads((lab / "plugin.jupyterlab-settings").read_text()) == {"locale": "en"}
    page = hub.as_user("learner1", "GET", "/user/learner1/lab").text  # no instructor panels
    found = re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.S)
    assert found, page[:300]
    hidden = set(json.loads(found.group(1))["disabledExtensions"])
    assert {"@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:formgrader"} <= hidden

    # each learner fetches the released case (with the learner data, never the holdout)
    for user in learners:
        assert fetch_once(hub, user)["status"] == "fetched"
        listing = hub.as_user(user, "GET", f"/user/{user}/api/contents/{cohort.name}/{CASE}")
        names = {c["name"] for c in listing.json()["content"]}
        assert {f"{FIRST}.ipynb", "data", "checks.json"} <= names
        data = hub.as_user(user, "GET", f"/user/{user}/api/contents/{cohort.name}/{CASE}/data")
        assert "holdout" not in json.dumps(data.json()).lower()

    with ThreadPoolExecutor(3) as pool:
        list(
            pool.map(lambda u: answer_and_upload(hub, u, PERSONAS[u], tmp_path / "work"), learners)
        )

    # self-checks in the learners' kernels (as their own OS users, threads capped)
    with ThreadPoolExecutor(3) as pool:
        checks = dict(zip(learners, pool.map(lambda u: _self_check(hub, u), learners), strict=True))
    assert "dxcase-correct" in checks["learner1"][0]
    events = cohort.home("learner1") / cohort.name / CASE / ".dxcase" / "events.jsonl"
    assert events.is_file() and events.stat().st_uid == os.stat(cohort.home("learner1")).st_uid

    # isolation, seen from learner1's kernel and with learner1's token
    spy = checks["learner1"][1]
    other_home = cohort.home("learner2")
    secret = [
        cohort.course / "dxcase" / "variants",  # the holdout truth
        cohort.course,
        cohort.hub_dir,
        content_root("graders"),
        content_root("casestudies"),
    ]
    probe = spy.run(
        "import os\n"
        f"for p in {[str(p) for p in [other_home, *secret]]!r}:\n"
        "    try:\n"
        "        print(p, 'LISTED', os.listdir(p))\n"
        "    except OSError as exc:\n"
        "        print(p, 'DENIED', type(exc).__name__)\n"
        "import resource\n"
        "print('ENV', os.environ['OMP_NUM_THREADS'], os.environ['OMP_WAIT_POLICY'],"
        " os.getuid() != 0)\n"
        "print('LIMITS', resource.getrlimit(resource.RLIMIT_AS)[0] >> 20,"
        " resource.getrlimit(resource.RLIMIT_NPROC)[0])\n"
    )
    hidden = {p: line for p, _, line in (x.partition(" ") for x in probe.splitlines())}
    assert hidden[str(other_home)].startswith("DENIED"), probe
    for path in secret:
        # an empty mount, or not there at all (its parent replaced): never the real content
        assert hidden[str(path)] == "LISTED []" or hidden[str(path)].startswith("DENIED"), probe
    assert f"ENV {cohort.threads} PASSIVE True" in probe
    assert f"LIMITS {cohort.memory_mib} {cohort.processes}" in probe
    other_server = hub.as_user("learner1", "GET", "/user/learner2/api/contents")
    assert other_server.status_code in (403, 404)  # the hub refuses learner1 on learner2's server

    # an impostor: learner3 submits in learner1's name from a terminal; collect quarantines it
    impostor = checks["learner3"][1].run(
        "import os, subprocess, sys\n"
        "p = subprocess.run([sys.executable, '-m', 'nbgrader', 'submit', 'retail_demand',"
        f" '--course', {cohort.name!r}, '--CourseDirectory.student_id=learner1'],"
        " capture_output=True, text=True, cwd=os.path.expanduser('~'))\n"
        "print(p.stderr[-1500:])\n"
        "print('EXIT', p.returncode)\n"
    )
    assert impostor.strip().endswith("EXIT 0"), impostor

    for user in learners:
        _assignment(hub, user, "submit")

    # the facilitator: collect, autograde the first notebook, release feedback
    collected = dx("hub", "collect", str(cohort.root), CASE).stdout
    assert "Quarantined" in collected and "owner learner3" in collected, collected
    assert sorted(p.name for p in (cohort.course / "submitted").iterdir()) == learners
    graded = dx("grade", "run", str(cohort.course), CASE, "--notebook", FIRST, "--workers", "2")
    assert "3 notebook" in graded.stdout or "failed" in graded.stdout, graded.stdout
    run = json.loads((cohort.course / "dxcase" / "grading" / CASE / "last-run.json").read_text())
    assert run["isolated"] is True
    scores = {o["student"]: o["score"] for o in run["outcomes"] if o["notebook"] == FIRST}
    assert scores["learner1"] == 6 and scores["learner1"] > scores["learner3"], scores
    assert "3 learner" in dx("hub", "feedback", str(cohort.root), CASE).stdout

    for user in learners:
        _assignment(hub, user, "fetch_feedback")
    fb = sorted((cohort.home("learner2") / cohort.name / CASE / "feedback").rglob("*.html"))
    assert fb and "Your graded work" in fb[0].read_text()  # learner2's roster language is en
    fb1 = sorted((cohort.home("learner1") / cohort.name / CASE / "feedback").rglob("*.html"))
    assert "採点結果" in fb1[0].read_text() and "HIDDEN TESTS" not in fb1[0].read_text()

    # peer review through the hub's review service, as the hub's users
    review_db = f"sqlite:///{cohort.hub_dir / 'review.db'}"
    rubric = str(content_root("rubrics") / "presentation.yaml")
    dx("review", "create", "--name", "r1", "--course-dir", str(cohort.course), "--assignment",
       CASE, "--rubric", rubric, "-k", "2", "--db", review_db)  # fmt: skip
    from tests.review.conftest import good_review

    base = "/services/review/"
    for n, user in enumerate(learners):
        home = hub.as_user(user, "GET", base)
        assert home.status_code == 200, home.text[:500]
        ids = sorted(set(re.findall(r'href="[^"]*a/(\d+)"', home.text)))
        assert len(ids) == 2, home.text[:2000]
        for aid in ids:
            r = hub.as_user(user, "POST", f"{base}a/{aid}/submit", json=good_review(2 + n % 2))
            assert r.status_code == 200, r.text
    assert hub.as_user("learner1", "GET", f"{base}f/").status_code == 403
    assert hub.as_user("coach", "GET", f"{base}f/").status_code == 200
    anonymous = hub.as_user("learner1", "GET", base, headers={"Authorization": ""})
    assert anonymous.status_code in (302, 403) or "oauth" in anonymous.url

    # peer-review scores into the gradebook's manually graded cells, then the combined exports
    gradebook = f"sqlite:///{cohort.course / 'gradebook.db'}"
    written = dx("review", "gradebook", "r1", "--gradebook", gradebook, "--db", review_db)
    assert "3 learner(s) written" in written.stdout, written.stdout
    dx("grade", "export", str(cohort.course), "--out", str(tmp_path / "grades.csv"))
    dx("review", "report", "r1", "--out", str(tmp_path / "review.html"), "--csv",
       str(tmp_path / "review.csv"), "--db", review_db)  # fmt: skip
    grades = list(csv.DictReader((tmp_path / "grades.csv").open()))
    assert {r["student_id"] for r in grades} == set(learners)
    for row in grades:  # autograded first notebook + peer-reviewed presentation, one row each
        assert float(row[f"{CASE}/04_presentation"]) > 0 and row[f"{CASE}/{FIRST}"] != ""
    reviews = list(csv.DictReader((tmp_path / "review.csv").open()))
    assert len(reviews) >= 3 and set(learners) <= {v for r in reviews for v in r.values()}
    assert nbformat.read(str(cohort.course / "autograded" / "learner1" / CASE / f"{FIRST}.ipynb"),
                         as_version=4).cells  # fmt: skip
