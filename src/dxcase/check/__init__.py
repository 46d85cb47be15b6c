"""Self-checks learners call in case notebooks: ``q1.check()``, ``q1.hint()``, ``q1.solution()``.

Each task is defined once, in its case's ``checks.yaml``. The learner's self-check runs the
visible part (form, range, consistency); the nbgrader test cell for a graded task runs the same
visible part through ``q1.grade()`` and, in its hidden part (only in the case source), compares
with the expected value through ``q1.grade(expected=...)``. Expected values of graded tasks are
computed in that hidden part, so they never ship in a release.

In a notebook::

    from dxcase.check import load_tasks
    tasks = load_tasks(lang=LANG, data_dir=DATA_DIR)
    q1_1, q1_2 = tasks.pick("q1_1", "q1_2")
"""

from dxcase.check.task import CheckFailed, Outcome, Task, Tasks, load_tasks

__all__ = ["CheckFailed", "Outcome", "Task", "Tasks", "load_tasks"]
