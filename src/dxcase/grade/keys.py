"""A course's answer keys: one per dataset variant its learners get, in ``COURSE/dxcase/keys``.

Made when an assignment is assigned (``dxcase grade assign``) or a cohort is provisioned
(``dxcase hub init``), on demand (``dxcase grade keys``), and lazily for a learner added later
(the grader asks for the key of each learner's variant). Only the trusted side reads the folder.
"""

from __future__ import annotations

from pathlib import Path

from dxcase.answers.keys import AnswerKey
from dxcase.author.casefile import Case
from dxcase.grade.course import Course, ensure_variant


def variant_of(course: Course, case: Case, student: str) -> Path:
    """The folder of the learner's dataset variant (their roster seed, else the case's)."""
    use = case.dataset
    learner = course.learner(student)
    return ensure_variant(course, use, use.seed if learner.seed is None else learner.seed)


def course_keys(
    course: Course,
    case: Case,
    students: list[str] | None = None,
    workers: int = 1,
    progress: bool = True,
) -> dict[Path, AnswerKey]:
    """Keys of every variant of ``students`` (default: the roster, and the case's own seed)."""
    from dxcase.author.answerkey import KeyInputs, ensure_keys

    names = list(course.roster) if students is None else students
    variants = {variant_of(course, case, s) for s in names}
    if students is None:
        variants.add(ensure_variant(course, case.dataset, case.dataset.seed))
    ordered = sorted(variants)
    found = ensure_keys(
        KeyInputs.of(case), [v / "data" for v in ordered], course.keys_dir, workers, progress
    )
    return dict(zip(ordered, found, strict=True))
