"""The sandbox a learner's notebook runs in while it is graded (threat model: docs/grading.md).

When the grader runs as root (CI, a grading host), each learner gets an unprivileged OS user
(``useradd --system``, no home, no login shell), each notebook run a private folder owned by
that user (mode 0700, so other learners' runs are unreadable), and the kernel starts through
:mod:`dxcase.grade.jail` in new network, mount and PID namespaces: no network at all, a file
system that is an allow-list (the system's programs and libraries, the Python installation,
the venv and the dxcase package read-only, the learner's own data variant read-only, the run
folder and the kernel's socket folder read-write, a private ``/tmp``, ``/var/tmp`` and
``/dev/shm``), so the course folder, other courses, staging folders, checkouts of the
repository, graders/ and other runs are not there at all; other processes' command lines are
hidden; rlimits on CPU seconds, memory, processes and file size, and a wall clock limit for
the whole notebook. Without root the run keeps the rlimits, the wall limit and the module
search order only (``isolated`` is False and every result says so).
"""

from __future__ import annotations

import grp
import hashlib
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dxcase.errors import DxcaseError

JAIL = Path(__file__).with_name("jail.py")
USER_PREFIX = "dxg_"


@dataclass(frozen=True)
class Limits:
    """Limits of one notebook run (``cell_seconds`` per cell, ``total_seconds`` for all)."""

    cell_seconds: float = 300
    total_seconds: float = 1800
    cpu_seconds: int = 1800
    memory_mib: int = 4096
    processes: int = 256
    file_mib: int = 512


@dataclass
class Sandbox:
    """Where runs happen and what they may not see."""

    base: Path  # private working area of this grading run (root-owned, 0711)
    hide: list[Path] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)
    isolated: bool = field(default_factory=lambda: os.geteuid() == 0)

    def __post_init__(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        os.chmod(self.base, 0o711)
        for sub in ("runs", "state"):
            (self.base / sub).mkdir(exist_ok=True)
        os.chmod(self.base / "runs", 0o711)
        os.chmod(self.base / "state", 0o700)
        # IPC socket paths must stay under ~100 bytes: kernels' sockets live in a short folder
        self.sockets = Path(tempfile.mkdtemp(prefix="dxk-", dir="/tmp"))
        os.chmod(self.sockets, 0o711)
        # each kernel's namespace mounts its own file system here (empty on the host)
        self.root = self.sockets / "root"
        self.root.mkdir(mode=0o700)
        self._count = 0
        self._fonts: list[Path] | None = None
        for path in self.hide:
            if _inside(self.base, path):
                raise DxcaseError(f"sandbox folder {self.base} is inside hidden {path}")

    def user_for(self, learner: str) -> tuple[int, int] | None:
        """The OS user (uid, gid) that runs ``learner``'s code, created on first use (root only)."""
        if not self.isolated:
            return None
        return ensure_user(user_name(learner))

    def run_dir(self, job_id: str, owner: tuple[int, int] | None) -> Path:
        """A fresh private folder for one run, owned by the learner's user."""
        path = self.base / "runs" / job_id
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(mode=0o700)
        (path / ".dxcase").mkdir()  # the kernel's IPYTHONDIR goes here (see kernel_env)
        if owner is not None:
            os.chown(path, *owner)
            os.chown(path / ".dxcase", *owner)
        return path

    def seed_font_cache(self, run_dir: Path) -> None:
        """Copy matplotlib's font list into a run folder, so each kernel skips rebuilding it."""
        if self._fonts is None:
            self._fonts = _build_font_cache(self.base / "fonts")
        if self._fonts:
            dest = run_dir / ".config" / "matplotlib"
            dest.mkdir(parents=True, exist_ok=True)
            for path in self._fonts:
                shutil.copyfile(path, dest / path.name)

    def socket_dir(self, owner: tuple[int, int] | None) -> Path:
        """A short private folder for one kernel's connection file and IPC sockets."""
        self._count += 1
        path = self.sockets / str(self._count)
        path.mkdir(mode=0o700)
        if owner is not None:
            os.chown(path, *owner)
        return path

    def close(self) -> None:
        shutil.rmtree(self.sockets, ignore_errors=True)
        shutil.rmtree(self.base / "runs", ignore_errors=True)

    def prefix(
        self,
        owner: tuple[int, int] | None,
        usage: Path,
        read_only: Sequence[str | os.PathLike[str]] = (),
    ) -> list[str]:
        """The kernel command prefix: namespaces, the jail, the learner's user and limits.

        The kernel sees, besides the system and the Python runtime, ``read_only`` (the
        learner's own data variant), the folder it starts in (its run folder) and the folder of
        its connection file; nothing else of the host.
        """
        lim = self.limits
        jail = [sys.executable, "-I", "-S", str(JAIL)]
        jail += [
            f"--cpu={lim.cpu_seconds}",
            f"--mem-mib={lim.memory_mib}",
            f"--fsize-mib={lim.file_mib}",
            f"--wall={lim.total_seconds}",
            f"--usage={usage}",
        ]
        if owner is None:
            return [*jail, "--"]
        jail += [f"--uid={owner[0]}", f"--gid={owner[1]}", f"--nproc={lim.processes}"]
        jail += [f"--tmp-mib={lim.file_mib}", f"--root={self.root}"]
        extra = [str(p) for p in read_only if os.path.isabs(p) and os.path.exists(p)]
        allowed = [*_runtime_paths(), *extra]
        jail += [f"--ro={p}" for p in allowed]
        # defence in depth: a hidden path an allowed folder holds is covered; one above an
        # allowed folder (like /root above the Python install) is not in the view anyway
        hide = [p for p in self.hide if not any(_inside(Path(r), p) for r in allowed)]
        jail += [f"--hide={p}" for p in hide]
        ns = ["unshare", "--net", "--mount", "--pid", "--fork", "--kill-child=SIGTERM"]
        return [*ns, "--propagation", "private", *jail, "--"]


def _build_font_cache(folder: Path) -> list[Path]:
    """matplotlib's font list, built once in ``folder`` by a child Python (empty if that fails)."""
    folder.mkdir(exist_ok=True)
    env = {**os.environ, "MPLCONFIGDIR": str(folder), "MPLBACKEND": "agg"}
    cmd = [sys.executable, "-c", "import matplotlib.font_manager"]
    subprocess.run(cmd, env=env, capture_output=True, check=False, timeout=120)
    return sorted(folder.glob("fontlist-*.json"))


def _runtime_paths() -> list[str]:
    """Folders the kernel needs to read: the Python install, the venv, the dxcase package."""
    import dxcase

    paths = {sys.base_prefix, sys.prefix, str(Path(dxcase.__file__).resolve().parent.parent)}
    return sorted(paths)


def user_name(learner: str) -> str:
    """A valid, stable OS user name for a learner id (any characters, any length)."""
    slug = re.sub(r"[^a-z0-9]", "", learner.lower())[:12]
    digest = hashlib.sha256(learner.encode("utf-8")).hexdigest()[:8]
    return f"{USER_PREFIX}{slug}_{digest}"


def ensure_user(name: str) -> tuple[int, int]:
    """Create the system user ``name`` (no home, no shell) if needed; return (uid, gid)."""
    try:
        entry = pwd.getpwnam(name)
        return entry.pw_uid, entry.pw_gid
    except KeyError:
        pass
    # by absolute path: the grader may be started with a PATH that lacks the sbin folders
    useradd = shutil.which("useradd", path="/usr/sbin:/sbin:/usr/bin:/bin") or "useradd"
    cmd = [useradd, "--system", "--user-group", "--no-create-home"]
    cmd += ["--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", name]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 9):  # 9: created meanwhile by another grader
        raise DxcaseError(f"useradd {name} failed: {proc.stderr.strip()}")
    entry = pwd.getpwnam(name)
    grp.getgrgid(entry.pw_gid)
    return entry.pw_uid, entry.pw_gid


def give(path: Path, owner: tuple[int, int] | None) -> None:
    """Hand ``path`` (recursively) to the learner's user."""
    if owner is None:
        return
    for root, dirs, files in os.walk(path):
        os.chown(root, *owner)
        for name in dirs + files:
            os.lchown(os.path.join(root, name), *owner)


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.resolve().relative_to(parent.resolve())
        return True
    except ValueError:
        return False


def kernel_env(run_dir: Path, extra: dict[str, str]) -> dict[str, str]:
    """The kernel's whole environment: nothing of the grader's (keys, tokens) leaks in."""
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(run_dir),
        # not a folder a submission can bring (the runner never copies .dxcase/ folders): a
        # learner's IPython startup files or kernel config do not run before the notebook
        "IPYTHONDIR": str(run_dir / ".dxcase" / "ipython"),
        "MPLCONFIGDIR": str(run_dir / ".config" / "matplotlib"),
        "XDG_CACHE_HOME": str(run_dir / ".cache"),
        "JUPYTER_RUNTIME_DIR": str(run_dir / ".runtime"),
        "TMPDIR": str(run_dir),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",  # HOME is the run folder: its .local/ must not shadow modules
        "MPLBACKEND": "agg",
    }
    env.update(extra)
    return env
