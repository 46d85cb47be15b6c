"""A cohort's nbgrader course folder: its config, gradebook and roster.

The course folder is a plain nbgrader course (``source/``, ``release/``, ``submitted/``,
``autograded/``, ``feedback/``, ``gradebook.db``), so formgrader and ``nbgrader export`` see
everything ``dxcase grade`` writes. dxcase adds ``roster.csv`` (id, team, lang, seed and an
optional extension_hours) and its own records under ``dxcase/``.
"""

from __future__ import annotations

import csv
import os
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dxcase.errors import DxcaseError, InputError, Problem

if TYPE_CHECKING:
    from dxcase.author.casefile import DatasetUse

ROSTER = "roster.csv"
ROSTER_COLUMNS = ("id", "team", "lang", "seed")


@dataclass(frozen=True)
class Learner:
    id: str
    team: str = ""
    lang: str = "ja"
    seed: int | None = None
    extension_hours: float = 0.0


@dataclass
class Course:
    """An nbgrader course folder and the settings nbgrader itself would use there."""

    root: Path
    db_url: str
    course_id: str
    config: object  # traitlets Config
    roster: dict[str, Learner] = field(default_factory=dict)

    @property
    def state_dir(self) -> Path:
        return self.root / "dxcase"

    @property
    def keys_dir(self) -> Path:
        """Answer keys: read by the trusted side only (the grader, the checker service)."""
        return self.state_dir / "keys"

    def submitted(self, student: str, assignment: str) -> Path:
        return self.root / "submitted" / student / assignment

    def autograded(self, student: str, assignment: str) -> Path:
        return self.root / "autograded" / student / assignment

    def source(self, assignment: str) -> Path:
        return self.root / "source" / assignment

    def learner(self, student: str) -> Learner:
        return self.roster.get(student, Learner(student))

    def gradebook(self):
        """nbgrader's Gradebook on this course (use as a context manager)."""
        from nbgrader.api import Gradebook

        alembic_on_path()
        return Gradebook(self.db_url, self.course_id)


def alembic_on_path() -> None:
    """nbgrader creates a new gradebook by running the ``alembic`` command: find ours."""
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"


def open_course(root: str | os.PathLike[str], db_url: str | None = None) -> Course:
    """Read ``root``'s nbgrader_config.py (if any) and roster; ``db_url`` overrides the gradebook."""
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    root = Path(root).resolve()
    if not root.is_dir():
        raise DxcaseError(f"{root}: course folder not found")
    config = Config()
    if (root / "nbgrader_config.py").is_file():
        config.merge(PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config())
    config.CourseDirectory.root = str(root)
    if db_url:
        config.CourseDirectory.db_url = db_url
    coursedir = CourseDirectory(config=config)
    return Course(root, coursedir.db_url, coursedir.course_id, config, read_roster(root / ROSTER))


def read_roster(path: Path) -> dict[str, Learner]:
    """The roster file (absent: empty); every bad row is reported with its line."""
    if not path.is_file():
        return {}
    problems, learners = [], {}
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ROSTER_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(
                f"{path}: roster lacks column(s) {', '.join(missing)}",
                [Problem(str(path), "roster-columns", f"needs {', '.join(ROSTER_COLUMNS)}", 1)],
            )
        for line, row in enumerate(reader, start=2):
            lid = (row.get("id") or "").strip()
            lang = (row.get("lang") or "ja").strip() or "ja"
            try:
                seed = int(row["seed"]) if (row.get("seed") or "").strip() else None
                ext = float(row.get("extension_hours") or 0)
            except ValueError as exc:
                problems.append(Problem(str(path), "roster-number", str(exc), line))
                continue
            if not lid or lid in learners or lang not in ("ja", "en"):
                why = "empty or repeated id" if lang in ("ja", "en") else f"unknown lang {lang!r}"
                problems.append(Problem(str(path), "roster-row", why, line))
                continue
            learners[lid] = Learner(lid, (row.get("team") or "").strip(), lang, seed, ext)
    if problems:
        raise InputError(f"{path}: roster has {len(problems)} bad row(s)", problems)
    return learners


def write_roster(path: Path, learners: list[Learner]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*ROSTER_COLUMNS, "extension_hours"])
        for x in learners:
            writer.writerow(
                [x.id, x.team, x.lang, "" if x.seed is None else x.seed, x.extension_hours]
            )


def generate_assignment(course: Course, assignment: str, duedate: str | None = None) -> None:
    """``nbgrader generate_assignment`` with the gradebook, as a facilitator would run it."""
    alembic_on_path()
    if duedate:
        with course.gradebook() as gb:
            gb.update_or_create_assignment(assignment, duedate=duedate)
    cmd = [sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force"]
    cmd += [f"--CourseDirectory.root={course.root}", f"--CourseDirectory.db_url={course.db_url}"]
    proc = subprocess.run(
        cmd, cwd=course.root, capture_output=True, text=True, check=False, env=os.environ.copy()
    )
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise DxcaseError(f"nbgrader generate_assignment {assignment} failed:\n{tail}")


def variant_name(use: DatasetUse, seed: int) -> str:
    """The folder name of a variant: dataset and seed, plus a digest of non-default params."""
    if not use.params:
        return f"{use.name}-{seed}"
    import hashlib
    import json

    blob = json.dumps(dict(use.params), sort_keys=True, default=str).encode("utf-8")
    return f"{use.name}-{seed}-{hashlib.sha256(blob).hexdigest()[:10]}"


def ensure_variant(course: Course, use: DatasetUse, seed: int) -> Path:
    """The course's copy of a dataset variant: ``data/`` for learners, ``holdout/`` truth.

    Generated once, under ``COURSE/dxcase/variants/<dataset>-<seed>[-<params digest>]/``
    (a change of the case's dataset parameters makes a new variant); graders and the hub's
    release share it.
    """
    variant = course.state_dir / "variants" / variant_name(use, seed)
    if not (variant / "data").is_dir():
        from dxcase.data.generate import generate_variant

        generate_variant(
            use.name,
            seed=seed,
            overrides=dict(use.params),
            out_dir=variant / "data",
            holdout_dir=variant / "holdout",
            overwrite=True,
        )
    return variant


def setup_case_course(
    root: Path,
    case_slug: str,
    learners: list[Learner],
    duedate: str | None = None,
    config: str = "",
) -> Course:
    """A new course for one dxcase case: config (plus ``config`` lines), the case's source in
    ja, roster, gradebook (with the assignment's ``duedate``, if given)."""
    from dxcase.author.build import nbgrader_config, stage_source
    from dxcase.author.casefile import load_case
    from dxcase.paths import content_root

    case = load_case(content_root("casestudies") / case_slug)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    private(root)  # source, gradebook, submissions, keys: no other user's business
    (root / "nbgrader_config.py").write_text(nbgrader_config() + config, encoding="utf-8")
    if not (root / "source" / case.slug).exists():
        stage_source(case, "ja", root / "source" / case.slug)
    private(root / "source")
    (root / "dxcase").mkdir(mode=0o700, exist_ok=True)
    private(root / "dxcase")
    write_roster(root / ROSTER, learners)
    course = open_course(root)
    generate_assignment(course, case.slug, duedate)
    if course.db_url.startswith("sqlite:///"):
        private(Path(course.db_url.removeprefix("sqlite:///")))
    return course


def private(path: Path) -> None:
    """Take away other users' access to ``path`` (owner and group keep theirs); links are left."""
    if path.exists() and not path.is_symlink():
        os.chmod(path, stat.S_IMODE(path.stat().st_mode) & ~0o007)
