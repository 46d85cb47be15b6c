"""Self-contained HTML pages with embedded plots (one file a person can open anywhere)."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib_fontja  # noqa: F401  (registers a Japanese font for plot labels)

STYLE = """
body{font-family:system-ui,'Noto Sans JP','Hiragino Sans',sans-serif;margin:2rem auto;
max-width:1100px;padding:0 1rem;color:#222;line-height:1.55}
h1{font-size:1.6rem}h2{font-size:1.25rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;
margin-top:2rem}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;
padding:.25rem .6rem;text-align:left;vertical-align:top}th{background:#f4f4f4}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.ok,.bad,.warn{white-space:nowrap}.ok{color:#126b2f;font-weight:600}
.bad{color:#b00020;font-weight:600}.warn{color:#8a5a00}figure{margin:1rem 0}
figcaption{color:#555;font-size:.9rem}img{max-width:100%}code{background:#f4f4f4;padding:0 .2rem}
"""


def esc(value: object) -> str:
    return html.escape(str(value))


def table_html(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class Raw(str):
    """HTML that is already escaped (a link, say), shown as is in a table cell."""

    def __html__(self) -> str:
        return str(self)


def _cell(value: object) -> str:
    if value is None:
        return "<td></td>"
    if isinstance(value, Raw):
        return f"<td>{value}</td>"
    if isinstance(value, float):
        return f'<td class="num">{value:,.3f}</td>'
    if isinstance(value, int) and not isinstance(value, bool):
        return f'<td class="num">{value:,}</td>'
    return f"<td>{esc(value)}</td>"


def page(title: str, body: str, lang: str) -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{esc(title)}</h1>{body}</body></html>"
    )
