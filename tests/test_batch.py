"""dxcase batch: story conditions, matrix, and end-to-end batches (pool, resume, Dask, report)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat
import pytest
import yaml
from dxcase.batch import (
    FIGURES_MIME,
    Matrix,
    VariantGroup,
    check_story,
    evaluate,
    expand,
    read_figures,
    run_batch,
)
from dxcase.batch.matrix import parse_seeds
from dxcase.batch.story import ConditionError, MissingFigure

from dxcase.author.scaffold import new_case
from dxcase.errors import InputError
from tests.conftest import run_cli

SMALL = {"n_stores": 3, "history_days": 150, "holdout_days": 14}
TOY_CODE = """\
from pathlib import Path

import pandas as pd
from IPython.display import display

DATA = Path(DATA_DIR)
sales = pd.read_csv(DATA / "sales.csv")
items = pd.read_csv(DATA / "items.csv")
stores = pd.read_csv(DATA / "stores.csv")
weather = pd.read_csv(DATA / "weather.csv")
s = sales.merge(items[["item_id", "category"]]).merge(stores[["store_id", "region"]])
ice = s[s["category"] == "ice_cream"].groupby(["date", "region"])["sales_qty"].sum().reset_index()
m = ice.merge(weather, on=["date", "region"])
temp_corr = m["sales_qty"].corr(m["temp_max"])
manual_wmape = (sales["sales_qty"] - sales["manual_forecast"]).abs().sum() / sales["sales_qty"].sum()
if BREAK:
    raise ValueError("planted failure")
display({"application/vnd.dxcase.figures+json": {"temp_corr": float(temp_corr), "manual_wmape": float(manual_wmape)}}, raw=True)
"""


@pytest.fixture(scope="module")
def toy(tmp_path_factory) -> Path:
    """A scaffolded case on small retail variants whose 03_trial records two figures.

    Its story: ice-cream sales follow temperature (``temp_corr > 0.3``), which breaks when
    the variant makes temperature irrelevant (``temperature_effect=0``).
    """
    case = new_case("toy", tmp_path_factory.mktemp("cases"), dataset="retail_sales")
    nb = nbformat.read(case / "03_trial.ipynb", as_version=4)
    nb.cells[2].source += "\nBREAK = 0"
    nb.cells.insert(4, nbformat.v4.new_code_cell(TOY_CODE))
    nbformat.write(nb, case / "03_trial.ipynb")
    data = yaml.safe_load((case / "case.yaml").read_text(encoding="utf-8"))
    data["datasets"][0]["params"] = SMALL
    data["story"] = ["temp_corr > 0.3", "manual_wmape < 1"]
    (case / "case.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return case


# --- story conditions -------------------------------------------------------------------


def test_conditions_evaluate_numbers_comparisons_and_logic() -> None:
    figs = {"model": 0.2, "manual": 0.3, "hours": 12.0}
    assert evaluate("model <= 0.8 * manual", figs) is True
    assert evaluate("model < manual < 1 and hours > 0", figs) is True
    assert evaluate("(manual - model) / manual >= 0.5 or not hours > 10", figs) is False
    assert evaluate("-hours + 12 == 0", figs) is True
    assert evaluate("hours / 0 > 1", figs) is False  # NaN compares false


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "model.real > 0",
        "model ** 2 > 0",
        "[model][0] > 0",
        "'a' < 'b'",
        "(lambda: 1)() > 0",
        "model if True else manual",
        "model = 1",
        "True",
    ],
)
def test_conditions_refuse_anything_but_arithmetic(text: str) -> None:
    with pytest.raises(ConditionError):
        evaluate(text, {"model": 1.0, "manual": 2.0})


def test_missing_figures_are_named() -> None:
    with pytest.raises(MissingFigure) as err:
        evaluate("model_wmape <= 0.8 * manual_wmape", {"model_wmape": 0.2})
    assert err.value.names == ["manual_wmape"]
    [result] = check_story(["model_wmape <= 0.8 * manual_wmape"], {"model_wmape": 0.2})
    assert result.status == "missing" and "manual_wmape" in result.detail and not result.ok
    [fails] = check_story(["model_wmape <= 0.8 * manual_wmape"], {"model_wmape": 0.3, "manual_wmape": 0.3})
    assert fails.status == "fails" and "model_wmape=0.3" in fails.detail


def test_figures_are_read_back_from_display_outputs() -> None:
    nb = nbformat.v4.new_notebook()
    first, second = nbformat.v4.new_code_cell("x"), nbformat.v4.new_code_cell("y")
    first.outputs = [
        nbformat.v4.new_output("display_data", data={FIGURES_MIME: {"a": 1, "b": 2.5, "s": "no"}})
    ]
    second.outputs = [
        nbformat.v4.new_output("stream", text="hi"),
        nbformat.v4.new_output("display_data", data={FIGURES_MIME: {"b": 3.0}}),
    ]
    nb.cells = [first, second]
    assert read_figures(nb) == {"a": 1.0, "b": 3.0}


# --- matrix -------------------------------------------------------------------------------


def test_seeds_parse_ranges_and_lists() -> None:
    assert parse_seeds("1-3,7") == [1, 2, 3, 7]
    assert parse_seeds([5, "5", 6]) == [5, 6]
    assert parse_seeds(9) == [9]
    with pytest.raises(InputError):
        parse_seeds("one-two")


def test_matrix_expands_and_shares_variants(toy: Path, tmp_path: Path) -> None:
    matrix = Matrix(
        cases=[toy],
        notebooks=["01_business_issue", "03_trial"],
        languages=["ja", "en"],
        variants=[VariantGroup((1, 2)), VariantGroup((1,), (("temperature_effect", "0"),))],
    )
    _, runs = expand(matrix)
    assert len(runs) == 2 * 2 * 3
    assert len({r.variant.id for r in runs}) == 3  # each variant once, shared by its runs
    assert all(dict(r.variant.params)["n_stores"] == "3" for r in runs)  # case params kept
    assert len({r.id for r in runs}) == len(runs)
    # the YAML form gives the same runs
    spec = tmp_path / "batch.yaml"
    spec.write_text(
        yaml.safe_dump(
            {
                "cases": [str(toy)],
                "notebooks": ["01_business_issue", "03_trial"],
                "languages": ["ja", "en"],
                "variants": [{"seeds": "1-2"}, {"seeds": 1, "params": {"temperature_effect": 0}}],
            }
        ),
        encoding="utf-8",
    )
    assert [r.inputs for r in expand(Matrix.from_yaml(spec))[1]] == [r.inputs for r in runs]


def test_matrix_faults_are_listed_before_anything_runs(toy: Path, tmp_path: Path) -> None:
    broken = tmp_path / "toy"
    broken.mkdir()
    for f in toy.iterdir():
        if f.is_file():
            (broken / f.name).write_bytes(f.read_bytes())
    data = yaml.safe_load((broken / "case.yaml").read_text(encoding="utf-8"))
    data["story"] = ["open('x') > 0"]
    (broken / "case.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    matrix = Matrix(cases=[broken], variants=[VariantGroup((1,), (("tempreature_effect", "0"),))])
    with pytest.raises(InputError) as err:
        expand(matrix)
    text = str(err.value)
    assert "story[0]" in text and "tempreature_effect" in text


# --- end to end (kernels) -------------------------------------------------------------------


@pytest.mark.slow
def test_batch_runs_checks_story_reports_and_resumes(toy: Path, tmp_path: Path) -> None:
    """2 variants of one notebook pass; a variant without temperature breaks the story."""
    out = tmp_path / "batch"
    matrix = Matrix(
        cases=[toy],
        notebooks=["03_trial"],
        variants=[VariantGroup((1, 2)), VariantGroup((1,), (("temperature_effect", "0"),))],
    )
    result = run_batch(matrix, out, workers=2, progress=False, echo=lambda _: None, lang="en")
    assert not result.failed_runs
    assert [(g[1], c.condition) for g, c in result.failed_conditions] == [
        (next(r.variant.id for r in result.runs if r.variant.params[-1][0] == "temperature_effect"), "temp_corr > 0.3")
    ]
    assert not result.ok
    assert any("STORY FAILS" in line and "temp_corr > 0.3" in line for line in result.summary_lines())
    assert result.threads == 1  # 2 cores / 2 workers
    rows = list(csv.DictReader(result.report_csv.open(encoding="utf-8")))
    assert len(rows) == 3 and {r["status"] for r in rows} == {"passed"}
    assert all(json.loads(r["figures"])["manual_wmape"] > 0 for r in rows)
    assert all(float(r["peak_mib"]) > 50 and float(r["cpu_seconds"]) > 0 for r in rows)
    html = result.report_html.read_text(encoding="utf-8")
    assert "temp_corr &gt; 0.3" in html and "data:image/png;base64" in html
    assert not (out / "runs").exists() or not any((out / "runs").iterdir())  # passed: cleaned

    # resume: nothing runs again; a new seed runs alone and reuses nothing it should not
    again = run_batch(matrix, out, workers=2, progress=False, echo=lambda _: None)
    assert again.skipped == 3 and again.records == result.records
    matrix.variants.append(VariantGroup((3,)))
    more = run_batch(matrix, out, workers=2, progress=False, echo=lambda _: None)
    assert more.skipped == 3 and len(more.runs) == 4 and not more.failed_runs


@pytest.mark.slow
def test_batch_cli_names_failed_runs_keeps_their_notebooks_and_exits_nonzero(
    toy: Path, tmp_path: Path
) -> None:
    spec = tmp_path / "batch.yaml"
    spec.write_text(
        yaml.safe_dump(
            {
                "cases": [str(toy)],
                "notebooks": ["03_trial"],
                "variants": [{"seeds": "4"}],
                "parameters": {"BREAK": 1},
            }
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    proc = run_cli("batch", "validate", "--matrix", str(spec), "--out", str(out), "--no-progress")
    assert proc.returncode == 1, proc.stderr
    assert "FAILED run toy-03_trial-" in proc.stdout and "planted failure" in proc.stdout
    executed = next((out / "runs").glob("*/03_trial.ipynb"))
    assert "planted failure" in executed.read_text(encoding="utf-8")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert f'href="runs/{executed.parent.name}/03_trial.ipynb"' in html
    assert "not checked: 03_trial failed" in html


@pytest.mark.slow
def test_batch_on_a_dask_local_cluster(toy: Path, tmp_path: Path) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = run_batch(
            Matrix(cases=[toy], notebooks=["03_trial"], variants=[VariantGroup((5, 6))]),
            tmp_path / "dask",
            scheduler=cluster.scheduler_address,
            progress=False,
            echo=lambda _: None,
        )
    assert result.ok, result.summary_lines()
    assert result.workers == 2 and len(result.runs) == 2
    assert {rec["threads"] for rec in result.records.values()} == {1}
    assert len({rec["worker"] for rec in result.records.values()}) >= 1
