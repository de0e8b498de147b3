"""The batch kernel of the audit: hierarchy arrays, aggregation over replications, ranks."""

import numpy as np
import pandas as pd
import pytest

from nidb.audit.batch import Hierarchy, aggregate_batch, aggregate_level, rank_desc
from nidb.errors import ConfigError

PARENTS = pd.Series({"a": "D1", "b": "D1", "c": "D2", "D1": "I", "D2": "I"})


def test_hierarchy_levels_and_path_weights():
    h = Hierarchy.from_parents(PARENTS, weights=pd.Series({"a": 1, "b": 3, "c": 1, "D1": 1, "D2": 1}))
    assert h.levels == (("a", "b", "c"), ("D1", "D2"), ("I",))
    path = h.path_weights()
    # a: 1/4 of D1, D1 half of the index -> 1/8; b: 3/8; c: alone in D2 -> 1/2
    assert path[0].to_dict() == pytest.approx({"a": 0.125, "b": 0.375, "c": 0.5})
    assert path[1].to_dict() == pytest.approx({"D1": 0.5, "D2": 0.5})


def test_unbalanced_tree_is_a_config_error():
    with pytest.raises(ConfigError):
        Hierarchy.from_parents(pd.Series({"a": "D1", "b": "D1", "c": "I", "D1": "I"}))


def test_arithmetic_renormalises_over_available_values():
    values = np.array([[[10.0, np.nan, 40.0], [10.0, 20.0, 40.0]]])  # (R=1, 2 units, 3 children)
    m = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    w = np.array([[1.0, 3.0, 1.0]])
    out = aggregate_level(values, w, m, "arithmetic")
    # unit 1: b missing -> D1 = a = 10; unit 2: (10 + 3*20) / 4 = 17.5
    assert out[0, :, 0] == pytest.approx([10.0, 17.5])
    assert out[0, :, 1] == pytest.approx([40.0, 40.0])


def test_geometric_and_generalised_means_by_hand():
    values = np.array([[[4.0, 9.0]], [[4.0, 9.0]], [[4.0, 9.0]]])
    m = np.ones((2, 1))
    w = np.ones((3, 2))
    out = aggregate_level(values, w, m, np.array(["arithmetic", "geometric", "generalised"]), np.array([1.0, 1.0, 2.0]))
    assert out[:, 0, 0] == pytest.approx([6.5, 6.0, np.sqrt((16 + 81) / 2)])


def test_geometric_with_a_zero_is_missing_not_clipped():
    out = aggregate_level(np.array([[[0.0, 9.0]]]), np.ones((1, 2)), np.ones((2, 1)), "geometric")
    assert np.isnan(out[0, 0, 0])


def test_batch_weights_differ_per_replication():
    h = Hierarchy.from_parents(PARENTS)
    x = np.array([[0.0, 100.0, 50.0]])
    batch = np.broadcast_to(x, (2, 1, 3))
    weights = [np.array([[1.0, 1.0, 1.0], [3.0, 1.0, 1.0]]), np.array([[1.0, 1.0], [1.0, 3.0]])]
    index = aggregate_batch(batch, h, weights)[-1][:, 0, 0]
    # rep 0: D1 = 50, D2 = 50 -> 50; rep 1: D1 = 25, D2 = 50 -> (25 + 150) / 4 = 43.75
    assert index == pytest.approx([50.0, 43.75])


def test_rank_desc_ties_take_minimum_and_nan_stays_nan():
    ranks = rank_desc(np.array([[3.0, 5.0, 3.0, np.nan, 1.0]]))
    np.testing.assert_array_equal(ranks, [[2.0, 1.0, 2.0, np.nan, 4.0]])
