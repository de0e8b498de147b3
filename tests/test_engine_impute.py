"""Missing-data policies and their counts; screening by availability; denomination."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nidb.engine import hierarchy_from_records
from nidb.engine.denominate import denominate
from nidb.engine.impute import impute
from nidb.engine.screen import screen_table, screen_units
from nidb.errors import ConfigError

VALUES = pd.DataFrame({"a": [1.0, np.nan, 3.0, 10.0, np.nan], "b": [2.0, 4.0, np.nan, np.nan, np.nan]})
GROUPS = pd.Series(["x", "x", "x", "y", "y"])


def test_none_keeps_gaps_and_counts_them():
    filled, report = impute(VALUES, "none")
    assert filled.isna().sum().tolist() == [2, 3]
    assert report.set_index("code").loc["a"].tolist() == [2, 0, 2]


def test_mean_and_median():
    filled, report = impute(VALUES, "mean")
    assert filled.loc[1, "a"] == pytest.approx((1 + 3 + 10) / 3)
    assert filled.loc[2, "b"] == pytest.approx(3.0)
    assert report["missing_after"].sum() == 0 and report["imputed"].tolist() == [2, 3]
    filled, _ = impute(VALUES, "median")
    assert filled.loc[1, "a"] == 3.0


def test_group_mean_uses_the_unit_group_and_leaves_empty_groups_missing():
    filled, report = impute(VALUES, "group_mean", GROUPS)
    assert filled.loc[1, "a"] == pytest.approx(2.0)  # mean of group x: 1, 3
    assert filled.loc[4, "a"] == pytest.approx(10.0)  # group y: 10
    assert filled.loc[2, "b"] == pytest.approx(3.0)  # group x: 2, 4
    assert np.isnan(filled.loc[3, "b"]) and np.isnan(filled.loc[4, "b"])  # group y has no b
    rep = report.set_index("code")
    assert rep.loc["b"].tolist() == [3, 1, 2]


def test_group_methods_need_a_group():
    with pytest.raises(ConfigError, match="分组"):
        impute(VALUES, "group_mean")
    with pytest.raises(ConfigError, match="impute.method"):
        impute(VALUES, "hot_deck")


def test_screening_by_availability():
    np.testing.assert_array_equal(screen_units(VALUES, 0.5), [True, True, True, True, False])
    np.testing.assert_array_equal(screen_units(VALUES, None), [True] * 5)


def test_denominate_divides_and_counts_missing_and_zero_denominators():
    h = hierarchy_from_records(
        [
            {"code": "a", "level": 1, "parent": "I", "denominator": "gdp"},
            {"code": "b", "level": 1, "parent": "I"},
            {"code": "I", "level": 2},
        ]
    )
    data = pd.DataFrame({"gdp": [2.0, 0.0, np.nan, 5.0, 1.0]})
    out, report = denominate(VALUES, data, h)
    assert out.loc[0, "a"] == 0.5 and out.loc[3, "a"] == 2.0
    assert np.isnan(out.loc[1, "a"])  # no division by zero
    pd.testing.assert_series_equal(out["b"], VALUES["b"])
    assert report.iloc[0][["missing_denominator", "zero_denominator"]].tolist() == [1, 1]


def test_screening_by_zeros_counts_zeros_among_values_present():
    # COINr get_data_avail / Screen(unit_screen = "byzeros" | "byNAandzeros"): N_zero counts
    # zeros, Non_Zero is the share of non-zero values among the values present,
    # LowNonZero = Non_Zero < nonzero_thresh
    values = pd.DataFrame({"a": [0.0, 0.0, 1.0, np.nan], "b": [0.0, 2.0, 0.0, np.nan], "c": [np.nan, 3.0, 4.0, 5.0]})
    table = screen_table(values, min_availability=0.5, min_nonzero=0.5)
    assert table["n_zero"].tolist() == [2, 1, 1, 0]
    assert table["n_missing"].tolist() == [1, 0, 0, 2]
    np.testing.assert_allclose(table["non_zero"], [0.0, 2 / 3, 2 / 3, 1.0])
    assert table["low_nonzero"].tolist() == [True, False, False, False]
    assert table["low_availability"].tolist() == [False, False, False, True]
    assert table["included"].tolist() == [False, True, True, False]  # byNAandzeros
    np.testing.assert_array_equal(screen_units(values, None, 0.5), [False, True, True, True])  # byzeros


def test_screen_by_zeros_in_a_method_removes_the_unit():
    from nidb.engine import method_from_mapping, run

    h = hierarchy_from_records(
        [{"code": c, "level": 1, "parent": "I"} for c in ("a", "b", "c")] + [{"code": "I", "level": 2}], unit_id="u"
    )
    data = pd.DataFrame({"u": ["x", "y", "z"], "a": [0.0, 1.0, 2.0], "b": [0.0, 5.0, 1.0], "c": [0.0, 2.0, 3.0]})
    result = run(data, h, method_from_mapping({"screen": {"min_nonzero": 0.05}}))
    assert result.prepared.screened_out == ("x",)
    assert list(result.data_sets) == ["Raw", "Screened", "Normalised", "Aggregated"]
    assert bool(result.prepared.screening.at["x", "low_nonzero"])
