"""Expert score aggregation and inter-rater reliability against hand and published values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import friedmanchisquare

from nidb.errors import ConfigError
from nidb.evaluation.experts import aggregate_scores, profile_agreement, reliability

# Shrout & Fleiss (1979), Psychological Bulletin 86(2), Table 2: 6 targets × 4 judges.
SHROUT_FLEISS = np.array(
    [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]],
    dtype=float,
)


def long_form(matrix: np.ndarray, indicator: str = "I06", year: int = 2021) -> pd.DataFrame:
    """Units × experts matrix → contract long form (NaN cells left out)."""
    rows = [
        {
            "unit_id": f"B{i:04d}",
            "year": year,
            "indicator_id": indicator,
            "expert_id": f"E{j:02d}",
            "score": matrix[i, j],
        }
        for i in range(matrix.shape[0])
        for j in range(matrix.shape[1])
        if not np.isnan(matrix[i, j])
    ]
    return pd.DataFrame(rows)


def cell(*scores: float, unit: str = "B0001") -> pd.DataFrame:
    """One unit-year-indicator cell scored by len(scores) experts."""
    return pd.DataFrame(
        {
            "unit_id": unit,
            "year": 2022,
            "indicator_id": "I12",
            "expert_id": [f"E{j}" for j in range(len(scores))],
            "score": list(scores),
        }
    )


def test_trimmed_mean_drops_one_highest_and_one_lowest_with_five_experts() -> None:
    out = aggregate_scores(cell(60, 100, 80, 70, 90))
    assert out["score"].item() == pytest.approx(80.0)  # (70+80+90)/3
    assert out["n_experts"].item() == 5
    assert out["n_used"].item() == 3


def test_trimmed_mean_is_plain_mean_below_five_experts() -> None:
    out = aggregate_scores(cell(50, 60, 70, 100))
    assert out["score"].item() == pytest.approx(70.0)
    assert out["n_used"].item() == 4


def test_trimmed_mean_drops_only_one_copy_of_a_tied_extreme() -> None:
    out = aggregate_scores(cell(50, 50, 70, 80, 90, 90))
    assert out["score"].item() == pytest.approx((50 + 70 + 80 + 90) / 4)


def test_trimmed_mean_of_equal_scores_is_that_score() -> None:
    # dropping "the" highest and "the" lowest must drop two distinct scores
    out = aggregate_scores(cell(100, 100, 100, 100, 100))
    assert out["score"].item() == pytest.approx(100.0)
    assert out["score_sd"].item() == pytest.approx(0.0)


def test_trimming_two_from_each_end_with_ties() -> None:
    out = aggregate_scores(cell(53, 61, 53, 50, 53, 53), trim_min_experts=6, trim_count=2)
    assert out["score"].item() == pytest.approx(53.0)  # (53 + 53) / 2 after dropping 50, 53 and 53, 61
    assert out["n_used"].item() == 2


def test_median_and_mean_alternatives() -> None:
    scores = cell(50, 60, 70, 100)
    assert aggregate_scores(scores, method="median")["score"].item() == pytest.approx(65.0)
    five = cell(60, 100, 80, 70, 95)
    assert aggregate_scores(five, method="mean")["score"].item() == pytest.approx(81.0)


def test_aggregation_is_per_cell() -> None:
    scores = pd.concat([cell(60, 100, 80, 70, 90, unit="B0001"), cell(10, 20, unit="B0002")])
    out = aggregate_scores(scores).set_index("unit_id")["score"]
    assert out.to_dict() == pytest.approx({"B0001": 80.0, "B0002": 15.0})


def test_invalid_aggregation_parameters_raise_config_error() -> None:
    with pytest.raises(ConfigError):
        aggregate_scores(cell(1, 2, 3), method="mode")
    with pytest.raises(ConfigError):
        aggregate_scores(cell(1, 2, 3), trim_min_experts=2, trim_count=1)


def test_icc_matches_shrout_fleiss_published_values() -> None:
    rel = reliability(long_form(SHROUT_FLEISS)).iloc[0]
    # published mean squares (Table 2) and ICCs (Table 4), two decimals
    assert rel["ms_rows"] == pytest.approx(11.24, abs=0.005)
    assert rel["ms_cols"] == pytest.approx(32.49, abs=0.005)
    assert rel["ms_error"] == pytest.approx(1.02, abs=0.005)
    assert rel["ms_within"] == pytest.approx(6.26, abs=0.005)
    expected = {"icc1": 0.17, "icc2": 0.29, "icc3": 0.71, "icc1k": 0.44, "icc2k": 0.62, "icc3k": 0.91}
    for name, value in expected.items():
        assert rel[name] == pytest.approx(value, abs=0.005), name
    assert rel["n_units_crossed"] == 6 and rel["n_experts"] == 4 and rel["k0"] == pytest.approx(4.0)


def test_kendall_w_with_ties_matches_hand_calculation() -> None:
    # units × experts; ranks per expert: E0 (4, 2.5, 2.5, 1), E1 (4, 3, 2, 1), E2 (3, 3, 3, 1)
    m = np.array([[80, 90, 70], [70, 80, 70], [70, 60, 70], [60, 50, 40]], dtype=float)
    # R = (11, 8.5, 7.5, 3), S = 33.5, Σ(t³−t) = 6 + 24 = 30
    # W = 12·33.5 / (3²·(4³−4) − 3·30) = 402 / 450
    w = reliability(long_form(m))["kendall_w"].item()
    assert w == pytest.approx(402 / 450)


def test_kendall_w_equals_tie_corrected_friedman_statistic() -> None:
    rng = np.random.default_rng(7)
    m = rng.integers(50, 60, size=(12, 5)).astype(float)  # many ties
    chi2 = friedmanchisquare(*m).statistic  # treatments = units, blocks = experts
    w = reliability(long_form(m))["kendall_w"].item()
    assert w == pytest.approx(chi2 / (5 * (12 - 1)))


def test_reliability_is_per_indicator_year_and_drops_incomplete_units() -> None:
    m = SHROUT_FLEISS.copy()
    m_missing = np.vstack([m, [[np.nan, 3, 4, 5]]])  # a 7th unit missed by expert E00
    scores = pd.concat(
        [long_form(m_missing, "I06", 2021), long_form(m[:, ::-1], "I07", 2021), long_form(m, "I06", 2022)]
    )
    rel = reliability(scores).set_index(["indicator_id", "year"])
    assert rel.loc[("I06", 2021), "n_units"] == 7
    assert rel.loc[("I06", 2021), "n_units_crossed"] == 6
    # the complete part is Shrout & Fleiss again; reordering experts changes nothing
    for key in [("I06", 2021), ("I07", 2021), ("I06", 2022)]:
        assert rel.loc[key, "icc2"] == pytest.approx(0.29, abs=0.005)


def test_reliability_is_nan_with_a_single_complete_unit() -> None:
    rel = reliability(long_form(SHROUT_FLEISS[:1]))
    assert rel["icc2"].isna().all() and rel["kendall_w"].isna().all()


def test_one_way_icc_for_nested_panels_of_unequal_size_matches_hand_calculation() -> None:
    # three units, each scored by its own panel: A (1, 2, 3), B (4, 6), C (7, 8, 9, 10)
    panels = {"B0001": [1, 2, 3], "B0002": [4, 6], "B0003": [7, 8, 9, 10]}
    rows = [
        {"unit_id": u, "year": 2022, "indicator_id": "I23", "expert_id": f"E{u[-1]}{j}", "score": v}
        for u, values in panels.items()
        for j, v in enumerate(values)
    ]
    rel = reliability(pd.DataFrame(rows)).iloc[0]
    # grand mean 50/9; SSB = 5931/81, MSB = 5931/162; SSW = 2 + 2 + 5 = 9, MSW = 9/6
    # k0 = (9 − 29/9)/2 = 26/9; ICC(1) = (MSB − MSW)/(MSB + (k0 − 1)·MSW) = 5688/6390
    assert rel["k0"] == pytest.approx(26 / 9)
    assert rel["icc1"] == pytest.approx(5688 / 6390)
    assert rel["icc1k"] == pytest.approx(5688 / 5931)
    # no expert scored two units: no crossed part, so the two-way statistics are missing
    assert rel["n_units_crossed"] == 0
    assert np.isnan(rel["icc2"]) and np.isnan(rel["kendall_w"])


def test_profile_agreement_per_unit_year_matches_shrout_fleiss() -> None:
    # one unit-year whose panel scores six indicators: the Shrout & Fleiss table again,
    # with indicators as targets; a second unit with a single indicator has no statistic
    rows = [
        {"unit_id": "B0001", "year": 2022, "indicator_id": f"I{20 + i}", "expert_id": f"E{j}", "score": SHROUT_FLEISS[i, j]}
        for i in range(6)
        for j in range(4)
    ]
    rows += [{"unit_id": "B0002", "year": 2022, "indicator_id": "I21", "expert_id": f"E{j}", "score": 70.0} for j in range(4)]
    out = profile_agreement(pd.DataFrame(rows)).set_index("unit_id")
    assert out.loc["B0001", "icc3"] == pytest.approx(0.71, abs=0.005)
    assert out.loc["B0001", "icc3k"] == pytest.approx(0.91, abs=0.005)
    chi2 = friedmanchisquare(*SHROUT_FLEISS).statistic
    assert out.loc["B0001", "kendall_w"] == pytest.approx(chi2 / (4 * 5))
    assert out.loc["B0001", "n_indicators"] == 6 and out.loc["B0001", "n_experts"] == 4
    assert np.isnan(out.loc["B0002", "kendall_w"])
