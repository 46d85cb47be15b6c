"""A cohort on a one-machine JupyterHub: its folder layout and settings file (``hub.json``).

Layout of a cohort folder (everything root-owned unless said otherwise)::

    COHORT/                 0711  hub.json (settings, no secrets; 0600)
      course/               0700  the nbgrader course: source, release, submitted, autograded,
                                  feedback, gradebook.db, roster.csv, dxcase/variants (holdout)
      hub/                  0700  jupyterhub.sqlite, secrets (password, cookie and key files),
                                  review.db, logs
      exchange/             1777  nbgrader's shared-folder exchange (path_includes_course)
      learner-config/       0755  Jupyter and nbgrader settings every learner server reads
      home/<user>/          0700  each learner's and facilitator's home, owned by that user

Learners' servers run as their own OS users and never see course/, hub/, graders/ or the case
sources (see ``dxcase.hub.spawner``).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from dxcase.errors import DxcaseError, InputError, Problem

SETTINGS = "hub.json"
SETTINGS_VERSION = 1
# an OS user name that every tool accepts (useradd, nbgrader's owner check, home folders)
NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,30}$")


@dataclass
class HubCohort:
    """What ``jupyterhub_config.py`` and the ``dxcase hub`` commands need to know."""

    root: Path
    name: str  # the nbgrader course id
    cases: list[str]
    learners: dict[str, str]  # hub user name -> language (ja, en)
    facilitators: list[str]
    ip: str = "127.0.0.1"
    port: int = 8000
    hub_port: int = 8081
    proxy_api_port: int = 8001
    review_port: int = 8765
    threads: int = 1  # OpenMP/BLAS threads per learner server (its CPU share)
    memory_mib: int = 4096  # address space per process (RLIMIT_AS)
    processes: int = 256  # processes and threads per learner user (RLIMIT_NPROC)
    file_mib: int = 1024  # largest file a learner may write (RLIMIT_FSIZE)
    idle_minutes: int = 60  # idle servers are stopped after this
    seed: int | None = None  # dataset variant in the release (None: the case's default)

    # -- paths ------------------------------------------------------------------------------
    @property
    def course(self) -> Path:
        return self.root / "course"

    @property
    def hub_dir(self) -> Path:
        return self.root / "hub"

    @property
    def exchange(self) -> Path:
        return self.root / "exchange"

    @property
    def learner_config(self) -> Path:
        return self.root / "learner-config"

    @property
    def homes(self) -> Path:
        return self.root / "home"

    def home(self, user: str) -> Path:
        return self.homes / user

    def secret(self, name: str) -> Path:
        """A secret file in ``hub/`` (root only)."""
        return self.hub_dir / name

    @property
    def users(self) -> list[str]:
        return [*self.learners, *self.facilitators]

    @property
    def url(self) -> str:
        return f"http://{self.ip}:{self.port}"

    # -- settings file ----------------------------------------------------------------------
    def save(self) -> Path:
        data = {"version": SETTINGS_VERSION, **asdict(self)}
        data.pop("root")
        path = self.root / SETTINGS
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.chmod(path, 0o600)  # no secrets, but the roster's ids are nobody else's business
        return path


INT_FIELDS = (
    "port",
    "hub_port",
    "proxy_api_port",
    "review_port",
    "threads",
    "memory_mib",
    "processes",
    "file_mib",
    "idle_minutes",
)


def load_cohort(root: str | os.PathLike[str]) -> HubCohort:
    """Read ``root/hub.json``; every wrong field is named with the file."""
    root = Path(root).resolve()
    path = root / SETTINGS
    if not path.is_file():
        raise DxcaseError(f"{path}: not found (make the cohort with `dxcase hub init`)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise DxcaseError(f"{path}: not valid JSON: {exc}") from exc
    problems = []
    if data.get("version") != SETTINGS_VERSION:
        problems.append(
            Problem(str(path), "hub-version", f"must be {SETTINGS_VERSION}", None, "version")
        )
    for key in INT_FIELDS:
        if key in data and (not isinstance(data[key], int) or data[key] < 0):
            problems.append(
                Problem(str(path), "hub-field", "must be a whole number >= 0", None, key)
            )
    for key in ("name", "cases", "learners", "facilitators"):
        if key not in data:
            problems.append(Problem(str(path), "hub-field", "is missing", None, key))
    for user in [*data.get("learners", {}), *data.get("facilitators", [])]:
        if not NAME_RE.match(str(user)):
            problems.append(
                Problem(str(path), "hub-user", f"bad user name {user!r}", None, "learners")
            )
    if problems:
        raise InputError(f"{path}: {len(problems)} problem(s)", problems)
    data.pop("version")
    return HubCohort(root=root, **data)


def check_names(names: list[str], source: str) -> None:
    """Hub user names become OS user names: lower-case letter first, then a-z 0-9 _ -."""
    bad = [
        Problem(source, "hub-user", f"{n!r}: use a-z, 0-9, _ and - (start with a letter, <= 31)")
        for n in names
        if not NAME_RE.match(n)
    ]
    seen: set[str] = set()
    for n in names:
        if n in seen:
            bad.append(Problem(source, "hub-user", f"{n!r} appears twice"))
        seen.add(n)
    if bad:
        raise InputError(f"{source}: {len(bad)} user name(s) cannot be hub and OS users", bad)
