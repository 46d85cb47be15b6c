"""The ``dxcase`` command: one subcommand group per thing users do."""

from __future__ import annotations

import sys

import click

from dxcase import __version__
from dxcase.author.cli import author
from dxcase.batch.cli import batch
from dxcase.cohort.cli import LEARNERS_OPTION, cohort
from dxcase.data.cli import data
from dxcase.errors import DxcaseError
from dxcase.grade.cli import grade
from dxcase.hub.cli import hub
from dxcase.review.cli import review


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dxcase")
def cli() -> None:
    """dxcase: DX case studies on anonymized corporate data, in Jupyter.

    \b
    Groups:
      data    generate, validate, describe and anonymize case datasets
      author  scaffold, build and validate case studies
      review  peer review rounds, aggregation, gradebook and the review web service
      batch   run case notebooks over many dataset variants, with a report
      grade   cohort autograding (parallel, sandboxed, nbgrader gradebook), feedback, export
      hub     a cohort on JupyterHub on one machine (accounts, exchange, hub, review service)
      cohort  one report on a cohort: final grades, peer review, flags, who is stuck, items
      demo    run the main job on the bundled defaults
    """


cli.add_command(data)
cli.add_command(author)
cli.add_command(review)
cli.add_command(batch)
cli.add_command(grade)
cli.add_command(hub)
cli.add_command(cohort)


@cli.command()
@click.option(
    "--out",
    "out_dir",
    default="out/demo",
    show_default=True,
    type=click.Path(),
    help="Folder for the demo's datasets and HTML summary (replaced if it exists).",
)
@click.option(
    "--lang",
    type=click.Choice(["ja", "en"]),
    default=None,
    help="Language of the summary (default: $DXCASE_LANG or ja).",
)
@LEARNERS_OPTION
def demo(out_dir: str, lang: str | None, learners: int) -> None:
    """The main job on the bundled defaults, with an HTML summary.

    Generates, validates and describes both datasets, validates every case (releases and
    executed notebooks kept), runs a small batch and a simulated peer-review round, then takes
    a simulated cohort of retail_demand through grading and peer review to the cohort report.
    """
    from dxcase.demo import run_demo

    run_demo(out_dir, lang, learners)


def main() -> None:
    """Entry point: user errors print a clear message and exit non-zero, without a traceback."""
    try:
        cli(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except DxcaseError as exc:
        click.echo(f"dxcase: error: {exc}", err=True)
        sys.exit(exc.exit_code)
