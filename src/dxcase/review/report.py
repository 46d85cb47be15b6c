"""The facilitator's view of a round as HTML sections: progress, score distributions (plots),
agreement, aggregated scores and flagged reviews. The web service and the static report
(`dxcase review report`, `make demo`) show the same sections."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from dxcase.atomic import write_text_atomic
from dxcase.i18n import current_lang, t
from dxcase.plots import figure_html
from dxcase.report import esc, page, table_html
from dxcase.review.results import RoundResult


def progress_html(r: RoundResult, lang: str) -> str:
    k = r.round.k
    not_reviewing = [p for p in r.progress if p.submitted and p.assigned > 0]
    not_reviewed = [p for p in r.progress if p.submitted and p.received < k]
    missing = [p.learner for p in r.progress if not p.submitted]
    head = [t("rv_learner", lang), t("rv_team", lang), t("rv_open", lang), t("rv_done", lang),
            t("rv_expired", lang), t("rv_received", lang)]  # fmt: skip
    rows = [
        (p.learner, p.team or "", p.assigned, p.done, p.expired, p.received) for p in r.progress
    ]
    return (
        f"<h2>{t('rv_progress', lang)}</h2>"
        f"<p>{t('rv_progress_summary', lang, subs=len(r.submissions), reviews=len(r.reviews), k=k)}</p>"
        f"<p>{t('rv_not_reviewing', lang)}: {esc(', '.join(p.learner for p in not_reviewing) or '—')}</p>"
        f"<p>{t('rv_not_reviewed', lang)}: {esc(', '.join(p.learner for p in not_reviewed) or '—')}</p>"
        f"<p>{t('rv_no_submission', lang)}: {esc(', '.join(missing) or '—')}</p>"
        + table_html(head, rows)
    )


def distributions_html(r: RoundResult, lang: str) -> str:
    crit = r.rubric.criteria
    fig, axes = plt.subplots(1, len(crit), figsize=(3.0 * len(crit), 2.6), sharey=True)
    for ax, c in zip(np.atleast_1d(axes), crit, strict=True):
        pts = c.points()
        counts = [sum(1 for rv in r.reviews if rv.scores.get(c.id) == p) for p in pts]
        ax.bar([str(p) for p in pts], counts, color="#4c78a8")
        ax.set_title(c.title[lang], fontsize=9)
        ax.set_xlabel(t("rv_points", lang), fontsize=8)
    np.atleast_1d(axes)[0].set_ylabel(t("rv_count_reviews", lang), fontsize=8)
    return f"<h2>{t('rv_distributions', lang)}</h2>" + figure_html(
        fig, t("rv_distributions_caption", lang)
    )


def agreement_html(r: RoundResult, lang: str) -> str:
    rows = [
        (c.title[lang], None if r.alpha[c.id] is None else round(r.alpha[c.id], 3))
        for c in r.rubric.criteria
    ]
    return f"<h2>{t('rv_agreement', lang)}</h2><p>{t('rv_alpha_note', lang)}</p>" + table_html(
        [t("rv_criterion", lang), "Krippendorff α (ordinal)"], rows
    )


def scores_html(r: RoundResult, lang: str) -> str:
    crit = r.rubric.criteria
    head = [t("rv_learner", lang), t("rv_code", lang), t("rv_n_reviews", lang)]
    head += [c.title[lang] for c in crit] + [
        t("rv_total", lang, max=r.rubric.max_total),
        t("rv_override", lang),
    ]
    rows = [
        (s.author, s.code, s.n_reviews, *[s.final[c.id] for c in crit], s.total,
         t("rv_yes", lang) if s.overridden else "")
        for s in r.submissions
    ]  # fmt: skip
    return (
        f"<h2>{t('rv_scores', lang)}</h2><p>{t('rv_method_note', lang, method=r.method)}</p>"
        + table_html(head, rows)
    )


def flags_html(r: RoundResult, lang: str) -> str:
    code = {s.submission_id: s.code for s in r.submissions}
    rows = [
        (
            rv.id,
            code[rv.submission_id],
            rv.reviewer,
            ", ".join(t(f"rv_flag_{f}", lang) for f in r.flags[rv.id]),
        )
        for rv in r.reviews
        if rv.id in r.flags
    ]
    head = [t("rv_review", lang), t("rv_code", lang), t("rv_reviewer", lang), t("rv_flags", lang)]
    return f"<h2>{t('rv_flagged', lang)} ({len(rows)})</h2>" + table_html(head, rows)


def facilitator_sections(r: RoundResult, lang: str) -> str:
    return "".join(
        f(r, lang)
        for f in (progress_html, distributions_html, agreement_html, scores_html, flags_html)
    )


def write_report(r: RoundResult, path: str | Path, lang: str | None = None) -> Path:
    """A self-contained HTML report of the round for facilitators."""
    lang = current_lang(lang)
    path = Path(path)
    title = t("rv_report_title", lang, name=r.round.name)
    write_text_atomic(path, page(title, facilitator_sections(r, lang), lang))
    return path
