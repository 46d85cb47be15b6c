"""``dxcase data anonymize IN... --config anonymize.yaml --out DIR``."""

from __future__ import annotations

import click


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="anonymize.yaml: what to do with each column of each file.",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Output folder: data/ (for learners) and report/ (for the author).",
)
@click.option(
    "--encoding",
    default=None,
    help="Encoding of the inputs (default: detect UTF-8, then Shift_JIS/CP932).",
)
@click.option(
    "--key-file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Secret key file (else $DXCASE_ANON_KEY). Never put it in the output.",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing output folder.")
@click.option(
    "--lang",
    type=click.Choice(["ja", "en"]),
    default=None,
    help="Language of messages and report (default: $DXCASE_LANG or ja).",
)
def anonymize(
    inputs: tuple[str, ...],
    config_path: str,
    out_dir: str,
    encoding: str | None,
    key_file: str | None,
    overwrite: bool,
    lang: str | None,
) -> None:
    """Turn a company's CSV files into teaching data.

    Pseudonymizes identifiers with a secret key, shifts dates by whole weeks, scales and
    generalizes numbers, scans text for personal data, reports the risks that remain, and
    checks that no original identifier is left. On any problem nothing is written.
    """
    from dxcase.data.anonymize.run import anonymize as run
    from dxcase.i18n import t

    result = run(
        list(inputs),
        config_path,
        out_dir,
        encoding=encoding,
        key_file=key_file,
        overwrite=overwrite,
        lang=lang,
    )
    for warning in result.warnings:
        click.echo(str(warning), err=True)
    click.echo(t("anonymize_done", lang, files=len(inputs), out=result.data_dir))
    click.echo(
        t(
            "anonymize_summary",
            lang,
            findings=result.report["findings"]["total"],
            warnings=len(result.warnings),
            risks=len(result.risks),
            high=sum(r.level == "high" for r in result.risks),
        )
    )
    click.echo(t("anonymize_report_written", lang, path=result.report_html))
