"""A late-submission penalty for nbgrader: a share of the notebook's score per day late.

nbgrader's own plugin either does nothing or zeroes a late notebook. A course that wants a
gentler rule sets, in its ``nbgrader_config.py``::

    c.AssignLatePenalties.plugin_class = "dxcase.grade.late.PerDayPenalty"
    c.PerDayPenalty.share_per_day = 0.1   # 10 % of the score per started day

``dxcase grade run`` applies it through nbgrader's own AssignLatePenalties preprocessor.
"""

from __future__ import annotations

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float


class PerDayPenalty(LateSubmissionPlugin):
    """``share_per_day`` of the notebook's score for every started day late, at most all of it."""

    share_per_day = Float(0.1, help="Share of the score taken per started day late.").tag(
        config=True
    )

    def late_submission_penalty(
        self, student_id: str, score: float, total_seconds_late: float
    ) -> float | None:
        if total_seconds_late <= 0:
            return None
        days = math.ceil(total_seconds_late / 86400)
        return round(min(1.0, self.share_per_day * days) * score, 3)


def config_lines(share_per_day: float) -> str:
    """The ``nbgrader_config.py`` lines that turn the penalty on."""
    return (
        'c.AssignLatePenalties.plugin_class = "dxcase.grade.late.PerDayPenalty"\n'
        f"c.PerDayPenalty.share_per_day = {share_per_day!r}\n"
    )
