"""Numeric condition tests as arrays over applicants, evaluable at any threshold multiplier.

The same objects give the verdicts (multiplier 1) and the threshold sweeps (a vector of
multipliers), so the two can never disagree. Comparisons with a missing value are false.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

import numpy as np

from nidb.selection.status import FAIL, MISSING, PASS

_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


def _mult(m: np.ndarray | float, extra_dims: int) -> np.ndarray:
    """Multipliers shaped (K, 1, …) to broadcast against (n, …) arrays."""
    m = np.atleast_1d(np.asarray(m, dtype="float64"))
    return m.reshape((-1,) + (1,) * (1 + extra_dims))


@dataclass(frozen=True, eq=False)
class Comparison:
    """``value op base × m``; ``value`` and ``base`` are (n,) or (n, years) — then every year must pass."""

    value: np.ndarray
    base: np.ndarray
    op: str

    def passes(self, m: np.ndarray | float = 1.0) -> np.ndarray:
        """Boolean (K, n): passes at each multiplier."""
        extra = self.value.ndim - 1
        with np.errstate(invalid="ignore"):
            ok = _OPS[self.op](self.value[None], self.base[None] * _mult(m, extra))
        return ok.all(axis=-1) if extra else ok

    def status(self) -> np.ndarray:
        """PASS / FAIL / MISSING per applicant at the spec thresholds."""
        with np.errstate(invalid="ignore"):
            ok = _OPS[self.op](self.value, self.base)
        missing = np.isnan(self.value) | np.isnan(self.base)
        failed = ~ok & ~missing
        if self.value.ndim == 2:
            failed, missing, ok = failed.any(axis=1), missing.any(axis=1), ok.all(axis=1)
        return np.where(failed, FAIL, np.where(missing, MISSING, PASS)).astype("int8")


@dataclass(frozen=True, eq=False)
class AnyCheck:
    """At least one comparison passes (#9); missing only when none passes and one is missing."""

    parts: tuple[Comparison, ...]

    def passes(self, m: np.ndarray | float = 1.0) -> np.ndarray:
        return np.logical_or.reduce([p.passes(m) for p in self.parts])

    def status(self) -> np.ndarray:
        s = np.stack([p.status() for p in self.parts])
        return np.where((s == PASS).any(0), PASS, np.where((s == MISSING).any(0), MISSING, FAIL)).astype("int8")


@dataclass(frozen=True, eq=False)
class PeerCheck:
    """Peer-relative: ``position ≤ top_share × m``, or against the external benchmark where one exists.

    With a benchmark the multiplier relaxes it like the cut-off: ``value ≥ benchmark / m`` when
    higher is better, ``value ≤ benchmark × m`` when lower is better.
    """

    position: np.ndarray
    top_share: float
    value: np.ndarray
    benchmark: np.ndarray
    higher_is_better: bool

    def passes(self, m: np.ndarray | float = 1.0) -> np.ndarray:
        mm = _mult(m, 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            by_rank = self.position[None] <= self.top_share * mm
            if self.higher_is_better:
                by_bench = self.value[None] >= self.benchmark[None] / mm
            else:
                by_bench = self.value[None] <= self.benchmark[None] * mm
        return np.where(np.isnan(self.benchmark)[None], by_rank, by_bench)

    def status(self) -> np.ndarray:
        has_bench = ~np.isnan(self.benchmark)
        missing = np.where(has_bench, np.isnan(self.value), np.isnan(self.position))
        ok = self.passes(1.0)[0]
        return np.where(missing, MISSING, np.where(ok, PASS, FAIL)).astype("int8")


Check = Comparison | AnyCheck | PeerCheck
