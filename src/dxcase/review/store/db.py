"""The review store: one SQLAlchemy engine, short transactions, migrations on open.

SQLite (the default) runs in WAL mode with ``synchronous=FULL`` and takes the write lock at
the start of every writing transaction (``BEGIN IMMEDIATE``), so concurrent writers queue
instead of failing half-way; PostgreSQL is used when the URL says so. A transaction either
commits whole or not at all, so a crash mid-write leaves no half-written review.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///review.db"
MIGRATIONS = Path(__file__).with_name("migrations")


def normalize_url(url: str | None) -> str:
    """``$DXCASE_REVIEW_DB`` or the default; plain ``postgresql://`` uses psycopg 3."""
    url = url or os.environ.get("DXCASE_REVIEW_DB") or DEFAULT_URL
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
            write = conn.get_execution_options().get("dxcase_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


class Store:
    """Sessions over one database; :meth:`write` commits whole or rolls back."""

    def __init__(self, url: str | None = None, migrate: bool = True) -> None:
        self.url = normalize_url(url)
        if self.url.startswith("sqlite:///"):
            Path(self.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(self.url)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(dxcase_write=True), expire_on_commit=False
        )
        if migrate:
            self.migrate()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` with alembic (idempotent)."""
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits on success and rolls back on any exception."""
        with self._write() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()
