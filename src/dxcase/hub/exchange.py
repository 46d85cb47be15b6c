"""Facilitator steps on the cohort's nbgrader exchange: collect (with an owner check), feedback.

nbgrader's collect only warns when a submission claims a learner id that is not its files'
owner (a learner can set another ``student_id`` in their own config). Here such submissions are
moved out of the exchange to ``COURSE/dxcase/quarantine/`` and reported before collecting.

nbgrader delivers feedback per submitted notebook (``<notebook>.html`` keyed by the
submission's secret); dxcase grade writes one report per learner, so the report is released
under each submitted notebook's name.
"""

from __future__ import annotations

import os
import pwd
import shutil

from dxcase.grade.feedback import REPORT
from dxcase.hub.cohort import HubCohort
from dxcase.hub.provision import nbgrader


def quarantine_impostors(cohort: HubCohort, assignment: str) -> list[str]:
    """Move inbound submissions whose owner is not the learner they name; return their names."""
    inbound = cohort.exchange / cohort.name / "inbound"
    if not inbound.is_dir():
        return []
    moved = []
    for entry in sorted(inbound.iterdir()):
        parts = entry.name.split("+")
        if len(parts) < 3 or parts[1] != assignment:
            continue
        try:
            owner = pwd.getpwuid(entry.lstat().st_uid).pw_name
        except KeyError:
            owner = ""
        if owner != parts[0] or parts[0] not in cohort.learners or entry.is_symlink():
            dest = cohort.course / "dxcase" / "quarantine"
            dest.mkdir(parents=True, exist_ok=True)
            shutil.move(str(entry), dest / entry.name)
            moved.append(f"{entry.name} (owner {owner or '?'})")
    return moved


def collect(cohort: HubCohort, assignment: str) -> list[str]:
    """Owner check, then ``nbgrader collect --update``; the quarantined submissions."""
    moved = quarantine_impostors(cohort, assignment)
    nbgrader(cohort, "collect", assignment, "--update")
    return moved


def release_feedback(cohort: HubCohort, assignment: str) -> int:
    """Put each learner's report where nbgrader's release_feedback finds it; release it."""
    count = 0
    for folder in sorted((cohort.course / "feedback").glob(f"*/{assignment}")):
        student = folder.parent.name
        report = folder / REPORT
        submitted = cohort.course / "submitted" / student / assignment
        if not report.is_file() or not submitted.is_dir():
            continue
        for name in ("timestamp.txt", "submission_secret.txt"):
            if (submitted / name).is_file():
                shutil.copy2(submitted / name, folder / name)
        for notebook in submitted.glob("*.ipynb"):
            copy = folder / f"{notebook.stem}.html"
            shutil.copy2(report, copy)
            os.chmod(copy, 0o644)  # the exchange keeps this mode; the learner must read it
        count += 1
    if count:
        nbgrader(cohort, "release_feedback", assignment)
    return count
