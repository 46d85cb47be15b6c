"""Run the service: pick the mode, bind, fork workers, and reclaim expired leases periodically.

Several worker processes share one listening socket (bound before forking), so one request
waiting on the database or busy rendering a page does not hold up the others; the store is
safe for that (SQLite in WAL mode with ``BEGIN IMMEDIATE`` writers, or PostgreSQL). The
parent only watches its workers: SIGTERM or SIGINT to it stops them all, and a worker that
dies takes the service down with a non-zero exit instead of leaving it half-running.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import secrets
import signal
import sys
from urllib.parse import urlparse

from tornado.httpserver import HTTPServer
from tornado.ioloop import PeriodicCallback
from tornado.netutil import bind_sockets

from dxcase.review.facilitate import reclaim
from dxcase.review.service.app import Context, hub_context, make_app
from dxcase.review.store import Store
from dxcase.review.store.models import Round

DEFAULT_PROCESSES = max(1, min(4, os.cpu_count() or 1))


def _reclaim_all(store: Store) -> None:
    with store.read() as s:
        ids = [r.id for r in s.query(Round).filter(Round.closed.is_(False))]
    for rid in ids:
        reclaim(store, rid)


def run(
    db_url: str,
    port: int | None,
    ip: str,
    standalone: bool,
    prefix: str | None,
    groups: frozenset[str],
    lang: str,
    reclaim_minutes: float,
    method: str,
    processes: int = 1,
) -> None:
    store = Store(db_url)  # migrates once, before any worker starts
    if standalone:
        ctx = Context(store, prefix or "/", lang, method, None, groups)
    else:
        ctx = hub_context(store, groups, method, lang)
        if prefix:
            ctx.prefix = prefix
    url = os.environ.get("JUPYTERHUB_SERVICE_URL")
    if port is None:
        port = urlparse(url).port if url else 8765
    secret = os.environ.get("DXCASE_REVIEW_COOKIE_SECRET")
    # one secret for all workers: a cookie signed by one is accepted by the others
    app = make_app(ctx, bytes.fromhex(secret) if secret else secrets.token_bytes(32))
    sockets = bind_sockets(port, ip)
    banner = f"dxcase review service on http://{ip}:{port}{ctx.prefix}"

    def serve(worker: int) -> None:
        async def main() -> None:
            HTTPServer(app).add_sockets(sockets)
            if worker == 0:  # one worker reclaims leases for all
                PeriodicCallback(lambda: _reclaim_all(store), reclaim_minutes * 60_000).start()
            await asyncio.Event().wait()

        asyncio.run(main())

    if processes <= 1:
        print(banner, flush=True)
        serve(0)
        return
    store.engine.dispose()  # workers open their own connections
    children = [_fork_worker(serve, i) for i in range(processes)]
    print(f"{banner} ({processes} processes)", flush=True)
    sys.exit(_watch(children))


def _fork_worker(serve, worker: int) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 0
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        _die_with_parent()
        serve(worker)
    except BaseException:  # report, then leave without running the parent's code
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        os._exit(code)


def _die_with_parent() -> None:
    """Linux: the kernel sends SIGTERM to this worker if the parent dies (even by SIGKILL)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _watch(children: list[int]) -> int:
    """Wait for the workers; stop all of them on a signal or when one of them exits."""
    stopping = False

    def stop(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = 0
    alive = set(children)
    while alive:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        alive.discard(pid)
        if not stopping:  # a worker died on its own: the service is broken, stop it whole
            code = 1
            why = os.waitstatus_to_exitcode(status)
            print(f"dxcase review service: worker {pid} exited ({why}); stopping", flush=True)
            stop(signal.SIGTERM, None)
    return code
