"""Read CSV files defensively: encoding, empty and truncated files, ragged rows.

Japanese business exports are often Shift_JIS (CP932) rather than UTF-8. Readers here detect
that (or take ``encoding``), and report structural damage as :class:`~dxcase.errors.Problem`
records naming the file and line instead of failing deep inside pandas.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from charset_normalizer import from_bytes

from dxcase.errors import InputError, Problem

_PREFERRED = ("utf-8-sig", "cp932")


@dataclass(frozen=True)
class CsvText:
    """A CSV file decoded to text, with the encoding that decoded it."""

    path: Path
    text: str
    encoding: str


def decode_file(path: Path, encoding: str | None = None) -> CsvText:
    """Decode ``path``: with ``encoding`` if given, else UTF-8, then CP932, then a detected one."""
    raw = path.read_bytes()
    if encoding:
        try:
            return CsvText(path, raw.decode(encoding), encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputError(
                f"{path}: cannot be read as {encoding}",
                [Problem(str(path), "encoding", f"{exc}", line=_line_of_offset(raw, exc))],
            ) from exc
    for candidate in _PREFERRED:
        try:
            return CsvText(
                path, raw.decode(candidate), "utf-8" if candidate == "utf-8-sig" else candidate
            )
        except UnicodeDecodeError:
            continue
    best = from_bytes(raw).best()
    if best is None:
        raise InputError(
            f"{path}: unknown text encoding",
            [Problem(str(path), "encoding", "not UTF-8 or Shift_JIS/CP932; give --encoding")],
        )
    return CsvText(path, str(best), best.encoding)


def _line_of_offset(raw: bytes, exc: Exception) -> int | None:
    start = getattr(exc, "start", None)
    return None if start is None else raw.count(b"\n", 0, start) + 1


def structural_problems(doc: CsvText, expected_header: list[str] | None = None) -> list[Problem]:
    """Empty file, missing header, rows with the wrong number of fields, a cut-off last line."""
    name = str(doc.path)
    if not doc.text.strip():
        return [Problem(name, "empty-file", "the file is empty (no header, no rows)")]
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(doc.text))
    header = next(reader)
    if expected_header is not None:
        missing = [c for c in expected_header if c not in header]
        for column in missing:
            problems.append(Problem(name, "missing-column", "required column is absent", 1, column))
    width = len(header)
    last_line = 1
    for row in reader:
        last_line = reader.line_num
        if len(row) != width and row:
            problems.append(
                Problem(name, "field-count", f"{len(row)} fields, header has {width}", last_line)
            )
    if not doc.text.endswith(("\n", "\r")) and problems and problems[-1].line == last_line:
        problems[-1] = Problem(
            name, "truncated-file", "the file ends in the middle of this row", last_line
        )
    return problems


def read_csv_text(doc: CsvText) -> pd.DataFrame:
    """All columns as strings (missing values as <NA>), so type checks see the raw values."""
    return pd.read_csv(
        io.StringIO(doc.text),
        dtype="string",
        keep_default_na=False,
        na_values=[""],
        on_bad_lines="skip",
        engine="c",
    )
