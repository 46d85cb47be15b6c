"""Submissions: from the nbgrader exchange (``nbgrader collect``) or a folder or zip.

Everything lands in nbgrader's layout, ``submitted/<learner>/<assignment>/`` with a
``timestamp.txt``, so stock nbgrader and dxcase read the same files. Symbolic links and files
outside the assignment folder are never copied (a zip's ``../`` entries are refused).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dxcase.errors import DxcaseError
from dxcase.grade.course import Course, alembic_on_path

MAX_FILE_MIB = 200


@dataclass
class Submission:
    student: str
    assignment: str
    folder: Path
    notebooks: dict[str, Path] = field(default_factory=dict)  # name (no .ipynb) -> file
    timestamp: datetime | None = None

    def checksum(self, notebook: str) -> str:
        """Identifies what was graded: the notebook's bytes and the submission time."""
        digest = hashlib.sha256(str(self.timestamp).encode())
        path = self.notebooks.get(notebook)
        if path is not None and path.is_file():
            digest.update(path.read_bytes())
        return digest.hexdigest()[:16]


def collect(course: Course, assignment: str) -> None:
    """``nbgrader collect`` from the exchange into ``submitted/`` (latest submission counts)."""
    alembic_on_path()
    cmd = [sys.executable, "-m", "nbgrader", "collect", assignment, "--update"]
    cmd.append(f"--CourseDirectory.root={course.root}")
    proc = subprocess.run(cmd, cwd=course.root, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-10:])
        raise DxcaseError(f"nbgrader collect {assignment} failed:\n{tail}")


def import_submissions(course: Course, assignment: str, source: Path) -> list[str]:
    """Copy a folder (or zip) of ``<learner>/[<assignment>/]files`` into ``submitted/``."""
    source = Path(source)
    if source.is_file() and zipfile.is_zipfile(source):
        staging = course.state_dir / "intake" / f"{source.stem}"
        shutil.rmtree(staging, ignore_errors=True)
        _safe_unzip(source, staging)
        source = staging
    if not source.is_dir():
        raise DxcaseError(f"{source}: not a folder or zip of submissions")
    imported = []
    for learner_dir in sorted(p for p in source.iterdir() if p.is_dir() and not p.is_symlink()):
        inner = learner_dir / assignment
        files_dir = inner if inner.is_dir() else learner_dir
        dest = course.submitted(learner_dir.name, assignment)
        if dest.exists():
            shutil.rmtree(dest)
        _copy_tree(files_dir, dest)
        if not (dest / "timestamp.txt").is_file():
            stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
            (dest / "timestamp.txt").write_text(stamp, encoding="utf-8")
        imported.append(learner_dir.name)
    return imported


def list_submissions(
    course: Course, assignment: str, students: list[str] | None = None
) -> list[Submission]:
    """The submissions in ``submitted/`` for ``assignment`` (optionally only ``students``)."""
    from nbgrader.utils import parse_utc

    out = []
    base = course.root / "submitted"
    if not base.is_dir():
        return out
    for student_dir in sorted(base.iterdir()):
        folder = student_dir / assignment
        if not folder.is_dir() or (students and student_dir.name not in students):
            continue
        sub = Submission(student_dir.name, assignment, folder)
        for path in sorted(folder.glob("*.ipynb")):
            if path.is_file() and not path.is_symlink():
                sub.notebooks[path.stem] = path
        stamp = folder / "timestamp.txt"
        if stamp.is_file():
            try:
                sub.timestamp = parse_utc(stamp.read_text(encoding="utf-8").strip())
            except (ValueError, TypeError):
                sub.timestamp = None
        out.append(sub)
    return out


def _copy_tree(src: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for root, dirs, files in os.walk(src, followlinks=False):
        rel = Path(root).relative_to(src)
        dirs[:] = [d for d in dirs if not (Path(root) / d).is_symlink()]
        (dest / rel).mkdir(parents=True, exist_ok=True)
        for name in files:
            path = Path(root) / name
            if path.is_symlink() or not path.is_file():
                continue
            if path.stat().st_size > MAX_FILE_MIB * 1024 * 1024:
                continue
            shutil.copy2(path, dest / rel / name)


def _safe_unzip(path: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            target = (dest / info.filename).resolve()
            if not target.is_relative_to(dest.resolve()):
                raise DxcaseError(f"{path}: entry {info.filename!r} points outside the archive")
            if info.file_size > MAX_FILE_MIB * 1024 * 1024:
                continue
            zf.extract(info, dest)
