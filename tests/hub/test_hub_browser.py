"""A learner logs in at the cohort hub in headless Chromium and works in JupyterLab in Japanese.

The learner fetches the case, opens the first notebook, runs it (Run All from the Japanese
menu), and sees a self-check's verdict and a plot; screenshots go to out/screenshots/.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from dxcase.hub.provision import read_secret
from tests.hub.conftest import CASE, fetch_once
from tests.hub.hubclient import Hub
from tests.jupyterlab import CHROMIUM
from tests.test_release_browser import NOTEBOOK, answer_first_practice_task

pytestmark = [pytest.mark.hub, pytest.mark.browser, pytest.mark.slow]
SHOTS = Path(__file__).resolve().parents[2] / "out" / "screenshots"
USER = "learner1"


def _prepare_notebook(hub: Hub, tmp_path: Path) -> str:
    """Fetch, answer the first practice task through the contents API, keep cells in the DOM."""
    fetch_once(hub, USER)
    path = f"{hub.cohort.name}/{CASE}/{NOTEBOOK}"
    model = hub.as_user(USER, "GET", f"/user/{USER}/api/contents/{path}").json()
    shutil.copy(hub.cohort.course / "release" / CASE / "checks.json", tmp_path / "checks.json")
    (tmp_path / NOTEBOOK).write_text(json.dumps(model["content"]), encoding="utf-8")
    task = answer_first_practice_task(tmp_path)
    content = json.loads((tmp_path / NOTEBOOK).read_text(encoding="utf-8"))
    put = {"type": "notebook", "format": "json", "content": content}
    assert hub.as_user(USER, "PUT", f"/user/{USER}/api/contents/{path}", json=put).ok
    # cells scrolled out of view would leave the page (windowing): keep them all for the test
    setting = {"raw": json.dumps({"windowingMode": "none"})}
    r = hub.as_user(
        USER, "PUT", f"/user/{USER}/lab/api/settings/@jupyterlab/notebook-extension:tracker",
        json=setting,
    )  # fmt: skip
    assert r.status_code == 204, r.text
    return task


def test_learner_logs_in_and_runs_the_case_in_japanese(hub: Hub, tmp_path):
    from playwright.sync_api import sync_playwright

    _prepare_notebook(hub, tmp_path)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1500}, locale="ja-JP")
        try:
            page.goto(f"{hub.url}/hub/login")
            page.fill("#username_input", USER)
            page.fill("#password_input", read_secret(hub.cohort, "password"))
            page.screenshot(path=str(SHOTS / "hub-login.png"))
            page.click("#login_submit")
            page.wait_for_url(re.compile(rf"/user/{USER}/lab"), timeout=90_000)
            page.goto(f"{hub.url}/user/{USER}/lab/tree/{hub.cohort.name}/{CASE}/{NOTEBOOK}")
            page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=90_000)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
            # Run All before the kernel is connected does nothing: wait for it to be idle
            page.locator(".jp-StatusBar-TextItem", has_text="アイドル").first.wait_for(
                timeout=90_000
            )
            menubar = page.locator(".lm-MenuBar-content")
            assert "実行" in menubar.inner_text()  # the interface itself is in Japanese
            page.get_by_role("menuitem", name="実行", exact=True).click()
            page.get_by_text("すべてのセルを実行", exact=True).click()
            check = page.locator(".dxcase-check").first
            check.wait_for(state="attached", timeout=300_000)
            plot = page.locator(".jp-OutputArea-output img").first
            plot.wait_for(state="attached", timeout=120_000)
            page.wait_for_timeout(1500)
            plot.evaluate("e => e.scrollIntoView({block: 'end'})")
            page.wait_for_timeout(800)
            page.screenshot(path=str(SHOTS / "hub-learner-jupyterlab-ja.png"))
            status = check.get_attribute("class")
            text = page.locator(".jp-Notebook").inner_text()
            menu_text = menubar.inner_text()
        except Exception:
            page.screenshot(path=str(SHOTS / "hub-learner-jupyterlab-FAILED.png"))
            raise
        finally:
            browser.close()

    assert "dxcase-correct" in status
    assert "正解" in text and re.search(r"[\u3040-\u30ff]", text)
    assert "編集" in menu_text and "設定" in menu_text, menu_text
    assert (SHOTS / "hub-learner-jupyterlab-ja.png").stat().st_size > 50_000
