"""Ranks without scipy.stats: the same values and dtypes as scipy.stats.rankdata."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import rankdata

from nidb.engine.rank import rank_along, rank_units


@pytest.mark.parametrize("method", ["min", "max", "average"])
@pytest.mark.parametrize("with_missing", [False, True])
def test_rank_along_matches_scipy(method: str, with_missing: bool) -> None:
    rng = np.random.default_rng(7)
    x = rng.integers(0, 4, size=(3, 6, 5)).astype(float)  # many ties
    if with_missing:
        x[rng.random(x.shape) < 0.2] = np.nan
    for axis in (0, 1, 2, -1):
        ours = rank_along(x, method, axis)
        theirs = rankdata(x, method=method, axis=axis, nan_policy="omit")
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)


def test_rank_units_best_first_ties_share_best_rank_missing_unranked() -> None:
    scores = np.array([[10.0], [30.0], [30.0], [np.nan], [5.0]])
    np.testing.assert_array_equal(rank_units(scores)[:, 0], [3.0, 1.0, 1.0, np.nan, 4.0])


def test_unknown_tie_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="dense"):
        rank_along(np.arange(3.0), "dense")
