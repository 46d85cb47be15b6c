"""Aggregating peer scores: the median per criterion, and a model of each reviewer.

The model is PG1 of Piech et al., "Tuned Models of Peer Assessment in MOOCs" (EDM 2013):
a reviewer ``v`` reports ``y = z_u + b_v + noise``, noise ~ N(0, 1/tau_v), with priors
``z_u ~ N(mu_c, 1/gamma)``, ``b_v ~ N(0, 1/eta)``, ``tau_v ~ Gamma(alpha, beta)``. Instead of
Gibbs sampling we take the posterior mode by coordinate ascent (each step is closed-form;
50 sweeps converge for every round we simulated). Bias and reliability are shared by a
reviewer's scores on all criteria, so each reviewer contributes k x criteria observations.
The noise is Student-t (nu=3) rather than normal, which the simulation showed to be more
robust to careless and rogue reviewers than plain PG1 (``nu=None``).
Calibration answers (scores on examples with reference scores) enter as observations whose
true score is known, so they inform bias and reliability directly.

Which estimate is the default is decided by ``simulate.py`` (see docs/review.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DEFAULT_METHOD = "model"  # measured in simulate.py: lower error than the median; see docs
METHODS = ("median", "model")


@dataclass
class Observations:
    """Scores as parallel arrays of indices (submission, reviewer, criterion) and points."""

    n_sub: int
    n_rev: int
    lo: np.ndarray  # per criterion: lowest points
    hi: np.ndarray  # per criterion: highest points
    sub: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    rev: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    crit: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    score: np.ndarray = field(default_factory=lambda: np.zeros(0, float))
    # calibration: scores of examples whose true score is known
    cal_rev: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    cal_crit: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    cal_score: np.ndarray = field(default_factory=lambda: np.zeros(0, float))
    cal_truth: np.ndarray = field(default_factory=lambda: np.zeros(0, float))

    @property
    def n_crit(self) -> int:
        return len(self.lo)


@dataclass
class Estimate:
    scores: np.ndarray  # (n_sub, n_crit), NaN where a submission has no review
    bias: np.ndarray | None = None  # per reviewer, in points
    reliability: np.ndarray | None = None  # per reviewer: 1 / noise variance


def median_estimate(obs: Observations) -> Estimate:
    """Median of the reviews per submission and criterion."""
    out = np.full((obs.n_sub, obs.n_crit), np.nan)
    if len(obs.score) == 0:
        return Estimate(out)
    cell = obs.sub * obs.n_crit + obs.crit
    order = np.lexsort((obs.score, cell))
    cells, starts, counts = np.unique(cell[order], return_index=True, return_counts=True)
    sorted_scores = obs.score[order]
    lo = sorted_scores[starts + (counts - 1) // 2]
    hi = sorted_scores[starts + counts // 2]
    out.flat[cells] = (lo + hi) / 2
    return Estimate(out)


def model_estimate(
    obs: Observations,
    iters: int = 50,
    alpha: float = 2.0,
    beta: float = 0.5,
    eta: float = 2.0,
    nu: float | None = 3.0,
) -> Estimate:
    """PG1 posterior mode: true scores, reviewer biases and reliabilities.

    With ``nu`` set, the noise is Student-t with ``nu`` degrees of freedom instead of normal
    (fitted by iteratively reweighting each score by ``(nu + 1) / (nu + tau * e**2)``), so a
    single wild score weighs less; ``nu=None`` is plain PG1.
    """
    base = median_estimate(obs)
    if len(obs.score) == 0:
        return Estimate(base.scores, np.zeros(obs.n_rev), np.full(obs.n_rev, alpha / beta))
    nc, n = obs.n_crit, len(obs.score)
    mu = np.array(
        [obs.score[obs.crit == c].mean() if (obs.crit == c).any() else 0.0 for c in range(nc)]
    )
    prior_mu = np.tile(mu, obs.n_sub)
    prior_g = np.tile(1.0 / np.maximum(((obs.hi - obs.lo) / 3.0) ** 2, 1e-6), obs.n_sub)
    z = np.where(np.isnan(base.scores), mu, base.scores)
    # real and calibration observations together inform each reviewer's bias and noise
    rev = np.concatenate([obs.rev, obs.cal_rev])
    y = np.concatenate([obs.score, obs.cal_score])
    counts = np.bincount(rev, minlength=obs.n_rev).astype(float)
    b = np.zeros(obs.n_rev)
    tau = np.full(obs.n_rev, alpha / beta)
    rho = np.ones(len(y))  # robust weight of each observation
    cell = obs.sub * nc + obs.crit
    for _ in range(iters):
        resid = y - np.concatenate([z.flat[cell], obs.cal_truth])
        b = (
            tau
            * np.bincount(rev, rho * resid, obs.n_rev)
            / (eta + np.bincount(rev, rho, obs.n_rev) * tau)
        )
        err = resid - b[rev]
        tau = (alpha + counts / 2 - 1) / (beta + np.bincount(rev, rho * err * err, obs.n_rev) / 2)
        if nu is not None:
            rho = (nu + 1) / (nu + tau[rev] * err * err)
        w = tau[obs.rev] * rho[:n]
        num = np.bincount(cell, w * (obs.score - b[obs.rev]), obs.n_sub * nc)
        den = np.bincount(cell, w, obs.n_sub * nc)
        z = ((prior_g * prior_mu + num) / (prior_g + den)).reshape(obs.n_sub, nc)
    z = np.clip(z, obs.lo, obs.hi)
    z[np.isnan(base.scores)] = np.nan
    return Estimate(z, b, tau)


def estimate(obs: Observations, method: str = DEFAULT_METHOD) -> Estimate:
    if method == "median":
        return median_estimate(obs)
    if method == "model":
        return model_estimate(obs)
    raise ValueError(f"unknown aggregation method {method!r}: use one of {', '.join(METHODS)}")
