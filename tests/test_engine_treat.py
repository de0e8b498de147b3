"""The JRC outlier rule as COINr 1.1.14 ``Treat()`` applies it.

Expected values: COINr's own unit tests (tests/testthat/test-treat.R), scipy's
bias-corrected sample statistics, and hand-written formulas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from nidb.engine.treat import TreatSpec, kurtosis, skewness, treat, treat_detail


def _treat(x, **kw):
    values, report = treat(pd.DataFrame({"x": np.asarray(x, dtype=float)}), TreatSpec(**kw))
    return values["x"].to_numpy(), report.iloc[0]


def test_statistics_are_the_bias_corrected_sample_ones():
    rng = np.random.default_rng(3)
    x = rng.lognormal(size=(40, 6))
    x[::7, 2] = np.nan
    for j in range(6):
        col = x[:, j][~np.isnan(x[:, j])]
        assert skewness(x)[j] == pytest.approx(stats.skew(col, bias=False))
        assert kurtosis(x)[j] == pytest.approx(stats.kurtosis(col, fisher=True, bias=False))


def test_single_outlier_is_winsorised_to_the_next_value():
    # COINr test-treat.R: x <- c(1:10, 100); Treat(..., winmax = 5) sets 100 to 10
    x = list(range(1, 11)) + [100]
    out, rep = _treat(x)
    assert out[-1] == 10
    assert list(out[:10]) == list(range(1, 11))
    assert rep.failed and rep.treatment == "winsorised" and rep.winsorised_points == 1
    assert rep.winsorised_side == "high" and rep.passes_after


def test_log_of_original_values_when_winsorisation_is_not_enough():
    # COINr test-treat.R: x <- c(1:20, 100, 200) with winmax = 1 does not pass after winsorising;
    # the second step transforms the ORIGINAL values: log_CT(x) = log(x - min + 0.01 (max - min))
    x = np.array(list(range(1, 21)) + [100, 200], dtype=float)
    out, rep = _treat(x, winsorise_max=1)
    assert rep.treatment == "log_ct" and rep.winsorised_points == 0
    np.testing.assert_allclose(out, np.log(x - 1 + 0.01 * 199))


def test_negative_skew_winsorises_the_low_tail():
    x = [-100] + list(range(1, 11))
    out, rep = _treat(x)
    assert out[0] == 1 and rep.winsorised_side == "low"
    assert list(out[1:]) == list(range(1, 11))


def test_tied_maxima_move_together():
    x = list(range(1, 21)) + [100, 100]
    out, rep = _treat(x)
    assert list(out[-2:]) == [20, 20]
    assert rep.winsorised_points == 2


def test_winsorisation_stops_at_the_limit_then_logs():
    # 1..30 plus 1000, 2000, 3000: two steps leave three tied values at 1000, still failing
    x = np.array(list(range(1, 31)) + [1000, 2000, 3000], dtype=float)
    out, rep = _treat(x, winsorise_max=2)
    assert rep.treatment == "log_ct"
    np.testing.assert_allclose(out, np.log(x - 1 + 0.01 * 2999))
    # with the default limit of five points, three winsorisations are enough
    out5, rep5 = _treat(x)
    assert rep5.treatment == "winsorised" and rep5.winsorised_points == 3
    assert list(out5[-3:]) == [30, 30, 30]


def test_log_ct_plus_reflects_negatively_skewed_indicators():
    x = np.array([-3000.0, -2000.0, -1000.0] + list(range(1, 31)))
    out, rep = _treat(x, winsorise_max=2, log="log_ct_plus")
    assert rep.treatment == "log_ct_plus"
    a = 0.01 * (30 + 3000)
    np.testing.assert_allclose(out, -np.log(30 + a - x))
    assert skewness(out[:, None])[0] > skewness(x[:, None])[0]  # skew reduced in size


def test_rule_needs_both_skewness_and_kurtosis():
    # symmetric heavy tails: kurtosis far above 3.5 but skewness 0 -> not treated
    x = [-100] + list(range(1, 11)) + [111]
    out, rep = _treat(x)
    assert rep["kurtosis"] >= 3.5 and abs(rep["skew"]) < 2
    assert not rep.failed and rep.treatment == "none"
    np.testing.assert_array_equal(out, x)


def test_failed_flag_is_the_jrc_condition_on_many_columns():
    rng = np.random.default_rng(11)
    x = np.concatenate([rng.lognormal(sigma=s, size=(30, 1)) for s in np.linspace(0.1, 2.0, 20)], axis=1)
    _, report = treat(pd.DataFrame(x), TreatSpec())
    sk = stats.skew(x, axis=0, bias=False)
    kt = stats.kurtosis(x, axis=0, bias=False)
    expected = (np.abs(sk) >= 2) & (kt >= 3.5)
    assert expected.any() and (~expected).any()
    np.testing.assert_array_equal(report["failed"].to_numpy(), expected)


def test_missing_values_are_ignored_and_kept():
    x = [np.nan] + list(range(1, 11)) + [100, np.nan]
    out, rep = _treat(x)
    assert np.isnan(out[0]) and np.isnan(out[-1])
    assert out[-2] == 10 and rep.winsorised_points == 1


def test_undefined_statistics_leave_the_indicator_untreated():
    values, report = treat(pd.DataFrame({"const": [5.0] * 8, "short": [1.0, 2.0, 900.0, np.nan, np.nan, np.nan, np.nan, np.nan]}))
    assert list(report["treatment"]) == ["none", "none"]
    assert values["short"].iloc[2] == 900.0


def test_columns_are_treated_independently_in_one_call():
    a = list(range(1, 11)) + [100]
    b = [-100] + list(range(1, 11))
    c = list(range(11))
    values, report = treat(pd.DataFrame({"a": a, "b": b, "c": c}, dtype=float))
    assert values["a"].iloc[-1] == 10 and values["b"].iloc[0] == 1
    assert list(values["c"]) == c
    assert list(report["treatment"]) == ["winsorised", "winsorised", "none"]


def test_points_and_the_winsorisation_tried_before_the_log():
    # the case above: with winmax 2, step 1 moves 3000 to 2000, step 2 moves both (tied) to 1000;
    # still failing, so the log replaces it: the two values the winsorisation moved stay
    # countable (COINr winsorise() nwin = 2, the tied group of the latest step) and every value
    # is marked "log"
    x = np.array(list(range(1, 31)) + [1000, 2000, 3000], dtype=float)
    frame = pd.DataFrame({"a": x, "b": list(range(1, 33)) + [np.nan]})
    _, report, points = treat_detail(frame, TreatSpec(winsorise_max=2))
    row = report.set_index("code").loc["a"]
    assert row.treatment == "log_ct" and row.winsorised_points == 0 and row.winsorised_tried == 2
    assert (points["a"] == "log").all()
    assert (points["b"] == "").all()  # passes untreated
    _, report5, points5 = treat_detail(frame, TreatSpec())
    assert report5.set_index("code").at["a", "winsorised_tried"] == 3
    assert points5["a"].tolist() == [""] * 30 + ["high"] * 3


def test_low_side_points_are_marked_low():
    frame = pd.DataFrame({"a": [-100.0] + list(range(1, 11))})
    _, _, points = treat_detail(frame)
    assert points["a"].tolist() == ["low"] + [""] * 10
