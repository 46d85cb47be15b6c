"""``dxcase grade``: cohort autograding on an nbgrader course (see docs/grading.md)."""

from __future__ import annotations

from pathlib import Path

import click

from dxcase.i18n import t

COURSE = click.argument("course", type=click.Path(file_okay=False, path_type=Path))
DB = click.option(
    "--db",
    "db_url",
    default=None,
    help="Gradebook SQLAlchemy URL (default: the course's gradebook.db).",
)


@click.group()
def grade() -> None:
    """Autograde a cohort: parallel, sandboxed, on nbgrader's gradebook; feedback and export."""


@grade.command("init")
@COURSE
@click.option("--case", "case_slug", required=True, help="Case folder name (= assignment).")
@click.option("--roster", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV with id, team, lang, seed (copied into the course).")  # fmt: skip
def init_cmd(course: Path, case_slug: str, roster: Path | None) -> None:
    """Make COURSE an nbgrader course for a case: source, roster, gradebook."""
    from dxcase.grade.course import read_roster, setup_case_course

    learners = list(read_roster(roster).values()) if roster else []
    setup_case_course(course, case_slug, learners)
    click.echo(f"course ready: {course}")


@grade.command("assign")
@COURSE
@click.argument("assignment")
@click.option("--duedate", default=None, help="Due date, e.g. '2026-12-01 17:00:00 JST'.")
@DB
def assign_cmd(course: Path, assignment: str, duedate: str | None, db_url: str | None) -> None:
    """nbgrader generate_assignment with the gradebook (and a due date)."""
    from dxcase.grade.course import generate_assignment, open_course

    c = open_course(course, db_url)
    generate_assignment(c, assignment, duedate)
    click.echo(f"{assignment}: in the gradebook")
    _make_keys(c, assignment)


def _make_keys(course, assignment: str, workers: int | None = None) -> None:
    """Answer keys of every variant the roster hands out (a dxcase case only)."""
    import os

    from dxcase.grade.keys import course_keys
    from dxcase.grade.runner import case_for

    case = case_for(assignment)
    if case is None or not case.datasets:
        return
    keys = course_keys(course, case, workers=workers or os.cpu_count() or 1)
    for variant, key in keys.items():
        click.echo(f"answer key for {variant.name}: {len(key.tasks)} task(s)")
        for problem in key.problems:
            click.echo(f"  problem: {problem}", err=True)
    if any(k.problems for k in keys.values()):
        raise SystemExit(1)


@grade.command("keys")
@COURSE
@click.argument("assignment")
@click.option(
    "--workers", type=int, default=None, help="Variants computed at once (default: cores)."
)
@DB
def keys_cmd(course: Path, assignment: str, workers: int | None, db_url: str | None) -> None:
    """Compute (or refresh) the answer keys of ASSIGNMENT for every variant of the roster."""
    from dxcase.grade.course import open_course

    _make_keys(open_course(course, db_url), assignment, workers)


@grade.command("collect")
@COURSE
@click.argument("assignment")
@click.option("--from", "source", type=click.Path(exists=True, path_type=Path), default=None,
              help="A folder or zip of <learner>/ folders instead of the nbgrader exchange.")  # fmt: skip
def collect_cmd(course: Path, assignment: str, source: Path | None) -> None:
    """Bring submissions into submitted/ (nbgrader collect, or a folder or zip)."""
    from dxcase.grade.course import open_course
    from dxcase.grade.intake import collect, import_submissions

    c = open_course(course)
    if source is None:
        collect(c, assignment)
        click.echo("collected from the exchange")
    else:
        names = import_submissions(c, assignment, source)
        click.echo(f"imported {len(names)} submission(s)")


@grade.command("run")
@COURSE
@click.argument("assignment")
@click.option("--workers", type=int, default=None, help="Parallel kernels (default: cores).")
@click.option("--student", "students", multiple=True, help="Only this learner (repeatable).")
@click.option("--notebook", "notebooks", multiple=True, help="Only this notebook (repeatable).")
@click.option("--force", is_flag=True, help="Regrade what is already graded.")
@click.option("--scheduler", default=None, help="Dask scheduler address (tcp://host:8786).")
@click.option("--cell-timeout", type=float, default=300, show_default=True)
@click.option("--total-timeout", type=float, default=1800, show_default=True)
@click.option("--memory-mib", type=int, default=4096, show_default=True)
@click.option("--lang", type=click.Choice(["ja", "en"]), default=None)
@DB
def run_cmd(course, assignment, workers, students, notebooks, force, scheduler, cell_timeout,
            total_timeout, memory_mib, lang, db_url) -> None:  # fmt: skip
    """Autograde ASSIGNMENT's submissions; write grades, feedback and a run record."""
    from dxcase.grade.course import open_course
    from dxcase.grade.runner import Grader
    from dxcase.grade.sandbox import Limits

    limits = Limits(cell_seconds=cell_timeout, total_seconds=total_timeout, memory_mib=memory_mib,
                    cpu_seconds=int(total_timeout))  # fmt: skip
    grader = Grader(open_course(course, db_url), assignment, workers, limits, scheduler)
    batch = grader.run(list(students) or None, list(notebooks) or None, force)
    failed = [o for o in batch.outcomes if o.status != "graded"]
    for o in failed:
        click.echo(f"  {o.student}/{o.notebook}: {o.status}: {'; '.join(o.reasons)[:300]}")
    click.echo(t("gr_cli_done", lang, n=len(batch.outcomes), failed=len(failed),
                 seconds=f"{batch.wall_s:.1f}"))  # fmt: skip
    if grader.reports:
        click.echo(
            t(
                "gr_cli_feedback",
                lang,
                path=next(iter(grader.reports.values())).parent.parent.parent,
            )
        )


@grade.command("export")
@COURSE
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("grades.csv"),
              show_default=True)  # fmt: skip
@click.option("--assignment", "assignments", multiple=True)
@DB
def export_cmd(course: Path, out: Path, assignments: tuple[str, ...], db_url: str | None) -> None:
    """Write the gradebook as CSV."""
    from dxcase.grade.course import open_course
    from dxcase.grade.export import export_csv

    n = export_csv(open_course(course, db_url), out, list(assignments) or None)
    click.echo(f"{out}: {n} row(s)")


@grade.command("similarity")
@COURSE
@click.argument("assignment")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--threshold", type=float, default=0.8, show_default=True)
def similarity_cmd(course: Path, assignment: str, out: Path | None, threshold: float) -> None:
    """Flag near-identical submissions for the facilitator."""
    from dxcase.grade.course import open_course
    from dxcase.grade.similarity import similarity_report

    c = open_course(course)
    html, pairs = similarity_report(c, assignment, out or c.state_dir / "reports", threshold)
    click.echo(f"{html}: {len(pairs)} pair(s) flagged")
