"""Who is asking: the hub's OAuth identity, or a standalone access token.

Hub mode: handlers mix in ``HubOAuthenticated``; a user is a facilitator when they are a hub
admin or in one of the facilitator groups (default ``facilitators``). Standalone mode: tokens
made with ``dxcase review token add USER --role learner|facilitator`` (stored hashed), sent as
``Authorization: token T`` or exchanged once on the login page for a signed cookie.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from dxcase.errors import InputError
from dxcase.review.store import Store
from dxcase.review.store.models import Token

ROLES = ("learner", "facilitator")


@dataclass(frozen=True)
class Identity:
    name: str
    facilitator: bool = False


def identity_from_hub(model: dict, facilitator_groups: frozenset[str]) -> Identity:
    groups = set(model.get("groups") or [])
    return Identity(model["name"], bool(model.get("admin")) or bool(groups & facilitator_groups))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_token(store: Store, user: str, role: str) -> str:
    """Create an access token for standalone mode; only its hash is stored."""
    if role not in ROLES:
        raise InputError(f"role must be one of {', '.join(ROLES)} (got {role!r})")
    token = secrets.token_urlsafe(24)
    with store.write() as s:
        s.add(Token(token_hash=_hash(token), user=user, role=role))
    return token


def identity_for_token(store: Store, token: str) -> Identity | None:
    if not token:
        return None
    with store.read() as s:
        row = s.scalar(select(Token).where(Token.token_hash == _hash(token)))
    return Identity(row.user, row.role == "facilitator") if row else None
