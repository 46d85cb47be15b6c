"""The answer channel, the one comparison with its mistake rules, cell errors, key digests."""

from __future__ import annotations

import json

import nbformat
import pandas as pd
import pytest

from dxcase.answers.channel import MAX_BYTES, MIME, ChannelError, encode, read_export
from dxcase.answers.compare import (
    Comparison,
    Mistake,
    compare,
    describe,
    rule_id,
    rule_matches_key,
)
from dxcase.answers.keys import key_digest

MSG = {"ja": "÷60 を忘れていませんか。", "en": "Did you forget ÷60?"}


def _export(value):
    return [{"output_type": "display_data", "data": {MIME: {"task": "x", "value": value}}}]


def test_values_travel_as_plain_json():
    assert encode("number", 3) == 3.0
    assert encode("choice", 3) == "3" and encode("choice", "S007") == "S007"
    assert encode("subset", ["b", "a", "a"]) == ["a", "b"]
    frame = pd.Series([0.1, 0.2], index=pd.Index(["s1", "s2"], name="store"), name="wmape")
    assert encode("dataframe", frame) == {
        "columns": ["store", "wmape"],
        "records": [{"store": "s1", "wmape": 0.1}, {"store": "s2", "wmape": 0.2}],
    }
    dated = pd.DataFrame({"date": pd.to_datetime(["2025-01-02"]), "v": [float("nan")]})
    assert encode("dataframe", dated)["records"] == [{"date": "2025-01-02", "v": None}]
    for kind, bad in (("number", float("nan")), ("number", "12"), ("subset", "ab")):
        with pytest.raises(ChannelError):
            encode(kind, bad)


def test_the_grader_reads_one_export_within_limits_and_nothing_else():
    assert read_export(_export(1.5)) == (True, 1.5, "")
    assert read_export([])[0] is False
    assert "2 exports" in read_export(_export(1) + _export(2))[2]
    deep: list = []
    for _ in range(50):
        deep = [deep]
    assert not read_export(_export(deep))[0]
    assert not read_export(_export("x" * (MAX_BYTES + 1)))[0]
    text = [{"output_type": "display_data", "data": {MIME: json.dumps({"value": 2.0})}}]
    assert read_export(text) == (True, 2.0, "")
    not_json = [{"output_type": "display_data", "data": {MIME: "{value: nan"}}]
    assert read_export(not_json)[0] is False


def test_number_rules_name_the_mistake_without_the_value():
    comp = Comparison(
        "q1_4",
        "number",
        {"rel": 0.005},
        mistakes=(
            Mistake("ratio", MSG, ratio=60),
            Mistake("flipped_sign", {"ja": "符号が逆です。", "en": "The sign is flipped."}),
        ),
    )
    assert compare(comp, 482.9, 482.64).correct
    verdict = compare(comp, 482.64 * 60, 482.64)
    assert verdict.code == "mistake" and describe(verdict, "en") == MSG["en"]
    assert "482" not in describe(verdict, "ja")
    assert compare(comp, -482.64, 482.64).message["en"] == "The sign is flipped."
    assert compare(comp, 17.0, 482.64).code == "mismatch"
    assert compare(comp, None, 482.64).status == "not_attempted"
    assert not any(rule_matches_key(comp, i, 482.64, {}) for i in range(2))


def test_alternatives_options_and_too_good():
    alt = Mistake("alternative", MSG, code="x = 91")
    comp = Comparison("q2_6", "number", {}, mistakes=(alt,))
    rid = rule_id("x = 91")
    assert compare(comp, 91.0, 92.0, {rid: 91.0}).code == "mistake"
    assert not rule_matches_key(comp, 0, 92.0, {rid: 91.0})
    # an alternative that equals the key never fires, and validate says so
    assert compare(comp, 92.0, 92.0, {rid: 92.0}).correct
    assert rule_matches_key(comp, 0, 92.0, {rid: 92.0})
    option = Mistake(
        "option", {"ja": "目的変数です。", "en": "That is the target."}, option="sales_qty"
    )
    subset = Comparison("q2_5", "subset", mistakes=(option,))
    assert compare(subset, ["price", "sales_qty"], ["price"]).code == "mistake"
    assert compare(subset, ["promo"], ["price"]).code == "mismatch"
    choice = Comparison("q2_1", "choice", mistakes=(option,))
    assert compare(choice, "sales_qty", "manual_forecast").code == "mistake"
    leak = Comparison("q3_4", "number", {"abs": 0.01}, too_good_below=0.05)
    assert compare(leak, 0.0005, 0.208).code == "too_good"


def test_tables_compare_every_column_and_report_missing_or_extra_rows():
    comp = Comparison(
        "q3_5",
        "dataframe",
        {"keys": ["store_id"], "abs": 0.02, "columns": {"manual_wmape": {"abs": 0.001}}},
        keys=("store_id",),
        columns=("manual_wmape", "model_wmape"),
    )

    def table(rows):
        return {
            "columns": ["store_id", "manual_wmape", "model_wmape"],
            "records": [{"store_id": s, "manual_wmape": a, "model_wmape": b} for s, a, b in rows],
        }

    key = table([("S1", 0.30, 0.20), ("S2", 0.25, 0.18)])
    assert compare(comp, table([("S1", 0.3004, 0.21), ("S2", 0.25, 0.17)]), key).correct
    # the column the old check skipped is compared with its own tolerance
    wrong = compare(comp, table([("S1", 0.31, 0.20), ("S2", 0.25, 0.18)]), key)
    assert wrong.code == "columns_differ" and "manual_wmape" in describe(wrong, "en")
    extra = compare(comp, table([("S1", 0.30, 0.20), ("S2", 0.25, 0.18), ("S3", 0, 0)]), key)
    assert extra.code == "rows_differ" and extra.fields == {"missing": 0, "extra": 1}
    assert compare(comp, table([("S1", 0.30, 0.20)]), key).fields["missing"] == 1


def _nb(*sources, markdown="text"):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(markdown)] + [
        nbformat.v4.new_code_cell(s) for s in sources
    ]
    return nb


def test_key_digest_follows_code_and_variant_not_markdown():
    comps = {"q1": Comparison("q1", "number")}
    variant = {"variant": {"seed": 1}, "files": {"sales.csv": "sha256:a"}}
    base = key_digest({"01": _nb("x = 1")}, comps, {"q1": "x"}, variant, {"pandas": "3"})
    assert base == key_digest(
        {"01": _nb("x = 1", markdown="英語")}, comps, {"q1": "x"}, variant, {"pandas": "3"}
    )
    assert base != key_digest({"01": _nb("x = 2")}, comps, {"q1": "x"}, variant, {"pandas": "3"})
    other = {**variant, "variant": {"seed": 2}}
    assert base != key_digest({"01": _nb("x = 1")}, comps, {"q1": "x"}, other, {"pandas": "3"})
    assert base != key_digest({"01": _nb("x = 1")}, comps, {"q1": "x"}, variant, {"pandas": "4"})
    with_rule = {
        "q1": Comparison("q1", "number", mistakes=(Mistake("alternative", MSG, code="x = 0"),))
    }
    assert base != key_digest(
        {"01": _nb("x = 1")}, with_rule, {"q1": "x"}, variant, {"pandas": "3"}
    )


def test_check_sees_a_failed_answer_cell_and_ignores_a_stale_value(tmp_path, monkeypatch):
    """In a real IPython shell: the post-run hook knows which cell last assigned the variable."""
    from IPython.core.interactiveshell import InteractiveShell

    from dxcase.check.spec import CaseChecks, TaskSpec

    spec = TaskSpec("q1", "hours", "number", "nb1", {"min": 0})
    (tmp_path / "checks.json").write_text(CaseChecks("demo", "en", {"q1": spec}, {}).to_json())
    monkeypatch.setenv("DXCASE_EVENTS", "0")
    shell = InteractiveShell.instance()
    try:
        shell.run_cell(
            f"from dxcase.check import load_tasks\nq1 = load_tasks({str(tmp_path)!r}).q1"
        )
        shell.run_cell("hours = 10")
        assert shell.run_cell("q1.check()").result.status == "form_ok"
        shell.run_cell(
            "import pandas as pd\nt = pd.DataFrame({'minutes': [1]})\nhours = t['minute'].sum() / 60"
        )
        outcome = shell.run_cell("q1.check()").result
        assert outcome.status == "incorrect" and "KeyError" in outcome.message
        assert "column name" in outcome.message  # the one-line explanation for beginners
        shell.run_cell("hours = t['minutes'].sum() / 60")
        assert shell.run_cell("q1.check()").result.status == "form_ok"
        shell.run_cell("hours = 5\nraise NotImplementedError()")
        assert shell.run_cell("q1.check()").result.status == "not_attempted"
    finally:
        InteractiveShell.clear_instance()


@pytest.mark.slow
def test_a_key_does_not_depend_on_the_thread_count_and_is_cached(default_variants, tmp_path):
    """retail_demand's key at 1 and at 2 kernel threads: every task equal within tolerance."""
    from dxcase.answers.compare import compare as same
    from dxcase.author.answerkey import KeyInputs, ensure_key
    from dxcase.author.casefile import load_case
    from dxcase.paths import content_root

    data, _ = default_variants["retail_sales"]
    inputs = KeyInputs.of(load_case(content_root("casestudies") / "retail_demand"))
    one = ensure_key(inputs, data, tmp_path / "k1", threads=1)
    two = ensure_key(inputs, data, tmp_path / "k2", threads=2)
    assert not one.problems and one.digest == two.digest
    graded = [t for t, c in inputs.comparisons.items() if c.kind != "forecast_file"]
    assert set(graded) <= set(one.tasks)
    for task in graded:
        assert same(
            inputs.comparisons[task], two.tasks[task].value, one.tasks[task].value
        ).correct, task
    stored = next((tmp_path / "k1" / "retail_demand").glob("*.json"))
    assert stored.stat().st_mode & 0o077 == 0  # private to the trusted side
    assert ensure_key(inputs, data, tmp_path / "k1").tasks == one.tasks  # read back, not rerun


def test_a_changed_dataset_parameter_is_a_new_variant():
    from dxcase.author.casefile import DatasetUse
    from dxcase.grade.course import variant_name

    plain = DatasetUse("retail_sales", 7, {}, "DATA_DIR")
    warm = DatasetUse("retail_sales", 7, {"temperature_effect": "0"}, "DATA_DIR")
    assert variant_name(plain, 7) == "retail_sales-7"
    assert variant_name(warm, 7) != variant_name(plain, 7)
    assert variant_name(warm, 7) == variant_name(
        DatasetUse("retail_sales", 7, {"temperature_effect": "0"}, "DATA_DIR"), 7
    )
