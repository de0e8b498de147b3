"""Aggregation of child scores into parent scores, one framework level at a time.

``values`` are shaped ``(..., units, children)`` and ``weights`` ``(..., children)``;
leading axes (Monte Carlo replications) broadcast, so a batch of weight sets is one
array computation. Weights are relative: for every unit they are renormalised over
the children that have a value, so a missing child neither counts as zero nor
shifts weight to another branch. A parent with no available child is missing.

* ``arithmetic``: ``Σ w·x / Σ w``.
* ``geometric``: ``exp(Σ w·log x / Σ w)``; values must be positive. A zero value is
  an error by default (``zeros: error``: rescale, e.g. min-max onto [1, 100], as
  COINr advises); with ``zeros: zero`` the parent scores 0, the limit of the
  geometric mean. A negative value is always an error.
* ``generalised`` with ``power`` p: ``(Σ w·x^p / Σ w)^(1/p)``; p = 1 is arithmetic,
  p → 0 geometric (used for p = 0), p = −1 harmonic. Values must be ≥ 0, and zeros
  follow the ``zeros`` rule when p ≤ 0.
"""

from __future__ import annotations

import numpy as np

from nidb.errors import ConfigError

AGGREGATIONS = ("arithmetic", "geometric", "generalised")
ZERO_POLICIES = ("error", "zero")


def _masked_sums(values: np.ndarray, weights: np.ndarray, membership: np.ndarray, transform) -> tuple:
    avail = ~np.isnan(values)
    w = np.asarray(weights, dtype=float)[..., None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        term = transform(np.where(avail, values, 1.0))
    # log 0 = −inf and 0^p = inf (p < 0) are settled by the zero rule; keep them out of the sums
    term = np.where(avail & np.isfinite(term), term, 0.0)
    with np.errstate(invalid="ignore"):
        num = np.where(w > 0, term * w, 0.0) @ membership
    den = (avail * w) @ membership
    return num, den


def aggregate_level(
    values: np.ndarray,
    weights: np.ndarray,
    membership: np.ndarray,
    method: str = "arithmetic",
    power: float = 1.0,
    zeros: str = "error",
) -> np.ndarray:
    """Parent scores ``(..., units, parents)`` from child scores and child weights."""
    values = np.asarray(values, dtype=float)
    if method == "generalised" and power == 1.0:
        method = "arithmetic"
    if method == "generalised" and power == 0.0:
        method = "geometric"
    if method == "arithmetic":
        num, den = _masked_sums(values, weights, membership, lambda v: v)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(den > 0, num / den, np.nan)
    if method not in ("geometric", "generalised"):
        raise ConfigError(f"aggregate.method：取值「{method}」无效，可选：{', '.join(AGGREGATIONS)}")
    if zeros not in ZERO_POLICIES:
        raise ConfigError(f"aggregate.zeros：取值「{zeros}」无效，可选：{', '.join(ZERO_POLICIES)}")
    if np.any(values < 0):
        raise ConfigError(f"aggregate.method：{method} 汇总要求分值非负，请改用下限大于 0 的标准化（如 min-max 1–100）")
    zero_child = (values == 0) & ~np.isnan(values)
    zero_sensitive = method == "geometric" or power < 0
    if zero_sensitive and zero_child.any() and zeros == "error":
        raise ConfigError(
            f"aggregate.zeros：{method} 汇总遇到 {int(zero_child.sum())} 个零值；"
            "请改用下限大于 0 的标准化（如 min-max 1–100），或设 zeros: zero（含零即得 0）"
        )
    if method == "geometric":
        num, den = _masked_sums(values, weights, membership, np.log)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.where(den > 0, np.exp(num / den), np.nan)
    else:
        num, den = _masked_sums(values, weights, membership, lambda v: v**power)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.where(den > 0, (num / den) ** (1.0 / power), np.nan)
    if zero_sensitive:
        w = np.asarray(weights, dtype=float)[..., None, :]
        hit = ((zero_child * (w > 0)) @ membership) > 0
        out = np.where(hit & ~np.isnan(out), 0.0, out)
    return out
