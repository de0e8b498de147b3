"""Star rules: absolute bands, quotas (with ties and rounding) and dimension gates."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nidb.errors import ConfigError
from nidb.evaluation.stars import StarRule, assign_stars, quota_slots, star_shares

BANDS = {5: {"min_score": 80}, 4: {"min_score": 70}, 3: {"min_score": 60}, 2: {"min_score": 40}}


def rule(levels: dict, **kw) -> StarRule:
    return StarRule.from_mapping({"levels": levels, **kw}, source="test.yaml")


def series(*values: float) -> pd.Series:
    return pd.Series(values, index=[f"B{i:04d}" for i in range(len(values))], dtype="float64")


def test_bands_are_inclusive_lower_bounds() -> None:
    stars = assign_stars(series(85, 80, 70, 69.99, 60, 40, 39.9, 0), None, rule(BANDS))
    assert stars.tolist() == [5, 5, 4, 3, 3, 2, 1, 1]


def test_quota_ties_at_the_boundary_include_or_exclude() -> None:
    idx = series(100, 90, 90, 80, 70, 60, 50, 40, 30, 20)
    levels = {5: {"top_share": 0.2}, 4: {"top_share": 0.5}, 3: {"min_score": 0}, 2: {"min_score": 0}}
    include = assign_stars(idx, None, rule(levels, ties="include"))
    exclude = assign_stars(idx, None, rule(levels, ties="exclude"))
    # 2 five-star slots: the tie at places 2–3 gets both in (include) or both out (exclude)
    assert include.tolist()[:5] == [5, 5, 5, 4, 4]
    assert exclude.tolist()[:5] == [5, 4, 4, 4, 4]
    assert include.tolist()[5:] == [3] * 5


@pytest.mark.parametrize(("rounding", "slots"), [("floor", 1), ("round", 2), ("ceil", 2)])
def test_quota_rounding(rounding: str, slots: int) -> None:
    assert quota_slots(0.15, 10, rounding) == slots
    idx = series(*range(10, 0, -1))
    levels = {5: {"top_share": 0.15}, 4: {"min_score": 100}, 3: {"min_score": 100}, 2: {"min_score": 100}}
    assert (assign_stars(idx, None, rule(levels, rounding=rounding)) == 5).sum() == slots


def test_quota_slots_ignore_float_noise() -> None:
    assert quota_slots(0.07, 100, "floor") == 7  # 0.07 * 100 = 7.000000000000001
    assert quota_slots(0.29, 100, "ceil") == 29  # 0.29 * 100 = 28.999999999999996


def test_gate_demotes_without_refilling_the_quota() -> None:
    idx = series(95, 90, 85, 80, 75, 70, 65, 60, 55, 50)
    dims = pd.DataFrame({"D1": [55, 80, 80, 80, 80, 80, 80, 80, 80, 80], "D2": 70.0}, index=idx.index)
    levels = {5: {"top_share": 0.1, "min_dimension": 60}, 4: {"top_share": 0.4}, 3: {"min_score": 60}, 2: {"min_score": 50}}
    stars = assign_stars(idx, dims, rule(levels))
    assert stars.tolist() == [4, 4, 4, 4, 3, 3, 3, 3, 2, 2]


def test_a_missing_dimension_fails_the_gate() -> None:
    idx = series(95, 90)
    dims = pd.DataFrame({"D1": [np.nan, 80], "D2": [90, 80]}, index=idx.index)
    levels = {5: {"min_score": 85, "min_dimension": 60}, 4: {"min_score": 85}, 3: {"min_score": 0}, 2: {"min_score": 0}}
    assert assign_stars(idx, dims, rule(levels)).tolist() == [4, 5]


def test_a_dimension_nobody_has_is_left_out_of_the_gate() -> None:
    idx = series(95, 90)
    dims = pd.DataFrame({"D1": [80, 50], "D5": [np.nan, np.nan]}, index=idx.index)
    levels = {5: {"min_score": 85, "min_dimension": 60}, 4: {"min_score": 85}, 3: {"min_score": 0}, 2: {"min_score": 0}}
    assert assign_stars(idx, dims, rule(levels)).tolist() == [5, 4]


def test_units_without_an_index_are_not_rated_nor_counted_in_the_quota() -> None:
    idx = series(90, np.nan, 80, 70, 60)
    levels = {5: {"top_share": 0.25}, 4: {"top_share": 0.5}, 3: {"min_score": 65}, 2: {"min_score": 0}}
    stars = assign_stars(idx, None, rule(levels))
    assert stars.isna().tolist() == [False, True, False, False, False]
    assert stars.dropna().tolist() == [5, 4, 3, 2]  # 4 rated: one five-star, two 4+


def test_star_shares_count_rated_units() -> None:
    shares = star_shares(pd.Series([5, 4, 4, 3, pd.NA], dtype="Int64")).set_index("stars")
    assert shares.loc[4, "count"] == 2 and shares.loc[4, "share"] == pytest.approx(0.5)
    assert shares.loc[1, "count"] == 0


@pytest.mark.parametrize(
    ("spec", "key"),
    [
        ({"levels": {5: {"top_share": 0.5}, 4: {"top_share": 0.2}, 3: {"min_score": 1}, 2: {"min_score": 0}}}, "stars.levels.4.top_share"),
        ({"levels": {5: {"min_score": 50}, 4: {"min_score": 60}, 3: {"min_score": 1}, 2: {"min_score": 0}}}, "stars.levels.4.min_score"),
        ({"levels": {5: {"min_score": 50}, 4: {"min_score": 40}, 3: {"min_score": 30}}}, "stars.levels"),
        ({"levels": {5: {"top": 0.1}, 4: {"min_score": 40}, 3: {"min_score": 30}, 2: {"min_score": 1}}}, "stars.levels.5"),
        ({"levels": {5: {"top_share": 1.5}, 4: {"min_score": 40}, 3: {"min_score": 30}, 2: {"min_score": 1}}}, "stars.levels.5.top_share"),
        ({"levels": {5: {}, 4: {"min_score": 40}, 3: {"min_score": 30}, 2: {"min_score": 1}}}, "stars.levels.5"),
        ({"ties": "random", "levels": BANDS}, "stars.ties"),
    ],
)
def test_invalid_star_rules_name_the_key(spec: dict, key: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(f"test.yaml，键 {key}：")):
        StarRule.from_mapping(spec, source="test.yaml")


scores = st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=60)
shares = st.lists(st.floats(0.01, 1.0), min_size=2, max_size=2).map(sorted)


@settings(max_examples=200, deadline=None)
@given(values=scores, quota=shares, band=st.floats(0, 100), ties=st.sampled_from(["include", "exclude"]))
def test_a_higher_index_never_gets_fewer_stars(values, quota, band, ties) -> None:
    levels = {5: {"top_share": quota[0]}, 4: {"top_share": quota[1]}, 3: {"min_score": band}, 2: {"min_score": band / 2}}
    idx = series(*values)
    stars = assign_stars(idx, None, rule(levels, ties=ties)).to_numpy(dtype=int)
    order = np.argsort(idx.to_numpy(), kind="stable")
    assert (np.diff(stars[order]) >= 0).all()
    # exclude never exceeds a quota; include exceeds it only by a tie at the boundary
    five = int((stars == 5).sum())
    slots = quota_slots(quota[0], len(values), "floor")
    if ties == "exclude":
        assert five <= slots
    elif five > slots:
        top = np.sort(idx.to_numpy())[::-1]
        assert top[slots - 1] == top[five - 1] if slots > 0 else False
