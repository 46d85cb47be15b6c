"""Score a learner's holdout forecast file with the case's grader, and map WMAPE to points.

The grader is ``graders/<name>/score.py`` with a function ``score(forecast, truth_dir)`` that
returns the forecast's WMAPE against the holdout truth of the learner's variant. graders/ and
the truth never ship to learners; this runs only where both are readable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from dxcase.author.casefile import load_case
from dxcase.errors import DxcaseError
from dxcase.paths import load_content_module


@dataclass(frozen=True)
class HoldoutScore:
    wmape: float
    points: float
    max_points: float


def load_grader(name: str) -> ModuleType:
    """The module ``graders/<name>/score.py``."""
    return load_content_module("graders", f"{name}/score.py")


def score_forecast(case_dir: Path, forecast: Path, truth_dir: Path) -> HoldoutScore:
    """WMAPE of ``forecast`` against ``truth_dir`` and the points case.yaml gives for it."""
    case = load_case(case_dir)
    if case.holdout is None:
        raise DxcaseError(f"{case_dir}/case.yaml: grading.holdout is not set")
    wmape = float(load_grader(case.holdout.grader).score(Path(forecast), Path(truth_dir)))
    return HoldoutScore(wmape, case.holdout.points_for(wmape), case.holdout.points)
