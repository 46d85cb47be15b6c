"""The retail_demand release opened in JupyterLab in headless Chromium, as a learner sees it:
Japanese text, a plot, and a self-check after the learner answers the first practice task."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from dxcase.author.build import build_release
from dxcase.author.casefile import load_case
from dxcase.data.generate import generate_variant
from dxcase.paths import content_root
from tests.jupyterlab import CHROMIUM, jupyterlab, wait_for_idle_kernel

SHOTS = Path(__file__).resolve().parents[1] / "out" / "screenshots"
NOTEBOOK = "01_business_issue.ipynb"


def answer_first_practice_task(release: Path) -> str:
    """Write the practice solution into its answer cell, as the learner would; return the task."""
    checks = json.loads((release / "checks.json").read_text(encoding="utf-8"))
    practice = [
        k
        for k, v in checks["tasks"].items()
        if v["practice"] and v["notebook"] + ".ipynb" == NOTEBOOK
    ]
    assert practice, "the first notebook needs a practice task for this test"
    task = practice[0]
    nb = nbformat.read(str(release / NOTEBOOK), as_version=4)
    check_at = next(
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and re.search(rf"\b{task}\.check\(\)", c.source)
    )
    answer = next(
        c for c in reversed(nb.cells[:check_at]) if c.metadata.get("nbgrader", {}).get("solution")
    )
    answer.source = checks["tasks"][task]["solution"]
    nbformat.write(nb, str(release / NOTEBOOK))
    return task


@pytest.mark.browser
@pytest.mark.slow
def test_release_in_jupyterlab_shows_japanese_a_plot_and_a_self_check(tmp_path):
    from playwright.sync_api import sync_playwright

    case = load_case(content_root("casestudies") / "retail_demand")
    release = build_release(case, "ja", tmp_path / "work" / case.slug)
    generate_variant(
        case.dataset.name,
        seed=case.dataset.seed,
        out_dir=release / "data",
        holdout_dir=tmp_path / "holdout",
    )
    answer_first_practice_task(release)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / "retail_demand-ja-jupyterlab.png"

    with jupyterlab(tmp_path / "work", tmp_path / "home") as server, sync_playwright() as pw:
        base, token = server.split("|")
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1700}, locale="ja-JP")
        page.goto(f"{base}/lab/tree/{case.slug}/{NOTEBOOK}?token={token}")
        page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=60_000)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        wait_for_idle_kernel(base, token)
        page.locator(".jp-Notebook .jp-Cell").first.click()  # the notebook is the current widget
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_text("Run All Cells", exact=True).click()
        check = page.locator(".dxcase-check").first
        try:
            # a cell that ran or is running shows [n] or [*] in its prompt
            page.locator(".jp-InputPrompt", has_text=re.compile(r"\[(\*|\d+)\]")).first.wait_for(
                state="attached", timeout=60_000
            )
            # Run All scrolls to the last cell: wait for the output to exist, not to be on screen
            check.wait_for(state="attached", timeout=300_000)
        except Exception as err:
            page.screenshot(path=str(SHOTS / "retail_demand-ja-jupyterlab-FAILED.png"))
            log = (tmp_path / "home" / "jupyterlab.log").read_text(errors="replace")[-3000:]
            raise AssertionError(
                f"Run All did not reach the self-check; server log:\n{log}"
            ) from err
        page.locator(".jp-OutputArea-output img").first.wait_for(state="attached", timeout=60_000)
        page.wait_for_timeout(1500)
        # the first plot comes right after the self-check: show both, the plot at the bottom
        plot = page.locator(".jp-OutputArea-output img").first
        plot.evaluate("e => e.scrollIntoView({block: 'end'})")
        page.wait_for_timeout(800)
        assert check.bounding_box()["y"] > 0, "the self-check should be in view above the plot"
        page.screenshot(path=str(shot))
        status = check.get_attribute("class")
        text = page.locator(".jp-Notebook").inner_text()
        browser.close()

    assert "dxcase-correct" in status
    assert re.search(r"[\u3040-\u30ff]", text), "no Japanese text in the notebook"
    assert "正解" in text
    assert shot.stat().st_size > 50_000
