"""The batch report: ``report.csv`` and a self-contained ``report.html`` (embedded PNG plots).

One row per run (status, run time, CPU, peak memory, figures, story conditions), the story
per variant, plots of run times and of each figure across variants, and links to the kept
executed notebooks of failed runs.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

from dxcase.atomic import write_text_atomic
from dxcase.batch.engine import BatchResult
from dxcase.batch.matrix import RunSpec
from dxcase.batch.story import ConditionResult
from dxcase.i18n import current_lang, t
from dxcase.report import Raw, esc, page, table_html

CSV_FIELDS = [
    "case",
    "notebook",
    "lang",
    "dataset",
    "seed",
    "params",
    "scale",
    "variant",
    "status",
    "seconds",
    "cpu_seconds",
    "peak_mib",
    "error",
    "figures",
    "conditions",
    "executed",
]


def write_report(result: BatchResult, lang: str | None = None) -> tuple[Path, Path]:
    """Write report.csv and report.html into the batch's output folder; return both paths."""
    lang = current_lang(lang)
    out = result.out
    csv_path, html_path = out / "report.csv", out / "report.html"
    write_text_atomic(csv_path, _csv(result))
    write_text_atomic(html_path, _html(result, lang))
    return csv_path, html_path


def _conditions_text(conds: list[ConditionResult] | None, lang: str) -> str:
    if not conds:
        return ""
    bad = [c for c in conds if not c.ok]
    if not bad:
        return t("batch_all_hold", lang, n=len(conds))
    return "; ".join(f"{c.status.upper()}: {c.condition} ({c.detail})" for c in bad)


def _rel(out: Path, path: str) -> str:
    if not path:
        return ""
    try:
        return Path(os.path.relpath(path, out)).as_posix()
    except ValueError:
        return path


def _csv(result: BatchResult) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for run in result.runs:
        rec = result.records.get(run.id, {})
        v = run.variant
        writer.writerow(
            {
                "case": run.case,
                "notebook": run.notebook,
                "lang": run.lang,
                "dataset": v.dataset,
                "seed": v.seed,
                "params": " ".join(f"{k}={val}" for k, val in v.params),
                "scale": v.scale,
                "variant": v.id,
                "status": rec.get("status", "not run"),
                "seconds": rec.get("seconds"),
                "cpu_seconds": rec.get("cpu_seconds"),
                "peak_mib": rec.get("peak_mib"),
                "error": rec.get("error", ""),
                "figures": json.dumps(rec.get("figures") or {}, sort_keys=True),
                "conditions": _conditions_text(result.story.get(run.group), "en"),
                "executed": _rel(result.out, rec.get("executed", "")),
            }
        )
    return buf.getvalue()


def _status(ok: bool, lang: str) -> Raw:
    if ok:
        return Raw(f'<span class="ok">{esc(t("batch_passed", lang))}</span>')
    return Raw(f'<span class="bad">{esc(t("batch_failed", lang))}</span>')


def _links(out: Path, rec: dict[str, Any]) -> Raw | None:
    executed = rec.get("executed")
    if not executed:
        return None
    ipynb = _rel(out, executed)
    html_file = Path(executed).with_suffix(".html")
    links = [f'<a href="{esc(ipynb)}">{esc(Path(ipynb).name)}</a>']
    if html_file.is_file():
        links.append(f'<a href="{esc(_rel(out, str(html_file)))}">HTML</a>')
    return Raw(" · ".join(links))


def _run_cells(run: RunSpec) -> tuple[str, str, str, str]:
    return (run.case, run.notebook, run.variant.label, run.lang)


def _fmt_figures(figures: dict[str, float]) -> Raw:
    return Raw("<br>".join(esc(f"{k}={v:.4g}") for k, v in figures.items()))


def _html(result: BatchResult, lang: str) -> str:
    out = result.out
    n_failed_runs = len(result.failed_runs)
    n_failed_conds = len(result.failed_conditions)
    verdict = (
        f'<p class="ok">{esc(t("batch_verdict_ok", lang))}</p>'
        if result.ok
        else f'<p class="bad">{esc(t("batch_verdict_bad", lang, runs=n_failed_runs, conditions=n_failed_conds))}</p>'
    )
    threads = result.threads if isinstance(result.threads, int) else min(result.threads.values())
    summary = t(
        "batch_summary",
        lang,
        runs=len(result.runs),
        passed=len(result.runs) - n_failed_runs,
        failed=n_failed_runs,
        skipped=result.skipped,
        variants=len({r.variant.id for r in result.runs}),
        workers=result.workers,
        threads=threads,
        seconds=f"{result.seconds:.1f}",
    )
    cases = sorted({r.case for r in result.runs})
    notebooks = sorted({r.notebook for r in result.runs})
    body = [
        verdict,
        f"<p>{esc(summary)}</p>",
        f"<p>{esc(t('batch_case', lang))}: <code>{esc(', '.join(cases))}</code> · "
        f"{esc(t('batch_notebook', lang))}: <code>{esc(', '.join(notebooks))}</code> · "
        f"{esc(t('batch_out', lang))}: <code>{esc(out)}</code></p>",
    ]
    if result.failed_runs:
        keys = ("batch_case", "batch_notebook", "batch_variant", "batch_lang", "batch_error")
        rows = [
            (
                *_run_cells(run),
                result.records.get(run.id, {}).get("error", ""),
                _links(out, result.records.get(run.id, {})),
            )
            for run in result.failed_runs
        ]
        body.append(f"<h2>{esc(t('batch_failures', lang))}</h2>")
        body.append(table_html([*(t(k, lang) for k in keys), t("batch_executed", lang)], rows))
    if result.failed_conditions:
        labels = {r.variant.id: r.variant.label for r in result.runs}
        rows = [
            (
                case,
                labels.get(vid, vid),
                lg,
                Raw(f'<span class="bad">{esc(c.status)}</span>'),
                c.condition,
                c.detail,
            )
            for (case, vid, lg), c in result.failed_conditions
        ]
        body.append(f"<h2>{esc(t('batch_failed_conditions', lang))}</h2>")
        body.append(
            table_html(
                [
                    t("batch_case", lang),
                    t("batch_variant", lang),
                    t("batch_lang", lang),
                    t("batch_status", lang),
                    t("batch_conditions", lang),
                    "",
                ],
                rows,
            )
        )
    body.append(_story_section(result, lang))
    body.append(_variation_section(result, lang))
    body.append(f"<h2>{esc(t('batch_plots', lang))}</h2>")
    body.append(_plots(result, lang))
    body.append(f"<h2>{esc(t('batch_runs', lang))}</h2>")
    rows = []
    for run in result.runs:
        rec = result.records.get(run.id, {})
        rows.append(
            (
                *_run_cells(run),
                _status(rec.get("status") == "passed", lang),
                rec.get("seconds"),
                rec.get("cpu_seconds"),
                rec.get("peak_mib"),
                _fmt_figures(rec.get("figures") or {}),
                _conditions_text(result.story.get(run.group), lang),
                _links(out, rec),
            )
        )
    keys = (
        "batch_case",
        "batch_notebook",
        "batch_variant",
        "batch_lang",
        "batch_status",
        "batch_seconds",
        "batch_cpu",
        "batch_peak",
        "batch_figures",
        "batch_conditions",
        "batch_executed",
    )
    body.append(table_html([t(k, lang) for k in keys], rows))
    return page(t("batch_title", lang), "".join(body), lang)


def _variation_section(result: BatchResult, lang: str) -> str:
    """Per case: how many distinct answers each task has over the variants (1 = copyable)."""
    if not result.answer_variation:
        return ""
    rows = [
        (case, task, n, t("batch_same_answer", lang) if n == 1 else "")
        for case, tasks in sorted(result.answer_variation.items())
        for task, n in sorted(tasks.items())
    ]
    head = [t("batch_case", lang), t("batch_task", lang), t("batch_distinct", lang), ""]
    return f"<h2>{esc(t('batch_variation', lang))}</h2>" + table_html(head, rows)


def _story_section(result: BatchResult, lang: str) -> str:
    if not result.stories:
        return ""
    parts = [f"<h2>{esc(t('batch_story', lang))}</h2>"]
    labels = {r.variant.id: r.variant.label for r in result.runs}
    for case, conditions in result.stories.items():
        parts.append(f"<h3>{esc(case)}</h3>")
        if not conditions:
            parts.append(f"<p>{esc(t('batch_no_story', lang))}</p>")
            continue
        rows = []
        for (g_case, vid, lg), conds in result.story.items():
            if g_case != case:
                continue
            cells: list[object] = [labels.get(vid, vid), lg]
            for c in conds:
                cls = "ok" if c.status == "holds" else ("warn" if c.status == "skipped" else "bad")
                text = t("batch_holds", lang) if c.status == "holds" else c.status
                cells.append(
                    Raw(f'<span class="{cls}">{esc(text)}</span><br><small>{esc(c.detail)}</small>')
                )
            rows.append(cells)
        parts.append(
            table_html([t("batch_variant", lang), t("batch_lang", lang), *conditions], rows)
        )
    return "".join(parts)


def _plots(result: BatchResult, lang: str) -> str:
    import matplotlib.pyplot as plt

    from dxcase.plots import figure_html

    html = []
    series: dict[str, list[tuple[float, float | None, bool]]] = {}
    for run in result.runs:
        rec = result.records.get(run.id, {})
        if rec.get("seconds") is None:
            continue
        key = (
            f"{run.case}/{run.notebook}" if len({r.case for r in result.runs}) > 1 else run.notebook
        )
        series.setdefault(key, []).append(
            (rec["seconds"], rec.get("peak_mib"), rec.get("status") == "passed")
        )
    if series:
        names = sorted(series)
        fig, axes = plt.subplots(1, 2, figsize=(11, 0.5 * len(names) + 2.2))
        for i, name in enumerate(names):
            for j, (secs, peak, ok) in enumerate(series[name]):
                jitter = ((j % 7) - 3) * 0.04
                color = "#1f77b4" if ok else "#b00020"
                axes[0].scatter(secs, i + jitter, color=color, s=22)
                if peak is not None:
                    axes[1].scatter(peak, i + jitter, color=color, s=22)
        for ax, label in zip(axes, (t("batch_seconds", lang), t("batch_peak", lang)), strict=True):
            ax.set_yticks(range(len(names)), names)
            ax.set_xlabel(label)
            ax.set_xlim(0, max(ax.get_xlim()[1], 1.0) * 1.08)
            ax.grid(axis="x", alpha=0.3)
        axes[1].set_yticklabels([])
        html.append(figure_html(fig, t("batch_time_caption", lang)))

    # one panel per figure: a dot per variant group, red where the story fails
    points: dict[str, list[tuple[float, bool]]] = {}
    merged: dict[tuple[str, str, str], dict[str, float]] = {}
    for run in result.runs:
        merged.setdefault(run.group, {}).update(result.records.get(run.id, {}).get("figures") or {})
    for group, figures in merged.items():
        holds = all(c.ok for c in result.story.get(group, []))
        for name, value in figures.items():
            points.setdefault(name, []).append((value, holds))
    if points:
        names = sorted(points)
        cols = min(3, len(names))
        rows = (len(names) + cols - 1) // cols
        fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 1.6 * rows + 0.4), squeeze=False)
        for ax in axes.flat[len(names) :]:
            ax.set_visible(False)
        for ax, name in zip(axes.flat, names, strict=False):
            values = points[name]
            for j, (value, ok) in enumerate(values):
                ax.scatter(value, ((j % 9) - 4) * 0.05, color="#1f77b4" if ok else "#b00020", s=22)
            ax.set_title(name, fontsize=10)
            ax.set_yticks([])
            ax.set_ylim(-0.5, 0.5)
            ax.grid(axis="x", alpha=0.3)
        fig.tight_layout()
        html.append(figure_html(fig, t("batch_figures_caption", lang)))
    return "".join(html)


__all__ = ["write_report"]
