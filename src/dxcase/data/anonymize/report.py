"""The anonymization report, as JSON (for tools) and HTML (for people).

The report says what was done to each column, what the scanner found (with masked excerpts
only), the warnings and the risks that remain. It never contains the key, the date shift, the
scale factors or an original identifier value.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from html import escape
from typing import Any

from dxcase import __version__
from dxcase.data.anonymize.config import ColumnRule, Config
from dxcase.data.anonymize.risks import Risk
from dxcase.data.anonymize.table import InputTable, TableResult
from dxcase.errors import Problem
from dxcase.i18n import current_lang, t
from dxcase.report import page, table_html


def _describe(rule: ColumnRule, derived: dict[str, str]) -> str:
    """What happened to a column, without secret parameters."""
    o = rule.options
    if rule.action == "pseudonymize":
        return f"domain={o.get('domain', rule.name)}, prefix={o.get('prefix', '')}"
    if rule.action == "derive":
        part = derived.get(rule.name)
        return f"from={o.get('from')}, part={part}" if part else "dropped (unknown derivation)"
    if rule.action == "generalize":
        method = next(m for m in ("band", "keep_prefix", "bins", "map") if m in o)
        return method if method == "map" else f"{method}={o[method]}"
    if rule.action == "text":
        return f"redact={bool(o.get('redact'))}"
    if rule.action == "keep" and o.get("unreviewed"):
        return "not in config"
    return ""


def build_report(
    config: Config,
    tables: list[InputTable],
    results: list[TableResult],
    risks: list[Risk],
    warnings: list[Problem],
    lang: str | None = None,
) -> dict[str, Any]:
    """The report as a JSON-ready dict."""
    findings = [asdict(f) for r in results for f in r.findings]
    counts = [
        {"file": r.name, "column": col, "category": cat, "count": n}
        for r in results
        for (col, cat), n in sorted(r.counts.items())
    ]
    return {
        "tool": "dxcase data anonymize",
        "version": __version__,
        "lang": current_lang(lang),
        "config": config.path.name,
        "inputs": [
            {
                "file": tb.name,
                "encoding": tb.encoding,
                "rows": len(tb.frame),
                "columns": len(tb.frame.columns),
            }
            for tb in tables
        ],
        "columns": [
            {
                "file": r.name,
                "column": col,
                "action": rule.action,
                "detail": _describe(rule, r.derived),
                "in_output": col in r.frame,
            }
            for r in results
            for col, rule in r.rules.items()
        ],
        "findings": {
            "total": sum(c["count"] for c in counts),
            "by_column": counts,
            "items": findings,
            "items_shown": len(findings),
        },
        "risks": [asdict(risk) for risk in risks],
        "warnings": [asdict(w) for w in warnings],
    }


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


def _section(title: str, content: str) -> str:
    return f"<section><h2>{escape(title)}</h2>{content}</section>"


def to_html(report: dict[str, Any]) -> str:
    """A self-contained HTML page; every value from the data is escaped."""
    lang = report["lang"]

    def h(key: str, **fields: Any) -> str:
        return t(f"anonymize_report_{key}", lang, **fields)

    risks = [
        [r["level"], r["kind"], r["file"], r["column"], r["message"], "; ".join(r["details"])]
        for r in report["risks"]
    ]
    parts = [
        f"<p>{escape(h('intro', config=report['config']))}</p>",
        _section(h("threat_model"), f"<p>{escape(h('threat_model_text'))}</p>"),
        _section(
            h("risks"),
            table_html(
                [h("level"), h("kind"), h("file"), h("column"), h("message"), h("details")], risks
            )
            if risks
            else f"<p>{escape(h('none'))}</p>",
        ),
        _section(
            h("inputs"),
            table_html(
                [h("file"), h("encoding"), h("rows"), h("n_columns")],
                [[i["file"], i["encoding"], i["rows"], i["columns"]] for i in report["inputs"]],
            ),
        ),
        _section(
            h("columns"),
            table_html(
                [h("file"), h("column"), h("action"), h("detail"), h("in_output")],
                [
                    [c["file"], c["column"], c["action"], c["detail"], c["in_output"]]
                    for c in report["columns"]
                ],
            ),
        ),
        _section(
            h("findings", total=report["findings"]["total"]),
            table_html(
                [h("file"), h("column"), h("category"), h("count")],
                [
                    [c["file"], c["column"], c["category"], c["count"]]
                    for c in report["findings"]["by_column"]
                ],
            )
            + table_html(
                [h("file"), h("line"), h("column"), h("category"), h("excerpt"), h("redacted")],
                [
                    [f["file"], f["line"], f["column"], f["category"], f["excerpt"], f["redacted"]]
                    for f in report["findings"]["items"]
                ],
            ),
        ),
        _section(
            h("warnings"),
            table_html(
                [h("file"), h("line"), h("column"), h("kind"), h("message")],
                [
                    [w["file"], w["line"], w["column"], w["rule"], w["message"]]
                    for w in report["warnings"]
                ],
            )
            if report["warnings"]
            else f"<p>{escape(h('none'))}</p>",
        ),
    ]
    return page(h("title"), "".join(parts), lang)
