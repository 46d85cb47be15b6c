"""``dxcase data``: generate, validate, describe and anonymize datasets."""

from __future__ import annotations

import click

from dxcase.data.anonymize.cli import anonymize


@click.group()
def data() -> None:
    """Generate, validate, describe and anonymize case datasets."""


data.add_command(anonymize)


def _parse_params(values: tuple[str, ...]) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r}: expected KEY=VALUE", param_hint="--param")
        params[key.strip()] = value.strip()
    return params


@data.command()
@click.argument("name")
@click.option("--seed", type=int, default=None, help="Variant seed (default: the dataset's).")
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a documented generator parameter (repeatable).",
)
@click.option(
    "--scale",
    type=float,
    default=1.0,
    show_default=True,
    help="Multiply the number of stores (retail) or parts (parts).",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Learner folder: history plus the inputs known for the holdout period.",
)
@click.option(
    "--holdout-out",
    "holdout_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Holdout truth folder: never put it where learners can read it.",
)
@click.option(
    "--key-file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Secret cohort key for the holdout noise (else $DXCASE_COHORT_KEY).",
)
@click.option("--overwrite", is_flag=True, help="Replace existing output folders.")
def generate(
    name: str,
    seed: int | None,
    params: tuple[str, ...],
    scale: float,
    out_dir: str,
    holdout_dir: str,
    key_file: str | None,
    overwrite: bool,
) -> None:
    """Generate a variant of dataset NAME (see `dxcase data list`)."""
    from dxcase.data.generate import generate_variant

    result = generate_variant(
        name,
        seed=seed,
        overrides=_parse_params(params),
        scale=scale,
        out_dir=out_dir,
        holdout_dir=holdout_dir,
        key_file=key_file,
        overwrite=overwrite,
        echo=click.echo,
    )
    click.echo(f"learner data: {result.out_dir}")
    click.echo(f"holdout truth: {result.holdout_dir} (keep it away from learners)")


@data.command(name="list")
def list_datasets() -> None:
    """List the bundled datasets and their parameters."""
    from dxcase.data.registry import all_datasets

    for spec in all_datasets():
        click.echo(f"{spec.name}: {spec.title['en']} / {spec.title['ja']}")
        for p in spec.parameters.values():
            click.echo(f"    {p.name} = {p.default!r}  {p.doc['en']}")


@data.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print problems as JSON.")
@click.option("--lang", type=click.Choice(["ja", "en"]), default=None)
def validate(directory: str, as_json: bool, lang: str | None) -> None:
    """Validate a dataset folder: schema, keys, and semantic rules.

    Declared known issues (planted for learners to find) are reported as warnings; any other
    problem is an error and the exit status is non-zero.
    """
    from dxcase.data.validate import validate_dir
    from dxcase.i18n import t

    report = validate_dir(directory, lang=lang)
    if as_json:
        click.echo(report.to_json())
    else:
        for line in report.lines():
            click.echo(line)
    click.echo(
        t(
            "validate_summary",
            lang,
            dir=directory,
            errors=report.error_count,
            warnings=len(report.warnings),
        ),
        err=as_json,
    )
    if report.has_errors:
        raise SystemExit(1)


@data.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option(
    "--out",
    "out_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="Where to write describe.html and plots (default: DIRECTORY/describe).",
)
@click.option("--lang", type=click.Choice(["ja", "en"]), default=None)
def describe(directory: str, out_dir: str | None, lang: str | None) -> None:
    """Summarize a dataset folder and plot it into an HTML page."""
    from dxcase.data.describe import describe_dir

    page = describe_dir(directory, out_dir, lang=lang)
    click.echo(f"summary: {page}")
