"""The demo's batch step: each bundled case's trial notebook over two dataset variants."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dxcase.author.casefile import load_case
from dxcase.author.showcase import bundled_cases
from dxcase.batch.engine import BatchResult, run_batch
from dxcase.batch.matrix import Matrix, VariantGroup
from dxcase.i18n import t
from dxcase.report import esc


def showcase_batch(
    out: Path, lang: str, echo: Callable[[str], None]
) -> tuple[str, BatchResult | None]:
    """Run the small batch into ``out/batch``; return an HTML section linking its report."""
    cases = bundled_cases()
    if not cases:
        return "", None
    loaded = [load_case(c) for c in cases]
    trial = sorted({p.notebook for case in loaded for p in case.phases if p.phase == "trial"})
    seeds = tuple(
        sorted({s for case in loaded for s in (case.dataset.seed, case.dataset.seed + 1)})
    )
    matrix = Matrix(cases=cases, notebooks=trial, variants=[VariantGroup(seeds)])
    result = run_batch(matrix, out / "batch", progress=False, echo=echo, lang=lang)
    link = result.report_html.relative_to(out).as_posix()
    verdict = (
        f'<span class="ok">{esc(t("batch_verdict_ok", lang))}</span>'
        if result.ok
        else f'<span class="bad">{esc(t("batch_verdict_bad", lang, runs=len(result.failed_runs), conditions=len(result.failed_conditions)))}</span>'
    )
    html = (
        f"<h2>{esc(t('batch_title', lang))}</h2>"
        f"<p>{verdict}</p><p>{esc(result.summary_lines()[0])} · "
        f'<a href="{esc(link)}">{esc(t("batch_demo_report", lang))}</a></p>'
    )
    return html, result
