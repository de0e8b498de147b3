"""Statistical coherence: expected values are hand calculations, not the code's output."""

import numpy as np
import pandas as pd
import pytest

from nidb.audit.coherence import (
    CoherenceThresholds,
    correlation_ratio,
    correlations,
    cronbach_alpha,
    effective_weights,
    group_statistics,
    leave_one_out,
    level_scores,
    pca,
)
from nidb.engine.framework_table import hierarchy_from_records


def tree(parents: dict, top: str = "I"):
    """A three-level framework with equal weights from child -> parent pairs."""
    records = [{"code": c, "level": 2 if p == top else 1, "parent": p} for c, p in parents.items()]
    return hierarchy_from_records(records + [{"code": top, "level": 3, "parent": ""}])


def test_cronbach_alpha_by_hand():
    items = pd.DataFrame({"A": [1, 2, 3, 4], "B": [2, 3, 3, 5], "C": [1, 3, 2, 4]}, dtype=float)
    # item variances 5/3 + 4.75/3 + 5/3 = 14.75/3; totals 4, 8, 8, 13 -> variance 40.75/3
    # alpha = 3/2 * (1 - 14.75/40.75) = 156/163
    assert cronbach_alpha(items) == pytest.approx(156 / 163)


def test_cronbach_alpha_complete_rows_option_drops_incomplete_rows():
    items = pd.DataFrame({"A": [1, 2, 3, 4, np.nan], "B": [2, 3, 3, 5, 1], "C": [1, 3, 2, 4, 9]}, dtype=float)
    assert cronbach_alpha(items, "complete") == pytest.approx(156 / 163)


def test_cronbach_alpha_pairwise_by_hand():
    # COINr get_cronbach: C = cov(x, use = "pairwise.complete.obs"), alpha = k^2 mean(offdiag C) / sum(C).
    # A, B over rows 1-3 (A missing in row 4): cov(A,B) = cov([1,2,3],[2,3,3]) = 1/2;
    # var A = var(1,2,3) = 1, var B = var(2,3,3,5) = 4.75/3 = 19/12;
    # alpha = 2^2 * (1/2) / (1 + 19/12 + 2 * 1/2) = 2 / (43/12) = 24/43
    items = pd.DataFrame({"A": [1, 2, 3, np.nan], "B": [2, 3, 3, 5]}, dtype=float)
    assert cronbach_alpha(items) == pytest.approx(24 / 43)
    assert cronbach_alpha(items, "complete") == pytest.approx(2 * (1 - (1 + 1 / 3) / (1 + 1 / 3 + 1)))


def test_pca_two_items_by_hand():
    # r = 0.8 -> eigenvalues 1.8 and 0.2, PC1 loadings sqrt(0.9) each
    res = pca(pd.DataFrame({"A": [1, 2, 3, 4], "B": [1, 3, 2, 4]}, dtype=float))
    assert res.eigenvalues.to_numpy() == pytest.approx([1.8, 0.2])
    assert res.explained.to_numpy() == pytest.approx([0.9, 0.1])
    assert res.loadings["PC1"].to_numpy() == pytest.approx([np.sqrt(0.9)] * 2)


def test_pca_three_items_with_an_orthogonal_one():
    # C is uncorrelated with A and B: correlation blocks [[1, .8], [.8, 1]] and [1]
    items = pd.DataFrame({"A": [1, 2, 3, 4], "B": [1, 3, 2, 4], "C": [1, -1, -1, 1]}, dtype=float)
    res = pca(items)
    assert res.eigenvalues.to_numpy() == pytest.approx([1.8, 1.0, 0.2])
    assert res.explained.to_numpy() == pytest.approx([0.6, 1 / 3, 0.2 / 3])
    assert res.loadings["PC1"].to_numpy() == pytest.approx([np.sqrt(0.9), np.sqrt(0.9), 0.0], abs=1e-12)
    assert abs(res.loadings.at["C", "PC2"]) == pytest.approx(1.0)


def test_eta2_of_a_linear_relation_is_one_and_of_noise_near_zero():
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 100, 500)
    assert correlation_ratio(x, 2 * x + 1) == pytest.approx(1.0, abs=1e-9)
    assert correlation_ratio(x, rng.normal(size=500)) < 0.03


def test_eta2_of_a_binary_indicator_is_the_between_group_share():
    x = np.array([0.0, 0.0, 1.0, 1.0, 0.0, 1.0])
    y = np.array([0.0, 2.0, 4.0, 6.0, 1.0, 5.0])
    # group means 1 and 5 (grand mean 3): between variance 4; total variance (9+1+1+9+4+4)/6 = 28/6
    assert correlation_ratio(x, y) == pytest.approx(6 / 7)


def test_eta2_sees_a_nonlinear_relation_that_pearson_misses():
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, 800)
    y = x**2 + rng.normal(scale=0.05, size=800)
    assert abs(np.corrcoef(x, y)[0, 1]) < 0.1
    assert correlation_ratio(x, y, frac=0.3) > 0.9


@pytest.fixture
def small():
    h = tree({"a": "D1", "b": "D1", "c": "D2", "d": "D2", "D1": "I", "D2": "I"})
    x = pd.DataFrame(
        {"a": [0, 50, 100, 20], "b": [10, 40, 90, 30], "c": [100, 0, 20, 60], "d": [80, 10, 0, 90]},
        index=["u1", "u2", "u3", "u4"],
        dtype=float,
    )
    return h, x


def test_level_scores_and_correlation_flags(small):
    h, x = small
    table = level_scores(x, h)
    # D1 of u2 = (50 + 40) / 2, index = (45 + 5) / 2
    assert table.at["u2", "D1"] == pytest.approx(45.0)
    assert table.at["u2", "I"] == pytest.approx(25.0)
    corr = correlations(table, h, CoherenceThresholds(collinear=0.9))
    ab = corr[(corr.code_a == "a") & (corr.code_b == "b")].iloc[0]
    assert ab.relation == "within"
    # hand: cross-products 4375, sums of squares 5675 and 3475 -> r = 0.98519
    assert ab.pearson == pytest.approx(4375 / np.sqrt(5675 * 3475))
    assert ab.flag_collinear
    assert corr[(corr.code_a == "a") & (corr.code_b == "c")].empty  # different groups: no within pair
    assert corr[(corr.code_a == "a") & (corr.code_b == "D2")].relation.tolist() == ["across"]
    assert set(corr.relation) == {"within", "parent", "across", "index"}


def test_negative_within_group_is_flagged():
    h = tree({"a": "D1", "b": "D1", "c": "D2", "D1": "I", "D2": "I"})
    x = pd.DataFrame({"a": [0.0, 1, 2, 3], "b": [3.0, 2, 1, 0], "c": [1.0, 2, 3, 5]})
    corr = correlations(level_scores(x, h), h)
    ab = corr[(corr.code_a == "a") & (corr.code_b == "b")].iloc[0]
    assert ab.pearson == pytest.approx(-1.0)
    assert ab.flag_negative and ab.flag_collinear
    assert not corr[corr.relation != "within"].flag_negative.any()


def test_group_statistics_alpha_matches_direct_call(small):
    h, x = small
    summary, loadings = group_statistics(level_scores(x, h), h)
    d1 = summary.set_index("group").loc["D1"]
    assert d1.cronbach_alpha == pytest.approx(cronbach_alpha(x[["a", "b"]]))
    assert set(loadings.group) == {"D1", "D2", "I"}


def test_effective_weights_shares_sum_to_one_per_level(small):
    h, x = small
    rng = np.random.default_rng(0)
    big = pd.DataFrame(rng.uniform(0, 100, (60, 4)), columns=list("abcd"))
    ew = effective_weights(level_scores(big, h), h)
    assert ew.groupby("level").eta2_share.sum().to_numpy() == pytest.approx([1.0, 1.0])
    assert ew.eta2.between(0, 1).all()
    assert ew.groupby("level").nominal_share.sum().to_numpy() == pytest.approx([1.0, 1.0])
    assert ew.set_index("code").nominal_share["a"] == pytest.approx(0.25)


def test_method_weights_reach_level_scores_and_effective_weights(small):
    h, x = small
    w = np.array([3.0, 1.0, 1.0, 1.0, 1.0, 3.0])  # a, b, c, d, D1, D2
    table = level_scores(x, h, weights=w)
    # u1: D1 = (3·0 + 10)/4 = 2.5, D2 = (100 + 80)/2 = 90, I = (2.5 + 3·90)/4 = 68.125
    assert table.at["u1", "D1"] == pytest.approx(2.5)
    assert table.at["u1", "I"] == pytest.approx(68.125)
    shares = effective_weights(table, h, weights=w).set_index("code").nominal_share
    # a: 3/4 of D1, D1 a quarter of the index -> 3/16
    assert shares["a"] == pytest.approx(3 / 16) and shares["D2"] == pytest.approx(0.75)


def test_leave_one_out_by_hand(small):
    h, x = small
    # nominal: D1 = (5, 45, 95, 25), D2 = (90, 5, 10, 75), I = (47.5, 25, 52.5, 50) -> ranks 3, 4, 1, 2
    # drop a: D1 = b = (10, 40, 90, 30) -> I = (50, 22.5, 50, 52.5) -> ranks 2, 4, 2, 1
    # drop D2: I = D1 -> ranks 4, 2, 1, 3
    loo = leave_one_out(x, h).set_index("code")
    assert loo.at["a", "mean_abs_rank_change"] == pytest.approx((1 + 0 + 1 + 1) / 4)
    assert loo.at["D2", "mean_abs_rank_change"] == pytest.approx((1 + 2 + 0 + 1) / 4)
    assert loo.at["D2", "max_abs_rank_change"] == 2


def test_leave_one_out_counts_star_changes(small):
    h, x = small

    def two_bands(index, _scores):
        return np.where(index >= 50, 2, 1)

    loo = leave_one_out(x, h, stars=two_bands).set_index("code")
    # nominal stars (1, 1, 2, 2); drop a -> (2, 1, 2, 2): one change
    assert loo.at["a", "n_star_changes"] == 1
    assert loo.at["a", "share_star_changes"] == pytest.approx(0.25)
