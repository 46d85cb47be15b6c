"""The grading step of ``dxcase demo``: a small simulated cohort graded end to end.

Kept under about a minute: three learners (strong, average, weak) of retail_demand, graded on
the first two notebooks (the trial and presentation notebooks train LightGBM and take minutes;
``make bench-grade`` grades all four for a full cohort).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from dxcase.grade.course import open_course, setup_case_course, write_roster
from dxcase.grade.intake import import_submissions
from dxcase.grade.runner import Grader
from dxcase.grade.simulate import make_cohort, release_of
from dxcase.i18n import t

CASE = "retail_demand"
NOTEBOOKS = ["01_business_issue", "02_requirements"]


def run_grade_demo(out: Path, lang: str, learners: int = 3) -> Path:
    """Grade the demo cohort into ``out``; return the folder of feedback reports."""
    from dxcase.author.casefile import load_case
    from dxcase.paths import content_root

    shutil.rmtree(out, ignore_errors=True)
    case = load_case(content_root("casestudies") / CASE)
    course_dir = out / "course"
    course = setup_case_course(course_dir, CASE, [])
    cohort = make_cohort(case, release_of(course, CASE), out / "submissions", learners)
    write_roster(course_dir / "roster.csv", [_lang(x, lang) for x in cohort])
    course = open_course(course_dir)
    import_submissions(course, CASE, out / "submissions")
    grader = Grader(course, CASE, progress=False, echo=lambda m: click.echo(f"    {m}"))
    batch = grader.run(notebooks=NOTEBOOKS)
    click.echo(
        "    " + t("gr_demo_graded", lang, count=len(batch.outcomes), seconds=f"{batch.wall_s:.0f}")
    )
    return course_dir / "feedback"


def _lang(learner, lang):
    from dataclasses import replace

    return (
        replace(learner, lang=lang)
        if learner.lang != lang and learner.id.endswith("strong")
        else learner
    )
