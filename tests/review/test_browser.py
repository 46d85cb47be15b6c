"""A learner reviews in headless Chromium and a facilitator sees it (screenshots kept)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dxcase.review.service.app import Context
from dxcase.review.service.auth import add_token
from tests.review.conftest import CRITERIA, ROOT, Server, make_round

SHOTS = ROOT / "out" / "screenshots"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser_service(sqlite_store, tmp_path):
    """The service on SQLite (the browser flow needs one backend; the store tests cover both)."""
    env = make_round(sqlite_store, tmp_path)
    srv = Server(Context(sqlite_store, prefix="/services/review/")).start()
    tokens = {u: add_token(sqlite_store, u, "learner") for u in ("learner01", "facil")}
    tokens["facil"] = add_token(sqlite_store, "facil", "facilitator")
    yield srv, tokens, env
    srv.stop()


@pytest.mark.browser
def test_learner_reviews_and_facilitator_sees_it(browser_service):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is not installed (.ci/run installs it)")
    srv, tokens, round_env = browser_service
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            bad: list[str] = []
            page.on(
                "response",
                lambda r: bad.append(r.url) if r.status >= 400 and "favicon" not in r.url else None,
            )
            page.goto(srv.base)  # not logged in: the login page
            page.fill("#token", tokens["learner01"])
            page.click("#login")
            page.wait_for_selector("a.open-review")
            page.screenshot(path=str(SHOTS / "01-learner-assignments.png"), full_page=True)
            page.click("a.open-review >> nth=0")
            page.wait_for_selector("#review-form")
            for i, cid in enumerate(CRITERIA):
                page.check(f'input[name="score.{cid}"][value="{1 + (i + 2) % 4}"]')
                if cid != "communication":
                    page.fill(
                        f'textarea[name="comment.{cid}"]',
                        f"{cid}: 根拠の数字が明確で、判断に使えます。",
                    )
            page.fill(
                'textarea[name="overall_comment"]',
                "結論が先にあり、展開計画も具体的で説得力がありました。",
            )
            page.wait_for_selector("#draft-status.ok", timeout=5000)  # autosaved draft
            page.screenshot(path=str(SHOTS / "02-learner-rubric-filled.png"), full_page=True)
            page.click("#submit-review")
            page.wait_for_selector("#done")
            page.screenshot(path=str(SHOTS / "03-learner-submitted.png"), full_page=True)
            assert not bad, bad
            csp = [e for e in errors if "Failed to load resource" not in e]
            assert not csp, csp  # e.g. a Content-Security-Policy violation would show here

            fac = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="ja-JP")
            fac.goto(srv.base + "login")
            fac.fill("#token", tokens["facil"])
            fac.click("#login")
            fac.goto(srv.base + f"f/r/{round_env.round_id}")
            fac.wait_for_selector("img[alt]")
            text = fac.inner_text("main")
            assert "提出済みレビュー 1 件" in text
            assert "learner01" in text
            fac.screenshot(path=str(SHOTS / "04-facilitator-round.png"), full_page=True)
        finally:
            browser.close()
    assert (SHOTS / "04-facilitator-round.png").stat().st_size > 10_000
