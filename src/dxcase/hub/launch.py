"""Start a cohort's JupyterHub (``dxcase hub start``) and wait until it answers."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from dxcase.errors import DxcaseError
from dxcase.hub.cohort import HubCohort
from dxcase.hub.provision import read_secret, require_root
from dxcase.i18n import t
from dxcase.paths import content_root

CONFIG_ENV = "DXCASE_HUB_COHORT"


def config_file() -> Path:
    """``deploy/jupyterhub/jupyterhub_config.py`` (moved with ``$DXCASE_DEPLOY``)."""
    path = content_root("deploy") / "jupyterhub" / "jupyterhub_config.py"
    if not path.is_file():
        raise DxcaseError(f"{path}: not found (set $DXCASE_DEPLOY to the deploy/ folder)")
    return path


def hub_command(cohort: HubCohort) -> tuple[list[str], dict[str, str]]:
    """The jupyterhub command line and its environment for ``cohort``."""
    cmd = [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(config_file())]
    env = {**os.environ, CONFIG_ENV: str(cohort.root)}
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return cmd, env


def _default_sigint() -> None:
    """Started from a script or nohup, dxcase may ignore SIGINT; its services must not (the
    hub stops each with SIGINT first, and waits)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stop_hub(proc: subprocess.Popen, timeout: float = 60) -> None:
    """Stop a hub started by :func:`start_hub`: SIGTERM (it stops its servers, services and
    proxy in order), then SIGKILL to whatever of its session is left after ``timeout``."""
    if proc.poll() is None:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # its own session: the proxy and services, if left
    proc.wait()


def start_hub(cohort: HubCohort, log: Path | None = None) -> subprocess.Popen:
    """Start the hub in the background; return once its API answers (or raise with its log)."""
    require_root("dxcase hub start")
    cmd, env = hub_command(cohort)
    log = log or cohort.hub_dir / "jupyterhub.log"
    with log.open("ab") as out:
        # its own session: Ctrl-C reaches only dxcase, which stops the hub with SIGTERM (the
        # hub then stops its services, servers and proxy in order)
        proc = subprocess.Popen(
            cmd, cwd=cohort.hub_dir, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=_default_sigint,
        )  # fmt: skip
    deadline = time.monotonic() + 180  # the hub waits for its services; slow on a busy machine
    while True:
        try:
            urllib.request.urlopen(f"{cohort.url}/hub/api", timeout=2)
            return proc
        except (OSError, urllib.error.URLError):
            if proc.poll() is not None or time.monotonic() > deadline:
                stop_hub(proc, timeout=10)
                tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
                raise DxcaseError(f"JupyterHub did not start; the end of {log}:\n{tail}") from None
            time.sleep(0.3)


def login_text(cohort: HubCohort, lang: str | None = None) -> str:
    """How to log in and how to stop, for the operator's terminal."""
    return t(
        "hub_login",
        lang,
        url=cohort.url,
        learners=", ".join(cohort.learners),
        facilitators=", ".join(cohort.facilitators),
        password=read_secret(cohort, "password"),
        course=cohort.name,
        root=cohort.root,
    )
