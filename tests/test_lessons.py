"""The lesson each dataset must teach holds on the default variant, with no leakage."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dxcase.metrics import wmape
from dxcase.paths import load_content_module

parts_lesson = load_content_module("graders", "lessons/parts.py")
retail_lesson = load_content_module("graders", "lessons/retail.py")

pytestmark = pytest.mark.slow


def test_retail_lesson_holds(default_variants):
    result = retail_lesson.evaluate(default_variants["retail_sales"][0])
    print(result.as_dict())
    assert result.manual < result.seasonal_naive_7
    assert result.manual < result.moving_average_28
    assert result.lightgbm <= 0.8 * result.manual


def test_parts_lesson_holds(default_variants):
    result = parts_lesson.evaluate(default_variants["parts_orders"][0])
    print(result.as_dict())
    assert result.corrected_wmape < result.naiji_wmape
    assert result.share_parts_below_half >= 0.40


def _best_simple_fit(target: pd.Series, columns: pd.DataFrame) -> tuple[float, str]:
    """Lowest WMAPE of a least-squares fit of the target on any one or two columns."""
    best = (np.inf, "")
    names = list(columns.columns)
    combos = [(a,) for a in names] + [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
    for combo in combos:
        x = np.column_stack([columns[list(combo)].to_numpy(float), np.ones(len(columns))])
        coef, *_ = np.linalg.lstsq(x, target.to_numpy(float), rcond=None)
        best = min(best, (wmape(target, x @ coef), "+".join(combo)))
    return best


def test_no_column_recovers_retail_target(default_variants):
    out, hold = default_variants["retail_sales"]
    sales = pd.read_csv(out / "sales.csv")
    numeric = sales[["price", "manual_forecast"]].assign(promo=sales["promo"].astype(float))
    err, combo = _best_simple_fit(sales["sales_qty"], numeric)
    assert err > 0.15, f"{combo} recovers sales_qty (WMAPE {err:.3f})"
    inputs = pd.read_csv(out / "forecast_inputs.csv").merge(
        pd.read_csv(hold / "holdout_sales.csv"), on=["date", "store_id", "item_id"]
    )
    err, combo = _best_simple_fit(
        inputs["sales_qty"], inputs[["price"]].assign(promo=inputs["promo"].astype(float))
    )
    assert err > 0.15, f"{combo} recovers the holdout target (WMAPE {err:.3f})"


def test_no_column_recovers_parts_target(default_variants):
    out, hold = default_variants["parts_orders"]
    naiji = pd.read_csv(out / "naiji.csv").drop_duplicates(
        subset=["part_id", "customer_id", "issue_month", "target_month"]
    )
    wide = naiji.pivot_table(
        index=["part_id", "customer_id", "target_month"], columns="horizon", values="naiji_qty"
    ).add_prefix("naiji_h")
    for orders in (pd.read_csv(out / "orders.csv"), pd.read_csv(hold / "holdout_orders.csv")):
        joined = orders.rename(columns={"month": "target_month"}).merge(
            wide.reset_index(), on=["part_id", "customer_id", "target_month"]
        )
        cols = joined[["naiji_h1", "naiji_h2", "naiji_h3"]].dropna(axis=1, how="all")
        joined = joined.loc[cols.notna().all(axis=1)]
        err, combo = _best_simple_fit(joined["order_qty"], cols.loc[joined.index])
        assert err > 0.05, f"{combo} recovers order_qty (WMAPE {err:.3f})"


@pytest.mark.parametrize("which", [0, 1])
@pytest.mark.parametrize("name", ["retail_sales", "parts_orders"])
def test_frictionless_accepts_packages(default_variants, name, which):
    folder = default_variants[name][which]
    tool = Path(sys.executable).parent / "frictionless"
    result = subprocess.run(
        [str(tool), "validate", str(folder / "datapackage.json")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:]
