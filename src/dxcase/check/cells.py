"""What happened to the cells that assign task variables, seen from IPython's post-run hook.

A learner whose answer cell raised must hear that (not "not attempted"), and a value left over
from an earlier run of a cell that has since failed must not be checked as if it were current.
After every cell, the watch notes which task variables the cell assigns (read from its code)
and whether it raised; ``error_of(variable)`` gives that cell's error until the cell runs again
without one. Outside IPython (a plain script) nothing is watched.
"""

from __future__ import annotations

import ast
import contextlib
import re
from dataclasses import dataclass, field
from typing import Any

_ASSIGN = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:[+\-*/]?=)(?!=)", re.M)


@dataclass
class CellWatch:
    variables: set[str]
    errors: dict[str, tuple[str, str]] = field(default_factory=dict)  # variable -> (ename, evalue)
    shell: Any = None

    def error_of(self, variable: str) -> tuple[str, str] | None:
        return self.errors.get(variable)

    def post_run_cell(self, result: Any) -> None:
        info = getattr(result, "info", None)
        source = getattr(info, "raw_cell", "") or ""
        names = assigned_names(source, self.shell) & self.variables
        error = getattr(result, "error_before_exec", None) or getattr(result, "error_in_exec", None)
        for name in names:
            if error is None:
                self.errors.pop(name, None)
            else:
                self.errors[name] = (type(error).__name__, str(error))


def assigned_names(source: str, shell: Any = None) -> set[str]:
    """Names a cell's code assigns at top level or in blocks (a rough read is enough when the
    code does not parse: ``name = ...`` lines)."""
    code = source
    if shell is not None:
        try:
            code = shell.transform_cell(source)
        except Exception:
            code = source
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set(_ASSIGN.findall(source))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def watch_cells(variables: set[str]) -> CellWatch:
    """The kernel's one watch (replacing an earlier one when the tasks are loaded again)."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    watch = CellWatch(set(variables), shell=shell)
    if shell is None:
        return watch
    old = getattr(shell, "_dxcase_cell_watch", None)
    if old is not None:
        with contextlib.suppress(ValueError):
            shell.events.unregister("post_run_cell", old.post_run_cell)
        watch.errors = {k: v for k, v in old.errors.items() if k in watch.variables}
    shell.events.register("post_run_cell", watch.post_run_cell)
    shell._dxcase_cell_watch = watch
    return watch
