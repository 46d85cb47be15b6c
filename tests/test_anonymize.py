"""`dxcase data anonymize`: end to end through the console script, plus unit checks."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from dxcase.data.anonymize.config import load_config
from dxcase.data.anonymize.leaks import SubstringIndex
from dxcase.data.anonymize.pseudonymize import Keyed
from dxcase.data.anonymize.transforms import generalize, infer_part, parse_dates, scale
from dxcase.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures" / "anonymize"
DXCASE = Path(sys.executable).parent / "dxcase"
KEY = "test-key-0123456789abcdef"
FILES = ("customers.csv", "orders.csv", "daily.csv")


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A copy of the sample CSVs and config."""
    for name in (*FILES, "anonymize.yaml"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    return tmp_path


def run(
    work: Path,
    *extra: str,
    key: str | None = KEY,
    files: tuple[str, ...] = FILES,
    config: str = "anonymize.yaml",
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DXCASE_ANON_KEY", "DXCASE_LANG")}
    if key is not None:
        env["DXCASE_ANON_KEY"] = key
    args = [
        str(DXCASE),
        "data",
        "anonymize",
        *(str(work / f) for f in files),
        "--config",
        str(work / config),
        "--out",
        str(work / "out"),
        "--lang",
        "en",
        *extra,
    ]
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=work, check=False)


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def assert_failed(result: subprocess.CompletedProcess[str], work: Path, *needles: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr
    assert not (work / "out").exists()
    assert not [p for p in work.iterdir() if p.name.startswith(".out.")]


def all_output_text(out: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(out.rglob("*")) if p.is_file())


# --- end to end ------------------------------------------------------------------------------


@pytest.fixture
def done(work: Path) -> Path:
    result = run(work)
    assert result.returncode == 0, result.stderr
    assert "fiscal_period" in result.stderr and "unknown-derivation" in result.stderr
    return work


def test_identifiers_are_pseudonymized_consistently_and_never_leak(done: Path) -> None:
    out = done / "out"
    customers, orders = read(out / "data/customers.csv"), read(out / "data/orders.csv")
    assert all(re.fullmatch(r"CUST-[0-9A-Z]{8}", v) for v in customers.cust_id)
    assert all(re.fullmatch(r"ORD-[0-9A-Z]{10}", v) for v in orders.order_id)
    assert set(orders.cust_id) <= set(customers.cust_id)  # joins survive
    before = read(FIXTURES / "orders.csv").merge(read(FIXTURES / "customers.csv"), on="cust_id")
    after = orders.merge(customers, on="cust_id")
    assert len(before) == len(after) == len(orders)
    assert {"name", "email", "phone"}.isdisjoint(customers.columns)
    text = all_output_text(out)
    originals = set(
        read(FIXTURES / "customers.csv")[["cust_id", "name", "email", "phone"]].to_numpy().ravel()
    ) | set(read(FIXTURES / "orders.csv").order_id)
    assert not [v for v in originals if v in text]
    assert KEY not in text
    plain = hashlib.sha256(b"C00001").hexdigest()[:8].upper()
    assert plain not in text


def test_dates_shift_by_the_same_whole_weeks_everywhere(done: Path) -> None:
    out = done / "out"
    shifts = set()
    for name, col, fmt in (
        ("orders.csv", "order_date", "%Y-%m-%d"),
        ("daily.csv", "date", "%Y/%m/%d"),
        ("customers.csv", "joined", "%Y-%m-%d"),
    ):
        old = pd.to_datetime(read(FIXTURES / name)[col], format=fmt)
        new = pd.to_datetime(read(out / "data" / name)[col], format=fmt)
        shifts |= set((new - old).dt.days)
    assert len(shifts) == 1
    (days,) = shifts
    assert days % 7 == 0 and days != 0
    orders = read(out / "data/orders.csv")
    dates = pd.to_datetime(orders.order_date)
    assert list(orders.weekday) == ["月火水木金土日"[d.weekday()] for d in dates]
    assert list(orders.month.astype(int)) == list(dates.dt.month)
    assert "fiscal_period" not in orders.columns
    daily = read(out / "data/daily.csv")
    assert list(daily.weekday_en) == list(read(FIXTURES / "daily.csv").weekday_en)


def test_scaling_generalizing_and_redaction(done: Path) -> None:
    out = done / "out"
    orders, original = read(out / "data/orders.csv"), read(FIXTURES / "orders.csv")
    assert all(re.fullmatch(r"\d+", v) for v in orders.amount)  # whole numbers stay whole
    factor = orders.unit_price.astype(float) / original.unit_price.astype(float)
    assert factor.max() - factor.min() < 0.01  # one factor per column
    amount_factor = orders.amount.astype(float) / original.amount.astype(float)
    assert abs(amount_factor.median() - factor.median()) < 0.01  # same group, same factor
    assert orders.qty.tolist() == original.qty.tolist()
    assert set(orders.discount_rate) <= {"[0, 0.1)", "[0.1, 0.2)", ">=0.2"}
    customers = read(out / "data/customers.csv")
    assert all(re.fullmatch(r"\d0-\d9", v) for v in customers.age)
    assert all(re.fullmatch(r"\d{3}", v) for v in customers.postal_code)
    assert set(customers.segment) == {"standard", "premium", "other"}
    memo = " ".join(customers.memo)
    assert "[NAME]" in memo and "[PHONE]" in memo and "03-5555-0101" not in memo
    assert any(re.search(r"CUST-[0-9A-Z]{8} の追加注文", m) for m in orders.memo)


def test_report_lists_findings_masked_and_risks(done: Path) -> None:
    report = json.loads((done / "out/report/report.json").read_text(encoding="utf-8"))
    items = report["findings"]["items"]
    assert {i["category"] for i in items} >= {"name", "phone"}
    assert all({"file", "line", "column", "category", "excerpt"} <= i.keys() for i in items)
    assert not any("080-2222-3333" in i["excerpt"] or "佐々木" in i["excerpt"] for i in items)
    unredacted = [i for i in items if i["file"] == "orders.csv"]
    assert unredacted and all(i["redacted"] is False for i in unredacted)
    assert unredacted[0]["line"] == 4  # header is line 1
    kinds = {r["kind"] for r in report["risks"]}
    assert {"small-groups", "public-series", "unredacted-text", "date-shift", "big-entity"} <= kinds
    html = (done / "out/report/report.html").read_text(encoding="utf-8")
    assert "Remaining risks" in html and "<table>" in html


def test_report_html_escapes_data(work: Path) -> None:
    path = work / "orders.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("ギフト包装", "<script>x</script> 山田様"), encoding="utf-8")
    result = run(work, "--overwrite")
    assert result.returncode == 0, result.stderr
    html = (work / "out/report/report.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "</script>" not in html and "&lt;/script&gt;" in html


def test_same_key_same_output_other_key_other_pseudonyms(work: Path) -> None:
    assert run(work).returncode == 0
    first = (work / "out/data/orders.csv").read_text(encoding="utf-8")
    assert run(work, "--overwrite").returncode == 0
    assert (work / "out/data/orders.csv").read_text(encoding="utf-8") == first
    key_file = work / "other.key"
    key_file.write_text("another-secret-key-0987654321\n", encoding="utf-8")
    assert run(work, "--overwrite", "--key-file", str(key_file), key=None).returncode == 0
    other = read(work / "out/data/orders.csv")
    assert set(other.cust_id).isdisjoint(read(pd.io.common.StringIO(first)).cust_id)


def test_shift_jis_input_round_trip(work: Path) -> None:
    for name in FILES:
        text = (work / name).read_text(encoding="utf-8")
        (work / name).write_bytes(text.encode("cp932"))
    result = run(work)
    assert result.returncode == 0, result.stderr
    out = work / "out"
    orders = read(out / "data/orders.csv")  # decodes as UTF-8 or raises
    assert set(orders.store) == {"渋谷店", "横浜店", "梅田店"}
    assert "配送日変更の依頼あり" in set(orders.memo)
    report = json.loads((out / "report/report.json").read_text(encoding="utf-8"))
    encodings = {i["file"]: i["encoding"] for i in report["inputs"]}
    assert encodings["orders.csv"] == encodings["customers.csv"] == "cp932"
    assert run(work, "--overwrite", "--encoding", "cp932").returncode == 0


# --- bad input: every problem listed, nothing written -----------------------------------------


def test_config_naming_a_missing_column(work: Path) -> None:
    config = work / "anonymize.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "      cust_id: {action: pseudonymize, domain: customer, prefix: CUST}\n      order_date",
            "      cust_idx: {action: pseudonymize, domain: customer, prefix: CUST}\n      order_date",
        ),
        encoding="utf-8",
    )
    result = run(work)
    assert_failed(
        result,
        work,
        str(config),
        "files.orders.csv.columns.cust_idx",
        "'cust_idx'",
        "unknown-column",
    )
    assert re.search(r"anonymize\.yaml:\d+ \[cust_idx\]", result.stderr)


def test_missing_key(work: Path) -> None:
    assert_failed(run(work, key=None), work, "DXCASE_ANON_KEY")


def test_empty_file(work: Path) -> None:
    (work / "orders.csv").write_text("", encoding="utf-8")
    assert_failed(run(work), work, "orders.csv", "empty-file")


def test_truncated_file(work: Path) -> None:
    path = work / "orders.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.rindex(",", 0, len(text) - 20)], encoding="utf-8")
    assert_failed(run(work), work, "orders.csv:41", "truncated-file")


def test_malformed_yaml(work: Path) -> None:
    (work / "anonymize.yaml").write_text("files:\n  orders.csv: {columns: [\n", encoding="utf-8")
    assert_failed(run(work), work, "anonymize.yaml:", "yaml-syntax")


def test_unknown_config_keys(work: Path) -> None:
    config = work / "anonymize.yaml"
    text = config.read_text(encoding="utf-8").replace("k_anonymity: 5", "k_anonimity: 5")
    text = text.replace("prefix: ORD,", "prefx: ORD,")
    config.write_text(text, encoding="utf-8")
    result = run(work)
    assert_failed(
        result, work, "unknown-key", "k_anonimity", "files.orders.csv.columns.order_id.prefx"
    )


def test_every_bad_value_is_listed_with_line_and_column(work: Path) -> None:
    path = work / "orders.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    rows[3][9] = "n/a"  # amount, line 4
    rows[6][2] = "2023-13-01"  # order_date, line 7
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    (work / "daily.csv").write_text("", encoding="utf-8")
    result = run(work)
    assert_failed(result, work, "daily.csv", "empty-file")
    (work / "daily.csv").write_text(
        (FIXTURES / "daily.csv").read_text(encoding="utf-8"), encoding="utf-8"
    )
    result = run(work)
    assert_failed(
        result,
        work,
        "orders.csv:4 [amount]",
        "not-a-number",
        "orders.csv:7 [order_date]",
        "bad-date",
    )


def test_leak_check_fails_and_writes_nothing(work: Path) -> None:
    path = work / "orders.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    rows[0].append("ref")
    rows[1:] = [[*r, f"see {r[1]}"] for r in rows[1:]]
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    result = run(work)
    assert_failed(result, work, "identifier-leak", "orders.csv:2 [ref]")
    assert "C00006" not in result.stderr  # the leaked value is masked in the message


def test_unconfigured_file_and_existing_output(work: Path) -> None:
    shutil.copy(work / "daily.csv", work / "extra.csv")
    assert_failed(run(work, files=(*FILES, "extra.csv")), work, "extra.csv", "file-not-configured")
    (work / "out").mkdir()
    (work / "out" / "keep.txt").write_text("x", encoding="utf-8")
    result = run(work)
    assert result.returncode == 2 and "--overwrite" in result.stderr
    assert (work / "out" / "keep.txt").exists()


# --- units -----------------------------------------------------------------------------------


def test_pseudonyms_are_keyed_readable_and_stable() -> None:
    keyed = Keyed(KEY.encode())
    a = keyed.pseudonym("customer", "C00001", "CUST")
    assert re.fullmatch(r"CUST-[0-9A-HJKMNP-TV-Z]{8}", a)
    assert a == keyed.pseudonym("customer", "C00001", "CUST")
    assert a != keyed.pseudonym("supplier", "C00001", "CUST")
    assert a != Keyed(b"another-key-000000000").pseudonym("customer", "C00001", "CUST")
    assert keyed.shift_weeks(-156, -26) in range(-156, -25)
    assert 0.8 <= keyed.factor("money", 0.8, 1.25) <= 1.25


def test_transforms() -> None:
    s = pd.Series(["100", "7", pd.NA, "1,234"], dtype="string")
    out, bad = scale(s, 1.5)
    assert out.tolist()[:2] == ["150", "11"] and pd.isna(out[2]) and out[3] == "1851" and not bad
    out, _ = scale(pd.Series(["1.25", "2.5"], dtype="string"), 2)
    assert out.tolist() == ["2.50", "5.00"]
    out, bad = generalize(pd.Series(["5", "15", "x"], dtype="string"), {"bins": [10]})
    assert out.tolist()[:2] == ["<10", ">=10"] and bad == [(2, "not-a-number", "not a number")]
    parsed, bad, fmt = parse_dates(pd.Series(["2024/05/03", "2024/05/08"], dtype="string"), None)
    assert fmt == "%Y/%m/%d" and not bad
    assert infer_part(pd.Series(["1", "0"], dtype="string"), parsed) == "holiday"
    assert infer_part(pd.Series(["金", "水"], dtype="string"), parsed) == "weekday_ja"
    assert date(2024, 5, 3).weekday() == 4


def test_substring_index_finds_longest_values() -> None:
    index = SubstringIndex({"C001": "A", "C0012": "B", "ab": "short, ignored"})
    assert index.find_all("x C0012 y C001") == [(2, 7, "C0012"), (10, 14, "C001")]
    assert index.replace("ab C001") == "ab A"


def test_config_problems_name_field_path_and_line(tmp_path: Path) -> None:
    config = tmp_path / "a.yaml"
    config.write_text(
        "scale_range: [2, 1]\nfiles:\n  x.csv:\n    columns:\n"
        "      a: {action: explode}\n      b: {action: generalize}\n"
        "      c: {action: derive, from: a}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_config(config)
    found = {(p.rule, p.line, p.column) for p in info.value.problems}
    assert ("bad-value", 1, None) in found  # scale_range
    assert ("bad-value", 5, "a") in found  # unknown action
    assert ("bad-value", 6, "b") in found  # generalize without a method
    assert ("bad-value", 7, "c") in found  # derive from a column that is not a date
    assert all(p.file == str(config) for p in info.value.problems)
