"""``checks.yaml``: a case's tasks and texts in both languages, compiled to ``checks.json``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from dxcase.answers.compare import MISTAKE_KINDS, Comparison, Mistake
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


def _read_yaml(case: Case) -> tuple[str, dict[str, Any]]:
    path = case.root / CHECKS_SOURCE
    file = str(path)
    if not path.is_file():
        raise InputError(f"{file}: not found", [Problem(file, "checks-missing", "not found")])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"{file}: not valid YAML", [Problem(file, "yaml", str(exc))]) from None
    if not isinstance(data, dict):
        raise InputError(
            f"{file}: expected a mapping", [Problem(file, "checks-field", "expected a mapping")]
        )
    return file, data


def load_comparisons(case: Case) -> dict[str, Comparison]:
    """Every task's comparison (kind, tolerance, table layout, mistake rules): the trusted side's
    part of ``checks.yaml``, never written into a release. Call after :func:`load_checks`."""
    _, data = _read_yaml(case)
    return {
        task_id: comparison_of(task_id, item) for task_id, item in (data.get("tasks") or {}).items()
    }


def comparison_of(task_id: str, item: dict[str, Any]) -> Comparison:
    visible, tolerance = item.get("visible") or {}, dict(item.get("tolerance") or {})
    keys = tuple(tolerance.get("keys") or ())
    return Comparison(
        task=task_id,
        kind=item["kind"],
        tolerance=tolerance,
        keys=keys,
        columns=tuple(c for c in visible.get("columns") or () if c not in keys),
        mistakes=tuple(
            Mistake(
                m["kind"],
                dict(m["message"]),
                m.get("ratio"),
                m.get("code"),
                None if m.get("option") is None else str(m["option"]),
            )
            for m in item.get("mistakes") or ()
        ),
        too_good_below=visible.get("too_good_below"),
        comparator=item.get("comparator"),
    )


def load_checks(case: Case, lang: str) -> CaseChecks:
    """Compile ``checks.yaml`` for a release in ``lang``; InputError names every wrong field."""
    file, data = _read_yaml(case)
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
    problems += _mistake_problems(file, where, item)
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


_MISTAKE_FIELD = {"ratio": "ratio", "alternative": "code", "option": "option"}
_MISTAKE_KINDS_FOR = {
    "ratio": ("number",),
    "flipped_sign": ("number",),
    "alternative": ("number", "choice", "subset", "dataframe"),
    "option": ("choice", "subset"),
}


def _mistake_problems(file: str, where: str, item: dict[str, Any]) -> list[Problem]:
    """Each mistake rule: a known kind that fits the task, its field, a message in ja and en."""
    rules = item.get("mistakes") or []
    if not isinstance(rules, list):
        return [Problem(file, "checks-field", "mistakes is a list", column=f"{where}.mistakes")]
    problems = []
    for i, rule in enumerate(rules):
        at = f"{where}.mistakes[{i}]"
        if not isinstance(rule, dict) or rule.get("kind") not in MISTAKE_KINDS:
            problems.append(
                Problem(
                    file,
                    "checks-field",
                    f"kind must be one of {', '.join(MISTAKE_KINDS)}",
                    column=f"{at}.kind",
                )
            )
            continue
        if item.get("kind") not in _MISTAKE_KINDS_FOR[rule["kind"]]:
            problems.append(
                Problem(
                    file,
                    "checks-field",
                    f"a {rule['kind']} rule does not fit a {item.get('kind')} task",
                    column=f"{at}.kind",
                )
            )
        needed = _MISTAKE_FIELD.get(rule["kind"])
        value = rule.get(needed) if needed else None
        if needed == "ratio" and (
            not isinstance(value, int | float) or isinstance(value, bool) or value in (0, 1)
        ):
            problems.append(
                Problem(
                    file,
                    "checks-field",
                    "ratio is a number other than 0 and 1",
                    column=f"{at}.ratio",
                )
            )
        elif needed == "code" and not (isinstance(value, str) and value.strip()):
            problems.append(
                Problem(file, "checks-field", "an alternative rule needs code", column=f"{at}.code")
            )
        elif needed == "option" and value is None:
            problems.append(
                Problem(
                    file, "checks-field", "an option rule names the option", column=f"{at}.option"
                )
            )
        problems += _text_problems(file, f"{at}.message", rule.get("message"))
    return problems


def write_checks(case: Case, lang: str, folder: Path) -> None:
    """Write ``checks.json`` (and the visible ``checks.py``, if the case has one) into ``folder``."""
    from dxcase.author.casefile import CUSTOM_CHECKS

    (folder / "checks.json").write_text(load_checks(case, lang).to_json(), encoding="utf-8")
    custom = case.root / CUSTOM_CHECKS
    if custom.is_file():
        (folder / CUSTOM_CHECKS).write_text(custom.read_text(encoding="utf-8"), encoding="utf-8")
