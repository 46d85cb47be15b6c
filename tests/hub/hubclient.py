"""A real cohort hub on loopback for tests: made with dxcase hub, driven over its REST APIs."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from dxcase.grade.course import Learner, write_roster
from dxcase.hub.accounts import remove_account
from dxcase.hub.cohort import HubCohort
from dxcase.hub.launch import start_hub, stop_hub
from dxcase.hub.provision import init_cohort, read_secret
from tests.jupyterlab import free_port

DXCASE = str(Path(sys.executable).parent / "dxcase")
CASE = "retail_demand"


def dx(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """The ``dxcase`` command as the operator runs it (English messages)."""
    env = {**os.environ, "DXCASE_LANG": "en", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([DXCASE, *args], capture_output=True, text=True, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"dxcase {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def free_block(n: int = 4) -> int:
    """A port with the next ``n - 1`` also free (the hub uses port .. port + 3)."""
    for _ in range(50):
        port = free_port()
        if port + n < 65535 and all(_free(port + i) for i in range(1, n)):
            return port
    raise RuntimeError("no block of free ports")


def _free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


@dataclass
class Hub:
    """A started cohort hub: its settings, the process and an operator token."""

    cohort: HubCohort
    proc: subprocess.Popen
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.cohort.url

    def api(self, method: str, path: str, **kw) -> requests.Response:
        token = read_secret(self.cohort, "ops_token")
        headers = {"Authorization": f"token {token}"}
        return requests.request(method, f"{self.url}/hub/api{path}", headers=headers, **kw)

    def start_servers(self, users: list[str], timeout: float = 120) -> None:
        for user in users:
            r = self.api("POST", f"/users/{user}/server")
            assert r.status_code in (201, 202, 400), r.text
        deadline = time.monotonic() + timeout
        pending = set(users)
        while pending:
            for user in list(pending):
                info = self.api("GET", f"/users/{user}").json()
                if info["servers"].get("", {}).get("ready"):
                    pending.discard(user)
            if pending and time.monotonic() > deadline:
                log = (self.cohort.hub_dir / "jupyterhub.log").read_text()[-3000:]
                raise AssertionError(f"servers not ready: {pending}\n{log}")
            time.sleep(0.5)

    def token(self, user: str) -> str:
        """An API token of ``user`` (what the browser session would hold)."""
        if user not in self.tokens:
            r = self.api("POST", f"/users/{user}/tokens", json={"note": "test"})
            assert r.status_code == 201, r.text
            self.tokens[user] = r.json()["token"]
        return self.tokens[user]

    def as_user(self, user: str, method: str, path: str, **kw) -> requests.Response:
        """A request to ``path`` (under the hub's base URL) with ``user``'s token."""
        headers = {"Authorization": f"token {self.token(user)}", **kw.pop("headers", {})}
        return requests.request(method, f"{self.url}{path}", headers=headers, timeout=120, **kw)

    def stop(self) -> None:
        stop_hub(self.proc)
        for user in self.cohort.users:
            remove_account(user)


def answer_and_upload(hub: Hub, user: str, persona: str, work: Path, case: str = CASE) -> None:
    """Answer the case as ``persona`` would; PUT every notebook through the contents API."""
    from dxcase.author.casefile import load_case
    from dxcase.grade.simulate import make_submission
    from dxcase.paths import content_root

    release = hub.cohort.course / "release" / case
    make_submission(load_case(content_root("casestudies") / case), release, work / user,
                    persona, seed=len(user))  # fmt: skip
    for path in sorted((work / user).glob("*.ipynb")):
        model = {"type": "notebook", "format": "json", "content": json.loads(path.read_text())}
        url = f"/user/{user}/api/contents/{hub.cohort.name}/{case}/{path.name}"
        r = hub.as_user(user, "PUT", url, json=model)
        assert r.status_code in (200, 201), r.text


def make_hub(root: Path, learners: list[Learner], facilitators: list[str]) -> Hub:
    """``dxcase hub init`` (in-process) and start, on free loopback ports."""
    roster = root.parent / f"{root.name}-roster.csv"
    write_roster(roster, learners)
    port = free_block()
    settings = {"port": port, "hub_port": port + 1, "proxy_api_port": port + 2}
    cohort = init_cohort(
        root, ["retail_demand"], roster, facilitators, review_port=port + 3, **settings
    )
    return Hub(cohort, start_hub(cohort))


class Kernel:
    """A notebook session on a learner's server, with code run over the kernel websocket."""

    def __init__(self, hub: Hub, user: str, path: str) -> None:
        self.hub, self.user = hub, user
        r = hub.as_user(
            user,
            "POST",
            f"/user/{user}/api/sessions",
            json={"path": path, "type": "notebook", "name": "", "kernel": {"name": "python3"}},
        )
        assert r.status_code == 201, r.text
        self.kernel_id = r.json()["kernel"]["id"]
        self.session = uuid.uuid4().hex

    def run(self, code: str, timeout: float = 120) -> str:
        """Execute ``code``; its text, HTML and error outputs joined."""
        return asyncio.run(self._run(code, timeout))

    async def _run(self, code: str, timeout: float) -> str:
        ws = self.hub.url.replace("http://", "ws://")
        url = (
            f"{ws}/user/{self.user}/api/kernels/{self.kernel_id}/channels?session_id={self.session}"
        )
        headers = {"Authorization": f"token {self.hub.token(self.user)}"}
        conn = await websocket_connect(HTTPRequest(url, headers=headers))
        msg_id = uuid.uuid4().hex
        header = {
            "msg_id": msg_id,
            "username": self.user,
            "session": self.session,
            "msg_type": "execute_request",
            "version": "5.3",
            "date": datetime.now(UTC).isoformat(),
        }
        content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                   "allow_stdin": False, "stop_on_error": True}  # fmt: skip
        msg = {"header": header, "parent_header": {}, "metadata": {}, "content": content,
               "channel": "shell", "buffers": []}  # fmt: skip
        await conn.write_message(json.dumps(msg))
        out: list[str] = []
        try:
            while True:
                raw = await asyncio.wait_for(conn.read_message(), timeout)
                if raw is None:
                    break
                reply = json.loads(raw)
                if reply.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind, body = reply["msg_type"], reply["content"]
                if kind == "stream":
                    out.append(body["text"])
                elif kind in ("execute_result", "display_data"):
                    data = body["data"]
                    out.append(data.get("text/html") or data.get("text/plain", ""))
                elif kind == "error":
                    out.append(f"ERROR {body['ename']}: {body['evalue']}")
                elif kind == "status" and body["execution_state"] == "idle":
                    break
        finally:
            conn.close()
        return "\n".join(out)
