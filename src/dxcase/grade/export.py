"""``dxcase grade export``: the gradebook as CSV (one row per learner and assignment).

The columns start like ``nbgrader export`` (assignment, duedate, timestamp, student_id,
raw_score, late_submission_penalty, score, max_score), then the roster's team and language and
each notebook's score, so the file opens in a spreadsheet as the facilitator expects.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from dxcase.atomic import write_text_atomic
from dxcase.grade.course import Course


def export_csv(course: Course, out: Path, assignments: list[str] | None = None) -> int:
    rows = []
    notebooks: list[str] = []
    with course.gradebook() as gb:
        for assignment in gb.assignments:
            if assignments and assignment.name not in assignments:
                continue
            names = [f"{assignment.name}/{nb.name}" for nb in assignment.notebooks]
            notebooks += [n for n in names if n not in notebooks]
            for student in gb.students:
                learner = course.learner(student.id)
                row = {
                    "assignment": assignment.name,
                    "duedate": assignment.duedate or "",
                    "student_id": student.id,
                    "team": learner.team,
                    "lang": learner.lang,
                    "max_score": assignment.max_score,
                }
                try:
                    sub = gb.find_submission(assignment.name, student.id)
                except Exception:
                    row.update(timestamp="", raw_score=0.0, late_submission_penalty=0.0, score=0.0)
                else:
                    row.update(
                        timestamp=sub.timestamp or "",
                        raw_score=sub.score,
                        late_submission_penalty=sub.late_submission_penalty,
                        score=sub.score - sub.late_submission_penalty,
                    )
                    for nb in sub.notebooks:
                        row[f"{assignment.name}/{nb.name}"] = nb.score
                rows.append(row)
    header = [
        "assignment", "duedate", "timestamp", "student_id", "team", "lang",
        "raw_score", "late_submission_penalty", "score", "max_score", *notebooks,
    ]  # fmt: skip
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, restval="")
    writer.writeheader()
    writer.writerows(rows)
    write_text_atomic(out, buf.getvalue())
    return len(rows)
