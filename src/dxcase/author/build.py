"""Build a case's student release in one language through nbgrader's generate_assignment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from dxcase.atomic import atomic_dir
from dxcase.author.casefile import ASSETS_DIR, Case
from dxcase.author.checksfile import write_checks
from dxcase.author.notebooks import for_language, read_notebook
from dxcase.errors import DxcaseError

CODE_STUB = "# ここにコードを書いてください / YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "ここに回答を書いてください。 / YOUR ANSWER HERE"


def nbgrader_config() -> str:
    """The nbgrader settings every dxcase course uses (stubs identical in both languages)."""
    return (
        f"c.ClearSolutions.code_stub = {{'python': {CODE_STUB!r}}}\n"
        f"c.ClearSolutions.text_stub = {TEXT_STUB!r}\n"
    )


def stage_source(case: Case, lang: str, dest: Path) -> None:
    """Write the nbgrader source folder of ``case`` in ``lang`` (notebooks, checks, assets)."""
    dest.mkdir(parents=True, exist_ok=True)
    for phase, path in zip(case.phases, case.notebooks, strict=True):
        nb = for_language(read_notebook(path), lang)
        nbformat.write(nb, str(dest / f"{phase.notebook}.ipynb"))
    write_checks(case, lang, dest)
    assets = case.root / ASSETS_DIR
    if assets.is_dir():
        shutil.copytree(assets, dest / ASSETS_DIR)


def generate_assignment(course: Path, slug: str) -> Path:
    """Run ``nbgrader generate_assignment`` in ``course`` (no gradebook); return the release."""
    (course / "nbgrader_config.py").write_text(nbgrader_config(), encoding="utf-8")
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    cmd = [sys.executable, "-m", "nbgrader", "generate_assignment", slug, "--no-db", "--force"]
    cmd.append(f"--CourseDirectory.root={course}")
    proc = subprocess.run(cmd, cwd=course, env=env, capture_output=True, text=True, check=False)
    release = course / "release" / slug
    if proc.returncode != 0 or not release.is_dir():
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise DxcaseError(f"nbgrader generate_assignment failed for {slug}:\n{tail}")
    return release


def build_release(case: Case, lang: str, out: Path) -> Path:
    """Write the release of ``case`` in ``lang`` to ``out`` (replaced whole, or left untouched)."""
    with tempfile.TemporaryDirectory(prefix="dxcase-build-") as tmp:
        course = Path(tmp)
        stage_source(case, lang, course / "source" / case.slug)
        release = generate_assignment(course, case.slug)
        with atomic_dir(out, overwrite=True) as target:
            shutil.copytree(release, target, dirs_exist_ok=True)
    return out
