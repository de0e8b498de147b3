"""Outlier treatment by the JRC skewness/kurtosis rule, exactly as COINr 1.1.14 ``Treat()``.

An indicator *fails* when |skewness| ≥ ``skew_threshold`` AND kurtosis ≥
``kurtosis_threshold`` (bias-corrected sample statistics, e1071 / Excel "type 2",
missing values ignored). A failing indicator is winsorised one step at a time: when
the current skewness is ≥ 0 the highest value(s) are set to the next highest value,
otherwise the lowest value(s) to the next lowest; ties at the extreme move together.
After each step the rule is checked again; winsorisation stops when the indicator
passes or when the number of winsorised points reaches ``winsorise_max``. COINr
counts that number as the size of the latest high-side group plus the size of the
latest low-side group (the tied group grows with every step on one side), and this
module reproduces the count. If winsorisation does not make the indicator pass, the
*original* values are log-transformed instead (COINr ``combine_treat = FALSE``):

* ``log_ct`` (COINr ``log_CT``, the 1.1.14 default): ``log(x − min + 0.01·(max − min))``;
* ``log_ct_plus`` (COINr ``log_CT_plus``): as ``log_ct`` when skewness > 0, else
  ``−log(max + 0.01·(max − min) − x)``, which reduces negative skew too.

Indicators whose statistics are undefined (fewer than four values, or no variance)
are left untreated, as COINr does. All indicators are processed together as one
array; the loop runs over winsorisation steps (at most ``winsorise_max``), not over
indicators or units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

LOG_VARIANTS = ("log_ct", "log_ct_plus")


@dataclass(frozen=True)
class TreatSpec:
    """Parameters of the JRC outlier rule (defaults: COINr 1.1.14 / JRC practice)."""

    skew_threshold: float = 2.0
    kurtosis_threshold: float = 3.5
    winsorise_max: int = 5
    log: str = "log_ct"


def _moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n = np.sum(~np.isnan(x), axis=0).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        d = x - np.nanmean(x, axis=0)
    d = np.where(np.isnan(d), 0.0, d)
    d2 = d * d
    return n, d2.sum(axis=0), (d2 * d).sum(axis=0), (d2 * d2).sum(axis=0)


def _skew_kurt(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n, m2, m3, m4 = _moments(np.asarray(x, dtype=float))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        g = np.sqrt(n) * m3 / m2**1.5 * np.sqrt(n * (n - 1)) / (n - 2)
        r = n * m4 / m2**2
        k = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    return np.where((n >= 3) & (m2 > 0), g, np.nan), np.where((n >= 4) & (m2 > 0), k, np.nan)


def skewness(x: np.ndarray) -> np.ndarray:
    """Bias-corrected sample skewness of each column (NaN when < 3 values or no variance)."""
    return _skew_kurt(x)[0]


def kurtosis(x: np.ndarray) -> np.ndarray:
    """Bias-corrected sample excess kurtosis of each column (NaN when < 4 values or no variance)."""
    return _skew_kurt(x)[1]


def _status(x: np.ndarray, spec: TreatSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(skew, kurt, fails, defined) per column."""
    sk, kt = _skew_kurt(x)
    defined = ~np.isnan(sk) & ~np.isnan(kt)
    fails = defined & (np.abs(sk) >= spec.skew_threshold) & (kt >= spec.kurtosis_threshold)
    return sk, kt, fails, defined


def _log_transform(x: np.ndarray, variant: str) -> np.ndarray:
    lo, hi = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
    a = 0.01 * (hi - lo)
    with np.errstate(invalid="ignore", divide="ignore"):
        positive = np.log(x - lo + a)
        if variant == "log_ct":
            return positive
        negative = -np.log(hi + a - x)
    return np.where(skewness(x) > 0, positive, negative)


def treat(values: pd.DataFrame, spec: TreatSpec = TreatSpec()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the JRC rule to every column of ``values``; return treated values and a report
    (see :func:`treat_detail`)."""
    treated, report, _ = treat_detail(values, spec)
    return treated, report


def treat_detail(
    values: pd.DataFrame, spec: TreatSpec = TreatSpec()
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Apply the JRC rule to every column of ``values``: treated values, report and points.

    The report has one row per indicator: ``code, skew, kurtosis, failed`` (before
    treatment), ``treatment`` (``none`` / ``winsorised`` / ``log_ct`` / ``log_ct_plus``),
    ``winsorised_points`` (values changed by winsorisation, 0 when the log replaced it),
    ``winsorised_side`` (``high`` / ``low`` / ``both`` / empty), ``winsorised_tried``
    (values the winsorisation changed before the log took over: COINr's
    ``winsorise`` ``nwin`` of a log-treated indicator; equal to ``winsorised_points``
    otherwise) and ``skew_after``, ``kurtosis_after``, ``passes_after``.

    The points (COINr ``Treated_Points``) have the shape of ``values``: ``high`` /
    ``low`` where a value was winsorised down to the next highest / up to the next
    lowest, ``log`` on every value of a log-treated indicator, empty otherwise; the
    points the winsorisation tried on a log-treated indicator are counted in
    ``winsorised_tried``.
    """
    original = values.to_numpy(dtype=float)
    x = original.copy()
    sk0, kt0, failed, _ = _status(x, spec)
    hi_group = np.zeros(x.shape[1])
    lo_group = np.zeros(x.shape[1])
    active = failed & (spec.winsorise_max > 0)
    broken = np.zeros(x.shape[1], dtype=bool)
    side = np.zeros(x.shape, dtype=np.int8)  # +1 winsorised high, -1 low
    limit = x.shape[0] + 1  # no more steps than values; guards an unlimited winsorise_max
    for _ in range(limit):
        if not active.any():
            break
        cols = np.flatnonzero(active)
        block = x[:, cols]
        high = skewness(block) >= 0
        flipped = np.where(high, block, -block)  # always winsorise the column maximum
        top = np.nanmax(flipped, axis=0)
        at_top = flipped == top
        second = np.nanmax(np.where(at_top, np.nan, flipped), axis=0)
        flipped = np.where(at_top, second, flipped)
        x[:, cols] = np.where(high, flipped, -flipped)
        side[:, cols] = np.where(at_top, np.where(high, 1, -1), side[:, cols])
        size = at_top.sum(axis=0)
        hi_group[cols[high]] = size[high]
        lo_group[cols[~high]] = size[~high]
        _, _, fails, defined = _status(x[:, cols], spec)
        broken[cols[~defined]] = True
        still = fails & defined & (hi_group[cols] + lo_group[cols] < spec.winsorise_max)
        active[cols] = still
    # a column whose statistics became undefined mid-way is returned untreated (COINr errors and skips it)
    x[:, broken] = original[:, broken]
    side[:, broken] = 0
    tried = ((x != original) & ~np.isnan(original)).sum(axis=0)
    _, _, fails_after_win, _ = _status(x, spec)
    to_log = failed & ~broken & fails_after_win
    logged = _log_transform(original[:, to_log], spec.log)
    x[:, to_log] = logged
    changed = (x != original) & ~np.isnan(original)
    winsorised = failed & ~broken & ~to_log
    sides = np.where(
        winsorised & (hi_group > 0) & (lo_group > 0),
        "both",
        np.where(winsorised & (hi_group > 0), "high", np.where(winsorised & (lo_group > 0), "low", "")),
    )
    sk1, kt1, fails1, _ = _status(x, spec)
    treatment = np.where(to_log, spec.log, np.where(winsorised & changed.any(axis=0), "winsorised", "none"))
    report = pd.DataFrame(
        {
            "code": values.columns,
            "skew": sk0,
            "kurtosis": kt0,
            "failed": failed,
            "treatment": treatment,
            "winsorised_points": np.where(winsorised, changed.sum(axis=0), 0).astype(np.int64),
            "winsorised_side": sides,
            "winsorised_tried": np.where(failed & ~broken, tried, 0).astype(np.int64),
            "skew_after": sk1,
            "kurtosis_after": kt1,
            "passes_after": ~fails1,
        }
    )
    marks = np.where(side > 0, "high", np.where(side < 0, "low", "")).astype(object)
    marks[:, to_log] = np.where(np.isnan(original[:, to_log]), "", "log")
    marks[:, winsorised] = np.where(changed[:, winsorised], marks[:, winsorised], "")
    points = pd.DataFrame(marks, index=values.index, columns=values.columns)
    return pd.DataFrame(x, index=values.index, columns=values.columns), report, points
