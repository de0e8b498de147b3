"""Aggregation rules and ranks, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from nidb.engine.aggregate import aggregate_level
from nidb.engine.rank import rank_units
from nidb.errors import ConfigError

M = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])  # children a, b -> P; c -> Q


def test_arithmetic_renormalises_weights_over_available_values():
    x = np.array([[40.0, 80.0, 10.0], [40.0, np.nan, 10.0], [np.nan, np.nan, 10.0]])
    out = aggregate_level(x, np.array([1.0, 3.0, 1.0]), M)
    assert out[0, 0] == pytest.approx((40 + 3 * 80) / 4)
    assert out[1, 0] == pytest.approx(40.0)  # b missing: a carries the whole weight, not 40/4
    assert np.isnan(out[2, 0])  # no child available
    np.testing.assert_allclose(out[:, 1], 10.0)


def test_geometric_mean_by_hand():
    x = np.array([[4.0, 16.0, 7.0]])
    out = aggregate_level(x, np.array([1.0, 1.0, 1.0]), M, "geometric")
    assert out[0, 0] == pytest.approx(8.0)
    out = aggregate_level(x, np.array([1.0, 3.0, 1.0]), M, "geometric")
    assert out[0, 0] == pytest.approx(4 ** 0.25 * 16 ** 0.75)


def test_geometric_with_zero_is_an_error_by_default_or_zero_on_request():
    x = np.array([[0.0, 16.0, 7.0], [4.0, 16.0, 7.0]])
    with pytest.raises(ConfigError, match="零值"):
        aggregate_level(x, np.ones(3), M, "geometric")
    out = aggregate_level(x, np.ones(3), M, "geometric", zeros="zero")
    assert out[0, 0] == 0.0 and out[1, 0] == pytest.approx(8.0)
    assert out[0, 1] == pytest.approx(7.0)
    with pytest.raises(ConfigError, match="非负"):
        aggregate_level(-x, np.ones(3), M, "geometric", zeros="zero")


def test_zero_with_zero_weight_does_not_zero_the_parent():
    x = np.array([[0.0, 16.0, 7.0]])
    out = aggregate_level(x, np.array([0.0, 1.0, 1.0]), M, "geometric", zeros="zero")
    assert out[0, 0] == pytest.approx(16.0)


def test_generalised_mean_special_cases():
    x = np.array([[2.0, 6.0, 5.0]])
    w = np.ones(3)
    harmonic = aggregate_level(x, w, M, "generalised", power=-1.0)
    assert harmonic[0, 0] == pytest.approx(2 / (1 / 2 + 1 / 6))
    quadratic = aggregate_level(x, w, M, "generalised", power=2.0)
    assert quadratic[0, 0] == pytest.approx(np.sqrt((4 + 36) / 2))
    np.testing.assert_allclose(aggregate_level(x, w, M, "generalised", power=1.0), aggregate_level(x, w, M))
    np.testing.assert_allclose(aggregate_level(x, w, M, "generalised", power=0.0), aggregate_level(x, w, M, "geometric"))


def test_batch_of_weights_is_one_call_equal_to_a_loop():
    rng = np.random.default_rng(0)
    x = rng.uniform(1, 100, size=(20, 3))
    x[3, 1] = np.nan
    weights = rng.uniform(0.5, 1.5, size=(50, 3))
    batch = aggregate_level(x, weights, M, "geometric")
    assert batch.shape == (50, 20, 2)
    for r in (0, 17, 49):
        np.testing.assert_allclose(batch[r], aggregate_level(x, weights[r], M, "geometric"))


def test_ranks_higher_is_better_ties_take_the_minimum():
    scores = np.array([[50.0], [70.0], [70.0], [np.nan], [10.0]])
    np.testing.assert_array_equal(rank_units(scores)[:, 0], [3, 1, 1, np.nan, 4])


def test_ranks_over_a_replication_axis():
    scores = np.array([[[1.0], [2.0], [3.0]], [[3.0], [3.0], [1.0]]])
    np.testing.assert_array_equal(rank_units(scores)[..., 0], [[3, 2, 1], [1, 1, 3]])


def test_min_availability_leaves_sparse_parents_missing():
    # COINr Aggregate(dat_thresh): a parent is missing when too few of its children have data
    m = np.array([[1.0], [1.0], [1.0], [1.0]])
    x = np.array([[10.0, 20.0, 30.0, 40.0], [10.0, np.nan, np.nan, 40.0], [10.0, np.nan, np.nan, np.nan]])
    out = aggregate_level(x, np.ones(4), m, min_availability=0.5)
    np.testing.assert_allclose(out[:2, 0], [25.0, 25.0])  # 2 of 4 available = 0.5: kept
    assert np.isnan(out[2, 0])  # 1 of 4 < 0.5
    assert aggregate_level(x, np.ones(4), m)[2, 0] == 10.0  # no threshold: available-case mean
