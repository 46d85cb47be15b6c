"""`dxcase review serve --processes N`: workers share the port and the login cookie, stop
together on SIGTERM, and a worker that dies takes the service down with a non-zero exit."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from dxcase.review.service.auth import add_token
from tests.review.conftest import make_round

pytestmark = pytest.mark.slow
DXCASE = Path(sys.executable).parent / "dxcase"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


@pytest.fixture
def served(sqlite_store, tmp_path):
    env = make_round(sqlite_store, tmp_path)
    tokens = {u: add_token(sqlite_store, u, "learner") for u in env.learners}
    sqlite_store.close()
    port = _free_port()
    proc = subprocess.Popen(
        [str(DXCASE), "review", "serve", "--standalone", "--processes", "2",
         "--port", str(port), "--db", sqlite_store.url],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    banner = proc.stdout.readline()
    assert "(2 processes)" in banner, banner + proc.stderr.read()
    yield proc, f"http://127.0.0.1:{port}/", tokens
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


def test_workers_share_port_and_cookie_and_stop_together(served):
    proc, base, tokens = served
    workers = _children(proc.pid)
    assert len(workers) == 2
    token = next(iter(tokens.values()))
    s = requests.Session()
    s.get(base + "login")
    s.post(base + "login", data={"token": token, "_xsrf": s.cookies["_xsrf"]})
    # new connections land on either worker; every one accepts the cookie the other signed
    for _ in range(20):
        r = requests.get(base, cookies=s.cookies, timeout=10)
        assert r.status_code == 200 and "/a/" in r.text, r.status_code
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 0
    deadline = time.time() + 10
    while any(_alive(w) for w in workers) and time.time() < deadline:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers), "a worker outlived the service"


def test_a_dead_worker_stops_the_service(served):
    proc = served[0]
    workers = _children(proc.pid)
    os.kill(workers[0], signal.SIGKILL)
    assert proc.wait(20) == 1
    assert "exited" in proc.stdout.read()
    deadline = time.time() + 10
    while _alive(workers[1]) and time.time() < deadline:
        time.sleep(0.1)
    assert not _alive(workers[1])
