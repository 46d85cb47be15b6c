"""Source notebooks of a case: language tags, nbgrader cell roles, solution and hidden regions.

Learner-facing Markdown is written once per language in the same notebook: a cell tagged
``lang:ja`` is followed by its ``lang:en`` twin. Untagged cells are shared. Code cells are
never tagged, so both languages run identical code, grade cells, grade ids and points.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from dxcase.errors import InputError, Problem
from dxcase.i18n import LANGS

LANG_TAG = "lang:"
SOLUTION = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def read_notebook(path: Path) -> NotebookNode:
    """Read a notebook, turning a malformed file into an InputError that names it."""
    try:
        return nbformat.read(str(path), as_version=4)
    except FileNotFoundError:
        raise InputError(
            f"{path}: notebook not found", [Problem(str(path), "notebook", "not found")]
        ) from None
    except Exception as exc:  # nbformat raises several kinds for bad JSON and bad schema
        problem = Problem(str(path), "notebook", f"not a valid notebook: {exc}"[:300])
        raise InputError(f"{path}: not a valid notebook", [problem]) from None


def cell_lang(cell: NotebookNode) -> str | None:
    """``ja`` or ``en`` for a language-tagged cell, else None."""
    for tag in cell.metadata.get("tags", []):
        if tag.startswith(LANG_TAG):
            return tag[len(LANG_TAG) :]
    return None


def nbgrader_meta(cell: NotebookNode) -> dict:
    return cell.metadata.get("nbgrader", {}) or {}


def is_autograder_test(cell: NotebookNode) -> bool:
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_solution_cell(cell: NotebookNode) -> bool:
    return bool(nbgrader_meta(cell).get("solution"))


def is_manual(cell: NotebookNode) -> bool:
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and bool(meta.get("solution"))


def for_language(nb: NotebookNode, lang: str) -> NotebookNode:
    """A copy of ``nb`` without the other language's cells; records the language in metadata."""
    out = nbformat.from_dict(nb)
    out.cells = [c for c in out.cells if cell_lang(c) in (None, lang)]
    out.metadata.setdefault("dxcase", {})["lang"] = lang
    out.metadata["language_info"] = {"name": "python"}
    return out


def regions(source: str, markers: tuple[str, str]) -> Iterator[str]:
    """The text between each pair of nbgrader markers (for example the solution regions)."""
    begin, end = markers
    inside, lines = False, []
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith(begin):
            inside, lines = True, []
        elif stripped.startswith(end) and inside:
            inside = False
            yield "\n".join(lines)
        elif inside:
            lines.append(line)


@dataclass(frozen=True)
class Secret:
    """A line that must not appear in any release file, and where it comes from."""

    text: str
    kind: str  # solution, hidden-test
    notebook: str
    cell: int


def secret_lines(
    nb: NotebookNode, notebook: str, min_chars: int = 12, public: Iterable[str] = ()
) -> list[Secret]:
    """Distinctive lines of solution and hidden-test regions (short or generic lines skipped).

    Cells whose grade id is in ``public`` are skipped: the answer cells of practice tasks,
    whose solution the release publishes on purpose (``q1.solution()``).
    """
    public = set(public)
    found = []
    for index, cell in enumerate(nb.cells):
        if nbgrader_meta(cell).get("grade_id") in public and not is_autograder_test(cell):
            continue
        parts: list[tuple[str, str]] = []
        if cell.cell_type == "markdown" and is_solution_cell(cell):
            body = "\n".join(regions(cell.source, SOLUTION)) or cell.source
            parts.append(("solution", body))
        else:
            parts += [("solution", r) for r in regions(cell.source, SOLUTION)]
        parts += [("hidden-test", r) for r in regions(cell.source, HIDDEN)]
        for kind, text in parts:
            for line in text.splitlines():
                line = line.strip()
                if len(line) >= min_chars and not line.startswith("#") and _distinctive(line):
                    found.append(Secret(line, kind, notebook, index))
    return found


def _distinctive(line: str) -> bool:
    """Lines that also appear in ordinary visible code (imports, prints) are not evidence."""
    return not re.match(r"^(import |from \S+ import |print\(|return |pass$|else:|\)|\]|\})", line)


def language_problems(nb: NotebookNode, path: str) -> list[Problem]:
    """Language tags used as the format requires; every text has its twin in the other language."""
    problems = []
    cells = nb.cells
    for index, cell in enumerate(cells):
        lang = cell_lang(cell)
        where = f"cell {index}"
        if lang is not None and lang not in LANGS:
            problems.append(Problem(path, "lang-tag", f"{where}: unknown language tag lang:{lang}"))
            continue
        if cell.cell_type == "code" and lang is not None:
            problems.append(
                Problem(
                    path,
                    "code-differs",
                    f"{where}: code cell tagged lang:{lang}; code cells are shared by both languages, so builds would run different code",
                )
            )
            continue
        if (
            cell.cell_type == "markdown"
            and lang is None
            and not is_manual(cell)
            and _JAPANESE.search(cell.source)
        ):
            problems.append(
                Problem(
                    path,
                    "untagged-text",
                    f"{where}: Japanese text in an untagged Markdown cell; tag it lang:ja and add its lang:en twin after it",
                )
            )
        if lang == "ja":
            twin = cells[index + 1] if index + 1 < len(cells) else None
            if twin is None or cell_lang(twin) != "en":
                problems.append(
                    Problem(
                        path,
                        "missing-text",
                        f"{where}: lang:ja text has no lang:en twin right after it",
                    )
                )
            elif not twin.source.strip():
                problems.append(
                    Problem(path, "missing-text", f"cell {index + 1}: lang:en twin is empty")
                )
        if lang == "en":
            prev = cells[index - 1] if index > 0 else None
            if prev is None or cell_lang(prev) != "ja":
                problems.append(
                    Problem(
                        path,
                        "missing-text",
                        f"{where}: lang:en text has no lang:ja twin right before it",
                    )
                )
        if lang is not None and is_solution_cell(cell):
            problems.append(
                Problem(
                    path,
                    "lang-tag",
                    f"{where}: answer cells are shared by both languages and must not be tagged",
                )
            )
    return problems
