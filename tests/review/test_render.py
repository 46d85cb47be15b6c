"""Submissions are shown as sanitized, anonymous HTML."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from dxcase.review.fixtures import PNG_1PX
from dxcase.review.render import render_notebook, sanitize

ATTACKS = [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(2)">click</a>',
    "<svg onload=alert(3)><circle/></svg>",
    '<iframe src="https://evil.example"></iframe>',
    "<style>body{display:none}</style>",
    '<div style="background:url(javascript:alert(4))">s</div>',
    '<form action="https://evil.example"><input name=p></form>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">d</a>',
    "<object data=x></object><embed src=x><base href=https://evil.example/>",
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
]


def _notebook(tmp_path, author="alice01", name="Alice Tanaka"):
    nb = new_notebook(metadata={"authors": [{"name": name}], "dxcase": {"owner": author}})
    nb.cells = [
        new_markdown_cell(
            f"# Pitch by {author} ({name}, alice@example.com)\n\n" + "\n".join(ATTACKS)
        ),
        new_code_cell(
            "df = pd.read_csv('/home/jupyter-alice01/retail/sales.csv')",
            metadata={"tags": ["alice01"], "nbgrader": {"grade_id": "pitch"}},
            execution_count=7,
            outputs=[
                new_output(
                    "stream", name="stdout", text=f"saved to /home/{author}/out.csv by {name}\n"
                ),
                new_output(
                    "display_data",
                    data={
                        "text/html": ATTACKS[0] + f"<b>{author}</b>",
                        "application/javascript": "alert(5)",
                        "image/svg+xml": "<svg onload=alert(6)/>",
                        "image/png": PNG_1PX,
                    },
                    metadata={"filename": f"/Users/{author}/plot.png"},
                ),
                new_output("display_data", data={"image/png": PNG_1PX, "text/plain": "<Figure>"}),
                new_output("error", ename="E", evalue="x", traceback=[f"File /home/{author}/x.py"]),
            ],
        ),
    ]
    path = tmp_path / "04_presentation.ipynb"
    nbformat.write(nb, path)
    return path


def test_scripts_and_active_content_are_removed(tmp_path):
    html = render_notebook(_notebook(tmp_path), ["alice01", "Alice Tanaka"]).lower()
    for bad in ["<script", "onerror", "onload", "javascript:", "<svg", "<iframe", "<style", "style=",
                "<form", "data:text/html", "<object", "<embed", "<base", "<meta", "alert(5)"]:  # fmt: skip
        assert bad not in html, bad
    assert "data:image/png;base64," in html  # plots stay


def test_anonymity_of_text_metadata_outputs_and_paths(tmp_path):
    html = render_notebook(_notebook(tmp_path), ["alice01", "Alice Tanaka", "team7"])
    for secret in [
        "alice01",
        "Alice Tanaka",
        "alice@example.com",
        "jupyter-alice01",
        "/Users/",
        "grade_id",
    ]:
        assert secret.lower() not in html.lower(), secret
    assert "[***]" in html and "execution_count" not in html and "In&nbsp;[7]" not in html


def test_sanitize_keeps_ordinary_markup():
    out = sanitize(
        '<h2>見出し</h2><table><tr><td colspan="2">1</td></tr></table><a href="https://x.jp">x</a>'
    )
    assert "<h2>見出し</h2>" in out and 'colspan="2"' in out and 'href="https://x.jp"' in out
