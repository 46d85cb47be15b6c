"""Presentation notebook → sanitized, anonymous HTML fragment (rendered once, at round creation).

1. Anonymize the notebook: drop notebook and cell metadata, execution counts and attachments'
   names; replace the author's and teammates' ids and names, e-mail addresses and home-folder
   paths in every markdown, source and text output.
2. Convert with nbconvert's ``basic`` template (body only, no scripts of its own).
3. Sanitize with nh3 (Ammonia): an allow-list of tags and attributes; images only as inline
   ``data:image/png|jpeg|gif|webp`` (never SVG, which can carry script); links only http(s).
The service adds a strict Content-Security-Policy on top (no inline script at all).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from pathlib import Path

import nbformat
import nh3
from nbconvert import HTMLExporter

REDACTED = "[***]"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
HOME_PATH = re.compile(
    r"(/home/|/Users/|/srv/jupyterhub/|/var/lib/jupyterhub/|[A-Za-z]:\\Users\\)[^\s'\"<>/\\]+"
)
TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div",
    "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "kbd", "li", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ATTRIBUTES = {
    "*": {"class"},
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
IMG_DATA = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]+$")


def _filter_attr(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src":
        return value if IMG_DATA.match(value) else None
    if tag == "a" and attr == "href":
        return value if value.startswith(("http://", "https://", "#")) else None
    return value


def sanitize(html: str) -> str:
    """Keep only safe markup: no script, style, event handler, iframe, form or SVG."""
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "data"},
        attribute_filter=_filter_attr,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def scrub_text(text: str, identities: Iterable[str]) -> str:
    """Replace identities (ids, names), e-mail addresses and home-folder paths."""
    text = EMAIL.sub(REDACTED, text)
    text = HOME_PATH.sub(lambda m: m.group(1) + REDACTED, text)
    for ident in sorted({i for i in identities if i and len(i) >= 2}, key=len, reverse=True):
        text = re.sub(re.escape(ident), REDACTED, text, flags=re.IGNORECASE)
    return text


def anonymize_notebook(nb: nbformat.NotebookNode, identities: Iterable[str]):
    """A copy of ``nb`` with metadata dropped and identities scrubbed from all text."""
    ids = list(identities)
    nb = copy.deepcopy(nb)
    nb.metadata = nbformat.from_dict({"language_info": {"name": "python"}})
    nb.nbformat_minor = max(nb.get("nbformat_minor", 5), 5)
    for i, cell in enumerate(nb.cells):
        cell.metadata = nbformat.from_dict({})
        cell.pop("attachments", None)
        cell.id = f"c{i}"  # original ids can be traced back to the author's file
        cell.source = scrub_text(cell.source, ids)
        if cell.cell_type != "code":
            continue
        cell.execution_count = None
        for out in cell.get("outputs", []):
            if "metadata" in out:
                out["metadata"] = nbformat.from_dict({})
            if "execution_count" in out:
                out["execution_count"] = None
            if "text" in out:
                out["text"] = scrub_text(out["text"], ids)
            if "traceback" in out:
                out["traceback"] = [scrub_text(line, ids) for line in out["traceback"]]
            data = out.get("data", {})
            for mime in list(data):
                if mime.startswith("text/") or mime.endswith("json"):
                    value = data[mime]
                    data[mime] = scrub_text(
                        value if isinstance(value, str) else "".join(value), ids
                    )
                elif not mime.startswith("image/") or mime == "image/svg+xml":
                    del data[mime]  # widgets, JavaScript, SVG: not shown to reviewers
    return nb


_EXPORTER: HTMLExporter | None = None


def render_notebook(path: str | Path, identities: Iterable[str] = ()) -> str:
    """The notebook at ``path`` as a sanitized, anonymous HTML fragment."""
    global _EXPORTER
    if _EXPORTER is None:
        _EXPORTER = HTMLExporter(template_name="basic", exclude_input_prompt=True)
        _EXPORTER.exclude_output_prompt = True
    nb = nbformat.read(str(path), as_version=4)
    identities = list(identities)
    body, _ = _EXPORTER.from_notebook_node(anonymize_notebook(nb, identities))
    return sanitize(scrub_text(body, identities))
