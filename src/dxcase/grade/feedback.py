"""One HTML feedback report per learner and assignment: scores, check messages, next steps.

Built from the gradebook and the autograded notebooks, but shows only what a learner may see:
the message of a failed *visible* check (``CheckFailed``, whose text comes from the release's
checks), the name of any other exception, and dxcase's own reasons. Never the test cells'
source, tracebacks or exception values (which could hold expected values), nor the holdout
truth. nbgrader's own generate_feedback shows hidden tests (nbgrader #917); this replaces it.
The report is written to ``feedback/<learner>/<assignment>/feedback.html`` so that
``nbgrader release_feedback`` delivers it.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import nbformat

from dxcase.atomic import write_text_atomic
from dxcase.grade import scores
from dxcase.grade.course import Course
from dxcase.i18n import t
from dxcase.report import esc, page, table_html

REPORT = "feedback.html"


def _cell_message(cell, lang: str) -> tuple[str, str]:
    """(result label, message) for one autograded cell, from its outputs."""
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if not errors:
        return "", ""
    err = errors[-1]
    ename = str(err.get("ename", ""))
    if ename == scores.INCORRECT:  # the grader's comparison with the answer key
        return "fail", str(err.get("evalue", ""))[:400]
    if ename == "CheckFailed":
        return "fail", t("gr_fb_msg_check", lang, message=str(err.get("evalue", ""))[:400])
    if ename == scores.NOT_RUN:
        return "fail", t("gr_fb_msg_notrun", lang)
    if ename == "CellTimeoutError":
        return "fail", t("gr_fb_msg_timeout", lang)
    if ename == "HoldoutNotScored":
        reason = str(err.get("evalue", ""))
        reason = reason.split(": ", 1)[-1] if reason.startswith("/") else reason  # no paths
        return "fail", t("gr_fb_msg_holdout_fail", lang, reason=reason[:200])
    return "fail", t("gr_fb_msg_error", lang, ename=ename[:60])


def events_summary(course: Course, assignment: str, student: str) -> dict[str, Counter]:
    """Self-check events of the learner per task (from the submitted .dxcase/events.jsonl)."""
    path = course.submitted(student, assignment) / ".dxcase" / "events.jsonl"
    out: dict[str, Counter] = {}
    if not path.is_file():
        return out
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines()[:100_000]:
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict):
            out.setdefault(str(rec.get("task", "?")), Counter())[str(rec.get("event", "?"))] += 1
    return out


def write_feedback(
    course: Course, assignment: str, student: str, outcomes: list, holdout_task: str | None = None
) -> Path:
    lang = course.learner(student).lang
    got = scores.notebook_scores(course, assignment, student)
    by_nb = {o.notebook: o for o in outcomes}
    with course.gradebook() as gb:
        manual = {
            nb.name: {
                c.name for c in nb.grade_cells if c.name in {s.name for s in nb.solution_cells}
            }
            | {c.name for c in nb.task_cells}
            for nb in gb.find_assignment(assignment).notebooks
        }
    graded_dir = course.autograded(student, assignment)
    # notebooks neither in this run nor graded before (a run limited by --notebook) are left out
    got = {k: v for k, v in got.items() if k in by_nb or (graded_dir / f"{k}.ipynb").is_file()}
    for name, info in got.items():  # manual cells are scored later (peer review), not here
        auto = {c: sm for c, sm in info["cells"].items() if c not in manual.get(name, set())}
        info["auto"] = sum(sc for sc, _ in auto.values())
        info["auto_max"] = sum(mx for _, mx in auto.values())
    total = sum(v["auto"] - v["late_penalty"] for v in got.values())
    max_total = sum(v["auto_max"] for v in got.values())
    late = sum(v["late_penalty"] for v in got.values())
    body = [
        f"<p>{esc(t('gr_fb_learner', lang))}: <code>{esc(student)}</code></p>",
        f"<p><b>{esc(t('gr_fb_total', lang))}: {total:g} / {max_total:g}</b></p>",
    ]
    if late:
        body.append(f'<p class="warn">{esc(t("gr_fb_late", lang, points=f"{late:g}"))}</p>')
    next_steps: list[str] = []
    for name in sorted(got):
        info = got[name]
        outcome = by_nb.get(name)
        body.append(
            f"<h2>{esc(name)} — {info['auto'] - info['late_penalty']:g} / {info['auto_max']:g}</h2>"
        )
        if outcome is not None and outcome.status == "missing":
            body.append(f'<p class="bad">{esc(t("gr_fb_missing", lang))}</p>')
            next_steps.append(t("gr_fb_next_rerun", lang, notebook=name))
            continue
        path = course.autograded(student, assignment) / f"{name}.ipynb"
        if not path.is_file():
            body.append(f'<p class="bad">{esc(t("gr_fb_unreadable", lang))}</p>')
            next_steps.append(t("gr_fb_next_rerun", lang, notebook=name))
            continue
        nb = nbformat.read(str(path), as_version=4)
        rows, stopped = [], False
        for cell in nb.cells:
            gid = scores.grade_id(cell)
            if gid is None or gid not in info["cells"] or gid in manual.get(name, set()):
                continue
            score, max_score = info["cells"][gid]
            kind, message = _cell_message(cell, lang)
            if gid == holdout_task and not kind:
                wmape = getattr(outcome, "holdout_wmape", None)
                message = (
                    t("gr_fb_msg_holdout", lang)
                    if wmape is None
                    else t("gr_fb_msg_holdout_wmape", lang, wmape=f"{wmape:.3f}")
                )
            if score >= max_score:
                label = f'<span class="ok">{esc(t("gr_fb_passed", lang))}</span>'
            elif score > 0:
                label = f'<span class="warn">{esc(t("gr_fb_partial", lang))}</span>'
            else:
                label = f'<span class="bad">{esc(t("gr_fb_failed", lang))}</span>'
                next_steps.append(t("gr_fb_next_task", lang, notebook=name, task=gid))
            stopped = stopped or message == t("gr_fb_msg_notrun", lang)
            rows.append((gid, f"{score:g} / {max_score:g}", label, message))
        body.append(_table(lang, rows))
        if manual.get(name):
            body.append(f"<p>{esc(t('gr_fb_manual_note', lang))}</p>")
        if stopped:
            next_steps.append(t("gr_fb_next_rerun", lang, notebook=name))
    body.append(f"<h2>{esc(t('gr_fb_next', lang))}</h2>")
    steps = next_steps or [t("gr_fb_next_done", lang)]
    body.append("<ul>" + "".join(f"<li>{esc(s)}</li>" for s in dict.fromkeys(steps)) + "</ul>")
    activity = events_summary(course, assignment, student)
    if activity:
        body.append(f"<h2>{esc(t('gr_fb_activity', lang))}</h2>")
        rows = [
            (task, t("gr_fb_activity_line", lang, checks=c["check"], hints=c["hint"]))
            for task, c in sorted(activity.items())
        ]
        body.append(table_html([t("gr_fb_task", lang), ""], rows))
    out = course.root / "feedback" / student / assignment / REPORT
    title = t("gr_fb_title", lang, assignment=assignment)
    write_text_atomic(out, page(title, "".join(body), lang))
    return out


def _table(lang: str, rows: list[tuple[str, str, str, str]]) -> str:
    head = "".join(
        f"<th>{esc(t(k, lang))}</th>"
        for k in ("gr_fb_task", "gr_fb_points", "gr_fb_result", "gr_fb_message")
    )
    cells = "".join(
        f"<tr><td><code>{esc(a)}</code></td><td class=num>{esc(b)}</td><td>{c}</td><td>{esc(d)}</td></tr>"
        for a, b, c, d in rows
    )
    return f"<table><tr>{head}</tr>{cells}</table>"
