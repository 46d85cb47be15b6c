"""Run the service: pick the mode, bind, and reclaim expired leases periodically."""

from __future__ import annotations

import asyncio
import os
import secrets
from urllib.parse import urlparse

from tornado.ioloop import PeriodicCallback

from dxcase.review.facilitate import reclaim
from dxcase.review.service.app import Context, hub_context, make_app
from dxcase.review.store import Store
from dxcase.review.store.models import Round


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
) -> None:
    store = Store(db_url)
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
    app = make_app(ctx, bytes.fromhex(secret) if secret else secrets.token_bytes(32))

    async def main() -> None:
        app.listen(port, ip)
        PeriodicCallback(lambda: _reclaim_all(store), reclaim_minutes * 60_000).start()
        print(f"dxcase review service on http://{ip}:{port}{ctx.prefix}", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())
