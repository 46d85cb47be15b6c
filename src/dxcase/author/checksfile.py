"""``checks.yaml``: a case's tasks and texts in both languages, compiled to ``checks.json``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from dxcase.author.casefile import CHECKS_SOURCE, Case, case_problem
from dxcase.check.spec import KINDS, CaseChecks, TaskSpec
from dxcase.errors import InputError, Problem
from dxcase.i18n import LANGS


def _text_problems(file: str, where: str, value: Any) -> list[Problem]:
    if not isinstance(value, dict):
        return [Problem(file, "checks-field", "expected {ja: ..., en: ...}", column=where)]
    return [
        Problem(file, "missing-text", f"text in {lang} is missing", column=f"{where}.{lang}")
        for lang in LANGS
        if not isinstance(value.get(lang), str) or not value[lang].strip()
    ]


def load_checks(case: Case, lang: str) -> CaseChecks:
    """Compile ``checks.yaml`` for a release in ``lang``; InputError names every wrong field."""
    path = case.root / CHECKS_SOURCE
    file = str(path)
    if not path.is_file():
        raise InputError(f"{file}: not found", [Problem(file, "checks-missing", "not found")])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"{file}: not valid YAML", [Problem(file, "yaml", str(exc))]) from None
    problems: list[Problem] = []
    texts = data.get("texts") or {}
    for key, value in texts.items():
        problems += _text_problems(file, f"texts.{key}", value)
    tasks: dict[str, TaskSpec] = {}
    notebooks = {p.notebook for p in case.phases}
    for task_id, item in (data.get("tasks") or {}).items():
        where = f"tasks.{task_id}"
        if not isinstance(item, dict):
            problems.append(Problem(file, "checks-field", "expected a mapping", column=where))
            continue
        spec, found = _task(file, where, task_id, item, task_id in case.practice, notebooks)
        problems += found
        if spec is not None:
            tasks[task_id] = spec
    for task_id in case.practice:
        if task_id not in tasks:
            problems.append(
                case_problem(
                    case,
                    "unknown-task",
                    f"practice task {task_id!r} is not in checks.yaml",
                    "practice",
                )
            )
    if problems:
        raise InputError(f"{file}: {len(problems)} problem(s)", problems)
    return CaseChecks(case=case.slug, lang=lang, tasks=tasks, texts=texts)


def _task(
    file: str, where: str, task_id: str, item: dict[str, Any], practice: bool, notebooks: set[str]
) -> tuple[TaskSpec | None, list[Problem]]:
    problems = []
    for key in ("variable", "kind", "notebook"):
        if not isinstance(item.get(key), str):
            problems.append(
                Problem(
                    file, "checks-field", "required text field is missing", column=f"{where}.{key}"
                )
            )
    if problems:
        return None, problems
    if item["kind"] not in KINDS:
        problems.append(
            Problem(
                file,
                "checks-field",
                f"kind must be one of {', '.join(KINDS)}",
                column=f"{where}.kind",
            )
        )
    if item["notebook"] not in notebooks:
        problems.append(
            Problem(
                file,
                "checks-field",
                f"notebook {item['notebook']!r} is not a phase of case.yaml",
                column=f"{where}.notebook",
            )
        )
    hints = item.get("hints") or []
    for i, hint in enumerate(hints):
        problems += _text_problems(file, f"{where}.hints[{i}]", hint)
    for code, message in (item.get("messages") or {}).items():
        problems += _text_problems(file, f"{where}.messages.{code}", message)
    solution = item.get("solution")
    if solution is not None and not practice:
        problems.append(
            Problem(
                file,
                "solution-on-graded-task",
                "only practice tasks (case.yaml practice) may publish a solution; graded tasks keep it in the notebook's solution region",
                column=f"{where}.solution",
            )
        )
    if practice and not isinstance(solution, str):
        problems.append(
            Problem(
                file,
                "checks-field",
                "a practice task needs a solution (code)",
                column=f"{where}.solution",
            )
        )
    visible = item.get("visible") or {}
    if item["kind"] == "choice" and not (visible.get("options") or visible.get("options_from")):
        problems.append(
            Problem(
                file,
                "checks-field",
                "a choice task lists its options (or names a data column: options_from: table.column)",
                column=f"{where}.visible.options",
            )
        )
    spec = TaskSpec(
        id=task_id,
        variable=item["variable"],
        kind=item["kind"],
        notebook=item["notebook"],
        visible=dict(item.get("visible") or {}),
        tolerance=dict(item.get("tolerance") or {}),
        hints=tuple(hints),
        messages=dict(item.get("messages") or {}),
        solution=solution if practice else None,
        practice=practice,
        custom=item.get("custom"),
    )
    return spec, problems


def write_checks(case: Case, lang: str, folder: Path) -> None:
    """Write ``checks.json`` (and the visible ``checks.py``, if the case has one) into ``folder``."""
    from dxcase.author.casefile import CUSTOM_CHECKS

    (folder / "checks.json").write_text(load_checks(case, lang).to_json(), encoding="utf-8")
    custom = case.root / CUSTOM_CHECKS
    if custom.is_file():
        (folder / CUSTOM_CHECKS).write_text(custom.read_text(encoding="utf-8"), encoding="utf-8")
