"""The engine end to end: purity, batches of weights, data-driven weights, properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nidb.engine import (
    hierarchy_from_records,
    method_from_mapping,
    normalise_indicators,
    resolve_weights,
    run,
    score_batch,
)
from nidb.engine.weights import entropy_weights
from nidb.errors import ConfigError

TREE = hierarchy_from_records(
    [
        {"code": "x1", "level": 1, "parent": "D1", "weight": 1},
        {"code": "x2", "level": 1, "parent": "D1", "weight": 2, "direction": -1},
        {"code": "x3", "level": 1, "parent": "D2", "weight": 1},
        {"code": "x4", "level": 1, "parent": "D2", "weight": 1},
        {"code": "D1", "level": 2, "parent": "I", "weight": 3},
        {"code": "D2", "level": 2, "parent": "I", "weight": 1},
        {"code": "I", "level": 3},
    ],
    unit_id="unit",
)
INDICATORS = ["x1", "x2", "x3", "x4"]


def _data(values: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame(values, columns=INDICATORS)
    frame.insert(0, "unit", [f"u{i}" for i in range(len(frame))])
    return frame


def test_hand_calculated_index_for_one_unit():
    data = _data(np.array([[0.0, 10.0, 1.0, 5.0], [10.0, 0.0, 3.0, 5.0], [5.0, 5.0, 2.0, 10.0]]))
    result = run(data, TREE)
    # u2: x1 = 50, x2 (reversed) = 50, x3 = 50, x4 = 100 -> D1 = (50 + 2*50)/3 = 50, D2 = 75
    assert result.scores.loc["u2", "D1"] == pytest.approx(50)
    assert result.scores.loc["u2", "D2"] == pytest.approx(75)
    assert result.scores.loc["u2", "I"] == pytest.approx((3 * 50 + 75) / 4)
    # u1 is best on x1, x2 (reversed), x3: D1 = 100, D2 = (100 + 0)/2 = 50, I = 87.5
    assert result.scores.loc["u1", "I"] == pytest.approx(87.5)
    assert result.ranks.loc["u1", "I"] == 1
    np.testing.assert_allclose(result.shares.to_numpy(), [0.25, 0.5, 0.125, 0.125, 0.75, 0.25])


def test_run_is_pure_and_deterministic():
    rng = np.random.default_rng(4)
    data = _data(rng.lognormal(size=(30, 4)))
    before = data.copy()
    method = method_from_mapping({"treat": {"method": "jrc"}, "impute": {"method": "median"}})
    first, second = run(data, TREE, method), run(data, TREE, method)
    pd.testing.assert_frame_equal(data, before)
    pd.testing.assert_frame_equal(first.scores, second.scores)
    pd.testing.assert_frame_equal(first.ranks, second.ranks)


def test_batch_of_weight_sets_equals_separate_runs():
    rng = np.random.default_rng(9)
    data = _data(rng.uniform(0, 50, size=(25, 4)))
    method = method_from_mapping({})
    prepared_normalised = normalise_indicators(data[INDICATORS].to_numpy(), TREE, method.normalise)
    weights = rng.uniform(0.5, 2.0, size=(40, 6))
    batch = score_batch(prepared_normalised, TREE, weights, method.aggregate)
    assert batch.shape == (40, 25, 7)
    for r in (0, 13, 39):
        values = dict(zip(TREE.weighted_codes, weights[r]))
        single = run(
            data,
            TREE,
            method_from_mapping(
                {
                    "weights": {
                        "levels": {
                            1: {"scheme": "manual", "values": {c: values[c] for c in INDICATORS}},
                            2: {"scheme": "manual", "values": {c: values[c] for c in ("D1", "D2")}},
                        }
                    }
                }
            ),
        )
        np.testing.assert_allclose(batch[r], single.scores.to_numpy())


def test_entropy_weights_inside_a_run():
    rng = np.random.default_rng(2)
    data = _data(rng.uniform(0, 10, size=(40, 4)))
    result = run(data, TREE, method_from_mapping({"weights": {"levels": {1: {"scheme": "entropy"}}}}))
    w = result.weights
    assert w[["x1", "x2"]].sum() == pytest.approx(1.0) and w[["x3", "x4"]].sum() == pytest.approx(1.0)
    assert w["D1"] == 3 and w["D2"] == 1  # level 2 keeps the framework weights
    direct = resolve_weights(result.normalised.to_numpy(), TREE, result.method.weights, result.method.aggregate)
    np.testing.assert_allclose(direct, w.to_numpy())


def test_missing_values_flow_through_with_renormalised_weights():
    data = _data(np.array([[0.0, 10.0, 1.0, np.nan], [10.0, 0.0, 3.0, 5.0], [5.0, 5.0, 2.0, 10.0]]))
    result = run(data, TREE)
    assert result.scores.loc["u0", "D2"] == pytest.approx(0.0)  # only x3 (= 0) available
    assert result.imputation.set_index("code").at["x4", "missing_after"] == 1


def test_screening_before_imputation_drops_sparse_units():
    data = _data(np.array([[0.0, np.nan, np.nan, np.nan], [10.0, 0.0, 3.0, 5.0], [5.0, 5.0, 2.0, 10.0], [1, 2, 3, 4]]))
    result = run(data, TREE, method_from_mapping({"screen": {"min_availability": 0.5}, "impute": {"method": "mean"}}))
    assert result.prepared.screened_out == ("u0",)
    assert list(result.scores.index) == ["u1", "u2", "u3"]


finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False, allow_subnormal=False)  # a subnormal ×0.5 is 0


@settings(max_examples=60, deadline=None)
@given(
    values=arrays(np.float64, (8, 4), elements=finite),
    column=st.integers(0, 3),
    factor=st.floats(min_value=1e-3, max_value=1e3),
)
def test_minmax_arithmetic_scores_unchanged_by_positive_rescaling(values, column, factor):
    base = run(_data(values), TREE)
    scaled = values.copy()
    scaled[:, column] *= factor
    again = run(_data(scaled), TREE)
    np.testing.assert_allclose(again.scores.to_numpy(), base.scores.to_numpy(), rtol=1e-7, atol=1e-7)


@settings(max_examples=80, deadline=None)
@given(
    values=arrays(np.float64, (8, 4), elements=finite),
    unit=st.integers(0, 7),
    column=st.integers(0, 3),
    step=st.floats(min_value=1e-3, max_value=1e3),
)
def test_improving_one_indicator_never_lowers_the_units_index(values, unit, column, step):
    base = run(_data(values), TREE)
    better = values.copy()
    better[unit, column] += step * TREE.directions[column]  # "improve" respects the direction
    again = run(_data(better), TREE)
    assert again.scores.iloc[unit]["I"] >= base.scores.iloc[unit]["I"] - 1e-9


def test_score_batch_can_return_only_upper_levels():
    rng = np.random.default_rng(12)
    normalised = rng.uniform(0, 100, size=(10, 4))
    weights = rng.uniform(0.5, 1.5, size=(3, 6))
    spec = method_from_mapping({}).aggregate
    full = score_batch(normalised, TREE, weights, spec)
    top = score_batch(normalised, TREE, weights, spec, levels=[3])
    assert top.shape == (3, 10, 1)
    np.testing.assert_allclose(top[..., 0], full[..., -1])


def test_method_levels_must_exist_in_the_framework():
    data = _data(np.arange(12.0).reshape(3, 4))
    with pytest.raises(ConfigError, match=r"weights\.levels\.3"):
        run(data, TREE, method_from_mapping({"weights": {"levels": {3: {"scheme": "equal"}}}}))
    with pytest.raises(ConfigError, match=r"aggregate\.levels\.5"):
        run(data, TREE, method_from_mapping({"aggregate": {"levels": {5: {"method": "geometric"}}}}))


def test_long_table_has_one_row_per_unit_and_node():
    data = _data(np.array([[0.0, 10.0, 1.0, 5.0], [10.0, 0.0, 3.0, 5.0], [5.0, 5.0, 2.0, 10.0]]))
    result = run(data, TREE)
    table = result.long(TREE)
    assert len(table) == 3 * 7
    row = table[(table.unit == "u1") & (table.code == "I")].iloc[0]
    assert row.level == 3 and row["rank"] == 1 and row.score == pytest.approx(87.5)


def test_data_driven_weights_above_the_indicators_use_the_level_scores():
    rng = np.random.default_rng(8)
    data = _data(rng.uniform(0, 10, size=(30, 4)))
    result = run(data, TREE, method_from_mapping({"weights": {"levels": {2: {"scheme": "entropy"}}}}))
    # dimension scores with the framework indicator weights, then entropy over D1, D2
    d = result.scores[["D1", "D2"]].to_numpy()
    np.testing.assert_allclose(result.weights[["D1", "D2"]].to_numpy(), entropy_weights(d))
    np.testing.assert_allclose(result.weights[INDICATORS].to_numpy(), [1, 2, 1, 1])
