"""Static checks of a learner's own code for attacks on the tests that run in the same kernel.

Test cells run in the learner's kernel (nbgrader's design), so learner code could replace the
check functions or the names the hidden tests use. Before the run, every cell the learner could
edit is parsed; rebinding a name that the tests read and a locked cell defined (``np``,
``wmape``, ``q3_4``, ``DATA``...), patching an attribute of one, importing the checker or using
the tools of runtime patching (``setattr``, ``exec``, ``__import__``, ``sys.modules``...)
zeroes the affected test cells, with the reason. A heuristic: see docs/grading.md.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from nbformat import NotebookNode

from dxcase.grade.scores import grade_id, is_test

BANNED_CALLS = {"setattr", "delattr", "exec", "eval", "compile", "__import__", "globals", "vars"}
BANNED_MODULES = (
    "dxcase.check",
    "dxcase.grade",
    "builtins",
    "importlib",
    "ctypes",
    "gc",
    "inspect",
)
BANNED_ATTRS = {"modules", "__code__", "__globals__", "__builtins__", "__dict__", "__class__"}
BANNED_ROOTS = {"IPython", "sys", "builtins", "dxcase", "nbformat", "nbclient", "get_ipython"}


@dataclass
class Finding:
    cell: int
    what: str
    tests: set[str]  # grade ids of the tests it affects (empty set: every test)


def _names(tree: ast.AST, ctx: type) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ctx)}


def _bound(tree: ast.AST) -> set[str]:
    names = _names(tree, ast.Store)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
            names.add(node.name)
    return names


def _parse(source: str) -> ast.AST | None:
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def _root(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def scan(nb: NotebookNode, release: set[str] | None = None) -> list[Finding]:
    """Findings in the cells a learner wrote or changed, after nbgrader restored the locked ones.

    ``release`` holds the sources of the release notebook's cells: a cell identical to one of
    them is the author's code, even where nbgrader does not lock it (setup cells).
    """
    release = release or set()
    locked_bound: set[str] = set()
    test_reads: dict[str, set[str]] = {}
    learner: list[tuple[int, ast.AST]] = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        tree = _parse(cell.source)
        if tree is None:
            continue
        if is_test(cell):
            test_reads[grade_id(cell) or str(index)] = _names(tree, ast.Load)
        elif not meta.get("solution") and (meta.get("locked") or cell.source.strip() in release):
            locked_bound |= _bound(tree)
        else:
            learner.append((index, tree))
    protected = {n for reads in test_reads.values() for n in reads} & locked_bound
    findings = []
    for index, tree in learner:
        for name in sorted(_bound(tree) & protected):
            hit = {t for t, reads in test_reads.items() if name in reads}
            findings.append(Finding(index, f"rebinds {name!r}, which the tests use", hit))
        for node in ast.walk(tree):
            what = None
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id in BANNED_CALLS:
                    what = f"calls {node.func.id}()"
            elif isinstance(node, ast.Import | ast.ImportFrom):
                mods = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                )
                bad = [m for m in mods if m.startswith(BANNED_MODULES)]
                if bad:
                    what = f"imports {bad[0]}"
            elif isinstance(node, ast.Attribute):
                if node.attr in BANNED_ATTRS:
                    what = f"uses .{node.attr}"
                elif isinstance(node.ctx, ast.Store | ast.Del):
                    root = _root(node)
                    direct = isinstance(
                        node.value, ast.Name
                    )  # np.isclose = ..., not pd.options.x = ...
                    if root in BANNED_ROOTS or (root in protected and direct):
                        what = f"patches {root}.{node.attr}"
            if what:
                findings.append(Finding(index, what, set()))
    return findings
