"""``dxcase cohort``: the cohort report of a course, and the simulated cohort of the demo."""

from __future__ import annotations

from pathlib import Path

import click

from dxcase.i18n import current_lang, t

LEARNERS = 20
LEARNERS_ENV = "DXCASE_DEMO_LEARNERS"
LEARNERS_OPTION = click.option(
    "--learners",
    type=click.IntRange(min=2),
    default=LEARNERS,
    envvar=LEARNERS_ENV,
    show_default=True,
    help=f"Size of the simulated cohort (${LEARNERS_ENV}).",
)

LANG = click.option("--lang", type=click.Choice(["ja", "en"]), default=None,
                    help="Report language (default: $DXCASE_LANG or ja).")  # fmt: skip


@click.group()
def cohort() -> None:
    """A cohort at a glance: grades, peer review, flags, who is stuck, item analysis."""


@cohort.command("report")
@click.argument("course", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--case", "case_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=None, help="Case folder (default: the course's only assignment).")  # fmt: skip
@click.option("--review-db", default=None,
              help="Review store URL (default: COURSE/dxcase/review.db if present).")  # fmt: skip
@click.option(
    "--round", "round_ref", default=None, help="Review round name or id (default: latest)."
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="HTML file (default: COURSE/dxcase/reports/cohort-<case>.html).")  # fmt: skip
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the final grades as CSV.")  # fmt: skip
@click.option("--strict", is_flag=True, help="Fail on unreadable event-log lines.")
@LANG
def report_cmd(course: Path, case_dir, review_db, round_ref, out, csv_path, strict, lang) -> None:
    """Write COURSE's cohort report (one self-contained HTML page)."""
    from dxcase.atomic import write_text_atomic
    from dxcase.cohort.collect import collect
    from dxcase.cohort.grades import grades_csv
    from dxcase.cohort.report import write_cohort_report
    from dxcase.errors import InputError

    data = collect(course, case_dir, review_db, round_ref)
    for problem in data.problems:
        click.echo(str(problem), err=True)
    if strict and data.problems:
        raise InputError(f"{len(data.problems)} unreadable event-log line(s)", data.problems)
    out = out or data.course.state_dir / "reports" / f"cohort-{data.case.slug}.html"
    path = write_cohort_report(data, out, lang)
    click.echo(t("co_cli_written", current_lang(lang), path=path))
    if csv_path:
        write_text_atomic(csv_path, grades_csv(data.grades, data.case.weights))
        click.echo(f"{csv_path}: {len(data.grades)} learner(s)")


@cohort.command("demo")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("out/cohort"),
              show_default=True)  # fmt: skip
@LEARNERS_OPTION
@click.option("--notebook", "notebooks", multiple=True, help="Grade only this notebook.")
@click.option("--workers", type=int, default=None, help="Grading workers (default: cores).")
@LANG
def demo_cmd(out: Path, learners: int, notebooks, workers, lang) -> None:
    """Simulate a retail_demand cohort, grade it, review it and write its report."""
    from dxcase.cohort.demo import run_cohort_demo

    lang = current_lang(lang)
    done = run_cohort_demo(out.resolve(), lang, learners, list(notebooks) or None, workers)
    click.echo(t("co_cli_written", lang, path=done.report))
