"""Simulated review rounds with known true scores: which aggregate is closer to the truth?

Reviewer mix (DESIGN issue 6): 60% careful (noise of half a level), 20% biased (one level up
or down, plus the careful noise), 10% careless (uniform random level), 10% rogue (always the
lowest or always the highest level). Every reported score is a whole level of the rubric.
True levels follow a learner's ability plus per-criterion variation. Reviewers come from the
same assignment code as real rounds (teams of 3, k reviews each).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dxcase.review.aggregate import METHODS, Observations, estimate
from dxcase.review.assign import Learner, initial_assignment

MIX = {"careful": 0.6, "biased": 0.2, "careless": 0.1, "rogue": 0.1}


@dataclass(frozen=True)
class SimResult:
    method: str
    mae: float  # mean absolute error per criterion score, in levels
    rmse: float
    total_mae: float  # on the sum over criteria
    exact: float  # share of criterion scores that round to the true level


def simulate_round(
    n: int = 300,
    k: int = 4,
    n_crit: int = 5,
    levels: int = 4,
    seed: int = 0,
    calibration: int = 0,
) -> tuple[Observations, np.ndarray, np.ndarray]:
    """One simulated round: observations, true scores (n, n_crit), reviewer types."""
    rng = np.random.default_rng(seed)
    lo, hi = 1, levels
    ability = rng.normal(0, 1, n)
    truth = np.clip(
        np.rint((lo + hi) / 2 + 0.8 * ability[:, None] + rng.normal(0, 0.6, (n, n_crit))), lo, hi
    )
    kinds = np.array(list(MIX))
    counts = np.rint(np.array(list(MIX.values())) * n).astype(int)
    counts[0] += n - counts.sum()
    types = rng.permutation(np.repeat(kinds, counts))
    direction = rng.choice([-1, 1], n)
    learners = [Learner(f"u{i}", f"t{i // 3}") for i in range(n)]
    pairs = initial_assignment(learners, k, seed)
    rev = np.array([int(r[1:]) for r, _ in pairs]).repeat(n_crit)
    sub = np.array([int(a[1:]) for _, a in pairs]).repeat(n_crit)
    crit = np.tile(np.arange(n_crit), len(pairs))
    score = report_scores(rng, truth[sub, crit], types[rev], direction[rev], lo, hi)
    obs = Observations(n, n, np.full(n_crit, lo, float), np.full(n_crit, hi, float))
    obs.sub, obs.rev, obs.crit, obs.score = sub, rev, crit, score
    if calibration:
        ex_truth = rng.integers(lo, hi + 1, (calibration, n_crit)).astype(float)
        obs.cal_rev = np.arange(n).repeat(calibration * n_crit)
        obs.cal_crit = np.tile(np.arange(n_crit), n * calibration)
        obs.cal_truth = np.tile(ex_truth.ravel(), n)
        obs.cal_score = report_scores(
            rng, obs.cal_truth, types[obs.cal_rev], direction[obs.cal_rev], lo, hi
        )
    return obs, truth, types


def report_scores(rng, true, kind, direction, lo, hi) -> np.ndarray:
    noisy = true + rng.normal(0, 0.5, len(true))
    out = np.where(kind == "biased", noisy + direction, noisy)
    out = np.where(kind == "careless", rng.integers(lo, hi + 1, len(true)), out)
    out = np.where(kind == "rogue", np.where(direction > 0, hi, lo), out)
    return np.clip(np.rint(out), lo, hi).astype(float)


def run_simulation(
    reps: int = 20, n: int = 300, k: int = 4, calibration: int = 0, seed: int = 0
) -> list[SimResult]:
    """Error of each method against the truth, averaged over ``reps`` simulated rounds."""
    acc: dict[str, list[np.ndarray]] = {m: [] for m in METHODS}
    for rep in range(reps):
        obs, truth, _ = simulate_round(n=n, k=k, seed=seed + rep, calibration=calibration)
        for m in METHODS:
            est = estimate(obs, m).scores
            err = est - truth
            acc[m].append(
                np.array(
                    [
                        np.abs(err).mean(),
                        np.sqrt((err**2).mean()),
                        np.abs(err.sum(axis=1)).mean(),
                        (np.rint(est) == truth).mean(),
                    ]
                )
            )
    return [SimResult(m, *np.mean(acc[m], axis=0).round(4).tolist()) for m in METHODS]
