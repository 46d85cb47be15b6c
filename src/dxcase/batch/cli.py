"""``dxcase batch``: run case notebooks over many dataset variants, in parallel, with a report."""

from __future__ import annotations

import sys

import click

from dxcase.batch.matrix import Matrix, VariantGroup, parse_seeds


@click.group()
def batch() -> None:
    """Validate case notebooks over many dataset variants (papermill, in parallel)."""


def _parse_params(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    from dxcase.data.cli import _parse_params as parse

    return tuple(sorted(parse(values).items()))


@batch.command()
@click.argument("cases", nargs=-1, type=click.Path(exists=True, file_okay=False))
@click.option(
    "--matrix",
    "matrix_file",
    type=click.Path(exists=True, dir_okay=False),
    help="YAML file with cases, notebooks, languages, variants (see docs/batch.md).",
)
@click.option("--notebook", "notebooks", multiple=True, help="Only this notebook (repeatable).")
@click.option(
    "--seeds",
    default=None,
    help="Variant seeds: 1-8, 1,3,5 or 7 (default: each case's own seed).",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="Generator parameter override for these seeds (repeatable; see `dxcase data list`).",
)
@click.option("--scale", type=float, default=1.0, show_default=True, help="Dataset scale.")
@click.option(
    "--lang",
    "langs",
    multiple=True,
    type=click.Choice(["ja", "en"]),
    help="Language(s) to run (repeatable; default ja).",
)
@click.option(
    "--out",
    "out_dir",
    default="out/batch",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Output folder: state (resume), variants, report.html/csv, failed notebooks.",
)
@click.option("--workers", type=int, default=None, help="Parallel kernels (default: cores).")
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="Run on a Dask distributed cluster (tcp://host:8786); --out must be shared with it.",
)
@click.option(
    "--cell-timeout",
    type=float,
    default=None,
    help="Seconds per cell (default: 10x case limit, at least 300).",
)
@click.option("--retry-failed", is_flag=True, help="Run again the runs that failed before.")
@click.option("--keep-executed", is_flag=True, help="Keep executed notebooks of passed runs too.")
@click.option("--no-story", is_flag=True, help="Do not check case.yaml story conditions.")
@click.option("--no-progress", is_flag=True, help="No progress bar (for logs).")
@click.option(
    "--report-lang",
    type=click.Choice(["ja", "en"]),
    default=None,
    help="Report language (default: $DXCASE_LANG or ja).",
)
def validate(
    cases: tuple[str, ...],
    matrix_file: str | None,
    notebooks: tuple[str, ...],
    seeds: str | None,
    params: tuple[str, ...],
    scale: float,
    langs: tuple[str, ...],
    out_dir: str,
    workers: int | None,
    scheduler: str | None,
    cell_timeout: float | None,
    retry_failed: bool,
    keep_executed: bool,
    no_story: bool,
    no_progress: bool,
    report_lang: str | None,
) -> None:
    """Run the solution notebooks of CASES over dataset variants and check their story.

    \b
    Examples:
      dxcase batch validate casestudies/retail_demand --seeds 1-8
      dxcase batch validate casestudies/retail_demand --notebook 03_trial \\
          --seeds 100 --param temperature_effect=0
      dxcase batch validate --matrix batch.yaml --scheduler tcp://10.0.0.5:8786

    Exits 1 when any run fails or any story condition does not hold, naming them.
    Rerunning with the same --out skips runs already done with the same inputs.
    """
    from pathlib import Path

    from dxcase.batch.engine import run_batch

    matrix = Matrix.from_yaml(matrix_file) if matrix_file else Matrix(cases=[])
    matrix.cases += [Path(c).resolve() for c in cases]
    if notebooks:
        matrix.notebooks = list(notebooks)
    if langs:
        matrix.languages = list(langs)
    if seeds is not None or params or scale != 1.0:
        group = VariantGroup(
            tuple(parse_seeds(seeds, "--seeds")) if seeds is not None else (),
            _parse_params(params),
            scale,
        )
        if seeds is None:  # overrides without seeds: apply them to the file's groups, or case seed
            matrix.variants = [
                VariantGroup(
                    g.seeds,
                    tuple(sorted({**dict(g.params), **dict(group.params)}.items())),
                    scale,
                    g.dataset,
                )
                for g in matrix.variants
            ] or [group]
        else:
            matrix.variants = [group]
    result = run_batch(
        matrix,
        out_dir,
        workers=workers,
        scheduler=scheduler,
        cell_timeout=cell_timeout,
        retry_failed=retry_failed,
        keep_executed=keep_executed,
        story=not no_story,
        progress=not no_progress,
        echo=click.echo,
        lang=report_lang,
    )
    for line in result.summary_lines():
        click.echo(line)
    click.echo(f"report: {result.report_html}")
    click.echo(f"csv:    {result.report_csv}")
    if not result.ok:
        sys.exit(1)
