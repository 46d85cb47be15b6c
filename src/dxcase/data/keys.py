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

from dxcase.errors import DxcaseError

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


def load_key(key_file: str | os.PathLike[str] | None = None) -> CohortKey:
    """The key from ``key_file``, else ``$DXCASE_COHORT_KEY``, else a fresh random one."""
    if key_file is not None:
        secret = Path(key_file).read_bytes().strip()
        source = f"file {key_file}"
    elif os.environ.get(KEY_ENV):
        secret = os.environ[KEY_ENV].encode()
        source = f"${KEY_ENV}"
    else:
        return CohortKey(
            secrets.token_bytes(32), "ephemeral (no key given: holdout not reproducible)"
        )
    if len(secret) < MIN_KEY_BYTES:
        raise DxcaseError(
            f"cohort key from {source} is too short: use at least {MIN_KEY_BYTES} bytes"
        )
    return CohortKey(secret, source)


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
