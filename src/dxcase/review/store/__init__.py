"""Storage of rounds, assignments, drafts and reviews (SQLite by default, PostgreSQL by URL)."""

from dxcase.review.store.db import Store, normalize_url

__all__ = ["Store", "normalize_url"]
