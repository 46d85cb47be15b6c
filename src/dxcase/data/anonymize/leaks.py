"""Find known original values inside text fast: for the leak check and for text columns.

Looking for thousands of identifiers in hundreds of thousands of cells with one ``in`` test
per pair is too slow; :class:`SubstringIndex` keeps the values in a set and, at each position
of a text, looks up one substring per distinct value length (identifiers have few lengths).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

MIN_LENGTH = 3


class SubstringIndex:
    """Values (of at least three characters) to find as substrings of any text."""

    def __init__(self, values: Mapping[str, str]) -> None:
        """``values`` maps each value to look for onto what it stands for (source or pseudonym)."""
        self.values = {v: tag for v, tag in values.items() if len(v) >= MIN_LENGTH}
        self._lengths = sorted({len(v) for v in self.values}, reverse=True)
        firsts = "".join(sorted({v[0] for v in self.values}))
        self._starts = re.compile(f"[{re.escape(firsts)}]") if firsts else None

    def __bool__(self) -> bool:
        return bool(self.values)

    def find_all(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping ``(start, end, value)`` matches, longest value first at each place."""
        found: list[tuple[int, int, str]] = []
        if self._starts is None:
            return found
        pos = 0
        while (m := self._starts.search(text, pos)) is not None:
            i = pos = m.start()
            pos += 1
            for length in self._lengths:
                piece = text[i : i + length]
                if len(piece) == length and piece in self.values:
                    found.append((i, i + length, piece))
                    pos = i + length
                    break
        return found

    def replace(self, text: str) -> str:
        """``text`` with every value replaced by its tag (its pseudonym)."""
        out, pos = [], 0
        for start, end, value in self.find_all(text):
            out += [text[pos:start], self.values[value]]
            pos = end
        return "".join([*out, text[pos:]])


def mask(value: str) -> str:
    """Show a leaked value in an error without repeating it whole: ``C0•••••``."""
    keep = min(2, len(value) // 3)
    return value[:keep] + "•" * (len(value) - keep)
