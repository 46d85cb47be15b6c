"""dxcase author: scaffold, build and validate; deliberately broken cases are each caught."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
import yaml

from dxcase.author.casefile import load_case
from dxcase.author.scaffold import new_case
from dxcase.data.generate import generate_variant
from dxcase.errors import InputError
from tests.conftest import KEY, SMALL, run_cli


@pytest.fixture
def case(tmp_path) -> Path:
    """A freshly scaffolded case on a small parts dataset (fast to generate)."""
    path = new_case("toy_case", tmp_path, dataset="parts_orders")
    edit_yaml(path / "case.yaml", lambda d: d["datasets"][0].update(params=SMALL["parts_orders"]))
    return path


def edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def edit_notebook(path: Path, change) -> None:
    nb = nbformat.read(str(path), as_version=4)
    change(nb)
    nbformat.write(nb, str(path))


def cell(nb, grade_id: str):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def validate(case: Path, *extra: str) -> tuple[int, dict]:
    proc = run_cli("author", "validate", str(case), "--json", *extra)
    return proc.returncode, json.loads(proc.stdout)


def rules(report: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for p in report["problems"]:
        found.setdefault(p["rule"], []).append(p["message"])
    return found


# -- fast: case files and language rules ---------------------------------------------------
def test_case_yaml_errors_name_the_field(case):
    edit_yaml(
        case / "case.yaml",
        lambda d: (d["title"].pop("en"), d["grading"]["weights"].update(autograded=0.9)),
    )
    with pytest.raises(InputError) as err:
        load_case(case)
    columns = {p.column for p in err.value.problems}
    assert {"title.en", "grading.weights"} <= columns
    assert all(p.file.endswith("case.yaml") for p in err.value.problems)


def test_text_missing_in_english_is_caught(case):
    def drop_english(nb):
        index = next(i for i, c in enumerate(nb.cells) if "lang:en" in c.metadata.get("tags", []))
        del nb.cells[index]

    edit_notebook(case / "02_requirements.ipynb", drop_english)
    code, report = validate(case)
    assert code != 0
    [message] = rules(report)["missing-text"]
    assert "cell 0" in message and "no lang:en twin" in message


def test_code_cells_that_differ_between_languages_are_caught(case):
    def add_english_only_code(nb):
        extra = nbformat.v4.new_code_cell("unit = 'units'")
        extra.metadata["tags"] = ["lang:en"]
        nb.cells.insert(3, extra)

    edit_notebook(case / "03_trial.ipynb", add_english_only_code)
    code, report = validate(case)
    assert code != 0
    assert "code cells are shared by both languages" in rules(report)["code-differs"][0]


def test_solution_of_a_graded_task_must_not_be_published(case):
    edit_yaml(case / "checks.yaml", lambda d: d["tasks"]["q1_2"].update(solution="n_rows = 1"))
    code, report = validate(case)
    assert code != 0 and "solution-on-graded-task" in rules(report)


def test_new_refuses_bad_slugs_and_existing_cases(tmp_path):
    proc = run_cli("author", "new", "Bad-Slug", "--root", str(tmp_path))
    assert proc.returncode == 2 and "slug" in proc.stderr
    new_case("fine_case", tmp_path)
    proc = run_cli("author", "new", "fine_case", "--root", str(tmp_path))
    assert proc.returncode == 2 and "already exists" in proc.stderr


# -- slow: notebooks run ---------------------------------------------------------------------
@pytest.mark.slow
def test_scaffold_validates_as_soon_as_it_is_made(case, tmp_path):
    code, report = validate(case, "--keep", str(tmp_path / "work"))
    assert code == 0, report["problems"]
    kinds = {(r["notebook"], r["kind"]) for r in report["runs"]}
    assert ("01_business_issue", "solution") in kinds and ("04_presentation", "release") in kinds
    assert all(r["peak_mib"] and r["seconds"] > 0 for r in report["runs"])
    release = (tmp_path / "work" / "release-ja" / "01_business_issue.ipynb").read_text()
    assert "BEGIN SOLUTION" not in release and "HIDDEN TESTS" not in release
    assert "raise NotImplementedError()" in release
    en = (tmp_path / "work" / "release-en" / "01_business_issue.ipynb").read_text()
    assert "Practice q1_1" in en and "練習" not in en


@pytest.mark.slow
def test_solution_that_fails_its_own_test_is_caught(case):
    edit_notebook(  # the solution leaves the task's variable empty: no key can come from it
        case / "01_business_issue.ipynb",
        lambda nb: setattr(
            cell(nb, "q1_2_answer"),
            "source",
            cell(nb, "q1_2_answer").source.replace("n_rows = sum(", "n_rows = None and sum("),
        ),
    )
    code, report = validate(case)
    assert code != 0
    [message] = rules(report)["solution-not-full-points"]
    assert "q1_2" in message and "exported no value" in message


@pytest.mark.slow
def test_test_that_passes_on_the_untouched_release_is_caught(case):
    def given_answer(nb):  # a given cell before the task already computes its answer
        at = nb.cells.index(cell(nb, "q1_2_answer"))
        code = 'n_rows = sum(len(pd.read_csv(p)) for p in Path(DATA_DIR).glob("*.csv"))'
        nb.cells.insert(at, nbformat.v4.new_code_cell(code))

    edit_notebook(case / "01_business_issue.ipynb", given_answer)
    code, report = validate(case)
    assert code != 0
    [message] = rules(report)["test-passes-on-release"]
    assert "q1_2" in message and "cannot fail" in message


@pytest.mark.slow
def test_leaks_into_the_release_are_caught(case, tmp_path, monkeypatch):
    monkeypatch.setenv("DXCASE_COHORT_KEY", KEY)
    made = generate_variant(
        "parts_orders",
        seed=2024,
        overrides=SMALL["parts_orders"],
        out_dir=tmp_path / "d",
        holdout_dir=tmp_path / "h",
    )
    n_rows = sum(len(p.read_text().splitlines()) - 1 for p in made.out_dir.glob("*.csv"))
    holdout_line = (made.holdout_dir / "holdout_orders.csv").read_text().splitlines()[5]
    notes = [
        f"the answer is {n_rows}",
        holdout_line,
        f"key {KEY}",
    ]
    (case / "assets" / "notes.txt").write_text("\n".join(notes), encoding="utf-8")
    code, report = validate(case)
    assert code != 0
    found = rules(report)
    assert {"leak-expected-value", "leak-holdout", "leak-key"} <= set(found), (
        found
    )
    assert all("notes.txt" in p["file"] for p in report["problems"] if p["rule"].startswith("leak"))
    assert "q1_2" in found["leak-expected-value"][0]


@pytest.mark.slow
def test_time_and_memory_limits_are_checked(case):
    edit_yaml(
        case / "case.yaml",
        lambda d: d.update(limits={"seconds": 0.001, "memory_mib": 1, "cores": 1}),
    )
    code, report = validate(case, "--strict-limits")
    assert code != 0
    found = rules(report)
    assert len(found["over-time-limit"]) == 4 and len(found["over-memory-limit"]) == 4
    assert "allows 0.001 s on 1 cores" in found["over-time-limit"][0]


def test_plots_with_missing_japanese_glyphs_are_flagged():
    from dxcase.author.validate import glyph_problems

    nb = nbformat.v4.new_notebook()
    warn = "UserWarning: Glyph 26085 (\\N{CJK UNIFIED IDEOGRAPH-65E5}) missing from font(s) DejaVu Sans."
    nb.cells = [
        nbformat.v4.new_code_cell(
            "plot()", outputs=[nbformat.v4.new_output("stream", name="stderr", text=warn)]
        ),
        nbformat.v4.new_code_cell(
            "ok()",
            outputs=[nbformat.v4.new_output("stream", name="stdout", text="missing from font")],
        ),
    ]
    [problem] = glyph_problems(nb, "01.ipynb")
    assert problem.rule == "missing-glyph" and "cell 0" in problem.message


def test_practice_solutions_are_public_but_graded_solutions_stay_secret():
    """A practice task's solution ships in checks.json on purpose; its answer cell is no secret."""
    from dxcase.author.cells import answer, notebook, test
    from dxcase.author.notebooks import secret_lines

    nb = notebook(
        [
            answer("q1_1_answer", "", "planning_horizon = 3"),
            answer("q1_2_answer", "", "granularity = 'part_month'"),
            test("q1_2", 1),
        ]
    )
    every = {s.text for s in secret_lines(nb, "01")}
    assert {"planning_horizon = 3", "granularity = 'part_month'"} <= every
    public = {s.text for s in secret_lines(nb, "01", public={"q1_1_answer"})}
    assert "planning_horizon = 3" not in public
    assert "granularity = 'part_month'" in public
