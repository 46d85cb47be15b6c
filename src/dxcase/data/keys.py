"""Secret cohort keys and the random streams derived from them.

A dataset variant's public part is a pure function of (generator version, parameters, seed).
Its holdout noise is drawn from a stream keyed by a secret cohort key, so a learner holding
the public generator and seed still cannot reproduce the holdout truth.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dxcase.errors import InputError, Problem

KEY_ENV = "DXCASE_COHORT_KEY"
MIN_KEY_BYTES = 16


@dataclass(frozen=True)
class CohortKey:
    """A secret key, and where it came from (never the key itself)."""

    secret: bytes
    source: str

    @property
    def fingerprint(self) -> str:
        """A short public identifier of the key, safe to record beside the holdout."""
        return hmac.new(self.secret, b"dxcase-key-fingerprint", hashlib.sha256).hexdigest()[:16]


def load_key(
    key_file: str | os.PathLike[str] | None = None,
    env: str = KEY_ENV,
    required: bool = False,
    lang: str | None = None,
) -> CohortKey:
    """The key from ``key_file``, else ``$env``; else a fresh random one, or an error if required.

    Keys shorter than 16 bytes are refused. The key itself is never printed or written.
    """
    from dxcase.i18n import t

    source = str(key_file) if key_file is not None else f"${env}"
    if key_file is not None:
        secret = Path(key_file).read_bytes().strip()
    else:
        secret = os.environ.get(env, "").strip().encode()
    if not secret:
        if required:
            message = t("key_missing", lang, env=env)
            raise InputError(message, [Problem(source, "missing-key", message)])
        return CohortKey(
            secrets.token_bytes(32), "ephemeral (no key given: holdout not reproducible)"
        )
    if len(secret) < MIN_KEY_BYTES:
        message = t("key_short", lang, n=MIN_KEY_BYTES)
        raise InputError(message, [Problem(source, "weak-key", message)])
    return CohortKey(secret, f"file {key_file}" if key_file is not None else source)


def public_rng(*parts: Any) -> np.random.Generator:
    """A reproducible stream named by ``parts`` (dataset, version, seed, parameters, purpose)."""
    digest = hashlib.sha256(_canonical(parts)).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


def secret_rng(key: CohortKey, *parts: Any) -> np.random.Generator:
    """A stream named by ``parts`` that only the holder of ``key`` can reproduce."""
    digest = hmac.new(key.secret, _canonical(parts), hashlib.sha256).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


def _canonical(parts: tuple[Any, ...]) -> bytes:
    return json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False).encode()
