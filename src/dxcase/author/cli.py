"""``dxcase author``: scaffold, build and validate cases."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dxcase.errors import DxcaseError


@click.group()
def author() -> None:
    """Write case studies: scaffold a case, build its release, prove it works."""


@author.command("new")
@click.argument("slug")
@click.option(
    "--root",
    type=click.Path(file_okay=False),
    default=None,
    help="Cases folder (default: casestudies/).",
)
@click.option(
    "--dataset", default="retail_sales", show_default=True, help="Dataset the notebooks use."
)
def new(slug: str, root: str | None, dataset: str) -> None:
    """Scaffold casestudies/SLUG: case.yaml, checks.yaml and four phase notebooks."""
    from dxcase.author.scaffold import new_case
    from dxcase.paths import content_root

    target = new_case(slug, Path(root) if root else content_root("casestudies"), dataset)
    click.echo(f"created {target}\nnext: dxcase author validate {target}")


@author.command("build")
@click.argument("case_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Release folder (default: out/release/<lang>/<case>).",
)
def build(case_dir: str, lang: str, out_dir: str | None) -> None:
    """Write the student release of CASE_DIR in one language (nbgrader generate_assignment)."""
    from dxcase.author.build import build_release
    from dxcase.author.casefile import load_case

    case = load_case(case_dir)
    out = Path(out_dir) if out_dir else Path("out") / "release" / lang / case.slug
    build_release(case, lang, out)
    click.echo(f"release ({lang}): {out}")


@author.command("validate")
@click.argument("case_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--keep",
    type=click.Path(file_okay=False),
    default=None,
    help="Keep the work folder (releases, executed notebooks) here.",
)
@click.option(
    "--strict-limits",
    is_flag=True,
    help="Fail on run time over the limit even when other work loads the machine (by default that is a warning).",
)
@click.option(
    "--variants",
    type=click.IntRange(1, 20),
    default=3,
    show_default=True,
    help="Dataset variants to compute answer keys on (the report says which answers are the same on all).",
)
def validate(
    case_dir: str, as_json: bool, keep: str | None, strict_limits: bool, variants: int
) -> None:
    """Prove CASE_DIR works: the solutions give every task's answer key, mistake rules never
    match the right answer, releases give no expected value, nothing secret leaks, both
    languages build, and each notebook stays within its time and memory limits."""
    from dxcase.author.validate import validate_case

    echo = (lambda m: click.echo(m, err=True)) if as_json else click.echo
    keep_dir = Path(keep) if keep else None
    result = validate_case(
        case_dir, echo=echo, keep=keep_dir, strict_limits=strict_limits, variants=variants
    )
    if as_json:
        click.echo(result.to_json())
    else:
        for line in result.problems.lines():
            click.echo(line)
        runs = ", ".join(
            f"{r.notebook}: {r.seconds:.1f} s (CPU {r.cpu_seconds or 0:.1f} s), {r.peak_mib or 0:.0f} MiB"
            for r in result.runs
            if r.kind == "solution"
        )
        click.echo(f"solution runs: {runs or 'none'}")
    if not result.ok:
        raise DxcaseError(
            f"{case_dir}: {result.problems.error_count} problem(s); the case is not ready"
        )
    click.echo(f"{case_dir}: ok", err=as_json)
    sys.stdout.flush()
