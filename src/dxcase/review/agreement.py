"""Agreement between reviewers (Krippendorff's alpha) and flags on individual reviews."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import krippendorff
import numpy as np

FLAGS = ("far_from_consensus", "identical_scores", "short_comment", "unhelpful", "reported")
FAR_LEVELS = 1.0  # mean distance (in levels) from the other reviewers' median


@dataclass
class ReviewRow:
    """What flagging needs to know about one submitted review."""

    id: int
    submission_id: int
    reviewer: str
    scores: dict[str, int]
    comments: dict[str, str]
    overall_comment: str = ""
    helpful: list[int] = field(default_factory=list)
    reported: bool = False


def alpha_per_criterion(
    rows: Sequence[ReviewRow], criteria: Sequence[str], levels: dict[str, Sequence[int]]
) -> dict[str, float | None]:
    """Ordinal Krippendorff's alpha per criterion (None when there is too little data)."""
    subs = sorted({r.submission_id for r in rows})
    index = {s: i for i, s in enumerate(subs)}
    out: dict[str, float | None] = {}
    for cid in criteria:
        values = list(levels[cid])
        pos = {v: j for j, v in enumerate(values)}
        counts = np.zeros((len(subs), len(values)))
        for r in rows:
            if cid in r.scores and r.scores[cid] in pos:
                counts[index[r.submission_id], pos[r.scores[cid]]] += 1
        pairable = counts[counts.sum(axis=1) >= 2]
        if len(pairable) < 2 or (pairable.sum(axis=0) > 0).sum() < 2:
            out[cid] = None
            continue
        out[cid] = float(
            krippendorff.alpha(
                value_counts=pairable,
                value_domain=values,
                level_of_measurement="ordinal",
            )
        )
    return out


def flag_reviews(
    rows: Sequence[ReviewRow], criteria: Sequence[str], min_comment_chars: int
) -> dict[int, list[str]]:
    """Flags per review id (only reviews with at least one flag)."""
    by_sub: dict[int, list[ReviewRow]] = {}
    for r in rows:
        by_sub.setdefault(r.submission_id, []).append(r)
    flags: dict[int, list[str]] = {}
    for r in rows:
        found = []
        others = [o for o in by_sub[r.submission_id] if o.id != r.id]
        if len(others) >= 2:
            dist = [
                abs(r.scores[c] - float(np.median([o.scores[c] for o in others])))
                for c in criteria
                if c in r.scores
            ]
            if dist and np.mean(dist) >= FAR_LEVELS:
                found.append("far_from_consensus")
        if len(criteria) >= 3 and len({r.scores.get(c) for c in criteria}) == 1:
            found.append("identical_scores")
        texts = [t.strip() for t in [*r.comments.values(), r.overall_comment] if t and t.strip()]
        if not texts or max(len(t) for t in texts) < min_comment_chars:
            found.append("short_comment")
        if r.helpful and min(r.helpful) <= 1:
            found.append("unhelpful")
        if r.reported:
            found.append("reported")
        if found:
            flags[r.id] = found
    return flags
