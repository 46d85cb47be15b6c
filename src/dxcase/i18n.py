"""Messages in Japanese (default) and English from one catalog.

Each ``messages.yaml`` in the package (one per subpackage that needs one) holds each message
once, with its ``ja`` and ``en`` text side by side, so the two languages cannot drift apart. The language comes from the caller, else from
``DXCASE_LANG``, else Japanese.
"""

from __future__ import annotations

import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml

Lang = Literal["ja", "en"]
LANGS: tuple[Lang, ...] = ("ja", "en")


def current_lang(lang: str | None = None) -> Lang:
    """The language to use: ``lang`` if given, else ``$DXCASE_LANG``, else ``ja``."""
    value = (lang or os.environ.get("DXCASE_LANG") or "ja").lower()[:2]
    if value not in LANGS:
        raise ValueError(f"unsupported language {value!r}: use one of {', '.join(LANGS)}")
    return value  # type: ignore[return-value]


@cache
def catalog() -> dict[str, dict[str, str]]:
    """All messages of all ``messages.yaml`` files in the package, checked for both languages."""
    merged: dict[str, dict[str, str]] = {}
    root = Path(str(resources.files("dxcase")))
    for path in sorted(root.rglob("messages.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, entry in data.items():
            missing = [lang for lang in LANGS if lang not in entry]
            if missing:
                raise RuntimeError(f"{path}: message {key!r} lacks {', '.join(missing)}")
            if key in merged:
                raise RuntimeError(f"{path}: message {key!r} is defined twice")
            merged[key] = entry
    return merged


def t(key: str, lang: str | None = None, **fields: object) -> str:
    """The message ``key`` in ``lang``, with ``{fields}`` filled in."""
    entry = catalog()[key]
    return entry[current_lang(lang)].format(**fields)
