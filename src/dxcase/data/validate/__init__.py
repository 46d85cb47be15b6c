"""``dxcase data validate``: a dataset folder against its Data Package and semantic rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from dxcase.data.csvio import decode_file, read_csv_text, structural_problems
from dxcase.data.package import DESCRIPTOR, KNOWN_ISSUES_KEY, RULES_KEY, read_descriptor
from dxcase.data.validate.known import classify
from dxcase.data.validate.rules import RULES, Finding, foreign_key_findings
from dxcase.data.validate.schema import schema_problems, typed_columns
from dxcase.errors import InputError, Problem, ProblemList


def validate_dir(
    folder: str | Path, lang: str | None = None, cap_per_rule: int = 20
) -> ProblemList:
    """Every problem in the folder (capped per file and rule); declared known issues as warnings."""
    folder = Path(folder)
    descriptor = read_descriptor(folder)
    report = ProblemList(cap_per_rule=cap_per_rule)
    frames: dict[str, pd.DataFrame] = {}
    findings: list[Finding] = []
    for resource in descriptor["resources"]:
        typed, problems = _check_resource(folder, resource)
        report.extend(problems)
        if typed is not None:
            frames[resource["name"]] = typed
    for resource in descriptor["resources"]:
        if resource["name"] not in frames:
            continue
        file = str(folder / resource["path"])
        findings += foreign_key_findings(frames, resource, file)
        for rule in resource.get(RULES_KEY, []):
            if rule["rule"] not in RULES:
                report.add(
                    Problem(
                        str(folder / DESCRIPTOR),
                        "descriptor",
                        f"unknown rule {rule['rule']!r}",
                        column=resource["name"],
                    )
                )
                continue
            findings += RULES[rule["rule"]](frames[resource["name"]], rule, resource["name"], file)
    report.extend(
        classify(findings, descriptor.get(KNOWN_ISSUES_KEY, []), str(folder / DESCRIPTOR))
    )
    return report


def _check_resource(
    folder: Path, resource: dict[str, Any]
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Structure, then schema; the typed frame only if the file is readable and well-typed."""
    path = folder / resource["path"]
    if not path.is_file():
        return None, [
            Problem(
                str(path),
                "missing-file",
                f"resource {resource['name']!r} "
                "is declared in datapackage.json but the file is absent",
            )
        ]
    try:
        doc = decode_file(path, resource.get("encoding", "utf-8"))
    except InputError as exc:
        return None, list(exc.problems)
    problems = structural_problems(doc)
    if problems:
        return None, problems
    raw = read_csv_text(doc)
    declared = [f["name"] for f in resource["schema"]["fields"]]
    problems = [
        Problem(str(path), "undeclared-column", "column is not in the schema", 1, c)
        for c in raw.columns
        if c not in declared
    ]
    typed = typed_columns(raw, resource)
    problems += schema_problems(raw, typed, resource, str(path))
    if problems:
        return None, problems
    return pd.DataFrame(typed), []
