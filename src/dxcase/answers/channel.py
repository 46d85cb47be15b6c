"""The narrow channel a task's value travels through: plain JSON, never code.

A kernel turns the learner's value into its JSON form (:func:`encode`) and, when a trusted
runner asks for it (``DXCASE_EXPORT=1``), shows it as one display output of
:data:`MIME` in the task's test cell. The trusted side reads that output back with
:func:`read_export`, which enforces size, depth, row and number limits itself and never
evaluates anything. Forms by kind:

- number: a finite float;
- choice: a string (categories as strings);
- subset: a sorted list of distinct strings;
- dataframe: ``{"columns": [...], "records": [{column: value}, ...]}``, values as numbers,
  strings, ISO dates or null; a Series or a meaningful index becomes columns;
- forecast_file: the file's path relative to the notebook, a string;
- custom: any JSON value within the limits.
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Iterable
from typing import Any

MIME = "application/vnd.dxcase.answer+json"
EXPORT_ENV = "DXCASE_EXPORT"  # "1": test cells export the learner's value (trusted runs only)
MAX_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 4
MAX_ROWS = 200_000
MAX_STRING = 10_000


class ChannelError(ValueError):
    """A value that cannot travel, or an export that breaks the channel's limits."""


def encode(kind: str, value: Any) -> Any:
    """The JSON form of ``value`` for a task of ``kind`` (raises ChannelError if it has none)."""
    if value is None:
        return None
    if kind == "number":
        return _number(value)
    if kind == "choice":
        return _scalar_text(value)
    if kind == "subset":
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise ChannelError(f"a subset is a list, not {type(value).__name__}")
        return sorted({_scalar_text(v) for v in value})
    if kind == "dataframe":
        return _table(value)
    if kind == "forecast_file":
        return str(value)
    return _plain(value, 0)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ChannelError(f"not a number: {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise ChannelError("not a finite number")
    return number


def _scalar_text(value: Any) -> str:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)
    if hasattr(value, "isoformat"):
        return _iso(value)
    return str(value)


def _iso(value: Any) -> str:
    text = value.isoformat()
    return text[:10] if text.endswith("T00:00:00") else text


def _cell(value: Any) -> Any:
    """One table cell as JSON: numbers, strings, ISO dates, null for missing."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Real):
        number = float(value)
        return None if math.isnan(number) else (number if math.isfinite(number) else None)
    try:
        import pandas as pd

        if value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
            return None
        if isinstance(value, pd.Period):
            return str(value)
    except (ImportError, TypeError, ValueError):
        pass
    if hasattr(value, "isoformat"):
        return _iso(value)
    return str(value)


def _table(value: Any) -> dict[str, Any]:
    import pandas as pd

    if isinstance(value, pd.Series):
        value = (
            value.reset_index() if value.name is not None else value.rename("value").reset_index()
        )
    if not isinstance(value, pd.DataFrame):
        raise ChannelError(f"not a table: {type(value).__name__}")
    if len(value) > MAX_ROWS:
        raise ChannelError(f"more than {MAX_ROWS} rows")
    frame = value
    if not isinstance(frame.index, pd.RangeIndex) or any(n is not None for n in frame.index.names):
        frame = frame.reset_index()
    columns = [str(c) for c in frame.columns]
    records = [
        {col: _cell(v) for col, v in zip(columns, row, strict=True)}
        for row in frame.itertuples(index=False, name=None)
    ]
    return {"columns": columns, "records": records}


def _plain(value: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise ChannelError("nested too deep")
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, numbers.Real):
        return _number(value)
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, depth + 1) for v in value]
    raise ChannelError(f"cannot export a {type(value).__name__}")


def export_payload(task: str, value: Any) -> dict[str, Any]:
    """The display data one test cell shows in a trusted run (only ``value`` is read back)."""
    return {MIME: {"task": task, "value": value}, "text/plain": f"<{task}: answer exported>"}


def read_export(outputs: list[dict[str, Any]]) -> tuple[bool, Any, str]:
    """The value one test cell exported: ``(found, value, problem)``.

    Exactly one export counts; none, several, or one over the limits is ``found=False`` with the
    problem named. The task id inside the export is ignored: the grader takes it from the
    gradebook's master copy of the cell.
    """
    exports = [o for o in outputs if MIME in (o.get("data") or {})]
    if not exports:
        return False, None, "no answer was exported (the test cell did not run to its end)"
    if len(exports) > 1:
        return False, None, f"{len(exports)} exports in one test cell (one is allowed)"
    data = exports[0]["data"][MIME]
    try:
        text = data if isinstance(data, str) else json.dumps(data, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return False, None, "the export is not plain JSON"
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return False, None, f"the export is over {MAX_BYTES // (1024 * 1024)} MiB"
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError):
        return False, None, "the export is not plain JSON"
    if not isinstance(payload, dict) or "value" not in payload:
        return False, None, "the export holds no value"
    problem = _limit_problem(payload["value"], 0)
    if problem:
        return False, None, problem
    return True, payload["value"], ""


def _limit_problem(value: Any, depth: int) -> str:
    if depth > MAX_DEPTH + 2:
        return "the export is nested too deep"
    if isinstance(value, float) and not math.isfinite(value):
        return "the export holds a number that is not finite"
    if isinstance(value, str) and len(value) > MAX_STRING:
        return f"the export holds a text over {MAX_STRING} characters"
    if isinstance(value, list):
        if len(value) > MAX_ROWS:
            return f"the export holds more than {MAX_ROWS} rows"
        return next((p for v in value if (p := _limit_problem(v, depth + 1))), "")
    if isinstance(value, dict):
        if len(value) > MAX_ROWS:
            return "the export holds too many fields"
        return next((p for v in value.values() if (p := _limit_problem(v, depth + 1))), "")
    return ""


ALTERNATIVE_MIME = "application/vnd.dxcase.alternative+json"


def export_alternatives(
    task: str, kind: str, variable: str, snippets: dict[str, str], namespace: dict[str, Any]
) -> None:
    """In a key run (trusted): what each mistake rule's snippet computes, run in a copy of the
    solution's namespace after the task's test cell, shown as one output per snippet."""
    from IPython.display import display

    for rule_id, code in snippets.items():
        scratch = dict(namespace)
        try:
            exec(compile(code, f"<mistake {task}:{rule_id}>", "exec"), scratch)
            value, problem = encode(kind, scratch.get(variable)), ""
        except Exception as exc:  # an author's snippet that fails is reported, not fatal
            value, problem = None, f"{type(exc).__name__}: {exc}"[:300]
        payload = {"task": task, "rule": rule_id, "value": value, "problem": problem}
        display({ALTERNATIVE_MIME: payload, "text/plain": f"<{task}: mistake {rule_id}>"}, raw=True)
