"""Weighting schemes: AHP with Saaty's consistency check, entropy, PCA, manual, equal."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nidb.engine import hierarchy_from_records
from nidb.engine.weights import (
    ahp_weights,
    entropy_weights,
    index_shares,
    level_weights,
    pca_weights,
)
from nidb.errors import ConfigError


def test_ahp_consistent_matrix_recovers_the_ratios():
    # a_ij = w_i / w_j with w = (4, 2, 1): perfectly consistent, lambda_max = n, CR = 0
    m = [[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]]
    w, cr = ahp_weights(m)
    np.testing.assert_allclose(w, [4 / 7, 2 / 7, 1 / 7])
    assert cr == pytest.approx(0.0, abs=1e-9)


def test_ahp_textbook_example():
    # the classic 3x3 example: weights 0.637, 0.258, 0.105; lambda_max 3.0385; CR = 0.0193/0.58 = 0.033
    w, cr = ahp_weights([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]])
    np.testing.assert_allclose(w, [0.637, 0.258, 0.105], atol=5e-4)
    assert cr == pytest.approx(0.033, abs=5e-4)


def test_ahp_inconsistent_matrix_is_rejected():
    cyclic = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]  # A >> B >> C >> A
    with pytest.raises(ConfigError, match="CR"):
        ahp_weights(cyclic)


def test_ahp_matrix_shape_and_reciprocity_are_checked():
    with pytest.raises(ConfigError, match="互反"):
        ahp_weights([[1, 2], [2, 1]])
    with pytest.raises(ConfigError, match="方阵"):
        ahp_weights([[1, 2, 3], [0.5, 1, 2]])
    with pytest.raises(ConfigError, match="正数"):
        ahp_weights([[1, -2], [-0.5, 1]])


def test_entropy_weights_hand_calculation_and_sum():
    x = np.array([[1.0, 5.0, 0.0], [2.0, 5.0, 0.0], [3.0, 5.0, 6.0]])
    w = entropy_weights(x)
    p = [1 / 6, 2 / 6, 3 / 6]
    e_a = -sum(q * math.log(q) for q in p) / math.log(3)
    d = [1 - e_a, 0.0, 1.0]  # b constant -> e = 1; c all mass on one unit -> e = 0
    np.testing.assert_allclose(w, np.array(d) / sum(d), atol=1e-12)
    assert w.sum() == pytest.approx(1.0)


def test_entropy_weights_sum_to_one_on_random_data_and_reject_negatives():
    rng = np.random.default_rng(5)
    w = entropy_weights(rng.uniform(0, 100, size=(50, 7)))
    assert w.sum() == pytest.approx(1.0) and (w >= 0).all()
    with pytest.raises(ConfigError, match="非负"):
        entropy_weights(np.array([[-1.0, 2.0], [1.0, 3.0]]))


def test_pca_weights_two_correlated_columns_split_evenly():
    rng = np.random.default_rng(1)
    a = rng.normal(size=30)
    x = np.column_stack([a, 0.5 * a + rng.normal(scale=0.5, size=30)])
    np.testing.assert_allclose(pca_weights(x), [0.5, 0.5])


def test_pca_weights_favour_the_common_factor():
    rng = np.random.default_rng(2)
    f = rng.normal(size=200)
    x = np.column_stack([f + 0.1 * rng.normal(size=200), f + 0.1 * rng.normal(size=200), rng.normal(size=200)])
    w = pca_weights(x)
    assert w.sum() == pytest.approx(1.0)
    assert w[0] > 0.45 and w[1] > 0.45 and w[2] < 0.05


def _tree():
    return hierarchy_from_records(
        [
            {"code": "a", "level": 1, "parent": "P", "weight": 2},
            {"code": "b", "level": 1, "parent": "P", "weight": 1},
            {"code": "c", "level": 1, "parent": "Q"},
            {"code": "P", "level": 2, "parent": "I", "weight": 3},
            {"code": "Q", "level": 2, "parent": "I", "weight": 1},
            {"code": "I", "level": 3},
        ]
    )


def test_level_weights_by_scheme():
    h = _tree()
    np.testing.assert_allclose(level_weights(h, 1, "framework"), [2, 1, 1])
    np.testing.assert_allclose(level_weights(h, 1, "equal"), [1, 1, 1])
    np.testing.assert_allclose(level_weights(h, 1, "manual", values={"b": 5}), [2, 5, 1])
    w = level_weights(h, 2, "ahp", matrices={"I": {"order": ["Q", "P"], "matrix": [[1, 1 / 3], [3, 1]]}})
    np.testing.assert_allclose(w, [0.75, 0.25])
    with pytest.raises(ConfigError, match="order"):
        level_weights(h, 2, "ahp", matrices={"I": {"order": ["P"], "matrix": [[1]]}})


def test_index_shares_multiply_along_the_path():
    h = _tree()
    shares = index_shares(h, h.nominal_weights)
    # P has 3/4 of the index; a has 2/3 of P; c is alone under Q (1/4)
    np.testing.assert_allclose(shares, [0.5, 0.25, 0.25, 0.75, 0.25])
    batch = index_shares(h, np.stack([h.nominal_weights, np.ones(5)]))
    np.testing.assert_allclose(batch[1], [0.25, 0.25, 0.5, 0.5, 0.5])
