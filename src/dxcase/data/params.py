"""Generator parameters: declared once in ``datasets/<name>/dataset.yaml``, overridable."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from dxcase.errors import InputError, Problem

_TYPES = {"int": int, "float": float, "bool": bool, "str": str, "date": dt.date}


@dataclass(frozen=True)
class Param:
    """One documented generator parameter."""

    name: str
    type: str
    default: Any
    doc: dict[str, str]
    min: float | None = None
    max: float | None = None

    def parse(self, raw: Any, source: str) -> Any:
        """Convert ``raw`` (a command-line string or a YAML value) to this parameter's type."""
        try:
            value = _convert(self.type, raw)
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"{source}: parameter {self.name!r}",
                [
                    Problem(
                        source,
                        "param-type",
                        f"{raw!r} is not a valid {self.type}: {exc}",
                        column=self.name,
                    )
                ],
            ) from exc
        if self.type in ("int", "float"):
            low_ok = self.min is None or value >= self.min
            high_ok = self.max is None or value <= self.max
            if not (low_ok and high_ok):
                raise InputError(
                    f"{source}: parameter {self.name!r}",
                    [
                        Problem(
                            source,
                            "param-range",
                            f"{value} is outside [{self.min}, {self.max}]",
                            column=self.name,
                        )
                    ],
                )
        return value


def _convert(kind: str, raw: Any) -> Any:
    if kind not in _TYPES:
        raise ValueError(f"unknown parameter type {kind!r}")
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ValueError("expected true or false")
    if kind == "date":
        return raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))
    if kind == "int" and isinstance(raw, str) and not raw.strip().lstrip("-").isdigit():
        raise ValueError("expected a whole number")
    return _TYPES[kind](raw)


def load_params(raw: dict[str, Any], source: str) -> dict[str, Param]:
    """Parameters declared in a dataset.yaml ``parameters`` mapping, checked field by field."""
    problems: list[Problem] = []
    params: dict[str, Param] = {}
    for name, spec in raw.items():
        where = f"parameters.{name}"
        if not isinstance(spec, dict) or not {"type", "default", "doc"} <= spec.keys():
            problems.append(
                Problem(source, "param-spec", "needs type, default and doc", column=where)
            )
            continue
        if not isinstance(spec["doc"], dict) or not {"ja", "en"} <= spec["doc"].keys():
            problems.append(Problem(source, "param-spec", "doc needs ja and en", column=where))
            continue
        param = Param(name, spec["type"], None, spec["doc"], spec.get("min"), spec.get("max"))
        try:
            params[name] = Param(
                name,
                param.type,
                param.parse(spec["default"], source),
                param.doc,
                param.min,
                param.max,
            )
        except (InputError, ValueError) as exc:
            problems.append(Problem(source, "param-spec", f"bad default: {exc}", column=where))
    if problems:
        raise InputError(f"{source}: invalid parameter declarations", problems)
    return params


def resolve(params: dict[str, Param], overrides: dict[str, Any], source: str) -> dict[str, Any]:
    """Defaults with ``overrides`` applied; unknown names are an error that lists known ones."""
    unknown = sorted(set(overrides) - set(params))
    if unknown:
        known = ", ".join(sorted(params))
        raise InputError(
            f"{source}: unknown parameter(s) {', '.join(unknown)}",
            [
                Problem(source, "param-unknown", f"known parameters: {known}", column=u)
                for u in unknown
            ],
        )
    values = {name: p.default for name, p in params.items()}
    for name, raw in overrides.items():
        values[name] = params[name].parse(raw, source)
    return values
