"""One OS user per hub user, made from the roster, with a private home (mode 0700).

A hub user's OS account has the same name (nbgrader's collect then checks that a submission's
files belong to the learner it claims to be from). Accounts this module makes carry the
comment ``dxcase hub user``; an existing account without it (``root``, a service user, a staff
login) is never reused for a learner.
"""

from __future__ import annotations

import json
import os
import pwd
import subprocess
from pathlib import Path

from dxcase.errors import DxcaseError

COMMENT = "dxcase hub user"
# JupyterLab reads its user settings from ~/.jupyter/lab/user-settings; a learner who picks
# another language in Settings > Language overwrites this file
TRANSLATION = Path(".jupyter/lab/user-settings/@jupyterlab/translation-extension")
NOTIFICATIONS = Path(".jupyter/lab/user-settings/@jupyterlab/apputils-extension")
LAB_LOCALE = {"ja": "ja_JP", "en": "en"}


def ensure_account(name: str, home: Path) -> tuple[int, int]:
    """Create (or reuse) the OS user ``name`` with ``home`` as its private home."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        entry = None
    if entry is not None and entry.pw_gecos != COMMENT:
        raise DxcaseError(
            f"OS user {name!r} already exists and was not made by dxcase "
            f"(comment {entry.pw_gecos!r}): pick another hub user name in the roster"
        )
    if entry is None:
        home.parent.mkdir(parents=True, exist_ok=True)
        cmd = ["useradd", "--user-group", "--comment", COMMENT, "--home-dir", str(home)]
        cmd += ["--shell", "/bin/bash", "--no-create-home", name]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode not in (0, 9):
            raise DxcaseError(f"useradd {name} failed: {proc.stderr.strip()}")
        entry = pwd.getpwnam(name)
    home.mkdir(parents=True, exist_ok=True)
    os.chown(home, entry.pw_uid, entry.pw_gid)
    os.chmod(home, 0o700)
    return entry.pw_uid, entry.pw_gid


def write_lab_defaults(home: Path, owner: tuple[int, int], lang: str) -> None:
    """JupyterLab's language (ja_JP by default) and no news pop-ups, unless already chosen."""
    files = {
        TRANSLATION / "plugin.jupyterlab-settings": {"locale": LAB_LOCALE.get(lang, "ja_JP")},
        NOTIFICATIONS / "notification.jupyterlab-settings": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
    }
    for rel, content in files.items():
        path = home / rel
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content), encoding="utf-8")
        for part in [home / p for p in reversed(rel.parents) if str(p) != "."] + [path]:
            os.chown(part, *owner)


def remove_account(name: str) -> None:
    """Delete an account made by :func:`ensure_account` (its home stays for the records)."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return
    if entry.pw_gecos == COMMENT:
        subprocess.run(["userdel", name], capture_output=True, check=False)
