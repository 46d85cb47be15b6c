"""Item analysis for case authors: which tasks fail most, where hints go, where learners are
stuck, and which rubric criteria are weakest."""

from __future__ import annotations

from dataclasses import dataclass

from dxcase.cohort.events import Activity
from dxcase.cohort.grades import LearnerGrade
from dxcase.review.results import RoundResult


@dataclass(frozen=True)
class TaskInfo:
    id: str
    notebook: str
    practice: bool


@dataclass
class Item:
    """One task across the cohort."""

    task: str
    notebook: str
    practice: bool
    graded: int = 0  # learners with a grade for the task
    full: int = 0  # ... of whom with every point
    checks: int = 0  # self-checks run (all learners)
    check_fails: int = 0  # ... of which failed
    hints: int = 0  # hints shown
    hinted: int = 0  # learners who asked for a hint
    stuck: int = 0  # learners stuck on the task

    @property
    def miss_share(self) -> float | None:
        """Share of graded learners without full points (None for practice tasks)."""
        return None if not self.graded else 1 - self.full / self.graded

    @property
    def check_fail_share(self) -> float | None:
        return None if not self.checks else self.check_fails / self.checks


def item_analysis(
    tasks: list[TaskInfo], grades: dict[str, LearnerGrade], activity: dict[str, Activity]
) -> list[Item]:
    """One :class:`Item` per task, in the case's order."""
    items = []
    for task in tasks:
        item = Item(task.id, task.notebook, task.practice)
        for g in grades.values():
            if g.submitted and task.id in g.cells:
                score, top = g.cells[task.id]
                item.graded += 1
                item.full += score >= top
        for act in activity.values():
            item.checks += act.checks[task.id]
            item.check_fails += act.fails[task.id]
            item.hints += act.hints[task.id]
            item.hinted += act.hints[task.id] > 0
            item.stuck += task.id in act.stuck
        items.append(item)
    return items


def hardest(items: list[Item], n: int = 5) -> list[Item]:
    """The ``n`` graded tasks most learners missed (ties: more failed self-checks first)."""
    graded = [i for i in items if i.miss_share is not None]
    return sorted(graded, key=lambda i: (-(i.miss_share or 0), -i.check_fails))[:n]


@dataclass(frozen=True)
class CriterionResult:
    id: str
    title: dict[str, str]
    mean: float | None
    max_points: float

    @property
    def share(self) -> float | None:
        return None if self.mean is None else self.mean / self.max_points


def rubric_weakness(result: RoundResult) -> list[CriterionResult]:
    """Mean final peer score per rubric criterion, weakest first."""
    out = []
    for c in result.rubric.criteria:
        values = [s.final[c.id] for s in result.submissions if s.final.get(c.id) is not None]
        mean = round(sum(values) / len(values), 3) if values else None
        out.append(CriterionResult(c.id, c.title, mean, c.max_points))
    return sorted(out, key=lambda c: (c.share is None, c.share or 0))
