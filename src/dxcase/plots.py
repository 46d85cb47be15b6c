"""Matplotlib set up for reports: no display needed, Japanese labels, PNG embedded in HTML."""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import matplotlib_fontja  # noqa: F401  (registers a Japanese font for plot labels)

from dxcase.report import esc


def figure_html(fig: plt.Figure, caption: str) -> str:
    """The figure as an embedded PNG with a caption; closes the figure."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode()
    return (
        f'<figure><img alt="{esc(caption)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )
