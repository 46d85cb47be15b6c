"""Validation names file, line, column and rule for every kind of bad input, and exits non-zero."""

from __future__ import annotations

import json
import shutil

import pytest

from dxcase.data.validate import validate_dir
from tests.conftest import run_cli


@pytest.fixture
def retail(small_variants, tmp_path):
    copy = tmp_path / "retail"
    shutil.copytree(small_variants["retail_sales"][0], copy)
    return copy


@pytest.fixture
def parts(small_variants, tmp_path):
    copy = tmp_path / "parts"
    shutil.copytree(small_variants["parts_orders"][0], copy)
    return copy


def _edit_line(path, line_no, edit):
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[line_no - 1] = edit(lines[line_no - 1])
    path.write_text("".join(lines), encoding="utf-8")


def _set_field(path, line_no, column, value):
    header = path.read_text(encoding="utf-8").split("\n", 1)[0].split(",")
    col = header.index(column)

    def edit(line):
        cells = line.rstrip("\n").split(",")
        cells[col] = value
        return ",".join(cells) + "\n"

    _edit_line(path, line_no, edit)


def _errors(folder):
    return [
        (p.file.rsplit("/", 1)[-1], p.line, p.column, p.rule) for p in validate_dir(folder).errors
    ]


@pytest.mark.parametrize("name", ["retail_sales", "parts_orders"])
def test_generated_variants_validate(small_variants, name):
    result = run_cli("data", "validate", str(small_variants[name][0]))
    assert result.returncode == 0, result.stdout + result.stderr
    assert run_cli("data", "validate", str(small_variants[name][1])).returncode == 0


def test_planted_issues_are_warnings_not_errors(default_like_parts):
    report = validate_dir(default_like_parts)
    assert not report.has_errors
    found = {p.known_issue for p in report.warnings}
    assert {"naiji-sent-twice", "naiji-month-missing"} <= found


@pytest.fixture(scope="module")
def default_like_parts(tmp_path_factory):
    from dxcase.data.generate import generate_variant

    root = tmp_path_factory.mktemp("parts-planted")
    return generate_variant(
        "parts_orders", overrides={"n_parts": "40"}, out_dir=root / "o", holdout_dir=root / "h"
    ).out_dir


def test_wrong_type_negative_quantity_and_missing_value(retail):
    _set_field(retail / "sales.csv", 5, "sales_qty", "abc")
    _set_field(retail / "sales.csv", 9, "sales_qty", "-5")
    _set_field(retail / "sales.csv", 12, "price", "")
    errors = _errors(retail)
    assert ("sales.csv", 5, "sales_qty", "type") in errors
    assert ("sales.csv", 9, "sales_qty", "minimum") in errors
    assert ("sales.csv", 12, "price", "required") in errors


def test_missing_column(retail):
    path = retail / "stores.csv"
    rows = [line.split(",")[:-1] for line in path.read_text().splitlines()]
    path.write_text("\n".join(",".join(r) for r in rows) + "\n")
    assert ("stores.csv", 1, "opened_year", "missing-column") in _errors(retail)


def test_duplicate_primary_key(retail):
    path = retail / "sales.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join([*lines[:4], lines[3], *lines[4:]]))
    assert ("sales.csv", 5, "date+store_id+item_id", "primary-key") in _errors(retail)


def test_broken_foreign_key(retail):
    _set_field(retail / "sales.csv", 7, "store_id", "S999")
    assert ("sales.csv", 7, "store_id", "foreign-key") in _errors(retail)


def test_truncated_file(retail):
    path = retail / "sales.csv"
    text = path.read_text()
    path.write_text(text[: len(text) - 20])
    errors = _errors(retail)
    assert [e for e in errors if e[0] == "sales.csv"] == [
        ("sales.csv", text.count("\n"), None, "truncated-file")
    ]


def test_empty_file(retail):
    (retail / "weather.csv").write_text("")
    assert ("weather.csv", None, None, "empty-file") in _errors(retail)


def test_shift_jis_file_is_named(retail):
    path = retail / "items.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp932"))
    errors = _errors(retail)
    assert [e[3] for e in errors if e[0] == "items.csv"] == ["encoding"]
    assert next(e[1] for e in errors if e[0] == "items.csv") == 2  # first Japanese item name


def test_undeclared_gap_is_an_error(retail):
    path = retail / "sales.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:10] + lines[11:]))
    assert any(e[3] == "contiguous-dates" for e in _errors(retail))


def test_horizon_inconsistency(parts):
    _set_field(parts / "naiji.csv", 3, "horizon", "5")
    assert ("naiji.csv", 3, "horizon", "horizon-consistent") in _errors(parts)


def test_cli_lists_problems_and_exits_nonzero(retail):
    _set_field(retail / "sales.csv", 5, "sales_qty", "abc")
    (retail / "weather.csv").write_text("")
    result = run_cli("data", "validate", str(retail))
    assert result.returncode == 1
    assert "sales.csv:5 [sales_qty]: error: type" in result.stdout
    assert "weather.csv: error: empty-file" in result.stdout
    as_json = json.loads(run_cli("data", "validate", "--json", str(retail)).stdout)
    assert {p["rule"] for p in as_json["problems"]} >= {"type", "empty-file"}


def test_broken_descriptor(retail):
    (retail / "datapackage.json").write_text('{"resources": [}')
    result = run_cli("data", "validate", str(retail))
    assert result.returncode == 2 and "datapackage.json" in result.stderr
