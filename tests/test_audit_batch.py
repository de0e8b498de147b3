"""The batch kernel of the audit: many methods as one array computation."""

import numpy as np
import pandas as pd
import pytest

from nidb.audit.batch import nominal_shares, rank_desc, root_of, score_levels
from nidb.engine.framework_table import hierarchy_from_records
from nidb.engine.method import AggregateSpec
from nidb.errors import ConfigError
from nidb.evaluation.stars import StarRule, assign_stars, assign_stars_batch


def tree(parents: dict, weights: dict | None = None, top: str = "I"):
    """A three-level framework from child -> parent pairs."""
    weights = weights or {}
    records = [
        {"code": c, "level": 2 if p == top else 1, "parent": p, "weight": weights.get(c, 1.0)} for c, p in parents.items()
    ]
    return hierarchy_from_records(records + [{"code": top, "level": 3, "parent": ""}])


SIMPLE = {"a": "D1", "b": "D1", "c": "D2", "D1": "I", "D2": "I"}


def test_nominal_shares_multiply_normalised_weights():
    h = tree(SIMPLE, {"b": 3})
    # a: 1/4 of D1, D1 half of the index -> 1/8; b: 3/8; c: alone in D2 -> 1/2
    assert nominal_shares(h).to_dict() == pytest.approx({"a": 0.125, "b": 0.375, "c": 0.5, "D1": 0.5, "D2": 0.5})


def test_several_roots_is_a_config_error():
    h = hierarchy_from_records(
        [
            {"code": "a", "level": 1, "parent": "X"},
            {"code": "b", "level": 1, "parent": "Y"},
            {"code": "X", "level": 2, "parent": ""},
            {"code": "Y", "level": 2, "parent": ""},
        ]
    )
    with pytest.raises(ConfigError):
        root_of(h)


def test_batch_weights_and_methods_differ_per_replication():
    h = tree(SIMPLE)
    x = np.array([[4.0, 9.0, 6.0]])  # one unit: a, b, c
    batch = np.broadcast_to(x, (3, 1, 3))
    weights = np.array([[1.0] * 5, [3.0, 1.0, 1.0, 1.0, 3.0], [1.0] * 5])  # a, b, c, D1, D2
    aggs = (AggregateSpec(), AggregateSpec(method="geometric"))
    scores = score_levels(batch, h, weights, aggs, which=np.array([0, 0, 1]))
    dims, index = scores[..., 0:2], scores[..., 2:]
    # rep 0: D1 = 6.5, D2 = 6 -> 6.25; rep 1: D1 = (12 + 9)/4 = 5.25 -> (5.25 + 18)/4 = 5.8125
    # rep 2: D1 = sqrt(36) = 6, D2 = 6 -> 6
    assert dims[:, 0, 0] == pytest.approx([6.5, 5.25, 6.0])
    assert index[:, 0, 0] == pytest.approx([6.25, 5.8125, 6.0])


def test_missing_value_renormalises_and_zero_weight_drops():
    h = tree(SIMPLE)
    x = np.array([[[10.0, np.nan, 40.0]], [[10.0, 20.0, 40.0]]])
    weights = np.array([[1.0] * 5, [1.0, 0.0, 1.0, 1.0, 1.0]])
    scores = score_levels(x, h, weights)
    dims, index = scores[..., 0:2], scores[..., 2:]
    # b missing (rep 0) or weight 0 (rep 1): D1 = a = 10, index = 25
    assert dims[:, 0, 0] == pytest.approx([10.0, 10.0])
    assert index[:, 0, 0] == pytest.approx([25.0, 25.0])


def test_rank_desc_ties_take_minimum_and_nan_stays_nan():
    ranks = rank_desc(np.array([[3.0, 5.0, 3.0, np.nan, 1.0], [1.0, 2.0, 3.0, 4.0, 5.0]]))
    np.testing.assert_array_equal(ranks, [[2.0, 1.0, 2.0, np.nan, 4.0], [5.0, 4.0, 3.0, 2.0, 1.0]])


def _rule(levels: dict, **kw) -> StarRule:
    return StarRule.from_mapping({"levels": levels, **kw})


def test_star_bands_by_hand():
    index = np.array([[59.9, 60.0, 75.0, 95.0, np.nan]])
    rule = _rule({5: {"min_score": 90}, 4: {"min_score": 80}, 3: {"min_score": 70}, 2: {"min_score": 60}})
    np.testing.assert_array_equal(assign_stars_batch(index, rule), [[1, 2, 3, 5, 0]])
    # per-replication cut-offs override the rule's: rep 1 has the four-star band at 72
    two = np.vstack([index, index])
    got = assign_stars_batch(two, rule, overrides={(4, "min_score"): np.array([80.0, 72.0])})
    np.testing.assert_array_equal(got, [[1, 2, 3, 5, 0], [1, 2, 4, 5, 0]])


def test_star_quotas_by_rank_with_ties():
    # 10 units; 10 % five-star (1 slot), 30 % >= 4 (3), 60 % >= 3 (6), 90 % >= 2 (9)
    index = np.array([[100.0, 90, 90, 80, 70, 60, 50, 40, 30, 20]])
    rule = _rule({5: {"top_share": 0.1}, 4: {"top_share": 0.3}, 3: {"top_share": 0.6}, 2: {"top_share": 0.9}})
    # ranks 1, 2, 2, 4, ...: the tie at rank 2 shares four stars
    np.testing.assert_array_equal(assign_stars_batch(index, rule), [[5, 4, 4, 3, 3, 3, 2, 2, 2, 1]])


def test_star_gate_caps_five_stars():
    rule = _rule({5: {"min_score": 90, "min_dimension": 50}, 4: {"min_score": 80}, 3: {"min_score": 70}, 2: {"min_score": 60}})
    got = assign_stars_batch(np.array([[95.0, 95.0]]), rule, dimension_min=np.array([[70.0, 40.0]]))
    np.testing.assert_array_equal(got, [[5, 4]])


@pytest.mark.parametrize("ties", ["include", "exclude"])
@pytest.mark.parametrize("rounding", ["floor", "round", "ceil"])
def test_stars_batch_agrees_with_assign_stars(ties, rounding):
    rng = np.random.default_rng(7)
    index = np.round(rng.uniform(30, 100, (4, 57)), 0)  # rounded: many ties
    index[1, :5] = np.nan
    dims = rng.uniform(20, 100, (4, 57, 3))
    rule = _rule(
        {5: {"top_share": 0.07, "min_dimension": 45}, 4: {"top_share": 0.4}, 3: {"min_score": 60}, 2: {"min_score": 45}},
        ties=ties,
        rounding=rounding,
    )
    got = assign_stars_batch(index, rule, dimension_min=dims.min(axis=2))
    for r in range(4):
        expected = assign_stars(pd.Series(index[r]), pd.DataFrame(dims[r]), rule)
        np.testing.assert_array_equal(got[r], expected.fillna(0).to_numpy(dtype=int))
