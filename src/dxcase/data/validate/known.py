"""Match findings against the known issues a data package declares (planted for learners)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

from dxcase.data.validate.rules import Finding
from dxcase.errors import Problem


def matches(issue: dict[str, Any], finding: Finding) -> bool:
    return (
        finding.resource in issue.get("resources", [])
        and finding.problem.rule == issue["rule"]
        and all(finding.context.get(k) == str(v) for k, v in issue.get("where", {}).items())
    )


def classify(
    findings: list[Finding], issues: list[dict[str, Any]], descriptor_file: str
) -> list[Problem]:
    """Findings matching a declared issue (within its max_count) become warnings.

    Declared issues that validation cannot check, or that were not found (a variant made with
    plant_issues=false), are reported as warnings too, so nothing declared goes unmentioned.
    """
    used: Counter[str] = Counter()
    out: list[Problem] = []
    for finding in findings:
        issue = next((i for i in issues if matches(i, finding)), None)
        if issue is not None and used[issue["id"]] < issue.get("max_count", 10**9):
            used[issue["id"]] += 1
            out.append(replace(finding.problem, severity="warning", known_issue=issue["id"]))
        else:
            out.append(finding.problem)
    for issue in issues:
        if not issue.get("checked", True):
            out.append(
                Problem(
                    descriptor_file,
                    "known-issue",
                    f"declared; not checked automatically: {issue['description']['en']}",
                    severity="warning",
                    known_issue=issue["id"],
                )
            )
        elif used[issue["id"]] == 0:
            out.append(
                Problem(
                    descriptor_file,
                    "known-issue",
                    "declared but not found in this variant",
                    severity="warning",
                    known_issue=issue["id"],
                )
            )
    return out
