"""Problems found in users' input, and the exceptions that carry them.

Every command that reads a file (CSV, notebook, rubric, config) reports what is wrong as
:class:`Problem` records naming the file, line, column and rule, so a user can go straight
to the spot. Commands collect all problems (up to a cap) before failing.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one place of one input file."""

    file: str
    rule: str
    message: str
    line: int | None = None  # physical line in the file (a CSV header is line 1)
    column: str | None = None
    severity: Severity = "error"
    known_issue: str | None = None  # id of a declared known issue this problem matches

    @property
    def is_error(self) -> bool:
        """An error that fails the command (declared known issues and warnings do not)."""
        return self.severity == "error" and self.known_issue is None

    def where(self) -> str:
        """``file:line [column]`` as editors and compilers print it."""
        place = self.file if self.line is None else f"{self.file}:{self.line}"
        return place if self.column is None else f"{place} [{self.column}]"

    def __str__(self) -> str:
        tag = self.severity if self.known_issue is None else f"{self.severity} ({self.known_issue})"
        return f"{self.where()}: {tag}: {self.rule}: {self.message}"


@dataclass
class ProblemList:
    """Problems collected while checking, capped per rule so a broken file stays readable."""

    cap_per_rule: int = 20
    problems: list[Problem] = field(default_factory=list)
    suppressed: Counter[tuple[str, str]] = field(default_factory=Counter)
    suppressed_errors: int = 0
    _shown: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, problem: Problem) -> None:
        key = (problem.file, problem.rule)
        if self._shown[key] >= self.cap_per_rule:
            self.suppressed[key] += 1
            if problem.is_error:
                self.suppressed_errors += 1
            return
        self._shown[key] += 1
        self.problems.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.add(problem)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems) + sum(self.suppressed.values())

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def error_count(self) -> int:
        """Errors found, including those beyond the per-rule cap."""
        return len(self.errors) + self.suppressed_errors

    @property
    def has_errors(self) -> bool:
        return self.error_count > 0

    def lines(self) -> list[str]:
        out = [str(p) for p in self.problems]
        out += [
            f"{file}: … and {n} more '{rule}' problem(s) not shown"
            for (file, rule), n in sorted(self.suppressed.items())
        ]
        return out

    def to_json(self) -> str:
        return json.dumps(
            {
                "problems": [asdict(p) for p in self.problems],
                "suppressed": [
                    {"file": f, "rule": r, "count": n} for (f, r), n in self.suppressed.items()
                ],
            },
            ensure_ascii=False,
            indent=2,
        )


class DxcaseError(Exception):
    """An error the user can fix; the CLI prints it without a traceback and exits non-zero."""

    exit_code = 2


class InputError(DxcaseError):
    """Input (file, config, request) is wrong; carries every problem found."""

    def __init__(self, summary: str, problems: Iterable[Problem] | ProblemList = ()) -> None:
        self.problems = problems if isinstance(problems, ProblemList) else ProblemList()
        if not isinstance(problems, ProblemList):
            self.problems.extend(problems)
        details = "\n".join(f"  {line}" for line in self.problems.lines())
        super().__init__(summary if not details else f"{summary}\n{details}")
