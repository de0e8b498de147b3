"""Aggregation of child scores into parent scores, one framework level at a time.

``values`` are shaped ``(..., units, children)`` and ``weights`` ``(..., children)``;
leading axes (Monte Carlo replications) broadcast, so a batch of weight sets is one
array computation. Weights are relative: for every unit they are renormalised over
the children that have a value, so a missing child neither counts as zero nor
shifts weight to another branch. A parent with no available child is missing, and
so is one whose share of available children (unweighted, as COINr's ``dat_thresh``)
is below ``min_availability`` when that is set.

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


def _contract(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for a (..., units, children) and b (..., children, parents).

    Shared values (``a`` 2-D) against a batch of weight matrices become a single
    matrix product (units × children)·(children × batch·parents).
    """
    if a.ndim == 2 and b.ndim > 2:
        lead, (c, p) = b.shape[:-2], b.shape[-2:]
        stacked = np.moveaxis(b.reshape(-1, c, p), 0, 1).reshape(c, -1)
        out = (a @ stacked).reshape(a.shape[0], -1, p)
        return np.moveaxis(out, 1, 0).reshape(lead + (a.shape[0], p))
    return a @ b


def _masked_sums(values: np.ndarray, weights: np.ndarray, membership: np.ndarray, transform) -> tuple:
    """Σ w·f(x) and Σ w over available children, per parent: (..., units, parents) each.

    Weights are folded into the membership matrix first, so a batch of weight sets over
    shared values is one matrix product for the whole batch, never a (R, units,
    children) temporary.
    """
    avail = ~np.isnan(values)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = transform(np.where(avail, values, 1.0))
    # log 0 = −inf and 0^p = inf (p < 0) are settled by the zero rule; keep them out of the sums
    term = np.where(avail & np.isfinite(term), term, 0.0)
    weighted = np.asarray(weights, dtype=float)[..., :, None] * membership  # (..., children, parents)
    return _contract(term, weighted), _contract(avail.astype(float), weighted)


def aggregate_level(
    values: np.ndarray,
    weights: np.ndarray,
    membership: np.ndarray,
    method: str = "arithmetic",
    power: float = 1.0,
    zeros: str = "error",
    min_availability: float | None = None,
) -> np.ndarray:
    """Parent scores ``(..., units, parents)`` from child scores and child weights."""
    values = np.asarray(values, dtype=float)
    out = _aggregate(values, weights, membership, method, power, zeros)
    if min_availability is not None:
        share = (~np.isnan(values)).astype(float) @ membership / membership.sum(axis=0)
        out = np.where(share >= min_availability - 1e-12, out, np.nan)
    return out


def _aggregate(
    values: np.ndarray, weights: np.ndarray, membership: np.ndarray, method: str, power: float, zeros: str
) -> np.ndarray:
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
        positive = (np.asarray(weights, dtype=float)[..., :, None] > 0) * membership
        hit = _contract(zero_child.astype(float), positive) > 0
        out = np.where(hit & ~np.isnan(out), 0.0, out)
    return out
