"""Tasks as learners meet them: ``check()``, ``hint()``, ``solution()``, and ``grade()`` for tests."""

from __future__ import annotations

import html
import importlib.util
import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, Literal

from dxcase.answers.channel import EXPORT_ENV, ChannelError, encode, export_payload
from dxcase.answers.compare import Comparison, compare
from dxcase.check.cells import CellWatch, watch_cells
from dxcase.check.events import log_event
from dxcase.check.kinds import VISIBLE, Failure
from dxcase.check.spec import CHECKS_FILE, CaseChecks, TaskSpec
from dxcase.i18n import current_lang, t

# form_ok: a graded task whose form is right, where nothing here knows the answer (offline)
Status = Literal["correct", "incorrect", "not_attempted", "form_ok"]
_MISSING = object()
_COLORS = {
    "correct": "#1b7f3b",
    "incorrect": "#b3261e",
    "not_attempted": "#6b6b6b",
    "form_ok": "#1f5f99",
}


class CheckFailed(AssertionError):
    """Raised by ``grade()`` in an nbgrader test cell; the message is what the learner sees."""


@dataclass(frozen=True)
class Outcome:
    """The result of one self-check, shown as a coloured box in the notebook."""

    task: str
    status: Status
    message: str
    lang: str

    def __bool__(self) -> bool:
        return self.status == "correct"

    def __repr__(self) -> str:
        return f"[{self.task}] {t(f'check_status_{self.status}', self.lang)}: {self.message}"

    def _repr_html_(self) -> str:
        color = _COLORS[self.status]
        label = html.escape(t(f"check_status_{self.status}", self.lang))
        return (
            f'<div class="dxcase-check dxcase-{self.status}" style="border-left:6px solid {color};'
            f'padding:6px 10px;margin:4px 0;background:#fafafa"><b style="color:{color}">'
            f"{label}</b> <code>{html.escape(self.task)}</code>: {html.escape(self.message)}</div>"
        )


@dataclass(frozen=True)
class Shown:
    """A hint or solution shown to the learner (Markdown in Jupyter, plain text elsewhere)."""

    title: str
    body: str
    code: bool = False

    def __repr__(self) -> str:
        return f"{self.title}\n{self.body}"

    def _repr_markdown_(self) -> str:
        body = f"```python\n{self.body}\n```" if self.code else self.body
        return f"**{self.title}**\n\n{body}"


class Task:
    """One task of a case, bound to the folder the notebook runs in."""

    def __init__(self, spec: TaskSpec, tasks: Tasks) -> None:
        self.spec = spec
        self._tasks = tasks
        self._hints_seen = 0

    def __repr__(self) -> str:
        return f"<dxcase task {self.spec.id}: {self.spec.variable}>"

    # -- learner-facing -------------------------------------------------------------------
    def check(self) -> Outcome:
        """Check your answer: not attempted, not yet right (with a pointer), or correct.

        Practice tasks know their answer. A graded task's answer is not in the release: here
        the check says what it can know (the form), never that the answer is right.
        """
        outcome = self._evaluate(_caller_globals(sys._getframe(1)))
        self._log("check", outcome.status)
        return outcome

    def hint(self, level: int | None = None) -> Shown:
        """The next hint of the ladder, or hint ``level`` (1 is the gentlest)."""
        lang, hints = self._tasks.lang, self.spec.hints
        if not hints:
            self._log("hint", "none")
            return Shown(self.spec.id, t("check_no_hints", lang))
        level = self._hints_seen + 1 if level is None else int(level)
        level = min(max(level, 1), len(hints))
        self._hints_seen = max(self._hints_seen, level)
        body = _text(hints[level - 1], lang)
        more = (
            t("check_last_hint", lang)
            if level == len(hints)
            else t("check_more_hints", lang, next=level + 1)
        )
        self._log("hint", "shown", level=level)
        title = f"{self.spec.id} — {t('check_hint_title', lang, level=level, total=len(hints))}"
        return Shown(title, f"{body}\n\n_{more}_")

    def solution(self) -> Shown:
        """The solution, for practice tasks only; graded tasks keep theirs for the grader."""
        lang = self._tasks.lang
        if not self.spec.practice or not self.spec.solution:
            self._log("solution", "refused")
            return Shown(self.spec.id, t("check_no_solution", lang))
        self._log("solution", "shown")
        return Shown(
            f"{self.spec.id} — {t('check_solution_title', lang)}", self.spec.solution, True
        )

    # -- grader-facing --------------------------------------------------------------------
    def grade(self) -> None:
        """The test cell's call. In a trusted run (grading, answer keys, validation) it exports
        the learner's current value for the grader to compare with the key outside the kernel;
        in a learner's own run it only runs the form checks, silently, and raises
        :class:`CheckFailed` if the form is wrong. It never says an answer is right."""
        namespace = _caller_globals(sys._getframe(1))
        if os.environ.get(EXPORT_ENV) == "1":
            self._export(namespace)
            return
        outcome = self._evaluate(namespace, visible_only=True)
        if outcome.status == "incorrect":
            raise CheckFailed(outcome.message)
        if os.environ.get("NBGRADER_EXECUTION") == "validate" and not self.spec.practice:
            # nbgrader's Validate would report "passes all the tests": it cannot know that
            raise CheckFailed(t("check_form_ok", self._tasks.lang))

    def _export(self, namespace: dict[str, Any]) -> None:
        from IPython.display import display

        value = namespace.get(self.spec.variable, _MISSING)
        if value is _MISSING or value is Ellipsis or self._tasks.watch.error_of(self.spec.variable):
            value = None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                form = encode(self.spec.kind, value)
        except ChannelError:
            form = None
        display(export_payload(self.spec.id, form), raw=True)

    # -- internals ------------------------------------------------------------------------
    def _evaluate(self, namespace: dict[str, Any], visible_only: bool = False) -> Outcome:
        spec, lang = self.spec, self._tasks.lang
        error = self._tasks.watch.error_of(spec.variable)
        if error is not None:
            status = "not_attempted" if error[0] == "NotImplementedError" else "incorrect"
            return Outcome(spec.id, status, _cell_error_message(error, lang), lang)
        value = namespace.get(spec.variable, _MISSING)
        if value is _MISSING or value is None or value is Ellipsis:
            return Outcome(spec.id, "not_attempted", self._message("not_attempted"), lang)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                failure = self._visible(value, namespace)
                if failure is None and spec.practice and spec.solution and not visible_only:
                    failure = self._compare_with_solution(value, namespace)
        except Exception as exc:  # a learner's odd value must not crash the check itself
            message = t("check_error", lang, error=f"{type(exc).__name__}: {exc}")
            return Outcome(spec.id, "incorrect", message, lang)
        if failure is not None:
            return Outcome(
                spec.id, "incorrect", self._message(failure.code, **failure.fields), lang
            )
        if spec.practice:
            return Outcome(spec.id, "correct", t("check_correct", lang), lang)
        return Outcome(spec.id, "form_ok", t("check_form_ok", lang), lang)

    def _visible(self, value: Any, namespace: dict[str, Any]) -> Failure | None:
        ctx = {"data_dir": self._tasks.data_dir, "namespace": namespace, "root": self._tasks.root}
        failure = VISIBLE[self.spec.kind](value, self.spec.visible, ctx)
        if failure is None and self.spec.custom:
            result = self._tasks.custom_check(self.spec.custom)(value, ctx)
            failure = Failure(result) if isinstance(result, str) else result
        return failure

    def _compare_with_solution(self, value: Any, namespace: dict[str, Any]) -> Failure | None:
        """Practice tasks publish their solution, so the check runs it and compares, with the
        same comparison the grader uses."""
        scratch = dict(namespace)
        exec(compile(self.spec.solution or "", f"<solution {self.spec.id}>", "exec"), scratch)
        kind = self.spec.kind
        comparison = Comparison(
            self.spec.id,
            kind,
            self.spec.tolerance,
            keys=tuple(self.spec.tolerance.get("keys") or ()),
            columns=tuple(self.spec.visible.get("columns") or ()),
        )
        try:
            mine = encode(kind, value)
        except ChannelError:
            return Failure("mismatch")
        verdict = compare(comparison, mine, encode(kind, scratch[self.spec.variable]))
        return None if verdict.correct else Failure("mismatch")

    def _message(self, code: str, **fields: Any) -> str:
        lang = self._tasks.lang
        fields.setdefault("variable", self.spec.variable)
        custom = self.spec.messages.get(code)
        return (
            _text(custom, lang).format(**fields) if custom else t(f"check_{code}", lang, **fields)
        )

    def _log(self, event: str, outcome: str, **extra: object) -> None:
        log_event(self._tasks.root, self._tasks.case, self.spec.id, event, outcome, **extra)


class Tasks:
    """All tasks of the case whose ``checks.json`` is in ``root``."""

    def __init__(self, checks: CaseChecks, root: Path, lang: str, data_dir: Path | None) -> None:
        self.case = checks.case
        self.root = root
        self.lang = lang
        self.data_dir = data_dir
        self._checks = checks
        self._tasks = {k: Task(v, self) for k, v in checks.tasks.items()}
        self._custom_module: Any = None
        self.watch: CellWatch = watch_cells({v.variable for v in checks.tasks.values()})

    def __getitem__(self, task_id: str) -> Task:
        if task_id not in self._tasks:
            known = ", ".join(self._tasks)
            raise KeyError(t("check_unknown_task", self.lang, task=task_id, known=known))
        return self._tasks[task_id]

    def __getattr__(self, task_id: str) -> Task:
        if task_id.startswith("_"):
            raise AttributeError(task_id)
        try:
            return self[task_id]
        except KeyError as exc:
            raise AttributeError(str(exc)) from None

    def pick(self, *task_ids: str) -> tuple[Task, ...]:
        """Several tasks at once: ``q1, q2 = tasks.pick("q1", "q2")``."""
        return tuple(self[i] for i in task_ids)

    def text(self, key: str) -> str:
        """A case text (a plot title or label) in the notebook's language."""
        return _text(self._checks.texts[key], self.lang)

    def custom_check(self, name: str) -> Any:
        if self._custom_module is None:
            path = self.root / "checks.py"
            spec = importlib.util.spec_from_file_location(f"dxcase_case_{self.case}_checks", path)
            if spec is None or spec.loader is None:
                raise FileNotFoundError(path)
            self._custom_module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(self._custom_module)
        return getattr(self._custom_module, name)


def load_tasks(
    root: str | os.PathLike[str] = ".",
    lang: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
) -> Tasks:
    """The tasks of the case in ``root`` (the assignment folder), in ``lang`` or the release's."""
    root = Path(root).resolve()
    path = root / CHECKS_FILE
    if not path.is_file():
        raise FileNotFoundError(t("check_no_checks_file", lang, path=path))
    checks = CaseChecks.read(path)
    chosen = current_lang(lang or os.environ.get("DXCASE_LANG") or checks.lang)
    data = None if data_dir is None else (root / data_dir).resolve()
    return Tasks(checks, root, chosen, data)


def _cell_error_message(error: tuple[str, str], lang: str) -> str:
    """What a beginner needs to read when the answer cell raised: the error and a pointer."""
    ename, evalue = error
    if ename == "NotImplementedError":
        return t("check_stub_left", lang)
    key = f"check_explain_{ename}"
    from dxcase.i18n import catalog

    explain = t(key, lang) if key in catalog() else t("check_explain_other", lang)
    return t("check_cell_error", lang, ename=ename, evalue=evalue[:120], explain=explain)


def _caller_globals(frame: FrameType | None) -> dict[str, Any]:
    """The namespace a learner's cell ran in (the notebook's globals)."""
    if frame is None:
        return vars(sys.modules["__main__"])
    return frame.f_globals


def _text(entry: dict[str, str] | str, lang: str) -> str:
    if isinstance(entry, str):
        return entry
    return entry.get(lang) or entry.get("ja") or next(iter(entry.values()))
