"""The PII scanner: unit behaviour, and recall/precision on the labelled fixture."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dxcase.data.anonymize.pii import CATEGORIES, evaluate_scanner, excerpt, redact, scan

FIXTURE = Path(__file__).parent / "fixtures" / "pii_snippets.yaml"


def load_fixture() -> list[dict[str, object]]:
    return yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))["snippets"]


def categories(text: str) -> set[str]:
    return {f.category for f in scan(text)}


def test_fixture_is_big_labelled_and_has_negatives() -> None:
    snippets = load_fixture()
    assert len(snippets) >= 100
    assert len({s["id"] for s in snippets}) == len(snippets)
    assert all(set(s["expect"]) <= set(CATEGORIES) for s in snippets)
    assert sum(not s["expect"] for s in snippets) >= 30
    assert sum(s.get("set") == "holdout" for s in snippets) >= 40


def test_recall_and_precision_on_fixture() -> None:
    """Run with -s to see the numbers; docs/anonymize.md quotes them."""
    snippets = load_fixture()
    parts = {
        "all": snippets,
        "dev": [s for s in snippets if s.get("set", "dev") == "dev"],
        "holdout": [s for s in snippets if s.get("set") == "holdout"],
    }
    results = {name: evaluate_scanner(items) for name, items in parts.items()}
    for name, r in results.items():
        print(
            f"\nPII scanner [{name}] snippets={r['snippets']} recall={r['recall']:.3f} "
            f"precision={r['precision']:.3f} (hits={r['hits']} missed={r['missed']} "
            f"false alarms={r['false_alarms']})"
        )
    for error in results["all"]["errors"]:
        print("  differs:", error)
    assert results["all"]["recall"] >= 0.90


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("０９０－１２３４－５６７８に連絡", {"phone"}),
        ("+81 3 1234 5678", {"phone"}),
        ("(555) 123-4567", {"phone"}),
        ("注文番号 03-2024-0415", set()),
        ("2024-03-15 入荷", set()),
        ("お客様と皆様", set()),
        ("株式会社山田製作所", set()),
        ("〒150-0002", {"postal_code"}),
        ("Ms. Garcia", {"name"}),
        ("taro＠example.co.jp", {"email"}),
    ],
)
def test_categories(text: str, expected: set[str]) -> None:
    assert categories(text) == expected


def test_spans_point_into_the_original_text() -> None:
    text = "電話：０９０－１２３４－５６７８（山田太郎様）"
    found = {f.category: text[f.start : f.end] for f in scan(text)}
    assert found == {"phone": "０９０－１２３４－５６７８", "name": "山田太郎様"}


def test_redact_and_excerpt_never_show_the_value() -> None:
    text = "伊藤様（090-2345-6789）配達時不在、mail: ito@example.com で連絡"
    findings = scan(text)
    assert redact(text, findings) == "[NAME]（[PHONE]）配達時不在、mail: [EMAIL] で連絡"
    for f in findings:
        shown = excerpt(text, f, findings)
        assert "090-2345-6789" not in shown and "ito@example.com" not in shown
        assert "伊藤" not in shown


def test_evaluate_scanner_counts() -> None:
    r = evaluate_scanner(
        [
            {"id": "a", "text": "call 03-1234-5678", "expect": ["phone"]},
            {"id": "b", "text": "no data here", "expect": ["name"]},
            {"id": "c", "text": "x@example.com", "expect": []},
        ]
    )
    assert (r["hits"], r["missed"], r["false_alarms"]) == (1, 1, 1)
    assert r["recall"] == 0.5 and r["precision"] == 0.5
