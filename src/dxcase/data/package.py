"""Data Package (Frictionless v2) descriptors: read a folder's, write a variant's."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd

from dxcase.errors import InputError, Problem

DESCRIPTOR = "datapackage.json"
VARIANT_KEY = "dxcase:variant"
KNOWN_ISSUES_KEY = "dxcase:knownIssues"
RULES_KEY = "dxcase:rules"


def read_descriptor(folder: str | Path) -> dict[str, Any]:
    """The folder's datapackage.json, or an InputError naming what is wrong with it."""
    path = Path(folder) / DESCRIPTOR
    if not path.is_file():
        raise InputError(
            f"{folder}: not a dataset folder",
            [Problem(str(path), "missing-file", "datapackage.json not found")],
        )
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: invalid JSON", [Problem(str(path), "json", exc.msg, line=exc.lineno)]
        ) from exc
    if not isinstance(descriptor.get("resources"), list) or not descriptor["resources"]:
        raise InputError(
            f"{path}: no resources",
            [
                Problem(
                    str(path),
                    "descriptor",
                    "'resources' must be a non-empty list",
                    column="resources",
                )
            ],
        )
    return descriptor


def field_names(resource: dict[str, Any]) -> list[str]:
    return [f["name"] for f in resource["schema"]["fields"]]


def to_csv_text(frame: pd.DataFrame, resource: dict[str, Any]) -> str:
    """Serialize ``frame`` in the column order and formats the resource's schema declares."""
    names = field_names(resource)
    missing, extra = set(names) - set(frame.columns), set(frame.columns) - set(names)
    if missing or extra:
        raise RuntimeError(
            f"resource {resource['name']}: generator columns differ from schema: "
            f"missing {sorted(missing)}, undeclared {sorted(extra)}"
        )
    out = frame[names].copy()
    for spec in resource["schema"]["fields"]:
        col = out[spec["name"]]
        if spec["type"] == "date":
            out[spec["name"]] = pd.to_datetime(col).dt.strftime("%Y-%m-%d")
        elif spec["type"] == "boolean":
            out[spec["name"]] = col.map({True: "true", False: "false"})
    return out.to_csv(index=False, lineterminator="\n")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_package(
    folder: Path, template: dict[str, Any], tables: dict[str, pd.DataFrame], variant: dict[str, Any]
) -> dict[str, str]:
    """Write each table as CSV and a datapackage.json with sizes and hashes; return the hashes."""
    descriptor = json.loads(json.dumps(template))
    by_name = {r["name"]: r for r in descriptor["resources"]}
    if set(by_name) != set(tables):
        raise RuntimeError(f"tables {sorted(tables)} do not match resources {sorted(by_name)}")
    hashes = {}
    for name, frame in tables.items():
        resource = by_name[name]
        text = to_csv_text(frame, resource)
        (folder / resource["path"]).write_text(text, encoding="utf-8")
        resource["bytes"] = len(text.encode("utf-8"))
        resource["hash"] = f"sha256:{sha256_text(text)}"
        hashes[resource["path"]] = sha256_text(text)
    descriptor[VARIANT_KEY] = variant
    (folder / DESCRIPTOR).write_text(
        json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return hashes
