"""Aggregation (median, reviewer model), simulation, agreement and flags."""

from __future__ import annotations

import numpy as np

from dxcase.review.aggregate import DEFAULT_METHOD, Observations, estimate
from dxcase.review.agreement import ReviewRow, alpha_per_criterion, flag_reviews
from dxcase.review.simulate import run_simulation, simulate_round


def _obs(rows):
    sub, rev, crit, score = (np.array(x) for x in zip(*rows, strict=True))
    o = Observations(int(sub.max()) + 1, int(rev.max()) + 1, np.array([1.0]), np.array([4.0]))
    o.sub, o.rev, o.crit, o.score = sub, rev, crit, score.astype(float)
    return o


def test_median_per_criterion():
    o = _obs([(0, 0, 0, 1), (0, 1, 0, 3), (0, 2, 0, 4), (1, 0, 0, 2), (1, 1, 0, 3)])
    med = estimate(o, "median").scores
    assert med[0, 0] == 3 and med[1, 0] == 2.5


def test_model_finds_a_lenient_reviewer():
    obs, _truth, types = simulate_round(n=300, k=4, seed=1)
    est = estimate(obs, "model")
    assert est.bias is not None and est.reliability is not None
    careful, biased, careless = (types == t for t in ("careful", "biased", "careless"))
    # biased reviewers (one level up or down) get a large |bias|, careful ones a small one
    assert np.abs(est.bias[biased]).mean() > np.abs(est.bias[careful]).mean() + 0.4
    # careless (uniform random) reviewers get a much lower reliability than careful ones
    assert est.reliability[careful].mean() > 2 * est.reliability[careless].mean()


def test_simulation_model_beats_median_and_is_default():
    res = {r.method: r for r in run_simulation(reps=4, n=240, k=4)}
    assert res["model"].rmse < res["median"].rmse
    assert res["model"].total_mae < res["median"].total_mae
    assert DEFAULT_METHOD == "model"


def test_calibration_improves_the_model():
    plain = {r.method: r for r in run_simulation(reps=3, n=240, k=3)}
    cal = {r.method: r for r in run_simulation(reps=3, n=240, k=3, calibration=2)}
    assert cal["model"].rmse < plain["model"].rmse
    assert cal["median"].rmse == plain["median"].rmse  # the median ignores calibration


def _row(i, sub, reviewer, scores, comment="具体的な改善点が書かれていて参考になりました。", **kw):
    return ReviewRow(i, sub, reviewer, scores, {"a": comment}, **kw)


def test_alpha_perfect_and_chance():
    rows = [_row(i * 3 + j, i, f"r{j}", {"a": 1 + i % 4}) for i in range(12) for j in range(3)]
    assert alpha_per_criterion(rows, ["a"], {"a": [1, 2, 3, 4]})["a"] == 1.0
    rng = np.random.default_rng(0)
    noisy = [
        _row(i * 3 + j, i, f"r{j}", {"a": int(rng.integers(1, 5))})
        for i in range(60)
        for j in range(3)
    ]
    assert abs(alpha_per_criterion(noisy, ["a"], {"a": [1, 2, 3, 4]})["a"]) < 0.25


def test_flags():
    crit = ["a", "b", "c"]
    rows = [
        _row(1, 1, "x", {"a": 3, "b": 3, "c": 2}),
        _row(2, 1, "y", {"a": 3, "b": 2, "c": 3}),
        _row(3, 1, "z", {"a": 1, "b": 1, "c": 1}, comment="ok"),  # far, identical, short
        _row(4, 2, "x", {"a": 2, "b": 3, "c": 4}, helpful=[1]),
        _row(5, 2, "y", {"a": 2, "b": 3, "c": 3}, reported=True),
    ]
    flags = flag_reviews(rows, crit, 20)
    assert set(flags[3]) == {"far_from_consensus", "identical_scores", "short_comment"}
    assert flags[4] == ["unhelpful"] and flags[5] == ["reported"]
    assert 1 not in flags and 2 not in flags
