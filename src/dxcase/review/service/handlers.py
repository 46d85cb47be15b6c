"""Request handlers: learner pages, the draft API, facilitator pages.

Every handler looks objects up *through the acting user* (an assignment by id and reviewer,
a review by id and reviewee), so changing an id in a URL gives 404, never someone else's data.
Facilitator handlers refuse learners with 403. Forms carry tornado's XSRF token; the autosave
API sends it as the ``X-XSRFToken`` header.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from tornado import web

from dxcase.errors import DxcaseError, InputError
from dxcase.i18n import t
from dxcase.review import calibration, facilitate, leases, reviewing
from dxcase.review.report import facilitator_sections
from dxcase.review.results import round_result
from dxcase.review.service.auth import Identity, identity_for_token, identity_from_hub
from dxcase.review.store.models import Participant, Round, Submission

COOKIE = "dxcase-review-identity"
LANG_COOKIE = "dxcase-lang"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


class BaseHandler(web.RequestHandler):
    """Identity, language, security headers, templates and error pages for every page."""

    @property
    def ctx(self):
        return self.settings["dxcase"]

    def set_default_headers(self) -> None:
        self.set_header("Content-Security-Policy", CSP)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("X-Frame-Options", "DENY")
        self.set_header("Cache-Control", "no-store")

    # --- identity -----------------------------------------------------------------------
    def get_current_user(self) -> Any:
        """Standalone mode: a token header, else the signed cookie set at login."""
        header = self.request.headers.get("Authorization", "")
        if header.lower().startswith("token "):
            return identity_for_token(self.ctx.store, header[6:].strip())
        raw = self.get_signed_cookie(COOKIE, max_age_days=1)
        if not raw:
            return None
        data = json.loads(raw)
        return Identity(data["n"], bool(data["f"]))

    def check_xsrf_cookie(self) -> None:
        """Requests that carry a token header are not cookie-authenticated: no CSRF risk."""
        if self.request.headers.get("Authorization", "").lower().startswith("token "):
            return
        super().check_xsrf_cookie()

    @property
    def ident(self) -> Identity:
        user = self.current_user
        if isinstance(user, dict):  # a hub user model
            return identity_from_hub(user, self.ctx.facilitator_groups)
        return user

    def require_facilitator(self) -> Identity:
        ident = self.ident
        if not ident.facilitator:
            raise web.HTTPError(403)
        return ident

    # --- language, templates, errors ----------------------------------------------------
    @property
    def lang(self) -> str:
        asked = self.get_query_argument("lang", None)
        if asked in ("ja", "en"):
            self.set_cookie(LANG_COOKIE, asked, path=self.ctx.prefix, samesite="Lax")
            return asked
        cookie = self.get_cookie(LANG_COOKIE)
        return cookie if cookie in ("ja", "en") else self.ctx.default_lang

    def url(self, path: str = "") -> str:
        return self.ctx.prefix + path

    def get_template_namespace(self) -> dict[str, Any]:
        ns = super().get_template_namespace()
        lang = self.lang
        ns.update(
            tr=lambda key, **kw: t(key, lang, **kw),
            lang=lang,
            other_lang="en" if lang == "ja" else "ja",
            url=self.url,
            me=self.ident if self.current_user else None,
            standalone=self.ctx.hub_auth is None,
        )
        return ns

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        reason = getattr(exc, "log_message", None) or ""
        key = {404: "rv_error_404", 403: "rv_error_403", 409: "rv_error_409", 400: "rv_error_400"}
        message = t(key.get(status_code, "rv_error_other"), self.lang, reason=reason)
        if self.request.headers.get("Content-Type", "").startswith("application/json"):
            self.finish({"error": status_code, "message": message})
            return
        self.render("error.html", status=status_code, message=message)

    @contextmanager
    def domain_errors(self) -> Iterator[None]:
        """Turn the review model's errors into HTTP answers (404, 409, 400)."""
        try:
            yield
        except InputError as exc:
            raise web.HTTPError(400, str(exc).splitlines()[0]) from exc
        except DxcaseError as exc:
            raise web.HTTPError(getattr(exc, "http_status", 400), str(exc)) from exc

    def json_body(self) -> Any:
        try:
            return json.loads(self.request.body or b"{}")
        except ValueError as exc:
            raise web.HTTPError(400, "body is not JSON") from exc


def form_review(handler: BaseHandler) -> dict[str, Any]:
    """A review from the HTML form's fields (score.<id>, comment.<id>, overall_comment)."""
    scores, comments = {}, {}
    for name, values in handler.request.body_arguments.items():
        value = values[-1].decode("utf-8", "replace")
        if name.startswith("score."):
            scores[name[6:]] = value
        elif name.startswith("comment."):
            comments[name[8:]] = value
    return {
        "scores": scores,
        "comments": comments,
        "overall_comment": handler.get_body_argument("overall_comment", ""),
    }


class LoginHandler(BaseHandler):
    """Standalone mode: exchange an access token for a signed cookie."""

    def get(self) -> None:
        self.render("login.html", error=False, next_url=self.get_query_argument("next", ""))

    def post(self) -> None:
        ident = identity_for_token(self.ctx.store, self.get_body_argument("token", "").strip())
        if ident is None:
            self.set_status(403)
            self.render("login.html", error=True, next_url="")
            return
        self.set_signed_cookie(
            COOKIE,
            json.dumps({"n": ident.name, "f": ident.facilitator}),
            expires_days=1,
            httponly=True,
            samesite="Lax",
            path=self.ctx.prefix,
        )
        next_url = self.get_body_argument("next", "")
        self.redirect(next_url if next_url.startswith(self.ctx.prefix) else self.url())


class LogoutHandler(BaseHandler):
    def get(self) -> None:
        self.clear_cookie(COOKIE, path=self.ctx.prefix)
        self.redirect(self.url("login"))


class HomeHandler(BaseHandler):
    """My rounds: assignments (or calibration first), feedback links."""

    @web.authenticated
    def get(self) -> None:
        me = self.ident
        store = self.ctx.store
        with store.read() as s:
            rounds = s.scalars(
                select(Round)
                .join(Participant, Participant.round_id == Round.id)
                .where(Participant.learner == me.name)
                .order_by(Round.id)
            ).all()
        items = []
        for rnd in rounds:
            items.append(
                {
                    "round": rnd,
                    "assignments": reviewing.my_assignments(store, rnd.id, me.name),
                    "calibration": calibration.next_example(
                        store, rnd.id, me.name, rnd.calibration
                    ),
                    "feedback_open": reviewing.feedback_open(rnd),
                }
            )
        self.render("home.html", items=items, done=self.get_query_argument("done", ""))


class ReviewPageHandler(BaseHandler):
    """The reviewee's work (sanitized, anonymous) beside the rubric form."""

    @web.authenticated
    def get(self, assignment_id: str) -> None:
        with self.domain_errors():
            rnd, a, sub, draft = reviewing.open_assignment(
                self.ctx.store, int(assignment_id), self.ident.name
            )
        if calibration.next_example(self.ctx.store, rnd.id, self.ident.name, rnd.calibration):
            self.redirect(self.url(f"r/{rnd.id}/calibration"))
            return
        self._page(rnd, a, sub, draft or {}, errors=[])

    def _page(self, rnd, a, sub, values, errors) -> None:
        self.render(
            "review.html",
            rnd=rnd,
            a=a,
            code=sub.code,
            work_html=sub.html,
            rubric=reviewing.round_rubric(rnd),
            values=values,
            errors=errors,
        )

    @web.authenticated
    def post(self, assignment_id: str) -> None:
        """Submit (the HTML form)."""
        data = form_review(self)
        try:
            reviewing.submit_review(self.ctx.store, int(assignment_id), self.ident.name, data)
        except InputError as exc:
            with self.domain_errors():
                rnd, a, sub, _ = reviewing.open_assignment(
                    self.ctx.store, int(assignment_id), self.ident.name
                )
            self.set_status(400)
            clean = {
                "scores": {k: _int_or_none(v) for k, v in data["scores"].items()},
                "comments": data["comments"],
                "overall_comment": data["overall_comment"],
            }
            self._page(rnd, a, sub, clean, errors=[str(p) for p in exc.problems])
            return
        except DxcaseError:
            with self.domain_errors():
                raise
        self.redirect(self.url("?done=1"))


def _int_or_none(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


class DraftHandler(BaseHandler):
    """Autosave: POST a JSON draft; answers {"saved_at": ...}."""

    @web.authenticated
    def post(self, assignment_id: str) -> None:
        body = self.json_body()
        with self.domain_errors():
            saved = reviewing.save_draft(self.ctx.store, int(assignment_id), self.ident.name, body)
        self.finish({"saved_at": saved.isoformat(timespec="seconds") + "Z"})


class SubmitApiHandler(BaseHandler):
    """Submit as JSON (used by scripts and the load generator); answers {"review_id": ...}."""

    @web.authenticated
    def post(self, assignment_id: str) -> None:
        body = self.json_body()
        with self.domain_errors():
            rid = reviewing.submit_review(self.ctx.store, int(assignment_id), self.ident.name, body)
        self.finish({"review_id": rid})


class MoreHandler(BaseHandler):
    @web.authenticated
    def post(self, round_id: str) -> None:
        with self.ctx.store.write() as s:
            rnd = s.get(Round, int(round_id))
            new = leases.pull_extra(s, rnd, self.ident.name) if rnd else None
        self.redirect(self.url(f"a/{new}") if new else self.url())


class CalibrationHandler(BaseHandler):
    @web.authenticated
    def get(self, round_id: str) -> None:
        ex = calibration.next_example(self.ctx.store, int(round_id), self.ident.name)
        if ex is None:
            self.redirect(self.url())
            return
        self._page(int(round_id), ex, None)

    def _page(self, round_id: int, ex, feedback) -> None:
        with self.ctx.store.read() as s:
            rnd = s.get(Round, round_id)
        total = len(rnd.rubric["criteria"]) and self._count(round_id)
        self.render(
            "calibration.html",
            rnd=rnd,
            ex=ex,
            rubric=reviewing.round_rubric(rnd),
            feedback=feedback,
            total=total,
        )

    def _count(self, round_id: int) -> int:
        from sqlalchemy import func

        from dxcase.review.store.models import CalibrationExample

        with self.ctx.store.read() as s:
            return s.scalar(
                select(func.count(CalibrationExample.id)).where(
                    CalibrationExample.round_id == round_id
                )
            )

    @web.authenticated
    def post(self, round_id: str) -> None:
        ex = calibration.next_example(self.ctx.store, int(round_id), self.ident.name)
        if ex is None or str(ex.id) != self.get_body_argument("example_id", ""):
            raise web.HTTPError(409, "this example was answered already")
        with self.domain_errors():
            fb = calibration.answer(self.ctx.store, ex.id, self.ident.name, form_review(self))
        self._page(int(round_id), ex, fb)


class FeedbackHandler(BaseHandler):
    """The feedback I received: aggregated score and each review, with rating buttons."""

    @web.authenticated
    def get(self, round_id: str) -> None:
        me = self.ident.name
        with self.ctx.store.read() as s:
            rnd = s.get(Round, int(round_id))
            member = rnd and s.scalar(
                select(Participant.id).where(
                    Participant.round_id == rnd.id, Participant.learner == me
                )
            )
        if not member:
            raise web.HTTPError(404)
        opened = reviewing.feedback_open(rnd)
        reviews = reviewing.received_reviews(self.ctx.store, rnd.id, me) if opened else []
        mine = None
        if opened:
            result = round_result(self.ctx.store, rnd.id, self.ctx.method)
            mine = next((x for x in result.submissions if x.author == me), None)
        self.render(
            "feedback.html",
            rnd=rnd,
            rubric=reviewing.round_rubric(rnd),
            opened=opened,
            reviews=reviews,
            mine=mine,
        )


class RateHandler(BaseHandler):
    @web.authenticated
    def post(self, review_id: str) -> None:
        helpful = self.get_body_argument("helpful", "")
        with self.domain_errors():
            reviewing.rate_review(
                self.ctx.store,
                int(review_id),
                self.ident.name,
                int(helpful) if helpful.isdigit() else None,
                self.get_body_argument("report", "") == "1",
                self.get_body_argument("reason", ""),
            )
            with self.ctx.store.read() as s:
                from dxcase.review.store.models import Review

                round_id = s.get(Review, int(review_id)).round_id
        self.redirect(self.url(f"r/{round_id}/feedback"))


# --- facilitator ---------------------------------------------------------------------------
class FacilitatorHomeHandler(BaseHandler):
    @web.authenticated
    def get(self) -> None:
        self.require_facilitator()
        with self.ctx.store.read() as s:
            rounds = s.scalars(select(Round).order_by(Round.id)).all()
        self.render("facilitator_home.html", rounds=rounds)


class FacilitatorRoundHandler(BaseHandler):
    @web.authenticated
    def get(self, round_id: str) -> None:
        self.require_facilitator()
        with self.domain_errors():
            result = round_result(self.ctx.store, int(round_id), self.ctx.method)
        self.render(
            "facilitator_round.html",
            r=result,
            sections=facilitator_sections(result, self.lang),
            message=self.get_query_argument("msg", ""),
        )


class OverrideHandler(BaseHandler):
    @web.authenticated
    def post(self, round_id: str) -> None:
        me = self.require_facilitator()
        scores = {
            k[6:]: v[-1].decode()
            for k, v in self.request.body_arguments.items()
            if k.startswith("score.")
        }
        with self.domain_errors():
            facilitate.set_override(
                self.ctx.store,
                int(round_id),
                int(self.get_body_argument("submission_id", "0") or 0),
                scores,
                me.name,
                self.get_body_argument("reason", ""),
            )
        self.redirect(self.url(f"f/r/{round_id}?msg=override"))


class ReclaimHandler(BaseHandler):
    @web.authenticated
    def post(self, round_id: str) -> None:
        self.require_facilitator()
        with self.domain_errors():
            n = facilitate.reclaim(self.ctx.store, int(round_id))
        self.redirect(self.url(f"f/r/{round_id}?msg=reclaim-{n}"))


class ExportHandler(BaseHandler):
    @web.authenticated
    def get(self, round_id: str) -> None:
        self.require_facilitator()
        with self.domain_errors():
            result = round_result(self.ctx.store, int(round_id), self.ctx.method)
        self.set_header("Content-Type", "text/csv; charset=utf-8")
        self.set_header(
            "Content-Disposition", f'attachment; filename="review-{result.round.name}.csv"'
        )
        self.finish(facilitate.round_csv(result))


class SubmissionPreviewHandler(BaseHandler):
    """Facilitators can read any submission (as reviewers see it)."""

    @web.authenticated
    def get(self, submission_id: str) -> None:
        self.require_facilitator()
        with self.ctx.store.read() as s:
            sub = s.get(Submission, int(submission_id))
        if sub is None:
            raise web.HTTPError(404)
        self.render("preview.html", sub=sub)
