"""Keyed pseudonyms and key-derived parameters (HMAC-SHA256; the key never leaves memory).

A pseudonym is ``PREFIX-`` plus the first characters of HMAC(key, domain, value) in Crockford
base32, e.g. ``CUST-7K2Q9M4A``. The same value in the same domain gets the same pseudonym in
every file (so joins survive), and without the key nobody can rebuild the table by hashing
candidate values, as they could with a plain hash.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

KEY_ENV = "DXCASE_ANON_KEY"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


_TO_CROCKFORD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _CROCKFORD.encode())


def _crockford(digest: bytes, length: int) -> str:
    """The first ``length`` base32 characters of ``digest``, in Crockford's alphabet."""
    needed = digest[: (length * 5 + 7) // 8]
    return base64.b32encode(needed).translate(_TO_CROCKFORD)[:length].decode("ascii")


class Keyed:
    """Everything derived from the secret key: pseudonyms, the date shift, scale factors."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _digest(self, *parts: str) -> bytes:
        message = "\x1f".join(parts).encode("utf-8")
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def _uniform(self, *parts: str) -> float:
        """A number in [0, 1) that only the key holder can compute."""
        return int.from_bytes(self._digest(*parts)[:8], "big") / 2**64

    def pseudonym(
        self, domain: str, value: str, prefix: str, length: int = 8, attempt: int = 0
    ) -> str:
        """``PREFIX-XXXXXXXX`` for ``value`` in ``domain`` (``attempt`` > 0 draws again)."""
        parts = ("pseudonym", domain, value) + ((str(attempt),) if attempt else ())
        return f"{prefix}-{_crockford(self._digest(*parts), length)}"

    def shift_weeks(self, low: int, high: int) -> int:
        """A whole number of weeks in [low, high], never 0."""
        choices = [w for w in range(low, high + 1) if w != 0] or [low or 1]
        return choices[int(self._uniform("date-shift") * len(choices))]

    def factor(self, group: str, low: float, high: float) -> float:
        """A scale factor in [low, high] for ``group``, the same in every file."""
        return round(low + (high - low) * self._uniform("scale", group), 4)
