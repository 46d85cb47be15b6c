"""The tornado application: standalone (own tokens) or as a JupyterHub service (HubOAuth).

As a hub service, JupyterHub sets ``JUPYTERHUB_API_TOKEN``, ``JUPYTERHUB_API_URL``,
``JUPYTERHUB_SERVICE_PREFIX``, ``JUPYTERHUB_SERVICE_URL`` and ``JUPYTERHUB_OAUTH_*``; the
handlers then mix in ``HubOAuthenticated`` and ``HubOAuthCallbackHandler`` completes the login
at ``<prefix>oauth_callback`` (see docs/review.md for the hub configuration).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from tornado import template, web

from dxcase.review.aggregate import DEFAULT_METHOD
from dxcase.review.service import handlers as h
from dxcase.review.store import Store

HERE = Path(__file__).parent


@dataclass
class Context:
    store: Store
    prefix: str = "/"
    default_lang: str = "ja"
    method: str = DEFAULT_METHOD
    hub_auth: object | None = None  # a HubOAuth instance in hub mode
    facilitator_groups: frozenset[str] = field(default_factory=lambda: frozenset({"facilitators"}))


ROUTES: list[tuple[str, type[h.BaseHandler]]] = [
    ("", h.HomeHandler),
    (r"a/(\d+)", h.ReviewPageHandler),
    (r"a/(\d+)/draft", h.DraftHandler),
    (r"a/(\d+)/submit", h.SubmitApiHandler),
    (r"r/(\d+)/more", h.MoreHandler),
    (r"r/(\d+)/calibration", h.CalibrationHandler),
    (r"r/(\d+)/feedback", h.FeedbackHandler),
    (r"review/(\d+)/rate", h.RateHandler),
    ("f/", h.FacilitatorHomeHandler),
    (r"f/r/(\d+)", h.FacilitatorRoundHandler),
    (r"f/r/(\d+)/override", h.OverrideHandler),
    (r"f/r/(\d+)/reclaim", h.ReclaimHandler),
    (r"f/r/(\d+)/export.csv", h.ExportHandler),
    (r"f/s/(\d+)", h.SubmissionPreviewHandler),
]


def _hub_handler(cls: type, hub_auth: object) -> type:
    """``cls`` authenticated by the hub: HubOAuthenticated first in the MRO."""
    from jupyterhub.services.auth import HubOAuthenticated

    bases = (cls,) if issubclass(cls, HubOAuthenticated) else (HubOAuthenticated, cls)

    def check_xsrf_cookie(self) -> None:
        # tornado checks XSRF before the hub has looked at the token, so a scripted POST with
        # "Authorization: token T" would be refused; such a request is not cookie-authenticated
        # (a cross-site page cannot add that header without a CORS preflight we never allow)
        if self.request.headers.get("Authorization", "").lower().startswith("token "):
            return
        HubOAuthenticated.check_xsrf_cookie(self)

    namespace = {"hub_auth": property(lambda self: hub_auth)}
    if not issubclass(cls, HubOAuthenticated):
        namespace["check_xsrf_cookie"] = check_xsrf_cookie
    return type(f"Hub{cls.__name__}", bases, namespace)


def make_app(
    ctx: Context, cookie_secret: bytes | None = None, debug: bool = False
) -> web.Application:
    prefix = ctx.prefix if ctx.prefix.endswith("/") else ctx.prefix + "/"
    ctx.prefix = prefix
    routes: list = []
    if ctx.hub_auth is None:
        routes += [(prefix + "login", h.LoginHandler), (prefix + "logout", h.LogoutHandler)]
        wrap = lambda cls: cls  # noqa: E731
    else:
        from jupyterhub.services.auth import HubOAuthCallbackHandler

        routes.append(
            (prefix + "oauth_callback", _hub_handler(HubOAuthCallbackHandler, ctx.hub_auth))
        )
        wrap = lambda cls: _hub_handler(cls, ctx.hub_auth)  # noqa: E731
    routes += [(prefix + pattern, wrap(cls)) for pattern, cls in ROUTES]
    app = web.Application(
        routes,
        dxcase=ctx,
        template_path=str(HERE / "templates"),
        template_loader=_compiled_templates(),
        static_path=str(HERE / "static"),
        static_url_prefix=prefix + "static/",
        cookie_secret=cookie_secret or secrets.token_bytes(32),
        login_url=prefix + "login",
        xsrf_cookies=True,
        xsrf_cookie_kwargs={"path": prefix, "samesite": "Strict", "httponly": False},
        debug=debug,
    )
    for asset in (HERE / "static").iterdir():  # hash the static files once, before any request
        web.StaticFileHandler.get_version(app.settings, asset.name)
    return app


def _compiled_templates() -> template.Loader:
    """Every page template compiled up front (and shared by forked workers), so the first
    requests after a start do not pay for it."""
    loader = template.Loader(str(HERE / "templates"))
    for path in sorted((HERE / "templates").glob("*.html")):
        loader.load(path.name)
    return loader


def hub_context(store: Store, groups: frozenset[str], method: str, lang: str) -> Context:
    """Context for running under JupyterHub, configured from the hub's environment."""
    from jupyterhub.services.auth import HubOAuth

    auth = HubOAuth(cache_max_age=60)
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/review/")
    return Context(store, prefix, lang, method, auth, groups)
