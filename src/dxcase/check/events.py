"""The learner's event log: one JSON line per self-check, hint and solution call.

Lines go to ``.dxcase/events.jsonl`` in the assignment folder, which is submitted with the
notebooks and read by grading and the cohort report. Each line is written with one
``O_APPEND`` write, so concurrent kernels never interleave halves of lines. Logging never
breaks a learner's notebook: if the folder is read-only, the event is dropped.
"""

from __future__ import annotations

import getpass
import json
import os
from datetime import UTC, datetime
from pathlib import Path

EVENTS_ENV = "DXCASE_EVENTS"  # "0" turns logging off (validation and batch runs)
EVENTS_FILE = Path(".dxcase") / "events.jsonl"


def learner_id() -> str:
    """The hub user name if running on JupyterHub, else ``$DXCASE_LEARNER``, else the OS user."""
    for env in ("JUPYTERHUB_USER", "DXCASE_LEARNER"):
        if os.environ.get(env):
            return os.environ[env]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def log_event(
    folder: Path, case: str, task: str, event: str, outcome: str, **extra: object
) -> None:
    """Append one event line under ``folder``; silently skip when logging is off or impossible."""
    if os.environ.get(EVENTS_ENV, "1") == "0":
        return
    record = {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "learner": learner_id(),
        "case": case,
        "task": task,
        "event": event,
        "outcome": outcome,
        **extra,
    }
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    path = folder / EVENTS_FILE
    try:
        path.parent.mkdir(exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError:
        pass
