"""The cohort report: one self-contained HTML page for facilitators (and, in its item
analysis, for case authors), in Japanese or English from the same code.

It shows final grades, their distribution, the peer review, copy and tamper flags, who is
stuck where and the item analysis. Facilitator-facing, yet it never shows hidden tests or the
holdout truth: only points, grade ids, self-check outcomes and the grader's reasons.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from dxcase.atomic import write_text_atomic
from dxcase.cohort.collect import CohortData
from dxcase.cohort.grades import PARTS
from dxcase.cohort.items import hardest, rubric_weakness
from dxcase.i18n import current_lang, t
from dxcase.plots import figure_html
from dxcase.report import esc, page, table_html
from dxcase.review.report import agreement_html, distributions_html, flags_html, scores_html

COLORS = {"autograded": "#4c78a8", "holdout": "#f58518", "peer_review": "#54a24b"}


def _pct(value: float | None) -> str | None:
    """A share as a percentage with one decimal (None stays an empty cell)."""
    return None if value is None else f"{100 * value:.1f}"


def summary_html(d: CohortData, lang: str) -> str:
    w = d.case.weights
    finals = [g.final(w) for g in d.grades.values()]
    done = [f for f in finals if f is not None]
    rows = [
        (t("co_learners", lang), len(d.learners)),
        (t("co_submitted", lang), sum(g.submitted for g in d.grades.values())),
        (t("co_due", lang), d.duedate or "—"),
        (t("co_weights", lang), ", ".join(f"{t(f'co_part_{p}', lang)} {w[p]:.0%}" for p in PARTS)),
        (t("co_mean_final", lang), round(float(np.mean(done)), 1) if done else "—"),
        (t("co_open_finals", lang), len(finals) - len(done)),
    ]
    head = [t("describe_key", lang), t("describe_value", lang)]
    return f"<h2>{t('co_summary', lang)}</h2>" + table_html(head, rows)


def grades_html(d: CohortData, lang: str) -> str:
    w = d.case.weights
    flags = _flags(d, lang)
    order = sorted(d.grades.values(), key=lambda g: -(g.final(w) or -1))
    rows = [
        (g.learner, g.team, *[_pct(g.share(p)) for p in PARTS],
         f"{g.late_hours:.1f}" if g.late_hours else None,
         f"{g.late_penalty:.2f}" if g.late_penalty else None,
         None if g.final(w) is None else f"{g.final(w):.1f}",
         ", ".join(flags.get(g.learner, [])))
        for g in order
    ]  # fmt: skip
    head = [t("co_learner", lang), t("co_team", lang)]
    head += [f"{t(f'co_part_{p}', lang)} (%, ×{w[p]:g})" for p in PARTS]
    head += [
        t("co_late_hours", lang),
        t("co_penalty", lang),
        t("co_final", lang),
        t("co_flags", lang),
    ]
    return (
        f"<h2>{t('co_grades', lang)}</h2><p>{t('co_grades_note', lang)}</p>"
        + table_html(head, rows)
        + _distribution(d, lang)
    )


def _distribution(d: CohortData, lang: str) -> str:
    w = d.case.weights
    order = sorted(d.grades.values(), key=lambda g: -(g.final(w) or -1))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6), gridspec_kw={"width_ratios": [1, 1.6]})
    finals = [f for f in (g.final(w) for g in order) if f is not None]
    ax1.hist(finals, bins=np.arange(0, 101, 10), color="#4c78a8", edgecolor="white")
    if not finals:  # every final grade still open: say so instead of empty axes
        ax1.text(50, 0.5, t("co_open_finals", lang), ha="center", va="center")
        ax1.set_ylim(0, 1)
    ax1.set_xlabel(t("co_final", lang))
    ax1.set_ylabel(t("co_n_learners", lang))
    left = np.zeros(len(order))
    for part in PARTS:
        vals = np.array([100 * w[part] * (g.share(part) or 0) for g in order])
        ax2.barh([g.learner for g in order], vals, left=left, color=COLORS[part],
                 label=t(f"co_part_{part}", lang))  # fmt: skip
        left += vals
    ax2.invert_yaxis()
    ax2.set_xlim(0, 100)
    ax2.tick_params(axis="y", labelsize=7)
    ax2.set_xlabel(t("co_weighted_points", lang))
    ax2.legend(fontsize=8, loc="lower right")
    return figure_html(fig, t("co_distribution_caption", lang))


def _flags(d: CohortData, lang: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in d.copies:
        out.setdefault(p.a, []).append(t("co_flag_copy", lang, other=p.b))
        out.setdefault(p.b, []).append(t("co_flag_copy", lang, other=p.a))
    for learner in d.tamper:
        out.setdefault(learner, []).append(t("co_flag_tamper", lang))
    for g in d.grades.values():
        if g.late_hours:
            out.setdefault(g.learner, []).append(t("co_flag_late", lang))
        if not g.submitted:
            out.setdefault(g.learner, []).append(t("co_flag_missing", lang))
    for a in d.activity.values():
        if a.stuck:
            out.setdefault(a.learner, []).append(t("co_flag_stuck", lang, tasks=", ".join(a.stuck)))
    return out


def review_html(d: CohortData, lang: str) -> str:
    r = d.review
    if r is None:
        return f"<h2>{t('co_review', lang)}</h2><p>{t('co_no_review', lang)}</p>"
    return (
        f"<h2>{t('co_review', lang)}</h2>"
        f"<p>{t('co_review_note', lang, name=r.round.name, subs=len(r.submissions), reviews=len(r.reviews))}</p>"
        + scores_html(r, lang) + agreement_html(r, lang) + distributions_html(r, lang)
        + flags_html(r, lang)
    )  # fmt: skip


def integrity_html(d: CohortData, lang: str) -> str:
    copies = [(p.a, p.b, f"{p.similarity:.2f}") for p in d.copies]
    tamper = [(who, line) for who, lines in sorted(d.tamper.items()) for line in lines]
    return (
        f"<h2>{t('co_integrity', lang)}</h2><p>{t('co_integrity_note', lang)}</p>"
        f"<h3>{t('co_copies', lang, n=len(copies))}</h3>"
        + table_html(
            [t("co_learner", lang), t("co_learner", lang), t("co_similarity", lang)], copies
        )
        + f"<h3>{t('co_tampering', lang, n=len(tamper))}</h3>"
        + table_html([t("co_learner", lang), t("co_reason", lang)], tamper)
    )


def stuck_html(d: CohortData, lang: str) -> str:
    acts = sorted(d.activity.values(), key=lambda a: (-len(a.stuck), a.learner))
    rows = [
        (a.learner, a.last_task, t(f"co_outcome_{a.last_outcome}", lang) if a.last_outcome else "",
         f"{a.last_time:%Y-%m-%d %H:%M}" if a.last_time else "", sum(a.fails.values()),
         sum(a.hints.values()), ", ".join(a.stuck) or "—")
        for a in acts
    ]  # fmt: skip
    silent = [x for x in d.learners if x not in d.activity]
    head = [t("co_learner", lang), t("co_last_task", lang), t("co_last_outcome", lang),
            t("co_last_time", lang), t("co_failed_checks", lang), t("co_hints", lang),
            t("co_stuck_on", lang)]  # fmt: skip
    tasks = [i.task for i in d.items]
    stopped = Counter(a.last_task for a in acts if a.last_task)
    fig, ax = plt.subplots(figsize=(10, 2.8))
    ax.bar(tasks, [stopped[x] for x in tasks], color="#4c78a8", label=t("co_last_task", lang))
    ax.bar(tasks, [sum(x in a.stuck for a in acts) for x in tasks], color="#e45756", width=0.5,
           label=t("co_stuck_on", lang))  # fmt: skip
    ax.set_ylabel(t("co_n_learners", lang))
    ax.tick_params(axis="x", labelsize=8, rotation=60)
    ax.legend(fontsize=8)
    return (
        f"<h2>{t('co_stuck', lang)}</h2><p>{t('co_stuck_note', lang)}</p>"
        + figure_html(fig, t("co_stuck_caption", lang))
        + table_html(head, rows)
        + f"<p>{t('co_no_events', lang)}: {esc(', '.join(silent) or '—')}</p>"
    )


def items_html(d: CohortData, lang: str) -> str:
    rows = [
        (i.task, i.notebook, t("co_yes", lang) if i.practice else "", i.graded or None,
         _pct(i.miss_share), i.checks, _pct(i.check_fail_share), i.hints, i.hinted, i.stuck)
        for i in d.items
    ]  # fmt: skip
    head = [t("co_task", lang), t("co_notebook", lang), t("co_practice", lang),
            t("co_graded", lang), t("co_missed", lang), t("co_checks", lang),
            t("co_check_fails", lang), t("co_hints", lang), t("co_hinted", lang),
            t("co_stuck_n", lang)]  # fmt: skip
    top = ", ".join(f"{i.task} ({_pct(i.miss_share)}%)" for i in hardest(d.items))
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10, 4.6), sharex=True)
    names = [i.task for i in d.items]
    ax1.bar(names, [100 * (i.miss_share or 0) for i in d.items], color="#e45756",
            label=t("co_missed", lang))  # fmt: skip
    ax1.plot(names, [100 * (i.check_fail_share or 0) for i in d.items], "o", color="#333",
             label=t("co_check_fails", lang))  # fmt: skip
    ax1.set_ylabel("%")
    ax1.set_ylim(0, 105)
    ax1.legend(fontsize=8)
    ax2.bar(names, [i.hints for i in d.items], color="#f58518")
    ax2.set_ylabel(t("co_hints", lang))
    ax2.tick_params(axis="x", labelsize=8, rotation=60)
    return (
        f"<h2>{t('co_items', lang)}</h2><p>{t('co_items_note', lang)}</p>"
        f"<p><b>{t('co_hardest', lang)}</b>: {esc(top or '—')}</p>"
        + figure_html(fig, t("co_items_caption", lang))
        + table_html(head, rows)
        + _rubric_html(d, lang)
    )


def _rubric_html(d: CohortData, lang: str) -> str:
    if d.review is None:
        return ""
    crit = rubric_weakness(d.review)
    rows = [(c.title[lang], c.mean, int(c.max_points), _pct(c.share)) for c in crit]
    head = [t("co_criterion", lang), t("co_mean", lang), t("co_max", lang), "%"]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(crit) + 0.8))
    ax.barh([c.title[lang] for c in crit], [100 * (c.share or 0) for c in crit], color="#54a24b")
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(t("co_rubric_share", lang))
    return (
        f"<h3>{t('co_rubric', lang)}</h3>"
        + table_html(head, rows)
        + figure_html(fig, t("co_rubric_caption", lang))
    )


def problems_html(d: CohortData, lang: str) -> str:
    if not d.problems:
        return ""
    rows = [(p.where(), p.message) for p in d.problems]
    return f"<h2>{t('co_problems', lang)}</h2>" + table_html([t("co_where", lang), ""], rows)


SECTIONS = (summary_html, grades_html, review_html, integrity_html, stuck_html, items_html,
            problems_html)  # fmt: skip


def write_cohort_report(d: CohortData, path: Path, lang: str | None = None) -> Path:
    """Write the report for ``d`` to ``path`` and return it."""
    lang = current_lang(lang)
    title = t("co_title", lang, case=d.case.title[lang])
    write_text_atomic(path, page(title, "".join(s(d, lang) for s in SECTIONS), lang))
    return path
