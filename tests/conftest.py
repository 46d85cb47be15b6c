"""Shared fixtures: generated dataset variants (small and default scale) and a CLI runner."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dxcase.data.generate import generate_variant

DXCASE = str(Path(sys.executable).parent / "dxcase")
KEY = "test-cohort-key-0123456789abcdef"
SMALL = {
    "retail_sales": {"n_stores": "3", "history_days": "150", "holdout_days": "14"},
    "parts_orders": {"n_parts": "20", "history_months": "30"},
}


def run_cli(*args: str, env_key: bool = True, **kw) -> subprocess.CompletedProcess[str]:
    """Run the installed ``dxcase`` command as a user would."""
    env = {
        "PATH": str(Path(sys.executable).parent),
        "HOME": str(Path.home()),
        "LANG": "C.UTF-8",
        "DXCASE_LANG": "en",
    }
    if env_key:
        env["DXCASE_COHORT_KEY"] = KEY
    return subprocess.run([DXCASE, *args], capture_output=True, text=True, env=env, **kw)


@pytest.fixture(scope="session")
def small_variants(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """Small variants of both datasets with planted issues (fast)."""
    root = tmp_path_factory.mktemp("small")
    out = {}
    for name, params in SMALL.items():
        made = generate_variant(
            name, overrides=params, out_dir=root / name, holdout_dir=root / f"{name}-holdout"
        )
        out[name] = (made.out_dir, made.holdout_dir)
    return out


@pytest.fixture(scope="session")
def default_variants(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """Both datasets at default parameters and seed (what cohorts get by default)."""
    root = tmp_path_factory.mktemp("default")
    out = {}
    for name in SMALL:
        made = generate_variant(name, out_dir=root / name, holdout_dir=root / f"{name}-holdout")
        out[name] = (made.out_dir, made.holdout_dir)
    return out
