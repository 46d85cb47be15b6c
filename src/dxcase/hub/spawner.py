"""The spawner of a one-machine cohort: each learner's server as its own OS user, fenced in.

JupyterHub's LocalProcessSpawner switches to the learner's OS user. This one starts the server
through the grading sandbox's jail (:mod:`dxcase.grade.jail`) instead, in new mount and PID
namespaces, so that

- the course folder (gradebook, submissions, holdout truth), the hub's state and secrets,
  graders/ and the case sources are covered by empty read-only mounts: not even a misset file
  mode exposes them;
- a private parent of the Python install (like ``/root``) is replaced by a folder holding only
  the install, so the server runs wherever dxcase is installed;
- the server and every kernel get rlimits: address space per process (RLIMIT_AS), processes
  and threads of the user (RLIMIT_NPROC), file size (RLIMIT_FSIZE), no core files;
- everything the server started dies with it (PID namespace).

The network stays (the hub's proxy must reach the server). Per-user totals of memory and CPU
need cgroups: Kubernetes (Zero to JupyterHub) enforces them; this pilot does not.
"""

from __future__ import annotations

import os
import pwd
import sys
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Instance, Integer, List, Unicode

import dxcase.grade.jail as jail_module
from dxcase.grade.sandbox import _runtime_paths

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_MAX_THREADS")


class CohortSpawner(LocalProcessSpawner):
    """A LocalProcessSpawner whose servers run in the dxcase jail as the learner's OS user."""

    hide_paths = List(Unicode(), help="Folders and files learners' servers must not see.").tag(
        config=True
    )
    expose_paths = List(Unicode(), help="Folders servers need even under a private parent.").tag(
        config=True
    )
    memory_mib = Integer(4096, help="RLIMIT_AS per process, MiB (0: none).").tag(config=True)
    processes = Integer(256, help="RLIMIT_NPROC of the learner's user (0: none).").tag(config=True)
    file_mib = Integer(1024, help="RLIMIT_FSIZE, MiB (0: none).").tag(config=True)
    threads = Integer(1, help="OpenMP/BLAS threads of each kernel (its CPU share).").tag(
        config=True
    )
    languages = Instance(dict, args=(), help="Hub user -> DXCASE_LANG.").tag(config=True)

    def _account(self) -> pwd.struct_passwd:
        return pwd.getpwnam(self.user.name)

    def make_preexec_fn(self, name: str):
        """Only move to the home folder: the jail switches user after it set up the mounts."""
        home = self._account().pw_dir

        def preexec() -> None:
            os.chdir(home)

        return preexec

    def jail_prefix(self) -> list[str]:
        """``unshare`` + the jail with this user's id, limits, hidden and exposed paths."""
        entry = self._account()
        stage = Path("/tmp/dxcase-hub-stage") / self.user.name
        stage.mkdir(parents=True, exist_ok=True)
        os.chmod(stage.parent, 0o700)
        args = [
            sys.executable,
            "-I",
            "-S",
            jail_module.__file__,
            f"--uid={entry.pw_uid}",
            f"--gid={entry.pw_gid}",
            f"--mem-mib={self.memory_mib}",
            f"--nproc={self.processes}",
            f"--fsize-mib={self.file_mib}",
            f"--stage={stage}",
        ]
        runtime = [*_runtime_paths(), *self.expose_paths]
        args += [f"--expose={p}" for p in runtime]
        args += [f"--hide={p}" for p in self.hide_paths]
        ns = ["unshare", "--mount", "--propagation", "private", "--pid", "--fork"]
        return [*ns, "--kill-child=SIGTERM", "--mount-proc", *args, "--"]

    def get_env(self) -> dict[str, str]:
        env = super().get_env()
        for var in THREAD_VARS:
            env[var] = str(self.threads)
        env["OMP_WAIT_POLICY"] = "PASSIVE"  # idle OpenMP threads sleep instead of spinning
        env["DXCASE_LANG"] = self.languages.get(self.user.name, "ja")
        return env

    async def start(self):
        if os.geteuid() != 0:
            raise RuntimeError("CohortSpawner needs a hub running as root (it switches users)")
        self.cmd = [*self.jail_prefix(), *self._server_cmd()]
        return await super().start()

    def _server_cmd(self) -> list[str]:
        return [str(Path(sys.executable).parent / "jupyterhub-singleuser")]
