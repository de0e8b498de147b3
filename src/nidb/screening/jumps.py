"""Jumps: year-on-year log changes that are extreme against the same year's peers and against the
unit's own history (robust z: deviation from the median over 1.4826 × the median absolute deviation)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nidb.inputs.contract import load_contract
from nidb.screening.context import Outcome, ScreeningContext, flags, fmt, no_flags
from nidb.screening.method import ScreeningRule

MAD_SCALE = 1.4826  # MAD of a normal distribution × this = its standard deviation


def _robust_scale(values: np.ndarray) -> float:
    """1.4826 × median absolute deviation from the median (a floor keeps it positive)."""
    return max(MAD_SCALE * float(np.median(np.abs(values - np.median(values)))), 1e-6)


def _group_median(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """The median of `values` within each group, broadcast back to every element."""
    return pd.Series(values).groupby(groups).transform("median").to_numpy()


def jumps(rule: ScreeningRule, ctx: ScreeningContext) -> Outcome:
    """Flag a unit-year whose change in a field is extreme both ways; a rise followed by a fall of the
    same kind (or the reverse) is one odd value, flagged in its own year only."""
    p = rule.params
    prev = ctx.previous_row
    has_prev = prev >= 0
    years, units = ctx.year_values, ctx.unit_ids
    parts = []
    for field_ in p["fields"]:
        x = ctx.number(field_)
        with np.errstate(divide="ignore", invalid="ignore"):
            logx = np.log(np.where(x > 0, x, np.nan))
        change = np.where(has_prev, logx - logx[np.maximum(prev, 0)], np.nan)
        ok = np.isfinite(change)
        if ok.sum() < 10:
            continue
        d, unit_code, year = change[ok], ctx.unit_codes[ok], years[ok]
        z_peer = np.empty(len(d))
        for y in np.unique(year):
            in_year = year == y
            z_peer[in_year] = (d[in_year] - np.median(d[in_year])) / _robust_scale(d[in_year])
        own = d - _group_median(d, unit_code)
        z_own = own / _robust_scale(own)
        extreme = np.full(len(x), False)
        z = np.full(len(x), np.nan)
        extreme[ok] = (np.abs(z_peer) >= p["z"]) & (np.abs(z_own) >= p["z"]) & (np.abs(d) >= p["min_log_change"])
        z[ok] = np.minimum(np.abs(z_peer), np.abs(z_own))
        # a spike: extreme change into year t and the opposite one out of it → flag t, not t + 1
        prev_extreme = np.where(has_prev, extreme[np.maximum(prev, 0)], False)
        opposite = np.sign(change) != np.sign(np.where(has_prev, change[np.maximum(prev, 0)], 0.0))
        echo = extreme & prev_extreme & opposite
        nxt = np.full(len(x), -1)
        nxt[prev[has_prev]] = np.flatnonzero(has_prev)
        spike = extreme & (nxt >= 0) & np.where(nxt >= 0, echo[np.maximum(nxt, 0)], False)
        hit = np.flatnonzero(ctx.in_years & extreme & ~echo)
        if not len(hit):
            continue
        label = load_contract().table("annual").column(field_).zh
        before = x[np.maximum(prev, 0)]
        after = np.where(nxt >= 0, x[np.maximum(nxt, 0)], np.nan)
        reasons = [
            f"{label}由上年 {fmt(before[i])} 变为 {fmt(x[i])}（{'+' if change[i] > 0 else ''}{fmt(np.expm1(change[i]) * 100)}%）"
            + (f"，次年又回到 {fmt(after[i])}" if spike[i] else "")
            + f"；变化幅度远超同年其他单位和本单位往年（稳健 z = {fmt(z[i])}）"
            for i in hit
        ]
        low, high = np.exp(-p["min_log_change"]), np.exp(p["min_log_change"])
        expected = [f"约 {fmt(before[i] * low)} ~ {fmt(before[i] * high)}" for i in hit]
        parts.append(flags(units[hit], years[hit], field_, x[hit], expected, z[hit] / p["z"], reasons))
    return Outcome(pd.concat(parts, ignore_index=True) if parts else no_flags())
