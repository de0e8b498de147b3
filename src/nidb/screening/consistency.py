"""Internal consistency of one form beyond the validation ranges: ratios of two amounts that must
stay within bounds, and reported growth against the growth implied by two years' levels."""

from __future__ import annotations

import numpy as np

from nidb.inputs.contract import load_contract
from nidb.screening.context import Outcome, ScreeningContext, flags, fmt
from nidb.screening.method import ScreeningRule


def _label(field_: str) -> str:
    return load_contract().table("annual").column(field_).zh


def ratio_bounds(rule: ScreeningRule, ctx: ScreeningContext) -> Outcome:
    """numerator / denominator × scale outside [min, max]; score = how many times beyond the bound."""
    p = rule.params
    num, den = ctx.number(p["numerator"]), ctx.number(p["denominator"])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = num / np.where(den > 0, den, np.nan) * p.get("scale", 1.0)
    lo, hi = p.get("min", -np.inf), p.get("max", np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.fmax(np.where(ratio > hi, ratio / hi, 0.0), np.where(ratio < lo, lo / ratio, 0.0))
    hit = np.flatnonzero(ctx.in_years & np.isfinite(ratio) & ((ratio > hi) | (ratio < lo)))
    bound = (f"≥ {fmt(lo)}" if np.isfinite(lo) else "") + ("，" if np.isfinite(lo) and np.isfinite(hi) else "") + (
        f"≤ {fmt(hi)}" if np.isfinite(hi) else "")
    what = f"{_label(p['numerator'])} ÷ {_label(p['denominator'])}" + (f" × {fmt(p['scale'])}" if "scale" in p else "")
    reasons = [f"{rule.zh}：{what} = {fmt(ratio[i])}（{fmt(num[i])} ÷ {fmt(den[i])}），应{bound}" for i in hit]
    return Outcome(flags(ctx.unit_ids[hit], ctx.year_values[hit], f"{p['numerator']}/{p['denominator']}",
                         ratio[hit], bound, score[hit], reasons))


def growth_vs_levels(rule: ScreeningRule, ctx: ScreeningContext) -> Outcome:
    """Reported growth against the growth implied by last year's and this year's level.

    The reported rate is usually real (comparable prices) and the levels nominal, so the typical
    gap of the year (its median over all units, the price effect) is taken out first."""
    p = rule.params
    level, growth = ctx.number(p["level"]), ctx.number(p["growth"])
    prev = ctx.previous_row
    before = np.where(prev >= 0, level[np.maximum(prev, 0)], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        implied = (level / np.where(before > 0, before, np.nan) - 1.0) * 100.0
    gap = implied - growth
    ok = np.isfinite(gap)
    years = ctx.year_values
    centre = np.full(len(gap), np.nan)
    for year in np.unique(years[ok]):
        in_year = ok & (years == year)
        centre[in_year] = np.median(gap[in_year])
    deviation = gap - centre
    tol = p["tolerance_pp"]
    hit = np.flatnonzero(ctx.in_years & ok & (np.abs(deviation) > tol))
    expected = [f"{fmt(implied[i] - centre[i] - tol)}% ~ {fmt(implied[i] - centre[i] + tol)}%" for i in hit]
    reasons = [
        f"上年{_label(p['level'])} {fmt(before[i])}、本年 {fmt(level[i])}，推算名义增速 {fmt(implied[i])}%；"
        f"扣除当年通常差异 {fmt(centre[i])} 个百分点后应约为 {fmt(implied[i] - centre[i])}%，自报 {fmt(growth[i])}%，"
        f"相差 {fmt(abs(deviation[i]))} 个百分点"
        for i in hit
    ]
    return Outcome(flags(ctx.unit_ids[hit], years[hit], p["growth"], growth[hit], expected,
                         np.abs(deviation[hit]) / tol, reasons))
