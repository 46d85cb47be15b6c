"""Constructors for the cells of a case notebook, so scaffolds and authors' scripts agree on the
format: language twins, the parameters cell, answer cells, test cells and free-text cells."""

from __future__ import annotations

from nbformat import NotebookNode
from nbformat import v4 as nbf

from dxcase.author.notebooks import SOLUTION


def _nbgrader(
    cell: NotebookNode,
    grade_id: str,
    *,
    grade: bool,
    solution: bool,
    locked: bool,
    points: float | None = None,
) -> NotebookNode:
    meta = {
        "grade": grade,
        "solution": solution,
        "locked": locked,
        "grade_id": grade_id,
        "schema_version": 3,
    }
    if points is not None:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta
    return cell


def text(ja: str, en: str) -> list[NotebookNode]:
    """A Markdown text and its English twin (tagged lang:ja and lang:en)."""
    cells = []
    for lang, body in (("ja", ja), ("en", en)):
        cell = nbf.new_markdown_cell(body.strip())
        cell.metadata["tags"] = [f"lang:{lang}"]
        cells.append(cell)
    return cells


def code(source: str) -> NotebookNode:
    """A plain code cell that learners run as given."""
    return nbf.new_code_cell(source.strip())


def parameters(source: str) -> NotebookNode:
    """The papermill parameters cell (dataset folder, language, seed)."""
    cell = nbf.new_code_cell(source.strip())
    cell.metadata["tags"] = ["parameters"]
    return cell


def answer(grade_id: str, given: str, solution: str) -> NotebookNode:
    """A code cell where the learner writes ``solution`` (replaced by a stub in the release)."""
    body = f"{given.strip()}\n" if given.strip() else ""
    body += f"{SOLUTION[0]}\n{solution.strip()}\n{SOLUTION[1]}"
    return _nbgrader(nbf.new_code_cell(body), grade_id, grade=False, solution=True, locked=False)


def test(task: str, points: float) -> NotebookNode:
    """The autograded test cell of ``task`` (grade id = task id): it only hands the learner's
    value to the grader, which compares it with the answer key outside the kernel."""
    body = f"{task}.grade()"
    return _nbgrader(
        nbf.new_code_cell(body), task, grade=True, solution=False, locked=True, points=points
    )


def free_text(grade_id: str, points: float, model_answer: str) -> NotebookNode:
    """A manually graded Markdown answer (its points come from peer review)."""
    body = f"{SOLUTION[0]}\n{model_answer.strip()}\n{SOLUTION[1]}"
    return _nbgrader(
        nbf.new_markdown_cell(body),
        grade_id,
        grade=True,
        solution=True,
        locked=False,
        points=points,
    )


def notebook(cells: list[NotebookNode | list[NotebookNode]]) -> NotebookNode:
    """A notebook for the python3 kernel from cells and lists of cells (text twins)."""
    nb = nbf.new_notebook()
    for item in cells:
        nb.cells.extend(item if isinstance(item, list) else [item])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    return nb
