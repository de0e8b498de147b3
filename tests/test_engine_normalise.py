"""Each normalisation against values worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from nidb.engine.normalise import normalise
from nidb.errors import ConfigError

# two indicators over four units: a (direction +1), b (direction −1); one value missing
X = np.array([[2.0, 10.0], [4.0, 20.0], [6.0, np.nan], [10.0, 40.0]])
D = np.array([1.0, -1.0])
CODES = ["a", "b"]


def test_minmax_default_and_custom_range():
    out = normalise(X, D, "minmax")
    np.testing.assert_allclose(out[:, 0], [0, 25, 50, 100])
    # b reversed: 10 is best (100), 40 worst (0), 20 -> (40-20)/30*100
    np.testing.assert_allclose(out[[0, 1, 3], 1], [100, 200 / 3, 0])
    assert np.isnan(out[2, 1])
    out = normalise(X, D, "minmax", {"low": 1, "high": 10})
    np.testing.assert_allclose(out[:, 0], [1, 1 + 9 * 0.25, 5.5, 10])


def test_zscore_uses_the_sample_standard_deviation():
    out = normalise(X, D, "zscore", {"mean": 10, "sd": 2})
    a = np.array([2, 4, 6, 10.0])
    mu, sd = 5.5, np.sqrt(((a - 5.5) ** 2).sum() / 3)
    np.testing.assert_allclose(out[:, 0], 10 + 2 * (a - mu) / sd)
    b = -np.array([10, 20, 40.0])
    np.testing.assert_allclose(out[[0, 1, 3], 1], 10 + 2 * (b - b.mean()) / b.std(ddof=1))


def test_goalposts_truncate_and_reverse():
    out = normalise(X, D, "goalposts", {"goalposts": {"a": [3, 8], "b": [15, 35]}}, codes=CODES)
    np.testing.assert_allclose(out[:, 0], [0, 20, 60, 100])  # 2 below lo -> 0, 10 above hi -> 100
    np.testing.assert_allclose(out[[0, 1, 3], 1], [100, 75, 0])  # (35 - 20)/20 = 0.75
    with pytest.raises(ConfigError, match="b"):
        normalise(X, D, "goalposts", {"goalposts": {"a": [3, 8]}}, codes=CODES)


def test_distance_to_target_with_cap():
    out = normalise(X, D, "distance_to_target", {"targets": {"a": 6, "b": 20}}, codes=CODES)
    # a: (x - 2)/(6 - 2), capped at 1 -> 0, 0.5, 1, 1
    np.testing.assert_allclose(out[:, 0], [0, 50, 100, 100])
    # b (−1): (40 - x)/(40 - 20) -> 30/20 capped, 1, 0
    np.testing.assert_allclose(out[[0, 1, 3], 1], [100, 100, 0])
    uncapped = normalise(X, D, "distance_to_target", {"targets": {"a": 6, "b": 20}, "cap": False}, codes=CODES)
    assert uncapped[0, 1] == pytest.approx(150)


def test_distance_to_target_reads_framework_targets():
    out = normalise(X, D, "distance_to_target", {}, codes=CODES, targets=np.array([10.0, 10.0]))
    np.testing.assert_allclose(out[:, 0], [0, 25, 50, 100])


def test_percentile_rank_and_rank_ties_take_the_minimum_as_coinr():
    x = np.array([[1.0], [3.0], [3.0], [7.0], [9.0]])
    up, down = np.array([1.0]), np.array([-1.0])
    # R: rank(c(1, 3, 3, 7, 9), ties.method = "min") = 1 2 2 4 5; n_prank = (r - 1)/(n - 1)
    np.testing.assert_allclose(normalise(x, up, "rank")[:, 0], [1, 2, 2, 4, 5])
    np.testing.assert_allclose(normalise(x, up, "percentile_rank")[:, 0], [0, 25, 25, 75, 100])
    np.testing.assert_allclose(normalise(x, down, "rank")[:, 0], [5, 3, 3, 2, 1])
    np.testing.assert_allclose(normalise(x, up, "rank", {"ties": "average"})[:, 0], [1, 2.5, 2.5, 4, 5])
    np.testing.assert_allclose(
        normalise(x, up, "percentile_rank", {"ties": "average", "scale": 1})[:, 0], [0, 0.375, 0.375, 0.75, 1]
    )


def test_efficacy_coefficient_default_60_to_100():
    out = normalise(X, D, "efficacy")
    np.testing.assert_allclose(out[:, 0], [60, 70, 80, 100])  # 60 + 40 (x - 2)/8
    np.testing.assert_allclose(out[[0, 1, 3], 1], [100, 60 + 40 * 20 / 30, 60])


def test_efficacy_coefficient_with_satisfactory_and_unacceptable_values():
    # a: 不允许值 3, 满意值 8; b (lower is better): 不允许值 35, 满意值 15; values clipped to the bounds
    out = normalise(X, D, "efficacy", {"bounds": {"a": [3, 8], "b": [35, 15]}, "base": 50, "span": 50}, codes=CODES)
    np.testing.assert_allclose(out[:, 0], [50, 60, 80, 100])
    np.testing.assert_allclose(out[[0, 1, 3], 1], [100, 50 + 50 * 15 / 20, 50])


def test_constant_indicator_gets_the_midpoint():
    x = np.array([[5.0], [5.0], [5.0]])
    np.testing.assert_allclose(normalise(x, np.array([1.0]), "minmax")[:, 0], [50, 50, 50])
    np.testing.assert_allclose(normalise(x, np.array([1.0]), "efficacy")[:, 0], [80, 80, 80])


def test_leading_replication_axis_is_carried_through():
    batch = np.stack([X, 2 * X, X + 1])
    out = normalise(batch, D, "minmax")
    assert out.shape == (3, 4, 2)
    for r in range(3):
        np.testing.assert_allclose(out[r], normalise(batch[r], D, "minmax"))


def test_unknown_method_is_a_config_error():
    with pytest.raises(ConfigError, match="normalise.method"):
        normalise(X, D, "softmax")
