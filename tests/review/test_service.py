"""The web service: authorization, CSRF, injection, anonymity, bad requests, concurrency."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from dxcase.review import reviewing
from dxcase.review.facilitate import close_round
from dxcase.review.store.models import Submission
from tests.review.conftest import Server, good_review, login, make_round


def _form(review: dict, xsrf: str) -> dict:
    data = {f"score.{k}": str(v) for k, v in review["scores"].items()}
    data |= {f"comment.{k}": v for k, v in review["comments"].items()}
    return data | {"overall_comment": review["overall_comment"], "_xsrf": xsrf}


def _mine(env, learner):
    return reviewing.my_assignments(env.store, env.round_id, learner)


@pytest.fixture
def sessions(service):
    srv, tokens = service
    return srv, {
        u: login(srv, tok) for u, tok in tokens.items() if u in ("learner01", "learner05", "facil")
    }


def test_learner_flow_over_http(service, round_env, sessions):
    srv, s = sessions
    me = s["learner01"]
    home = me.get(srv.base)
    assert home.status_code == 200 and "担当するレビュー" in home.text  # Japanese by default
    aid = _mine(round_env, "learner01")[0].id
    page = me.get(srv.base + f"a/{aid}")
    assert page.status_code == 200 and 'name="score.business_issue"' in page.text
    assert (
        "Content-Security-Policy" in page.headers
        and "script-src 'self'" in page.headers["Content-Security-Policy"]
    )
    draft = me.post(srv.base + f"a/{aid}/draft", json={"scores": {"business_issue": 3}},
                    headers={"X-XSRFToken": me.cookies["_xsrf"]})  # fmt: skip
    assert draft.status_code == 200 and "saved_at" in draft.json()
    done = me.post(srv.base + f"a/{aid}", data=_form(good_review(), me.cookies["_xsrf"]))
    assert done.status_code == 200 and "提出しました" in done.text
    assert _mine(round_env, "learner01")[0].status == "submitted"
    en = me.get(srv.base + "?lang=en")
    assert "My reviews to do" in en.text


def test_learner_cannot_touch_another_learners_assignment_or_review(service, round_env, sessions):
    srv, s = sessions
    me, x = s["learner01"], s["learner01"].cookies["_xsrf"]
    other = _mine(round_env, "learner05")[0].id
    assert me.get(srv.base + f"a/{other}").status_code == 404
    assert (
        me.post(srv.base + f"a/{other}/draft", json={}, headers={"X-XSRFToken": x}).status_code
        == 404
    )
    assert me.post(srv.base + f"a/{other}", data=_form(good_review(), x)).status_code == 404
    assert (
        me.post(
            srv.base + f"a/{other}/submit", json=good_review(), headers={"X-XSRFToken": x}
        ).status_code
        == 404
    )
    assert me.get(srv.base + "a/999999").status_code == 404
    # a review of someone else's submission cannot be rated by me
    rid = reviewing.submit_review(round_env.store, other, "learner05", good_review())
    close_round(round_env.store, round_env.round_id)
    with round_env.store.read() as db:
        author = db.get(Submission, db.get(reviewing.Review, rid).submission_id).author
    assert author != "learner01"
    r = me.post(
        srv.base + f"review/{rid}/rate", data={"helpful": "1", "_xsrf": x}, allow_redirects=False
    )
    assert r.status_code == 404
    assert _mine(round_env, "learner05")[0].status == "submitted"  # untouched by my attempts


def test_facilitator_routes_refuse_learners(service, round_env, sessions):
    srv, s = sessions
    me, x = s["learner01"], s["learner01"].cookies["_xsrf"]
    rid = round_env.round_id
    for path in ["f/", f"f/r/{rid}", f"f/r/{rid}/export.csv", "f/s/1"]:
        assert me.get(srv.base + path).status_code == 403, path
    for path in [f"f/r/{rid}/override", f"f/r/{rid}/reclaim"]:
        assert me.post(srv.base + path, data={"_xsrf": x}).status_code == 403, path
    fac = s["facil"]
    page = fac.get(srv.base + f"f/r/{rid}")
    assert page.status_code == 200 and "data:image/png;base64" in page.text
    csv = fac.get(srv.base + f"f/r/{rid}/export.csv")
    assert csv.status_code == 200 and csv.text.startswith("learner,team,submission")
    anon = requests.get(srv.base + f"f/r/{rid}", allow_redirects=False)
    assert anon.status_code == 302 and "/login" in anon.headers["Location"]


def test_cross_site_request_forgery_is_refused(service, round_env, sessions):
    srv, s = sessions
    me = s["learner01"]
    aid = _mine(round_env, "learner01")[0].id
    no_token = _form(good_review(), "")
    no_token.pop("_xsrf")
    assert me.post(srv.base + f"a/{aid}", data=no_token).status_code == 403
    assert me.post(srv.base + f"a/{aid}", data=_form(good_review(), "forged")).status_code == 403
    assert me.post(srv.base + f"a/{aid}/draft", json={"scores": {}}).status_code == 403
    # a cross-site page can make the browser send cookies but cannot read or set _xsrf
    evil = requests.post(srv.base + f"a/{aid}", data=_form(good_review(), "x"),
                         cookies={"dxcase-review-identity": me.cookies["dxcase-review-identity"]})  # fmt: skip
    assert evil.status_code == 403
    assert _mine(round_env, "learner01")[0].status == "assigned"


def test_script_in_a_submission_is_neutralized_in_the_page(sqlite_store, tmp_path):
    import nbformat

    from dxcase.review.fixtures import presentation_notebook

    env = make_round(sqlite_store, tmp_path, n=9, skip=("learner09",))
    nb = presentation_notebook(
        "learner09", 3, "<script>document.title='pwned'</script><img src=x onerror=alert(1)>"
    )
    path = tmp_path / "late.ipynb"
    nbformat.write(nb, path)
    from dxcase.review.round import add_late_submission
    from dxcase.review.service.app import Context
    from dxcase.review.service.auth import add_token

    sid = add_late_submission(sqlite_store, env.round_id, "learner09", path)
    holder = next(
        a for u in env.learners for a in _mine(env, u) if a.code and _sub_of(env, a.id) == sid
    )
    reviewer = next(u for u in env.learners if any(a.id == holder.id for a in _mine(env, u)))
    srv = Server(Context(sqlite_store)).start()
    try:
        s = login(srv, add_token(sqlite_store, reviewer, "learner"))
        page = s.get(srv.base + f"a/{holder.id}").text
        assert "pwned" not in page and "onerror" not in page
        assert "<script" not in page.split("<main>")[1].split("</main>")[0]
        assert "learner09" not in page and "学習者9" not in page  # anonymous
    finally:
        srv.stop()


def _sub_of(env, assignment_id):
    with env.store.read() as s:
        return s.get(reviewing.Assignment, assignment_id).submission_id


def test_review_page_is_anonymous(service, round_env, sessions):
    srv, s = sessions
    aid = _mine(round_env, "learner01")[0].id
    sub_id = _sub_of(round_env, aid)
    with round_env.store.read() as db:
        author = db.get(Submission, sub_id).author
    page = s["learner01"].get(srv.base + f"a/{aid}").text
    body = page.split("<main>")[1]
    assert (
        author not in body
        and f"学習者{int(author[-2:])}<" not in body
        and "team" not in body.lower()
    )


def test_bad_requests_get_clear_errors(service, round_env, sessions):
    srv, s = sessions
    me, x = s["learner01"], s["learner01"].cookies["_xsrf"]
    aid = _mine(round_env, "learner01")[0].id
    hdr = {"X-XSRFToken": x, "Content-Type": "application/json"}
    r = me.post(srv.base + f"a/{aid}/draft", data="{not json", headers=hdr)
    assert r.status_code == 400 and "JSON" in r.json()["message"]
    bad = good_review()
    bad["scores"]["business_issue"] = 9
    r = me.post(srv.base + f"a/{aid}/submit", data=json.dumps(bad), headers=hdr)
    assert r.status_code == 400
    r = me.post(
        srv.base + f"a/{aid}", data=_form({"scores": {}, "comments": {}, "overall_comment": ""}, x)
    )
    assert r.status_code == 400
    assert (
        "scores.business_issue" in r.text
        and "comments.trial_validity" in r.text
        and "overall_comment" in r.text
    )
    big = good_review()
    big["overall_comment"] = "x" * 6000
    assert (
        me.post(srv.base + f"a/{aid}/submit", data=json.dumps(big), headers=hdr).status_code == 400
    )
    assert _mine(round_env, "learner01")[0].status == "assigned"


def test_feedback_rating_and_flags(service, round_env, sessions):
    srv, s = sessions
    st, rid = round_env.store, round_env.round_id
    mine = _mine(round_env, "learner01")[0]
    for u in round_env.learners:
        for a in _mine(round_env, u):
            reviewing.submit_review(st, a.id, u, good_review(2 + a.id % 3))
    me, x = s["learner01"], s["learner01"].cookies["_xsrf"]
    assert "レビュー期間の終了後" in me.get(srv.base + f"r/{rid}/feedback").text
    close_round(st, rid)
    page = me.get(srv.base + f"r/{rid}/feedback").text
    assert "レビュー 3" in page and "集計した評点" in page
    for name in round_env.learners:
        if name != "learner01":
            assert f">{name}<" not in page  # reviewers stay anonymous
    got = reviewing.received_reviews(st, rid, "learner01")
    r = me.post(
        srv.base + f"review/{got[0].id}/rate",
        data={"helpful": "1", "report": "1", "reason": "失礼", "_xsrf": x},
    )
    assert r.status_code == 200
    fac = s["facil"].get(srv.base + f"f/r/{rid}").text
    assert "報告された" in fac and "役に立たないと評価された" in fac
    assert mine.status == "assigned"


@pytest.mark.slow
def test_200_concurrent_reviewers_over_http(sqlite_store, tmp_path):
    from dxcase.review.service.app import Context
    from dxcase.review.service.auth import add_token

    env = make_round(sqlite_store, tmp_path, n=200, k=2)
    srv = Server(Context(sqlite_store)).start()
    try:
        tokens = {u: add_token(sqlite_store, u, "learner") for u in env.learners}

        def reviewer(u):
            sess = requests.Session()
            hdr = {"Authorization": f"token {tokens[u]}"}
            ok = 0
            for a in _mine(env, u):
                assert sess.get(srv.base + f"a/{a.id}", headers=hdr).status_code == 200
                assert (
                    sess.post(
                        srv.base + f"a/{a.id}/draft",
                        json={"scores": {"business_issue": 2}},
                        headers=hdr,
                    ).status_code
                    == 200
                )
                r = sess.post(srv.base + f"a/{a.id}/submit", json=good_review(), headers=hdr)
                ok += r.status_code == 200
            return ok

        with ThreadPoolExecutor(max_workers=200) as pool:
            assert sum(pool.map(reviewer, env.learners)) == 400
        assert reviewing.count_reviews(sqlite_store, env.round_id) == 400
    finally:
        srv.stop()
