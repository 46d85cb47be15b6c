"""``dxcase data anonymize``: read, check, transform, scan, assess, check for leaks, write.

All problems are collected before anything is written; the output folder appears whole
(``data/`` for learners, ``report/`` for the author) or not at all.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dxcase.atomic import atomic_dir
from dxcase.data.anonymize.config import ColumnRule, Config, column_problems, load_config
from dxcase.data.anonymize.leaks import SubstringIndex, mask
from dxcase.data.anonymize.pseudonymize import KEY_ENV, Keyed
from dxcase.data.anonymize.report import build_report, to_html, to_json
from dxcase.data.anonymize.risks import Risk, assess
from dxcase.data.anonymize.table import InputTable, Plan, TableResult, anonymize_table
from dxcase.data.csvio import decode_file, read_csv_text, structural_problems
from dxcase.data.keys import load_key
from dxcase.errors import InputError, Problem, ProblemList
from dxcase.i18n import t


@dataclass
class RunResult:
    """Where the output went, and the report that describes it."""

    out_dir: Path
    data_dir: Path
    report_html: Path
    report_json: Path
    report: dict[str, Any]
    risks: list[Risk]
    warnings: list[Problem]


def row_lines(text: str) -> list[int]:
    """The physical line where each data row starts (the header is line 1; blank lines skipped)."""
    reader = csv.reader(io.StringIO(text))
    lines: list[int] = []
    end = 0
    for row in reader:
        if row and end:
            lines.append(end + 1)
        end = reader.line_num
    return lines


def _fail_if(problems: ProblemList, summary_key: str, lang: str | None) -> None:
    if problems.has_errors:
        raise InputError(t(summary_key, lang, n=problems.error_count), problems)


def read_inputs(
    paths: list[Path], config: Config, encoding: str | None, problems: ProblemList
) -> list[InputTable]:
    """Decode and read every input; structural and config-vs-header problems go to ``problems``."""
    tables = []
    seen: set[str] = set()
    for path in paths:
        name = path.name
        if name in seen:
            problems.add(Problem(str(path), "duplicate-input", t("anonymize_duplicate_input")))
            continue
        seen.add(name)
        if name not in config.files:
            problems.add(Problem(str(path), "file-not-configured", t("anonymize_not_configured")))
            continue
        if not path.is_file():
            problems.add(Problem(str(path), "missing-file", "not found"))
            continue
        try:
            doc = decode_file(path, encoding)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        damage = structural_problems(doc)
        problems.extend(damage)
        if damage:
            continue
        frame = read_csv_text(doc)
        problems.extend(column_problems(config, config.files[name], list(frame.columns)))
        tables.append(InputTable(name, path, doc.encoding, frame, row_lines(doc.text)))
    return tables


def _identifier_columns(
    tables: list[InputTable], config: Config
) -> list[tuple[ColumnRule, set[str]]]:
    """Pseudonymized and dropped identifier columns, with their distinct (stripped) values."""
    found = []
    for table in tables:
        for rule in config.files[table.name].columns.values():
            if rule.action == "pseudonymize" or (rule.action == "drop" and rule.get("identifier")):
                values = {v.strip() for v in table.frame[rule.name].dropna().unique()}
                found.append((rule, values))
    return found


def _pseudonyms(
    tables: list[InputTable], config: Config, keyed: Keyed, problems: ProblemList
) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Pseudonym tables per domain, and every original identifier value -> where it came from.

    A pseudonym that happens to contain an original value (``ORD-0012345X`` for ``ORD-0012345``)
    is drawn again, so the leak check never fails on a coincidence.
    """
    columns = _identifier_columns(tables, config)
    originals = {v: f"{rule.keys[1]} [{rule.name}]" for rule, values in columns for v in values}
    forbidden = SubstringIndex(originals)
    domains: dict[str, dict[str, str]] = {}
    for rule, values in columns:
        if rule.action == "drop":
            continue
        domain = rule.get("domain", rule.name)
        table_of = domains.setdefault(domain, {})
        taken = set(table_of.values())
        prefix, length = rule.get("prefix", domain.upper()), rule.get("length", 8)
        for value in sorted(values - table_of.keys()):
            pseudonym = next(
                p
                for attempt in range(100)
                if not forbidden.find_all(
                    p := keyed.pseudonym(domain, value, prefix, length, attempt)
                )
            )
            if pseudonym in taken:
                problems.add(
                    Problem(
                        str(config.path),
                        "pseudonym-collision",
                        f"{rule.path}: two values share one pseudonym; raise 'length'",
                        rule.line,
                        rule.name,
                    )
                )
                break
            table_of[value] = pseudonym
            taken.add(pseudonym)
    return domains, originals


def _leaks(
    results: list[TableResult],
    tables: list[InputTable],
    texts: dict[str, str],
    forbidden: SubstringIndex,
    lang: str | None,
) -> list[Problem]:
    """Every output cell (and report line) that still holds an original identifier value."""

    def problem(file: str, line: int | None, column: str | None, value: str) -> Problem:
        source = forbidden.values[value]
        message = t("anonymize_leak_message", lang, value=mask(value), source=source)
        return Problem(file, "identifier-leak", message, line, column)

    problems = []
    for result, table in zip(results, tables, strict=True):
        for col in result.frame.columns:
            series = result.frame[col]
            hits = {
                v: found[0][2] for v in series.dropna().unique() if (found := forbidden.find_all(v))
            }
            if hits:
                problems += [
                    problem(str(table.path), table.lines[i], col, hits[v])
                    for i, v in enumerate(series.tolist())
                    if isinstance(v, str) and v in hits
                ]
    for name, text in texts.items():
        for number, line in enumerate(text.splitlines(), 1):
            problems += [problem(name, number, None, v) for _, _, v in forbidden.find_all(line)]
    return problems


def anonymize(
    inputs: list[str | Path],
    config_path: str | Path,
    out: str | Path,
    *,
    encoding: str | None = None,
    key_file: str | Path | None = None,
    overwrite: bool = False,
    lang: str | None = None,
) -> RunResult:
    """Anonymize ``inputs`` by ``config_path`` into ``out``; raise InputError on any problem."""
    config = load_config(config_path)
    secret = load_key(key_file, env=KEY_ENV, required=True, lang=lang).secret
    keyed = Keyed(secret)
    problems = ProblemList()
    tables = read_inputs([Path(p) for p in inputs], config, encoding, problems)
    _fail_if(problems, "anonymize_bad_input", lang)

    pseudonyms, originals = _pseudonyms(tables, config, keyed, problems)
    weeks = config.date_shift_weeks
    if weeks is None:
        weeks = keyed.shift_weeks(*config.date_shift_range)
    text_index = SubstringIndex({o: pseudonyms[d][o] for d in pseudonyms for o in pseudonyms[d]})
    plan = Plan(config, keyed, weeks, pseudonyms, text_index)
    results = [anonymize_table(tb, config.files[tb.name], plan) for tb in tables]
    for result in results:
        problems.extend(result.problems)
    _fail_if(problems, "anonymize_bad_input", lang)

    warnings = list(problems.warnings)
    risks = assess(results, config, lang)
    report = build_report(config, tables, results, risks, warnings, lang)
    texts = {"report/report.json": to_json(report), "report/report.html": to_html(report)}
    forbidden = SubstringIndex({**originals, secret.decode("utf-8", "replace"): "the secret key"})
    leaks = ProblemList()
    leaks.extend(_leaks(results, tables, texts, forbidden, lang))
    _fail_if(leaks, "anonymize_leak", lang)

    with atomic_dir(out, overwrite) as tmp:
        (tmp / "data").mkdir()
        (tmp / "report").mkdir()
        for result in results:
            result.frame.to_csv(
                tmp / "data" / result.name, index=False, encoding="utf-8", lineterminator="\n"
            )
        for name, text in texts.items():
            (tmp / name).write_text(text, encoding="utf-8")
    out_dir = Path(out).resolve()
    return RunResult(
        out_dir,
        out_dir / "data",
        out_dir / "report" / "report.html",
        out_dir / "report" / "report.json",
        report,
        risks,
        warnings,
    )
