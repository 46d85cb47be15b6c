"""``dxcase demo``: the main job on the bundled defaults.

Generate both datasets, validate them, measure each dataset's lesson, validate and build every
bundled case, run a simulated peer-review round and a small batch validation, take a simulated
cohort of retail_demand through grading and peer review to the cohort report
(:mod:`dxcase.cohort.demo`), and write an HTML summary that links every report. The cohort step
runs in its own process from the start, so its grading uses the cores that the serial steps
(case validation runs one notebook at a time) leave idle.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import click

from dxcase.atomic import write_text_atomic
from dxcase.author.showcase import showcase_cases
from dxcase.batch.showcase import showcase_batch
from dxcase.cohort.cli import LEARNERS
from dxcase.cohort.demo import Background, CohortDemo
from dxcase.data.describe import describe_dir
from dxcase.data.generate import generate_variant
from dxcase.data.validate import validate_dir
from dxcase.errors import DxcaseError
from dxcase.i18n import current_lang, t
from dxcase.paths import load_content_module
from dxcase.report import esc, page, table_html

LESSONS = {"retail_sales": "lessons/retail.py", "parts_orders": "lessons/parts.py"}


def run_demo(out_dir: str | Path, lang: str | None = None, learners: int = LEARNERS) -> Path:
    """Run the demo into ``out_dir``; return the summary page. Raises if anything fails."""
    lang = current_lang(lang)
    out = Path(out_dir).resolve()
    steps = len(LESSONS) * 4 + 3
    step = 0
    sections = []

    def say(message: str) -> None:
        nonlocal step
        step += 1
        click.echo(f"[{step}/{steps}] {message}")

    started = time.perf_counter()
    background = Background(out / "cohort", lang, learners)  # grades while the rest runs
    try:
        index = _steps(out, lang, say, sections, background, learners)
    finally:
        background.stop()
    click.echo(t("demo_done", lang, seconds=f"{time.perf_counter() - started:.0f}", path=index))
    return index


def _steps(
    out: Path,
    lang: str,
    say: Callable[[str], None],
    sections: list[str],
    background: Background,
    learners: int,
) -> Path:
    """Every step but the cohort's, then the cohort's result; returns the summary page."""
    for name, lesson_file in LESSONS.items():
        say(t("demo_generate", lang, name=name))
        made = generate_variant(
            name, out_dir=out / "data" / name, holdout_dir=out / "holdout" / name, overwrite=True
        )
        say(t("demo_validate", lang, name=name))
        report = validate_dir(made.out_dir, lang=lang)
        if report.has_errors:
            raise DxcaseError(f"demo: {name} failed validation:\n" + "\n".join(report.lines()))
        say(t("demo_describe", lang, name=name))
        described = describe_dir(made.out_dir, out / "describe" / name, lang=lang)
        say(t("demo_lesson", lang, name=name))
        lesson = load_content_module("graders", lesson_file).evaluate(made.out_dir).as_dict()
        sections.append(_section(name, made.out_dir, described, report, lesson, out, lang))
    say(t("demo_cases", lang))
    cases_html, results = showcase_cases(out, lang, lambda m: click.echo(f"    {m}"))
    sections.append(cases_html)
    from dxcase.review.demo import run_review_demo  # peer review on a demo cohort (issue 6)

    click.echo(t("rv_demo_running", lang))
    review_report = run_review_demo(out / "review", lang)
    click.echo(t("rv_cli_report_written", lang, path=review_report))
    link = review_report.relative_to(out).as_posix()
    sections.append(
        f'<h2>{t("rv_demo_heading", lang)}</h2><p><a href="{esc(link)}">{esc(link)}</a></p>'
    )
    say(t("batch_demo_step", lang))
    batch_html, batch = showcase_batch(out, lang, lambda m: click.echo(f"    {m}"))
    sections.append(batch_html)
    say(t("co_demo_step", lang, n=learners))  # the whole cycle on a cohort (issue 8)
    cohort = background.wait()
    sections.append(_cohort_section(cohort, out, lang))
    index = out / "index.html"
    write_text_atomic(index, page(t("demo_title", lang), "".join(sections), lang))
    if batch is not None:
        click.echo(t("batch_demo_done", lang, path=batch.report_html))
    failed = [r for r in results if not r.ok]
    if failed:
        details = "\n".join(line for r in failed for line in r.problems.lines())
        raise DxcaseError(f"demo: case validation failed:\n{details}")
    if batch is not None and not batch.ok:
        raise DxcaseError("demo: batch validation failed:\n" + "\n".join(batch.summary_lines()))
    return index


def _cohort_section(cohort: CohortDemo, out: Path, lang: str) -> str:
    reports = sorted(cohort.feedback.rglob("feedback.html"))
    items = "".join(
        f'<li><a href="{esc(r.relative_to(out).as_posix())}">'
        f"{esc(r.relative_to(cohort.feedback).as_posix())}</a></li>"
        for r in reports
    )
    link = cohort.report.relative_to(out).as_posix()
    return (
        f"<h2>{t('co_demo_heading', lang)}</h2>"
        f'<p><a href="{esc(link)}">{t("co_demo_report", lang)}</a></p>'
        f"<details><summary>{t('co_demo_feedback', lang, n=len(reports))}</summary>"
        f"<ul>{items}</ul></details>"
    )


def _section(name, data_dir, described, report, lesson, out, lang) -> str:
    holds = lesson["holds"]
    verdict = (
        f'<span class="ok">{t("demo_holds", lang)}</span>'
        if holds
        else f'<span class="bad">{t("demo_fails", lang)}</span>'
    )
    rows = [(k, v) for k, v in lesson.items() if k != "holds"]
    link = described.relative_to(out).as_posix()
    return (
        f"<h2>{esc(name)}</h2>"
        f"<p>{t('demo_data_at', lang)} <code>{esc(data_dir)}</code> · "
        f'<a href="{esc(link)}">{t("demo_describe_link", lang)}</a></p>'
        f"<p>{t('demo_validation', lang, errors=report.error_count, warnings=len(report.warnings))}</p>"
        f"<p>{t('demo_lesson_heading', lang)}: {verdict}</p>"
        + table_html([t("describe_key", lang), t("describe_value", lang)], rows)
    )
