"""Copy detection: a report of near-identical submissions for the facilitator to look at.

Each learner's answers (solution cells: code and written text) are normalized (comments,
whitespace and string quotes dropped; code tokenized; numbers kept) with the release's own
stub text removed, cut into 5-token shingles, and compared pairwise by Jaccard similarity.
Pairs at or above the threshold are flagged. A flag is a prompt to read both, not a verdict:
tasks with one right answer make honest work similar.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import tokenize
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat

from dxcase.atomic import write_text_atomic
from dxcase.grade.course import Course
from dxcase.grade.intake import list_submissions
from dxcase.report import page, table_html

SHINGLE = 5
THRESHOLD = 0.8


@dataclass
class Pair:
    a: str
    b: str
    similarity: float
    tokens_a: int
    tokens_b: int


def normalize_code(source: str) -> list[str]:
    out = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                            tokenize.DEDENT, tokenize.ENDMARKER):  # fmt: skip
                continue
            text = tok.string
            if tok.type == tokenize.STRING:
                text = re.sub(r"^[rbuf]*['\"]+|['\"]+$", "", text, flags=re.I)
            out.append(text)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        out = source.split()
    return out


def normalize_text(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def answer_tokens(nb, stubs: set[str]) -> list[str]:
    tokens: list[str] = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("solution"):
            continue
        source = cell.source.strip()
        if not source or source in stubs:
            continue
        tokens += normalize_code(source) if cell.cell_type == "code" else normalize_text(source)
    return tokens


def _shingles(tokens: list[str]) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + SHINGLE]) for i in range(max(0, len(tokens) - SHINGLE + 1))}


def similarity_report(
    course: Course, assignment: str, out_dir: Path, threshold: float = THRESHOLD
) -> tuple[Path, list[Pair]]:
    stubs = set()
    release = course.root / "release" / assignment
    for path in release.glob("*.ipynb"):
        stubs |= {c.source.strip() for c in nbformat.read(str(path), as_version=4).cells}
    tokens: dict[str, list[str]] = {}
    for sub in list_submissions(course, assignment):
        toks: list[str] = []
        for _name, path in sorted(sub.notebooks.items()):
            try:
                toks += answer_tokens(nbformat.read(str(path), as_version=4), stubs)
            except Exception:
                continue
        tokens[sub.student] = toks
    shingles = {s: _shingles(t) for s, t in tokens.items()}
    pairs = []
    for a, b in itertools.combinations(sorted(shingles), 2):
        sa, sb = shingles[a], shingles[b]
        if len(sa) < 5 or len(sb) < 5:
            continue
        sim = len(sa & sb) / len(sa | sb)
        if sim >= threshold:
            pairs.append(Pair(a, b, round(sim, 3), len(tokens[a]), len(tokens[b])))
    pairs.sort(key=lambda p: -p.similarity)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomic(
        out_dir / f"similarity-{assignment}.json",
        json.dumps([asdict(p) for p in pairs], ensure_ascii=False, indent=1),
    )
    rows = [(p.a, p.b, f"{p.similarity:.2f}", p.tokens_a, p.tokens_b) for p in pairs]
    body = (
        f"<p>{len(tokens)} submissions, threshold {threshold:.2f}: {len(pairs)} pair(s) flagged.</p>"
        + table_html(["learner A", "learner B", "similarity", "tokens A", "tokens B"], rows)
    )
    html = out_dir / f"similarity-{assignment}.html"
    write_text_atomic(html, page(f"Similarity: {assignment}", body, "en"))
    return html, pairs
