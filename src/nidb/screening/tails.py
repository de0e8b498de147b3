"""Tail probabilities of the screening tests, from ``scipy.special``.

These are the functions ``scipy.stats`` evaluates underneath (the same numbers: the binomial
tail is the regularised incomplete beta function, as Boost computes it for ``binom.sf``);
importing ``scipy.stats`` itself would add about a second to every ``nidb screen``.
"""

from __future__ import annotations

import numpy as np
from scipy import special


def binom_at_least(k: np.ndarray | float, n: np.ndarray | float, p: np.ndarray | float) -> np.ndarray:
    """P(X ≥ k) for X ~ Binomial(n, p), i.e. ``scipy.stats.binom.sf(k - 1, n, p)``."""
    k, n, p = np.broadcast_arrays(np.asarray(k, "float64"), np.asarray(n, "float64"), np.asarray(p, "float64"))
    inside = np.clip(k, 1, np.maximum(n, 1))  # I_p(k, n - k + 1) holds for 1 ≤ k ≤ n
    return np.where(k <= 0, 1.0, np.where(k > n, 0.0, special.betainc(inside, n - inside + 1, p)))


def chi2_sf(x: np.ndarray | float, df: int) -> np.ndarray:
    """``scipy.stats.chi2.sf(x, df)``."""
    return special.chdtrc(df, x)


def chi2_isf(q: float, df: int) -> float:
    """``scipy.stats.chi2.isf(q, df)``: the value exceeded with probability q."""
    return float(special.chdtri(df, q))


def ncx2_sf(x: float, df: int, nc: np.ndarray | float) -> np.ndarray:
    """``scipy.stats.ncx2.sf(x, df, nc)`` (to within 1e-15: the complement of the distribution function)."""
    return 1.0 - special.chndtr(x, df, nc)
