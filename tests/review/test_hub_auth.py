"""The service behind JupyterHub's OAuth: identities come from the hub (a fake hub API here)."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
import requests
from jupyterhub.services.auth import HubOAuth
from tornado import web
from tornado.netutil import bind_sockets

from dxcase.review.service.app import Context
from tests.review.conftest import Server

SCOPE = "access:services!service=review"
USERS = {
    "tok-learner": {"name": "learner01", "groups": [], "admin": False},
    "tok-facil": {"name": "coach", "groups": ["facilitators"], "admin": False},
    "tok-noaccess": {"name": "learner02", "groups": [], "admin": False, "no_scope": True},
}


class FakeUserAPI(web.RequestHandler):
    """GET /hub/api/user: the hub's answer for the token in the Authorization header."""

    def get(self) -> None:
        token = self.request.headers.get("Authorization", "").split()[-1]
        user = USERS.get(token)
        if user is None:
            raise web.HTTPError(403)
        scopes = [] if user.get("no_scope") else [SCOPE]
        self.finish(json.dumps({"kind": "user", **user, "scopes": scopes}))


@pytest.fixture
def fake_hub():
    ready, box = threading.Event(), {}

    def run() -> None:
        async def main() -> None:
            sock = bind_sockets(0, "127.0.0.1")
            box["port"] = sock[0].getsockname()[1]
            app = web.Application([("/hub/api/user", FakeUserAPI)])
            from tornado.httpserver import HTTPServer

            HTTPServer(app).add_sockets(sock)
            box["loop"], box["stop"] = asyncio.get_running_loop(), asyncio.Event()
            ready.set()
            await box["stop"].wait()

        asyncio.run(main())

    th = threading.Thread(target=run, daemon=True)
    th.start()
    ready.wait(5)
    yield f"http://127.0.0.1:{box['port']}/hub/api"
    box["loop"].call_soon_threadsafe(box["stop"].set)


def test_identity_and_roles_come_from_the_hub(round_env, fake_hub):
    auth = HubOAuth(
        api_url=fake_hub,
        api_token="service-token",
        oauth_client_id="service-review",
        access_scopes={SCOPE},
        cache_max_age=0,
        login_url="http://127.0.0.1:1/hub/api/oauth2/authorize",
    )
    srv = Server(Context(round_env.store, prefix="/services/review/", hub_auth=auth)).start()
    try:
        base = srv.base

        def get(path, token=None):
            hdr = {"Authorization": f"token {token}"} if token else {}
            return requests.get(base + path, headers=hdr, allow_redirects=False)

        home = get("", "tok-learner")
        assert home.status_code == 200 and "learner01" in home.text
        assert get(f"r/{round_env.round_id}/feedback", "tok-learner").status_code == 200
        assert get("f/", "tok-learner").status_code == 403  # learners are not facilitators
        assert get("f/", "tok-facil").status_code == 200  # hub group "facilitators"
        assert get("", "tok-noaccess").status_code == 403  # no access:services scope
        anon = get("")
        assert anon.status_code == 302 and "oauth2/authorize" in anon.headers["Location"]
        assert get("login").status_code == 404  # no standalone login under the hub
        assert get("oauth_callback").status_code == 400  # the hub's OAuth callback is mounted
        # a scripted POST with a hub token is not refused for a missing XSRF cookie
        hdr = {"Authorization": "token tok-learner"}
        assert requests.post(base + "a/999999/submit", json={}, headers=hdr).status_code == 404
        assert requests.post(base + "a/999999/submit", json={}).status_code == 403  # cookie path
    finally:
        srv.stop()
