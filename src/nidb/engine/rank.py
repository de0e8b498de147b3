"""Ranks of units: higher score is better, ties take the minimum rank ("sport" ranking)."""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata


def rank_units(scores: np.ndarray, axis: int = -2) -> np.ndarray:
    """Rank 1 = highest score along ``axis`` (units); tied units share the best rank of the tie.

    Missing scores get a missing rank and do not take a place. Works on any leading axes.
    """
    return rankdata(-np.asarray(scores, dtype=float), method="min", axis=axis, nan_policy="omit")
