"""``dxcase data describe``: a summary of a dataset folder with plots, as one HTML page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from dxcase.atomic import write_text_atomic
from dxcase.data.package import KNOWN_ISSUES_KEY, VARIANT_KEY, read_descriptor
from dxcase.i18n import current_lang, t
from dxcase.metrics import wmape_by
from dxcase.plots import figure_html, plt
from dxcase.report import esc, page, table_html


def describe_dir(
    folder: str | Path, out_dir: str | Path | None = None, lang: str | None = None
) -> Path:
    """Write ``describe.html`` (tables, variant, known issues, plots); return its path."""
    folder = Path(folder)
    lang = current_lang(lang)
    descriptor = read_descriptor(folder)
    variant = descriptor.get(VARIANT_KEY, {})
    body = [
        f"<p>{esc(descriptor.get('description', ''))}</p>",
        f"<h2>{t('describe_tables', lang)}</h2>",
        _tables(folder, descriptor, lang),
    ]
    if variant:
        body += [f"<h2>{t('describe_variant', lang)}</h2>", _variant(variant, lang)]
    issues = descriptor.get(KNOWN_ISSUES_KEY, [])
    if issues:
        body += [
            f"<h2>{t('describe_known_issues', lang)}</h2>",
            table_html(
                ["id", t("describe_description", lang)],
                [(i["id"], i["description"][lang]) for i in issues],
            ),
        ]
    plots = PLOTS.get(variant.get("dataset", ""))
    if plots is not None:
        body += [f"<h2>{t('describe_plots', lang)}</h2>", *plots(folder, lang)]
    target = Path(out_dir) if out_dir else folder / "describe"
    path = target / "describe.html"
    write_text_atomic(path, page(descriptor.get("title", folder.name), "".join(body), lang))
    return path


def _tables(folder: Path, descriptor: dict[str, Any], lang: str) -> str:
    rows = []
    for res in descriptor["resources"]:
        path = folder / res["path"]
        n = sum(1 for _ in path.open(encoding="utf-8")) - 1 if path.is_file() else 0
        rows.append(
            (
                res["name"],
                res.get("title", ""),
                n,
                len(res["schema"]["fields"]),
                ", ".join(f["name"] for f in res["schema"]["fields"]),
            )
        )
    header = [
        t(k, lang)
        for k in (
            "describe_table",
            "describe_title",
            "describe_rows",
            "describe_columns",
            "describe_fields",
        )
    ]
    return table_html(header, rows)


def _variant(variant: dict[str, Any], lang: str) -> str:
    rows = [(k, str(v)) for k, v in variant.items() if k != "parameters"]  # ids, not amounts
    rows += [(f"param {k}", v) for k, v in variant.get("parameters", {}).items()]
    return table_html([t("describe_key", lang), t("describe_value", lang)], rows)


def _retail_plots(folder: Path, lang: str) -> list[str]:
    sales = pd.read_csv(folder / "sales.csv", parse_dates=["date"])
    items = pd.read_csv(folder / "items.csv")
    stores = pd.read_csv(folder / "stores.csv")
    weather = pd.read_csv(folder / "weather.csv", parse_dates=["date"])
    out = []
    daily = sales.groupby("date")[["sales_qty", "manual_forecast"]].sum()
    fig, ax = plt.subplots(figsize=(10, 3.2))
    ax.plot(daily.index, daily["sales_qty"], lw=0.8, label=t("plot_sales", lang))
    ax.plot(daily.index, daily["manual_forecast"], lw=0.6, alpha=0.7, label=t("plot_manual", lang))
    ax.set_ylabel(t("plot_units_per_day", lang))
    ax.legend()
    out.append(figure_html(fig, t("plot_retail_daily", lang)))
    joined = sales.merge(items[["item_id", "category"]], on="item_id").merge(
        stores[["store_id", "region"]], on="store_id"
    )
    cat_day = joined.groupby(["category", "date", "region"])["sales_qty"].sum().reset_index()
    cat_day = cat_day.merge(weather, on=["date", "region"])
    cats = ["ice_cream", "beverage", "oden", "bread"]
    fig, axes = plt.subplots(1, len(cats), figsize=(12, 3), sharex=True)
    for ax, cat in zip(axes, cats, strict=True):
        sub = cat_day[(cat_day["category"] == cat) & (cat_day["region"] == "central")]
        warming = sub["date"].dt.day_of_year.between(32, 216)
        ax.scatter(
            sub.loc[warming, "temp_mean"],
            sub.loc[warming, "sales_qty"],
            s=4,
            label=t("plot_warming", lang),
            alpha=0.6,
        )
        ax.scatter(
            sub.loc[~warming, "temp_mean"],
            sub.loc[~warming, "sales_qty"],
            s=4,
            label=t("plot_cooling", lang),
            alpha=0.6,
        )
        ax.set_title(cat)
        ax.set_xlabel(t("plot_temp_mean", lang))
    axes[0].legend()
    out.append(figure_html(fig, t("plot_retail_temperature", lang)))
    per_store = wmape_by(sales, "store_id", "sales_qty", "manual_forecast").sort_values()
    fig, ax = plt.subplots(figsize=(10, 3))
    ax.bar(per_store.index, per_store.to_numpy())
    ax.set_ylabel("WMAPE")
    ax.tick_params(axis="x", rotation=90)
    out.append(figure_html(fig, t("plot_retail_manual_by_store", lang)))
    return out


def _parts_plots(folder: Path, lang: str) -> list[str]:
    naiji = pd.read_csv(folder / "naiji.csv")
    orders = pd.read_csv(folder / "orders.csv")
    key = ["part_id", "customer_id"]
    joined = naiji.merge(
        orders.rename(columns={"month": "target_month"}), on=[*key, "target_month"]
    )
    out = []
    fig, ax = plt.subplots(figsize=(10, 3.2))
    total = orders.groupby("month")["order_qty"].sum()
    ax.plot(pd.to_datetime(total.index), total.to_numpy(), label=t("plot_orders", lang))
    horizon = _lesson_horizon()
    for h in (1, horizon):
        by = joined[joined["horizon"] == h].groupby("target_month")["naiji_qty"].sum()
        ax.plot(pd.to_datetime(by.index), by.to_numpy(), label=f"内示 h={h}", lw=0.9)
    ax.set_ylabel(t("plot_units_per_month", lang))
    ax.legend()
    out.append(figure_html(fig, t("plot_parts_totals", lang)))
    ratio = joined.groupby(["customer_id", "horizon"])[["naiji_qty", "order_qty"]].sum()
    ratio = (ratio["naiji_qty"] / ratio["order_qty"]).unstack("horizon")
    fig, ax = plt.subplots(figsize=(10, 3.2))
    ratio.plot.bar(ax=ax)
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set_ylabel(t("plot_naiji_ratio", lang))
    out.append(figure_html(fig, t("plot_parts_bias", lang)))
    h3 = joined[joined["horizon"] == horizon]
    per_part = wmape_by(h3, "part_id", "order_qty", "naiji_qty").dropna()
    fig, ax = plt.subplots(figsize=(10, 3))
    ax.hist(per_part.clip(upper=2), bins=40)
    ax.set_xlabel(t("plot_wmape_h3", lang))
    out.append(figure_html(fig, t("plot_parts_wmape_hist", lang)))
    return out


PLOTS: dict[str, Callable[[Path, str], list[str]]] = {
    "retail_sales": _retail_plots,
    "parts_orders": _parts_plots,
}


def _lesson_horizon() -> int:
    """The planning horizon the parts lesson measures (graders/lessons/parts.py)."""
    from dxcase.paths import load_content_module

    return int(load_content_module("graders", "lessons/parts.py").HORIZON)
