"""Risks that remain after anonymizing, worked out from the config and the output data.

Pseudonyms, shifted dates and scaled numbers do not make data anonymous on their own. This
module lists what a careful reader could still use to re-identify people, companies, places or
dates: public series (weather), small groups of quasi-identifiers (k-anonymity), rare
categories, personal data left in text, entities that dominate a total, and what date shifting
and scaling keep.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from dxcase.data.anonymize.config import Config
from dxcase.data.anonymize.table import TableResult, is_numeric
from dxcase.i18n import t

_PUBLIC = re.compile(
    r"weather|temp|rain|precip|humid|wind|snow|sunshine|気温|天気|天候|降水|降雨|湿度|風速|降雪|日照",
    re.IGNORECASE,
)
_MAX_DETAILS = 10
_MAX_CATEGORIES = 50


@dataclass(frozen=True)
class Risk:
    """One remaining risk; ``level`` is high, medium or info."""

    kind: str
    level: str
    message: str
    file: str | None = None
    column: str | None = None
    details: list[str] = field(default_factory=list)


def _numbers(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series.str.replace(",", "", regex=False), errors="coerce")


def _public_series(r: TableResult, lang: str | None) -> list[Risk]:
    return [
        Risk("public-series", "high", t("anonymize_risk_public", lang), r.name, col)
        for col, rule in r.rules.items()
        if col in r.frame and (rule.get("public") or _PUBLIC.search(col))
    ]


def quasi_identifiers(r: TableResult, config: Config) -> list[str]:
    """The file's declared quasi-identifiers, else its generalized columns."""
    declared = config.files[r.name].quasi_identifiers
    if declared is not None:
        return declared
    return [c for c, rule in r.rules.items() if rule.action == "generalize"]


def _small_groups(r: TableResult, config: Config, lang: str | None) -> list[Risk]:
    qi = quasi_identifiers(r, config)
    if not qi or r.frame.empty:
        return []
    k = config.k_anonymity
    sizes = r.frame[qi].fillna("").astype(str).value_counts()
    small = sizes[sizes < k]
    if small.empty:
        return []
    details = [
        f"{' / '.join(map(str, combo))}: {n}"
        for combo, n in small.sort_values().head(_MAX_DETAILS).items()
    ]
    message = t(
        "anonymize_risk_small_groups",
        lang,
        groups=len(small),
        rows=int(small.sum()),
        k=k,
        columns=", ".join(qi),
    )
    return [Risk("small-groups", "high", message, r.name, ", ".join(qi), details)]


def _rare_categories(r: TableResult, config: Config, lang: str | None) -> list[Risk]:
    risks = []
    qi = set(quasi_identifiers(r, config))
    for col in r.frame.columns:
        rule = r.rules[col]
        series = r.frame[col]
        if col in qi or rule.action not in ("keep", "generalize") or is_numeric(series):
            continue
        counts = series.value_counts()
        rare = counts[counts < config.k_anonymity]
        if 0 < len(counts) <= _MAX_CATEGORIES and not rare.empty:
            details = [f"{v}: {n}" for v, n in rare.head(_MAX_DETAILS).items()]
            message = t("anonymize_risk_rare", lang, n=len(rare), k=config.k_anonymity)
            risks.append(Risk("rare-categories", "medium", message, r.name, col, details))
    return risks


def _unredacted_text(r: TableResult, lang: str | None) -> list[Risk]:
    by_column: dict[str, list[str]] = {}
    for (col, category), n in sorted(r.counts.items()):
        if not r.rules[col].get("redact"):
            by_column.setdefault(col, []).append(f"{category}: {n}")
    return [
        Risk("unredacted-text", "high", t("anonymize_risk_text", lang), r.name, col, details)
        for col, details in by_column.items()
    ]


def _big_entities(r: TableResult, config: Config, lang: str | None) -> list[Risk]:
    """An entity (or a single row) holding a large share of a total stands out after scaling."""
    risks = []
    ids = [c for c, rule in r.rules.items() if rule.action == "pseudonymize" and c in r.frame]
    numeric = [
        c
        for c in r.frame.columns
        if r.rules[c].action in ("scale", "keep") and is_numeric(r.frame[c])
    ]
    limit = config.outlier_share
    for col in numeric:
        values = _numbers(r.frame[col])
        total = values.abs().sum()
        if not total or len(values) < 2:
            continue
        shares = {}
        for i in ids:
            sums = r.frame.assign(_v=values.abs()).groupby(i)["_v"].sum()
            if len(sums) < len(values):  # an entity with several rows (else see single rows)
                shares[i] = sums.max() / total if sums.max() > 3 * total / len(sums) else 0.0
        if len(values) >= 20:
            shares[t("anonymize_risk_one_row", lang)] = values.abs().max() / total
        details = [f"{who}: {share:.0%}" for who, share in shares.items() if share > limit]
        if details:
            message = t("anonymize_risk_outlier", lang, share=f"{limit:.0%}")
            risks.append(Risk("big-entity", "high", message, r.name, col, details))
    return risks


def _per_run(results: list[TableResult], lang: str | None) -> list[Risk]:
    rules = [rule for r in results for rule in r.rules.values()]
    risks = []
    if any(rule.action == "shift_date" for rule in rules):
        risks.append(Risk("date-shift", "medium", t("anonymize_risk_date_shift", lang)))
    for r in results:
        for col, part in r.derived.items():
            if part.startswith("holiday"):
                moved = r.rules[col].get("mode") == "move"
                key = "anonymize_risk_holiday_moved" if moved else "anonymize_risk_holiday"
                risks.append(
                    Risk("holidays", "high" if moved else "info", t(key, lang), r.name, col)
                )
        if r.unreviewed:
            risks.append(
                Risk(
                    "unreviewed-columns",
                    "medium",
                    t("anonymize_risk_unreviewed", lang),
                    r.name,
                    ", ".join(r.unreviewed),
                )
            )
    if any(rule.action == "scale" for rule in rules):
        risks.append(Risk("scaling", "info", t("anonymize_risk_scaling", lang)))
    return risks


def assess(results: list[TableResult], config: Config, lang: str | None = None) -> list[Risk]:
    """Every remaining risk, most serious first."""
    risks = []
    for r in results:
        risks += _public_series(r, lang) + _small_groups(r, config, lang)
        risks += _rare_categories(r, config, lang) + _unredacted_text(r, lang)
        risks += _big_entities(r, config, lang)
    risks += _per_run(results, lang)
    order = {"high": 0, "medium": 1, "info": 2}
    return sorted(risks, key=lambda risk: order[risk.level])
