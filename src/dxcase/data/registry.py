"""The bundled datasets: where they live and how each is generated."""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from dxcase.data.params import Param, load_params
from dxcase.errors import DxcaseError
from dxcase.paths import content_root


def datasets_root() -> Path:
    """``$DXCASE_DATASETS``, else the repository's ``datasets/`` folder."""
    return content_root("datasets")


@dataclass(frozen=True)
class DatasetSpec:
    """A bundled dataset: its folder, metadata, parameters and generator module."""

    name: str
    folder: Path
    title: dict[str, str]
    version: str
    default_seed: int
    generator: str  # module path with a ``generate(ctx)`` function
    parameters: dict[str, Param]

    def descriptor(self, which: str = "learner") -> dict[str, Any]:
        """The Data Package descriptor template for the learner or the holdout folder."""
        name = "datapackage.json" if which == "learner" else "holdout.datapackage.json"
        return json.loads((self.folder / name).read_text(encoding="utf-8"))

    def module(self) -> Any:
        return importlib.import_module(self.generator)


@cache
def load_spec(name: str) -> DatasetSpec:
    folder = datasets_root() / name
    meta_path = folder / "dataset.yaml"
    if not meta_path.is_file():
        known = ", ".join(s.name for s in all_datasets()) or "none"
        raise DxcaseError(f"unknown dataset {name!r} (known: {known})")
    meta = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
    params = load_params(meta.get("parameters", {}), str(meta_path))
    return DatasetSpec(
        name,
        folder,
        meta["title"],
        str(meta["version"]),
        int(meta["default_seed"]),
        meta["generator"],
        params,
    )


def all_datasets() -> list[DatasetSpec]:
    root = datasets_root()
    return [load_spec(p.parent.name) for p in sorted(root.glob("*/dataset.yaml"))]
