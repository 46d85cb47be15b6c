"""Reviewer assignment: k reviewers per submission, about k reviews per reviewer.

Never one's own work, never one's own team's, never a declared conflict; deterministic for a
seed. The initial assignment is a shifted circle: teams are shuffled and laid out one after
the other, and the reviewer at position ``i`` reviews positions ``i + s_1 .. i + s_k`` where
every offset is at least the largest team size and at most ``n`` minus it, so a reviewer never
lands in their own team and every learner reviews and is reviewed exactly ``k`` times. Conflicts
left over are repaired by swapping targets between two reviewers. 10,000 learners take well
under a second (``benchmarks/bench_review.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from dxcase.errors import InputError, Problem


@dataclass(frozen=True)
class Learner:
    id: str
    team: str | None = None

    @property
    def team_key(self) -> str:
        """Learners without a team form a team of one."""
        return self.team or f"\0{self.id}"


class Eligibility:
    """Who may review whom: not oneself, not one's team, not a conflict (either direction)."""

    def __init__(
        self, learners: Iterable[Learner], conflicts: Mapping[str, Iterable[str]] | None = None
    ) -> None:
        self.team = {lr.id: lr.team_key for lr in learners}
        self.conflicts: set[tuple[str, str]] = set()
        for a, others in (conflicts or {}).items():
            for b in others:
                self.conflicts.add((a, b))
                self.conflicts.add((b, a))

    def ok(self, reviewer: str, author: str) -> bool:
        return (
            reviewer != author
            and self.team.get(reviewer) != self.team.get(author)
            and (reviewer, author) not in self.conflicts
        )


def initial_assignment(
    learners: Sequence[Learner],
    k: int,
    seed: int,
    conflicts: Mapping[str, Iterable[str]] | None = None,
) -> list[tuple[str, str]]:
    """Pairs ``(reviewer, author)``: every learner reviews k others and is reviewed k times."""
    ids = [lr.id for lr in learners]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})[:5]
        raise InputError("reviewer assignment: duplicate learner ids", _problems(f"{dup}"))
    if k < 1:
        raise InputError("reviewer assignment: k must be at least 1", _problems(f"k={k}"))
    rng = np.random.default_rng(seed)
    teams: dict[str, list[str]] = {}
    for lr in sorted(learners, key=lambda x: x.id):
        teams.setdefault(lr.team_key, []).append(lr.id)
    order: list[str] = []
    for key in rng.permutation(sorted(teams)):
        members = teams[str(key)]
        order.extend(members[i] for i in rng.permutation(len(members)))
    n, m = len(order), max((len(v) for v in teams.values()), default=0)
    span = n - 2 * m  # offsets may be m .. n - m
    if span + 1 < k:
        raise InputError(
            f"reviewer assignment: {n} learners in teams of up to {m} cannot give each "
            f"submission {k} reviewers outside its team (need at least {2 * m + k - 1} learners)",
            _problems(f"n={n}, largest team={m}, k={k}"),
        )
    offsets = [m + (j * (span + 1)) // k for j in range(k)]
    idx = np.arange(n)
    pairs = [
        (order[i], order[j])
        for s in offsets
        for i, j in zip(idx.tolist(), ((idx + s) % n).tolist(), strict=True)
    ]
    if conflicts:
        pairs = _repair_conflicts(pairs, Eligibility(learners, conflicts), rng)
    return pairs


def _repair_conflicts(
    pairs: list[tuple[str, str]], elig: Eligibility, rng: np.random.Generator
) -> list[tuple[str, str]]:
    """Swap the authors of two pairs until no pair breaks a conflict (keeps all counts)."""
    taken = set(pairs)
    bad = [i for i, (r, a) in enumerate(pairs) if not elig.ok(r, a)]
    for i in bad:
        r1, a1 = pairs[i]
        if elig.ok(r1, a1):
            continue
        for j in rng.permutation(len(pairs)).tolist():
            r2, a2 = pairs[j]
            if (
                elig.ok(r1, a2)
                and elig.ok(r2, a1)
                and (r1, a2) not in taken
                and (r2, a1) not in taken
            ):
                taken -= {(r1, a1), (r2, a2)}
                taken |= {(r1, a2), (r2, a1)}
                pairs[i], pairs[j] = (r1, a2), (r2, a1)
                break
        else:
            raise InputError(
                "reviewer assignment: conflict lists leave no valid reviewer",
                _problems(f"{r1} -> {a1}"),
            )
    return pairs


def pick(
    candidates: Iterable[str],
    load: Mapping[str, int],
    k: int,
    salt: str,
) -> list[str]:
    """The ``k`` candidates with the least load; ties broken by a stable hash of ``salt``."""

    def key(c: str) -> tuple[int, str]:
        return load.get(c, 0), hashlib.sha256(f"{salt}:{c}".encode()).hexdigest()

    return sorted(candidates, key=key)[:k]


def _problems(detail: str) -> list[Problem]:
    return [Problem("<roster>", "assignment", detail)]
