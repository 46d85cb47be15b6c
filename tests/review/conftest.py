"""Fixtures for peer review: a small course, a store (SQLite, or PostgreSQL when
DXCASE_TEST_PG_URL is set), a round, and the web service running on loopback."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from tornado.netutil import bind_sockets

from dxcase.review.fixtures import write_course
from dxcase.review.round import RoundSpec, create_round, find_notebooks, read_roster
from dxcase.review.rubric import load_rubric
from dxcase.review.service.app import Context, make_app
from dxcase.review.service.auth import add_token
from dxcase.review.store import Store
from dxcase.review.store.models import utcnow

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = ROOT / "rubrics" / "presentation.yaml"
CRITERIA = [c.id for c in load_rubric(RUBRIC).criteria]
PG_URL = os.environ.get("DXCASE_TEST_PG_URL")


def good_review(level: int = 3) -> dict:
    return {
        "scores": dict.fromkeys(CRITERIA, level),
        "comments": dict.fromkeys(CRITERIA[:4], "根拠の数字が示されていて説得力がありました。"),
        "overall_comment": "全体として意思決定者に伝わる構成でした。展開計画も具体的です。",
    }


def _pg_database():
    """A fresh PostgreSQL database for one test; dropped afterwards."""
    admin = sa.create_engine(
        PG_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    name = f"dxcase_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    return admin, name, url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """A migrated, empty store on each backend (PostgreSQL skipped only without its URL)."""
    if request.param == "sqlite":
        st = Store(f"sqlite:///{tmp_path}/review.db")
        yield st
        st.close()
        return
    if not PG_URL:
        pytest.skip("DXCASE_TEST_PG_URL is not set (.ci/run sets it)")
    admin, name, url = _pg_database()
    st = Store(url)
    yield st
    st.close()
    try:  # cleanup only: a leftover test database must not fail the test
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except sa.exc.DBAPIError as exc:
        print(f"could not drop {name}: {exc}")
    admin.dispose()


@pytest.fixture
def sqlite_store(tmp_path):
    st = Store(f"sqlite:///{tmp_path}/review.db")
    yield st
    st.close()


@dataclass
class RoundEnv:
    store: Store
    round_id: int
    course: Path
    learners: list[str] = field(default_factory=list)


def make_round(
    store: Store, tmp: Path, n: int = 12, k: int = 3, due_days: float = 7, **kw
) -> RoundEnv:
    course = write_course(tmp / "course", n=n, skip=kw.pop("skip", ()))
    examples = kw.pop("examples", ())
    spec = RoundSpec(
        "r1", "course1", "retail_demand", "04_presentation", load_rubric(RUBRIC), k=k, seed=3,
        reviews_due_at=utcnow() + timedelta(days=due_days), **kw,
    )  # fmt: skip
    roster = read_roster(course / "roster.csv")
    rid = create_round(
        store, spec, roster, find_notebooks(course, "retail_demand", "04_presentation"), examples
    )
    return RoundEnv(store, rid, course, [e.id for e in roster])


@pytest.fixture
def round_env(store, tmp_path) -> RoundEnv:
    return make_round(store, tmp_path)


class Server:
    """The review service in a background thread on a free loopback port."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        async def main() -> None:
            sock = bind_sockets(0, "127.0.0.1")
            self.port = sock[0].getsockname()[1]
            app = make_app(self.ctx)
            from tornado.httpserver import HTTPServer

            server = HTTPServer(app)
            server.add_sockets(sock)
            self.loop = asyncio.get_running_loop()
            self.stop_event = asyncio.Event()
            self.ready.set()
            await self.stop_event.wait()
            server.stop()

        asyncio.run(main())

    def start(self) -> Server:
        self.thread.start()
        self.ready.wait(10)
        return self

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(5)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.ctx.prefix}"


def login(server: Server, token: str) -> requests.Session:
    """A browser-like session: GET the login page (XSRF cookie), POST the token."""
    s = requests.Session()
    s.get(server.base + "login")
    r = s.post(server.base + "login", data={"token": token, "_xsrf": s.cookies["_xsrf"]})
    assert r.status_code == 200, r.text
    return s


@pytest.fixture
def service(round_env):
    """The running service plus a logged-in session per learner and one facilitator."""
    srv = Server(Context(round_env.store, prefix="/services/review/")).start()
    tokens = {u: add_token(round_env.store, u, "learner") for u in round_env.learners}
    tokens["facil"] = add_token(round_env.store, "facil", "facilitator")
    yield srv, tokens
    srv.stop()
