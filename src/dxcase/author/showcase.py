"""The cases part of ``dxcase demo``: validate each bundled case, keep its releases and show
each notebook's run time, peak memory and executed solution as HTML."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Callable
from pathlib import Path

from dxcase.author.casefile import CASE_FILE
from dxcase.author.validate import Validation, validate_case
from dxcase.i18n import t
from dxcase.paths import content_root
from dxcase.report import Raw, esc, table_html


def bundled_cases() -> list[Path]:
    root = content_root("casestudies")
    return sorted(p.parent for p in root.glob(f"*/{CASE_FILE}"))


def showcase_cases(
    out: Path, lang: str, echo: Callable[[str], None]
) -> tuple[str, list[Validation]]:
    """Validate every bundled case into ``out/cases``; return an HTML section and the results."""
    sections, results = [], []
    for case_dir in bundled_cases():
        work = out / "cases" / case_dir.name
        shutil.rmtree(work, ignore_errors=True)
        result = validate_case(case_dir, echo=echo, keep=work)
        results.append(result)
        pages = _render_executed(work / "executed-solution")
        sections.append(_section(result, work, pages, out, lang))
    return "".join(sections), results


def _render_executed(folder: Path) -> dict[str, Path]:
    """HTML of each executed solution notebook (plots included) for authors to look at."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter()
    pages = {}
    for nb in sorted(folder.glob("*.ipynb")):
        with warnings.catch_warnings():  # dxcase's figures record has no HTML form, by design
            warnings.simplefilter("ignore", UserWarning)
            body, _ = exporter.from_filename(str(nb))
        target = nb.with_suffix(".html")
        target.write_text(body, encoding="utf-8")
        pages[nb.stem] = target
    return pages


def _section(result: Validation, work: Path, pages: dict[str, Path], out: Path, lang: str) -> str:
    verdict = (
        f'<span class="ok">{t("demo_case_ok", lang)}</span>'
        if result.ok
        else f'<span class="bad">{t("demo_case_failed", lang, n=result.problems.error_count)}</span>'
    )
    rows = []
    for run in result.runs:
        page = pages.get(run.notebook) if run.kind == "solution" else None
        name = (
            f'<a href="{esc(page.relative_to(out).as_posix())}">{esc(run.notebook)}</a>'
            if page
            else esc(run.notebook)
        )
        peak = "n/a" if run.peak_mib is None else f"{run.peak_mib:.0f}"
        rows.append((Raw(name), run.kind, f"{run.seconds:.1f}", peak))
    header = [
        t("demo_notebook", lang),
        t("demo_run_kind", lang),
        t("demo_seconds", lang),
        t("demo_peak", lang),
    ]
    releases = " · ".join(
        f"<code>{esc((work / f'release-{lg}').relative_to(out).as_posix())}</code>"
        for lg in ("ja", "en")
    )
    problems = "".join(f"<li>{esc(line)}</li>" for line in result.problems.lines())
    return (
        f"<h2>{t('demo_case_heading', lang)}: {esc(result.case)}</h2>"
        f"<p>{t('demo_case_validation', lang)}: {verdict}</p>"
        f"<p>{t('demo_case_releases', lang)}: {releases}</p>"
        + table_html(header, rows)
        + (f"<ul>{problems}</ul>" if problems else "")
    )
