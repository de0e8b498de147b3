"""Normalisation of indicator columns onto a common scale, higher = better.

Every function takes values shaped ``(..., units, indicators)`` — any leading axes
(e.g. Monte Carlo replications) are carried through — and the indicator directions
(+1 / −1). Statistics are taken over the units axis, ignoring missing values; a
missing value stays missing. Methods and parameters (defaults in brackets):

* ``minmax``: ``low + (high − low)·(x − min)/(max − min)`` on direction-adjusted
  values (``x·direction``, as COINr) [low 0, high 100].
* ``zscore``: ``mean + sd·(x − x̄)/s`` with the sample standard deviation [mean 0, sd 1].
* ``goalposts``: ``(x − lo)/(hi − lo)`` for direction +1, ``(hi − x)/(hi − lo)`` for −1,
  clipped to [0, 1] when ``truncate``, times ``scale``; ``goalposts`` maps each
  indicator code to ``[lo, hi]`` in natural units [truncate true, scale 100].
* ``distance_to_target``: ``(x − min)/(target − min)`` for +1, ``(max − x)/(max −
  target)`` for −1 (COINr ``n_dist2targ``), capped at 1 when ``cap``, times ``scale``;
  targets come from the framework's ``target`` column or the ``targets`` mapping
  [cap true, scale 100].
* ``percentile_rank``: ``scale·(r − 1)/(n − 1)`` with ``r`` the rank from the worst
  (COINr ``n_prank``, which uses scale 1), so the worst unit scores 0 and the best
  ``scale`` [ties min, scale 100].
* ``rank``: the rank itself, 1 (worst) … n (best) (COINr ``n_rank``) [ties min].
  ``ties: min`` gives tied units the lowest rank of their tie, as R's ``rank(ties.method
  = "min")`` in COINr; ``ties: average`` shares the mean rank.
* ``efficacy`` (功效系数法): ``base + span·(x − h)/(s − h)`` where ``h`` is the
  不允许值 (worst acceptable) and ``s`` the 满意值 (satisfactory value). Without
  ``bounds`` they are the sample min and max of the direction-adjusted values; with
  ``bounds`` (code → ``[h, s]`` in natural units, ``h > s`` for a negative indicator)
  the values are clipped to the bounds first [base 60, span 40].

A column without spread (max = min) carries no information: min-max gives the
midpoint ``(low + high)/2``, efficacy ``base + span/2``, z-score the ``mean``
parameter; a single unit gets half the percentile scale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from nidb.engine.rank import rank_along
from nidb.errors import ConfigError

NORMALISATIONS = ("minmax", "zscore", "goalposts", "distance_to_target", "percentile_rank", "rank", "efficacy")
TIES = ("min", "average")


def _span(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.nanmin(x, axis=-2, keepdims=True), np.nanmax(x, axis=-2, keepdims=True)


def minmax(x: np.ndarray, directions: np.ndarray, low: float = 0.0, high: float = 100.0) -> np.ndarray:
    """Min-max rescaling of direction-adjusted values onto [low, high]."""
    y = np.asarray(x, dtype=float) * directions
    lo, hi = _span(y)
    width = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.where(width > 0, (y - lo) / width, 0.5)
    return np.where(np.isnan(y), np.nan, low + (high - low) * scaled)


def zscore(x: np.ndarray, directions: np.ndarray, mean: float = 0.0, sd: float = 1.0) -> np.ndarray:
    """Standardisation with the sample standard deviation, then ``mean + sd·z``."""
    y = np.asarray(x, dtype=float) * directions
    mu = np.nanmean(y, axis=-2, keepdims=True)
    s = np.nanstd(y, axis=-2, ddof=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(s > 0, (y - mu) / s, 0.0)
    return np.where(np.isnan(y), np.nan, mean + sd * z)


def goalposts(
    x: np.ndarray, directions: np.ndarray, lo: np.ndarray, hi: np.ndarray, truncate: bool = True, scale: float = 100.0
) -> np.ndarray:
    """Goalpost normalisation with per-indicator lower/upper goalposts in natural units."""
    x = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(directions > 0, (x - lo) / (hi - lo), (hi - x) / (hi - lo))
    if truncate:
        share = np.clip(share, 0.0, 1.0)
    return scale * share


def distance_to_target(
    x: np.ndarray, directions: np.ndarray, targets: np.ndarray, cap: bool = True, scale: float = 100.0
) -> np.ndarray:
    """Progress from the worst observed value to the target (COINr ``n_dist2targ``)."""
    x = np.asarray(x, dtype=float)
    lo, hi = _span(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(directions > 0, (x - lo) / (targets - lo), (hi - x) / (hi - targets))
    if cap:
        share = np.minimum(share, 1.0)
    return scale * share


def rank_scores(x: np.ndarray, directions: np.ndarray, ties: str = "min") -> np.ndarray:
    """Ranks over units, 1 = worst, n = best; tied units share the lowest (``min``) or average rank."""
    if ties not in TIES:
        raise ConfigError(f"normalise.ties：取值「{ties}」无效，可选：{', '.join(TIES)}")
    y = np.asarray(x, dtype=float) * directions
    return rank_along(y, ties, axis=-2)


def percentile_rank(x: np.ndarray, directions: np.ndarray, ties: str = "min", scale: float = 100.0) -> np.ndarray:
    """``scale·(r − 1)/(n − 1)`` (COINr ``n_prank`` × scale): 0 for the worst unit, ``scale`` for the best."""
    r = rank_scores(x, directions, ties)
    n = np.sum(~np.isnan(r), axis=-2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 1, scale * (r - 1) / (n - 1), np.where(np.isnan(r), np.nan, scale / 2))


def efficacy(
    x: np.ndarray,
    directions: np.ndarray,
    base: float = 60.0,
    span: float = 40.0,
    worst: np.ndarray | None = None,
    satisfactory: np.ndarray | None = None,
) -> np.ndarray:
    """功效系数法: ``base + span·(x − 不允许值)/(满意值 − 不允许值)``.

    ``worst`` / ``satisfactory`` (per indicator, natural units, NaN = use the sample
    extreme) default to the sample min / max of the direction-adjusted values.
    """
    x = np.asarray(x, dtype=float)
    y = x * directions
    lo, hi = _span(y)
    h = lo * directions if worst is None else np.where(np.isnan(worst), lo * directions, worst)
    s = hi * directions if satisfactory is None else np.where(np.isnan(satisfactory), hi * directions, satisfactory)
    # clip to the bounds in natural units (h > s for a negative indicator)
    x = np.clip(x, np.minimum(h, s), np.maximum(h, s))
    width = s - h
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(width != 0, (x - h) / width, 0.5)
    return np.where(np.isnan(y), np.nan, base + span * share)


def _per_indicator(
    mapping: Mapping[str, Sequence[float]] | None, codes: Sequence[str], key: str
) -> tuple[np.ndarray, np.ndarray]:
    lo = np.full(len(codes), np.nan)
    hi = np.full(len(codes), np.nan)
    for code, pair in (mapping or {}).items():
        if code not in codes:
            raise ConfigError(f"normalise.{key}.{code}：框架中没有这个指标")
        lo[list(codes).index(code)], hi[list(codes).index(code)] = pair
    return lo, hi


def normalise(
    x: np.ndarray,
    directions: np.ndarray,
    method: str = "minmax",
    params: Mapping | None = None,
    *,
    codes: Sequence[str] = (),
    targets: np.ndarray | None = None,
) -> np.ndarray:
    """Dispatch to one normalisation by name with its parameters (see module docstring)."""
    p = dict(params or {})
    if method == "minmax":
        return minmax(x, directions, p.get("low", 0.0), p.get("high", 100.0))
    if method == "zscore":
        return zscore(x, directions, p.get("mean", 0.0), p.get("sd", 1.0))
    if method == "goalposts":
        lo, hi = _per_indicator(p.get("goalposts"), codes, "goalposts")
        missing = [c for c, a, b in zip(codes, lo, hi) if np.isnan(a) or np.isnan(b)]
        if missing:
            raise ConfigError(f"normalise.goalposts：缺少以下指标的上下限：{', '.join(missing)}")
        return goalposts(x, directions, lo, hi, p.get("truncate", True), p.get("scale", 100.0))
    if method == "distance_to_target":
        t = np.full(len(codes), np.nan) if targets is None else np.asarray(targets, dtype=float).copy()
        for code, value in (p.get("targets") or {}).items():
            if code not in codes:
                raise ConfigError(f"normalise.targets.{code}：框架中没有这个指标")
            t[list(codes).index(code)] = value
        missing = [c for c, v in zip(codes, t) if np.isnan(v)]
        if missing:
            raise ConfigError(f"normalise.targets：缺少以下指标的目标值：{', '.join(missing)}")
        return distance_to_target(x, directions, t, p.get("cap", True), p.get("scale", 100.0))
    if method == "percentile_rank":
        return percentile_rank(x, directions, p.get("ties", "min"), p.get("scale", 100.0))
    if method == "rank":
        return rank_scores(x, directions, p.get("ties", "min"))
    if method == "efficacy":
        worst = satisfactory = None
        if p.get("bounds"):
            worst, satisfactory = _per_indicator(p["bounds"], codes, "bounds")
        return efficacy(x, directions, p.get("base", 60.0), p.get("span", 40.0), worst, satisfactory)
    raise ConfigError(f"normalise.method：取值「{method}」无效，可选：{', '.join(NORMALISATIONS)}")
