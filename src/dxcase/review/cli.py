"""``dxcase review``: rubrics, rounds, leases, aggregation, gradebook, reports and the service."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from dxcase.errors import InputError
from dxcase.i18n import t
from dxcase.review.aggregate import DEFAULT_METHOD, METHODS

DB_OPTION = click.option(
    "--db",
    "db_url",
    envvar="DXCASE_REVIEW_DB",
    default="sqlite:///review.db",
    show_default=True,
    help="Review store URL: sqlite:///FILE or postgresql://... ($DXCASE_REVIEW_DB).",
)
METHOD_OPTION = click.option(
    "--method", type=click.Choice(METHODS), default=DEFAULT_METHOD, show_default=True
)


def _store(db_url: str):
    from dxcase.review.store import Store

    return Store(db_url)


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r}: use ISO format, e.g. 2026-12-01T09:00+09:00") from exc
    return dt.astimezone(UTC).replace(tzinfo=None) if dt.tzinfo else dt


@click.group()
def review() -> None:
    """Peer review rounds: rubric, assignment, leases, aggregation, gradebook, web service."""


@review.command("check-rubric")
@click.argument("path", type=click.Path())
def check_rubric(path: str) -> None:
    """Validate a rubric file; every problem names the field."""
    from dxcase.review.rubric import load_rubric

    r = load_rubric(path)
    click.echo(f"{path}: ok ({len(r.criteria)} criteria, {r.min_total}..{r.max_total} points)")


@review.command("create")
@click.option("--name", required=True, help="Round name (unique).")
@click.option("--course-dir", required=True, type=click.Path(file_okay=False, exists=True))
@click.option(
    "--course", "course_id", default=None, help="nbgrader course id (default: folder name)."
)
@click.option(
    "--assignment", required=True, help="nbgrader assignment = case folder, e.g. retail_demand."
)
@click.option("--notebook", default="04_presentation", show_default=True)
@click.option("--rubric", "rubric_path", required=True, type=click.Path())
@click.option("--roster", type=click.Path(), default=None, help="Default: COURSE_DIR/roster.csv.")
@click.option("-k", "k", type=int, default=3, show_default=True, help="Reviews per submission.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--lease-hours", type=float, default=48.0, show_default=True)
@click.option("--opens", default=None, help="ISO date-time (default: now).")
@click.option("--due", default=None, help="ISO date-time the reviews are due (default: +7 days).")
@click.option(
    "--calibration",
    "calibration_files",
    multiple=True,
    type=click.Path(),
    help="EXAMPLE.ipynb with reference scores in EXAMPLE.reference.json (repeatable).",
)
@DB_OPTION
def create(
    name, course_dir, course_id, assignment, notebook, rubric_path, roster, k, seed,
    lease_hours, opens, due, calibration_files, db_url,
) -> None:  # fmt: skip
    """Create a round from an nbgrader course's submitted presentation notebooks."""
    from dxcase.review.round import RoundSpec, create_round, find_notebooks, read_roster
    from dxcase.review.rubric import load_rubric

    rubric = load_rubric(rubric_path)
    people = read_roster(roster or Path(course_dir) / "roster.csv")
    notebooks = find_notebooks(course_dir, assignment, notebook)
    if not notebooks:
        raise InputError(f"{course_dir}: no submitted/*/{assignment}/{notebook}.ipynb found")
    examples = []
    for path in calibration_files:
        ref = Path(path).with_suffix(".reference.json")
        if not ref.exists():
            raise InputError(f"{path}: reference scores {ref} not found")
        examples.append((Path(path), json.loads(ref.read_text(encoding="utf-8"))))
    spec = RoundSpec(
        name, course_id or Path(course_dir).resolve().name, assignment, notebook, rubric, k, seed,
        bool(examples), lease_hours, _when(opens), _when(due),
    )  # fmt: skip
    store = _store(db_url)
    rid = create_round(store, spec, people, notebooks, examples)
    click.echo(
        t(
            "rv_cli_round_created",
            None,
            name=name,
            id=rid,
            subs=len(notebooks),
            pairs=len(notebooks) * k,
        )
    )


@review.command("add-late")
@click.argument("round_ref")
@click.argument("learner")
@click.argument("notebook_path", type=click.Path(exists=True, dir_okay=False))
@DB_OPTION
def add_late(round_ref: str, learner: str, notebook_path: str, db_url: str) -> None:
    """Add a late submission: it gets reviewers, its author gets reviews to do."""
    from dxcase.review.results import find_round
    from dxcase.review.round import add_late_submission

    store = _store(db_url)
    sid = add_late_submission(store, find_round(store, round_ref).id, learner, notebook_path)
    click.echo(f"submission {sid} added for {learner}")


@review.command("reclaim")
@click.argument("round_ref")
@DB_OPTION
def reclaim_cmd(round_ref: str, db_url: str) -> None:
    """Expire overdue leases and reassign those reviews (run it from cron, or the service does)."""
    from dxcase.review.facilitate import reclaim
    from dxcase.review.results import find_round

    store = _store(db_url)
    click.echo(f"{reclaim(store, find_round(store, round_ref).id)} assignment(s) reassigned")


@review.command("close")
@click.argument("round_ref")
@DB_OPTION
def close_cmd(round_ref: str, db_url: str) -> None:
    """Close the review period now (feedback becomes visible to learners)."""
    from dxcase.review.facilitate import close_round
    from dxcase.review.results import find_round

    store = _store(db_url)
    close_round(store, find_round(store, round_ref).id)
    click.echo("closed")


@review.command("report")
@click.argument("round_ref")
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@click.option("--csv", "csv_out", type=click.Path(dir_okay=False), default=None)
@click.option("--lang", type=click.Choice(["ja", "en"]), default=None)
@METHOD_OPTION
@DB_OPTION
def report_cmd(round_ref, out, csv_out, lang, method, db_url) -> None:
    """Write the facilitator report (HTML) and optionally the scores as CSV."""
    from dxcase.atomic import write_text_atomic
    from dxcase.review.facilitate import round_csv
    from dxcase.review.report import write_report
    from dxcase.review.results import find_round, round_result

    store = _store(db_url)
    result = round_result(store, find_round(store, round_ref).id, method)
    path = write_report(result, out, lang)
    if csv_out:
        write_text_atomic(csv_out, round_csv(result))
    click.echo(t("rv_cli_report_written", lang, path=path))


@review.command("gradebook")
@click.argument("round_ref")
@click.option(
    "--gradebook",
    "gradebook_url",
    required=True,
    help="nbgrader gradebook URL, e.g. sqlite:///gradebook.db",
)
@click.option("--dry-run", is_flag=True)
@METHOD_OPTION
@DB_OPTION
def gradebook_cmd(round_ref, gradebook_url, dry_run, method, db_url) -> None:
    """Write aggregated scores into the presentation's manually graded cells."""
    from dxcase.review.gradebook import write_scores
    from dxcase.review.results import find_round, round_result

    store = _store(db_url)
    done = write_scores(
        round_result(store, find_round(store, round_ref).id, method), gradebook_url, dry_run
    )
    for p in done.problems:
        click.echo(str(p), err=True)
    click.echo(f"{len(done.written)} learner(s) written{' (dry run)' if dry_run else ''}")
    if done.problems:
        raise InputError(f"{len(done.problems)} submission(s) could not be written")


@review.command("simulate")
@click.option("--reps", type=int, default=20, show_default=True)
@click.option("-n", "n", type=int, default=300, show_default=True)
@click.option("-k", "k", type=int, default=4, show_default=True)
@click.option(
    "--calibration",
    type=int,
    default=0,
    show_default=True,
    help="Calibration examples per reviewer.",
)
def simulate_cmd(reps: int, n: int, k: int, calibration: int) -> None:
    """Error of the median and the reviewer model against known true scores."""
    from dxcase.review.simulate import run_simulation

    click.echo("method  MAE    RMSE   total-MAE  exact")
    for r in run_simulation(reps=reps, n=n, k=k, calibration=calibration):
        click.echo(f"{r.method:7s} {r.mae:.3f}  {r.rmse:.3f}  {r.total_mae:.3f}      {r.exact:.3f}")


@review.command("demo")
@click.option(
    "--out", default="out/review-demo", show_default=True, type=click.Path(file_okay=False)
)
@click.option("--lang", type=click.Choice(["ja", "en"]), default=None)
def demo_cmd(out: str, lang: str | None) -> None:
    """Simulate a whole round on a 12-learner demo cohort; print the facilitator report's path."""
    from dxcase.review.demo import run_review_demo

    click.echo(t("rv_cli_report_written", lang, path=run_review_demo(out, lang)))


@review.group("token")
def token() -> None:
    """Access tokens for standalone mode (no JupyterHub)."""


@token.command("add")
@click.argument("user")
@click.option(
    "--role", type=click.Choice(["learner", "facilitator"]), default="learner", show_default=True
)
@DB_OPTION
def token_add(user: str, role: str, db_url: str) -> None:
    """Create a token for USER and print it (only its hash is stored)."""
    from dxcase.review.service.auth import add_token

    click.echo(add_token(_store(db_url), user, role))


@review.command("serve")
@click.option(
    "--port", type=int, default=None, help="Default: from $JUPYTERHUB_SERVICE_URL, else 8765."
)
@click.option("--ip", default="127.0.0.1", show_default=True)
@click.option("--standalone", is_flag=True, help="Own tokens instead of JupyterHub OAuth.")
@click.option("--prefix", default=None, help="URL prefix (hub: $JUPYTERHUB_SERVICE_PREFIX).")
@click.option(
    "--facilitator-group", "groups", multiple=True, default=("facilitators",), show_default=True
)
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True)
@click.option(
    "--reclaim-minutes",
    type=float,
    default=10.0,
    show_default=True,
    help="How often expired leases are reassigned.",
)
@click.option(
    "--processes",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes sharing the port. Default: one per CPU core, at most 4.",
)
@METHOD_OPTION
@DB_OPTION
def serve(
    port, ip, standalone, prefix, groups, lang, reclaim_minutes, processes, method, db_url
) -> None:
    """Run the review web service (as a JupyterHub service, or --standalone)."""
    from dxcase.review.service.server import DEFAULT_PROCESSES, run

    run(
        db_url,
        port,
        ip,
        standalone,
        prefix,
        frozenset(groups),
        lang,
        reclaim_minutes,
        method,
        processes or DEFAULT_PROCESSES,
    )
