"""The compiled task definitions a release carries (``checks.json``) and how to read them.

``dxcase author`` compiles a case's ``checks.yaml`` (both languages) and ``case.yaml`` (which
tasks are practice) into ``checks.json`` beside the notebooks. It holds only what learners may
see: kinds, visible properties, tolerances, messages, hints, and solutions of practice tasks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHECKS_FILE = "checks.json"
KINDS = ("number", "choice", "subset", "dataframe", "forecast_file")
Text = dict[str, str]  # {"ja": ..., "en": ...}


@dataclass(frozen=True)
class TaskSpec:
    """One task: the learner's variable, its kind, and the visible part of its check."""

    id: str
    variable: str
    kind: str
    notebook: str
    visible: dict[str, Any] = field(default_factory=dict)
    tolerance: dict[str, Any] = field(default_factory=dict)
    hints: tuple[Text, ...] = ()
    messages: dict[str, Text] = field(default_factory=dict)
    solution: str | None = None  # code; only for practice tasks
    practice: bool = False
    custom: str | None = None  # name of a function in the case's checks.py (visible part)

    def to_json(self) -> dict[str, Any]:
        return {
            "variable": self.variable,
            "kind": self.kind,
            "notebook": self.notebook,
            "visible": self.visible,
            "tolerance": self.tolerance,
            "hints": list(self.hints),
            "messages": self.messages,
            "solution": self.solution,
            "practice": self.practice,
            "custom": self.custom,
        }

    @classmethod
    def from_json(cls, task_id: str, data: dict[str, Any]) -> TaskSpec:
        return cls(
            id=task_id,
            variable=data["variable"],
            kind=data["kind"],
            notebook=data.get("notebook", ""),
            visible=dict(data.get("visible") or {}),
            tolerance=dict(data.get("tolerance") or {}),
            hints=tuple(data.get("hints") or ()),
            messages=dict(data.get("messages") or {}),
            solution=data.get("solution"),
            practice=bool(data.get("practice", False)),
            custom=data.get("custom"),
        )


@dataclass(frozen=True)
class CaseChecks:
    """Everything ``checks.json`` holds: the case, its default language, tasks and texts."""

    case: str
    lang: str
    tasks: dict[str, TaskSpec]
    texts: dict[str, Text]

    def to_json(self) -> str:
        return json.dumps(
            {
                "case": self.case,
                "lang": self.lang,
                "tasks": {k: v.to_json() for k, v in self.tasks.items()},
                "texts": self.texts,
            },
            ensure_ascii=False,
            indent=1,
        )

    @classmethod
    def read(cls, path: Path) -> CaseChecks:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            case=data["case"],
            lang=data.get("lang", "ja"),
            tasks={k: TaskSpec.from_json(k, v) for k, v in data["tasks"].items()},
            texts=data.get("texts") or {},
        )
