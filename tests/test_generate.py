"""Variants are reproducible, the holdout is secret, and outputs are all-or-nothing."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from dxcase.data.checksums import default_checksums, stored_checksums
from dxcase.data.generate import generate_variant
from dxcase.errors import DxcaseError
from tests.conftest import KEY, SMALL, run_cli


def _make(tmp_path, name, tag, key_env=None, monkeypatch=None, **kw):
    if monkeypatch is not None:
        monkeypatch.setenv("DXCASE_COHORT_KEY", key_env)
    return generate_variant(
        name,
        overrides=SMALL[name],
        out_dir=tmp_path / f"{tag}-out",
        holdout_dir=tmp_path / f"{tag}-hold",
        **kw,
    )


def _holdout_hash(made) -> dict[str, str]:
    desc = json.loads((made.holdout_dir / "datapackage.json").read_text())
    return {r["path"]: r["hash"] for r in desc["resources"]}


@pytest.mark.parametrize("name", sorted(SMALL))
def test_same_seed_same_learner_data_and_key_decides_holdout(tmp_path, monkeypatch, name):
    a = _make(tmp_path, name, "a", "key-one-0123456789abcdef", monkeypatch)
    b = _make(tmp_path, name, "b", "key-one-0123456789abcdef", monkeypatch)
    c = _make(tmp_path, name, "c", "key-two-0123456789abcdef", monkeypatch)
    d = _make(tmp_path, name, "d", "key-two-0123456789abcdef", monkeypatch, seed=7)
    assert a.checksums == b.checksums == c.checksums  # learner data: (version, params, seed)
    assert a.checksums != d.checksums
    assert _holdout_hash(a) == _holdout_hash(b)
    assert _holdout_hash(a) != _holdout_hash(c)  # same public seed, other key: other truth


@pytest.mark.parametrize("name", sorted(SMALL))
def test_secrets_stay_out_of_learner_folder(small_variants, name):
    out, hold = small_variants[name]
    for path in [*out.iterdir(), *hold.iterdir()]:
        assert KEY not in path.read_text(encoding="utf-8"), path
    variant = json.loads((out / "datapackage.json").read_text())["dxcase:variant"]
    assert "key_fingerprint" not in variant
    if name == "retail_sales":
        sales = pd.read_csv(out / "sales.csv")
        truth = pd.read_csv(hold / "holdout_sales.csv")
        inputs = pd.read_csv(out / "forecast_inputs.csv")
        assert sales["date"].max() < truth["date"].min()
        assert {"sales_qty", "manual_forecast"}.isdisjoint(inputs.columns)
        assert set(inputs["date"]) == set(truth["date"])
    else:
        orders = pd.read_csv(out / "orders.csv")
        truth = pd.read_csv(hold / "holdout_orders.csv")
        naiji = pd.read_csv(out / "naiji.csv")
        assert orders["month"].max() < truth["month"].min()
        assert naiji["issue_month"].max() < truth["month"].min()  # only 内示 already issued
        assert naiji["target_month"].max() >= truth["month"].max()


def test_holdout_inside_learner_folder_is_refused(tmp_path):
    with pytest.raises(DxcaseError, match="holdout"):
        generate_variant(
            "parts_orders",
            overrides=SMALL["parts_orders"],
            out_dir=tmp_path / "o",
            holdout_dir=tmp_path / "o" / "truth",
        )
    assert not (tmp_path / "o").exists()


def test_existing_output_needs_overwrite(tmp_path):
    args = [
        "data",
        "generate",
        "parts_orders",
        "--param",
        "n_parts=12",
        "--out",
        str(tmp_path / "o"),
        "--holdout-out",
        str(tmp_path / "h"),
    ]
    assert run_cli(*args).returncode == 0
    again = run_cli(*args)
    assert again.returncode != 0 and "--overwrite" in again.stderr
    assert run_cli(*args, "--overwrite").returncode == 0


def test_scale_multiplies_stores(tmp_path):
    made = generate_variant(
        "retail_sales",
        overrides=SMALL["retail_sales"],
        scale=2.0,
        out_dir=tmp_path / "o",
        holdout_dir=tmp_path / "h",
    )
    assert len(pd.read_csv(made.out_dir / "stores.csv")) == 6


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SMALL))
def test_default_variant_matches_stored_checksums(name):
    assert default_checksums(name) == stored_checksums(name)
