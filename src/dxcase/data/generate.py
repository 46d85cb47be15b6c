"""``dxcase data generate``: write one dataset variant's learner and holdout folders."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dxcase.atomic import atomic_dirs
from dxcase.data import keys
from dxcase.data.generators.base import GeneratedTables, GenerationContext
from dxcase.data.package import write_package
from dxcase.data.params import resolve
from dxcase.data.registry import DatasetSpec, load_spec
from dxcase.errors import DxcaseError


@dataclass(frozen=True)
class GeneratedVariant:
    out_dir: Path
    holdout_dir: Path
    checksums: dict[str, str]
    variant: dict[str, Any]


def build_context(
    spec: DatasetSpec,
    seed: int | None,
    overrides: dict[str, Any],
    scale: float,
    key: keys.CohortKey,
) -> GenerationContext:
    if scale <= 0:
        raise DxcaseError(f"--scale must be positive, got {scale}")
    params = resolve(spec.parameters, overrides, f"{spec.name} --param")
    return GenerationContext(
        spec.name, spec.version, spec.default_seed if seed is None else seed, scale, params, key
    )


def variant_record(ctx: GenerationContext) -> dict[str, Any]:
    """What identifies a variant: public, so it goes into both folders."""
    return {
        "dataset": ctx.dataset,
        "generator_version": ctx.version,
        "seed": ctx.seed,
        "scale": ctx.scale,
        "parameters": {k: str(v) for k, v in ctx.params.items()},
    }


def generate_variant(
    name: str,
    *,
    seed: int | None = None,
    overrides: dict[str, Any] | None = None,
    scale: float = 1.0,
    out_dir: str | Path,
    holdout_dir: str | Path,
    key_file: str | None = None,
    overwrite: bool = False,
    echo: Callable[[str], None] = lambda _: None,
) -> GeneratedVariant:
    """Generate a variant; both folders appear complete, or neither does."""
    out, hold = Path(out_dir).resolve(), Path(holdout_dir).resolve()
    if out == hold or out in hold.parents or hold in out.parents:
        raise DxcaseError(
            "--holdout-out must not be inside --out (or the reverse): "
            "learners must never be able to read the holdout truth"
        )
    spec = load_spec(name)
    key = keys.load_key(key_file)
    ctx = build_context(spec, seed, overrides or {}, scale, key)
    echo(f"generating {name} (seed {ctx.seed}, scale {scale}); holdout key: {key.source}")
    started = time.perf_counter()
    tables: GeneratedTables = spec.module().generate(ctx)
    echo(f"  simulated in {time.perf_counter() - started:.1f} s; writing CSV files")
    variant = variant_record(ctx)
    with atomic_dirs(out, hold, overwrite=overwrite) as (tmp_out, tmp_hold):
        checksums = write_package(tmp_out, spec.descriptor("learner"), tables.learner, variant)
        write_package(
            tmp_hold,
            spec.descriptor("holdout"),
            tables.holdout,
            {**variant, "key_fingerprint": key.fingerprint},
        )
    echo(f"  done in {time.perf_counter() - started:.1f} s")
    return GeneratedVariant(out, hold, checksums, variant)
