"""JupyterHub settings for a cohort, applied by ``deploy/jupyterhub/jupyterhub_config.py``.

Hub on loopback (or the address in hub.json), shared-password login for the roster's users
only, groups ``learners`` and ``facilitators``, the review service (HubOAuth, facilitators by
group), jupyterhub-idle-culler, an operators' service token, and :class:`CohortSpawner`.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from dxcase.hub.cohort import HubCohort
from dxcase.hub.provision import read_secret
from dxcase.i18n import t
from dxcase.paths import content_root

OPS_SCOPES = [
    "admin:users",
    "admin:servers",
    "tokens",
    "access:servers",
    "list:users",
    "read:users",
    "admin:groups",
    "list:services",
    "read:services",
]
CULLER_SCOPES = ["list:users", "read:users:activity", "read:servers", "delete:servers"]


def _bin(name: str) -> str:
    """A command installed beside this Python (the venv), else on PATH."""
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else (shutil.which(name) or name)


def hidden_paths(cohort: HubCohort) -> list[str]:
    """What no learner server may see: the course (with its answer keys), the hub's state,
    graders/ (holdout graders and the reference lessons) and case sources."""
    hide = [str(cohort.course), str(cohort.hub_dir)]
    for folder in ("graders", "casestudies"):
        try:
            hide.append(str(content_root(folder)))
        except Exception:
            continue
    return hide


def services(cohort: HubCohort) -> list[dict[str, Any]]:
    review_db = f"sqlite:///{cohort.hub_dir / 'review.db'}"
    return [
        {
            "name": "review",
            "url": f"http://127.0.0.1:{cohort.review_port}",
            "command": [_bin("dxcase"), "review", "serve", "--db", review_db, "--processes", "1"],
            "oauth_no_confirm": True,
            "environment": {
                "DXCASE_REVIEW_COOKIE_SECRET": read_secret(cohort, "review_cookie_secret")
            },
        },
        {
            "name": "idle-culler",
            "command": [
                sys.executable,
                "-m",
                "jupyterhub_idle_culler",
                f"--timeout={cohort.idle_minutes * 60}",
                "--cull-every=60",
            ],
        },
        {"name": "ops", "api_token": read_secret(cohort, "ops_token")},
    ]


def configure(c: Any, cohort: HubCohort) -> None:
    """Fill the traitlets config ``c`` of jupyterhub_config.py for ``cohort``."""
    hub = cohort.hub_dir
    c.JupyterHub.ip = cohort.ip
    c.JupyterHub.port = cohort.port
    c.JupyterHub.hub_ip = "127.0.0.1"
    c.JupyterHub.hub_port = cohort.hub_port
    c.JupyterHub.db_url = f"sqlite:///{hub / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(cohort.secret("cookie_secret"))
    c.JupyterHub.pid_file = str(hub / "jupyterhub.pid")
    c.JupyterHub.cleanup_servers = True
    c.ConfigurableHTTPProxy.command = [_bin("configurable-http-proxy")]
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{cohort.proxy_api_port}"
    c.ConfigurableHTTPProxy.pid_file = str(hub / "proxy.pid")

    c.JupyterHub.authenticator_class = "shared-password"
    c.SharedPasswordAuthenticator.user_password = read_secret(cohort, "password")
    c.Authenticator.allowed_users = set(cohort.users)
    c.Authenticator.admin_users = set()
    banner = [t("hub_login_banner", lang, course=cohort.name) for lang in ("ja", "en")]
    c.JupyterHub.template_vars = {"announcement_login": " / ".join(banner)}
    c.JupyterHub.load_groups = {
        "learners": {"users": sorted(cohort.learners)},
        "facilitators": {"users": sorted(cohort.facilitators)},
    }
    c.JupyterHub.services = services(cohort)
    c.JupyterHub.load_roles = [
        {"name": "user", "scopes": ["self", "access:services!service=review"]},
        {"name": "dxcase-ops", "services": ["ops"], "scopes": OPS_SCOPES},
        {"name": "idle-culler", "services": ["idle-culler"], "scopes": CULLER_SCOPES},
    ]

    c.JupyterHub.spawner_class = "dxcase.hub.spawner.CohortSpawner"
    c.Spawner.default_url = "/lab"
    c.Spawner.start_timeout = 120
    c.Spawner.http_timeout = 90
    c.Spawner.environment = {"JUPYTER_CONFIG_PATH": str(cohort.learner_config)}
    c.Spawner.mem_limit = f"{cohort.memory_mib}M"  # informational for local processes
    c.LocalProcessSpawner.interrupt_timeout = 3
    c.LocalProcessSpawner.term_timeout = 3
    c.LocalProcessSpawner.kill_timeout = 3
    c.CohortSpawner.hide_paths = hidden_paths(cohort)
    c.CohortSpawner.expose_paths = [
        str(cohort.exchange),
        str(cohort.homes),
        str(cohort.learner_config),
    ]
    c.CohortSpawner.memory_mib = cohort.memory_mib
    c.CohortSpawner.processes = cohort.processes
    c.CohortSpawner.file_mib = cohort.file_mib
    c.CohortSpawner.threads = cohort.threads
    c.CohortSpawner.languages = dict(cohort.learners)
