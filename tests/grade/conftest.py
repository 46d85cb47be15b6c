"""Fixtures for cohort grading: nbgrader's example course inside the installed package."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbgrader
import pytest

USER_GUIDE = Path(nbgrader.__file__).parent / "docs" / "source" / "user_guide"
NBGRADER_FILES = Path(nbgrader.__file__).parent / "tests" / "apps" / "files"


@pytest.fixture(scope="session")
def example_course(tmp_path_factory) -> Path:
    """nbgrader's ps1 with the gradebook made by generate_assignment (built once)."""
    from dxcase.grade.course import generate_assignment, open_course

    root = tmp_path_factory.mktemp("ps1-course") / "course"
    root.mkdir()
    shutil.copytree(USER_GUIDE / "source" / "ps1", root / "source" / "ps1")
    # nbgrader's own cheat-attempt fixtures grade against this source (as in its test suite)
    (root / "source" / "cheat").mkdir(parents=True)
    shutil.copy(
        NBGRADER_FILES / "submitted-unchanged.ipynb", root / "source" / "cheat" / "p1.ipynb"
    )
    (root / "nbgrader_config.py").write_text("", encoding="utf-8")
    generate_assignment(open_course(root), "ps1")
    generate_assignment(open_course(root), "cheat")
    return root


@pytest.fixture
def course_copy(example_course, tmp_path) -> Path:
    """A fresh copy of the example course (with its gradebook) for one test."""
    root = tmp_path / "course"
    shutil.copytree(example_course, root)
    return root
