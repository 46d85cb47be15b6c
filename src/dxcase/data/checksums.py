"""Checksums of each dataset's default variant, stored in the repository instead of CSV files.

``python -m dxcase.data.checksums`` regenerates ``datasets/<name>/checksums.json`` after a
deliberate change to a generator (bump its version in dataset.yaml too).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from dxcase.data.generate import generate_variant
from dxcase.data.registry import all_datasets, load_spec

FILE = "checksums.json"


def default_checksums(name: str) -> dict[str, str]:
    """SHA-256 of every learner file of the default variant (the holdout is keyed, not stored)."""
    with tempfile.TemporaryDirectory() as tmp:
        made = generate_variant(name, out_dir=Path(tmp) / "out", holdout_dir=Path(tmp) / "hold")
        return dict(sorted(made.checksums.items()))


def stored_checksums(name: str) -> dict[str, str]:
    return json.loads((load_spec(name).folder / FILE).read_text(encoding="utf-8"))["files"]


def main() -> None:
    for spec in all_datasets():
        record = {
            "dataset": spec.name,
            "generator_version": spec.version,
            "seed": spec.default_seed,
            "files": default_checksums(spec.name),
        }
        (spec.folder / FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {spec.folder / FILE}")


if __name__ == "__main__":
    main()
