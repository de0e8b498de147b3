"""Ranks along an axis with tie rules and missing values, in numpy (no scipy import)."""

from __future__ import annotations

import numpy as np

TIE_RULES = ("min", "max", "average")


def rank_along(x: np.ndarray, method: str = "min", axis: int = -1) -> np.ndarray:
    """Ranks 1…n of ``x`` along ``axis`` in ascending order; missing values get a missing rank.

    ``method`` is the rank given to tied values: ``min`` (the lowest of the tie),
    ``max`` (the highest) or ``average`` — ``scipy.stats.rankdata(x, method,
    axis=axis, nan_policy="omit")``, dtype included (int64 when no value is missing
    and ties take a whole rank, else float64), without importing scipy.stats.
    """
    if method not in TIE_RULES:
        raise ValueError(f"unknown tie rule {method!r}")
    x = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    n = x.shape[-1]
    if n == 0:
        return np.moveaxis(x.copy(), -1, axis)
    order = np.argsort(x, axis=-1, kind="stable")  # missing values sort last
    s = np.take_along_axis(x, order, axis=-1)
    pos = np.broadcast_to(np.arange(n), s.shape)
    starts = np.ones(s.shape, dtype=bool)
    starts[..., 1:] = s[..., 1:] != s[..., :-1]
    ends = np.ones(s.shape, dtype=bool)
    ends[..., :-1] = starts[..., 1:]
    low = np.maximum.accumulate(np.where(starts, pos, 0), axis=-1) + 1.0
    high = np.flip(np.minimum.accumulate(np.flip(np.where(ends, pos, n - 1), axis=-1), axis=-1), axis=-1) + 1.0
    ranked = {"min": low, "max": high, "average": (low + high) / 2}[method]
    missing = np.isnan(s)
    if missing.any():
        ranked = np.where(missing, np.nan, ranked)
    elif method != "average":
        ranked = ranked.astype(np.int64)  # whole ranks stay integers, as scipy returns them
    out = np.empty_like(ranked)
    np.put_along_axis(out, order, ranked, axis=-1)
    return np.moveaxis(out, -1, axis)


def rank_units(scores: np.ndarray, axis: int = -2) -> np.ndarray:
    """Rank 1 = highest score along ``axis`` (units); tied units share the best rank of the tie.

    Missing scores get a missing rank and do not take a place. Works on any leading axes.
    """
    return rank_along(-np.asarray(scores, dtype=float), "min", axis=axis)
