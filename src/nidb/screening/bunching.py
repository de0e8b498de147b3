"""Bunching: applicants' values piling up just above a selection threshold.

For each `>=` threshold T (general, and the relaxed one of special-type areas) and each application
year, the applicants' values are put on a log scale in units of the window: u = ln(x / T) / ln(1 + w),
so the window just above the threshold is 0 ≤ u < 1. Under a smooth density, the share of the values
of a ring of ± `ring` windows around the window's centre that fall into the window is 1 / (2·ring)
(exactly so for a locally linear density). A one-sided binomial test of the window's count against
that share decides whether the threshold shows bunching; when it does, every applicant inside the
window is flagged for a second look (most of them may be honest: the test says that there are too
many, not which ones)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nidb.screening.context import Outcome, ScreeningContext, flags, fmt, no_flags
from nidb.screening.method import ScreeningRule
from nidb.screening.tails import binom_at_least


def bunching(rule: ScreeningRule, ctx: ScreeningContext) -> Outcome:
    """Flag applicants inside the window above each threshold where the binomial test finds bunching."""
    p = rule.params
    rows = ctx.application_rows & ctx.in_years
    if not rows.any():
        return Outcome(no_flags(), skipped="所筛查年份没有申报对象（申报年份的年度报表）")
    values = ctx.reported_indicators
    step = np.log1p(p["window"])
    tests, parts = [], []
    for indicator in p["indicators"]:
        spec = ctx.threshold(indicator)
        x = values[indicator].to_numpy(dtype="float64")
        populations = [("一般地区", ~ctx.special_area, spec.value)]
        if spec.special_value != spec.value:
            populations.append(("特殊类型地区", ctx.special_area, spec.special_value))
        for label, members, threshold in populations:
            for year in ctx.years:
                sel = rows & members & (ctx.year_values == year) & (x > 0)
                with np.errstate(divide="ignore", invalid="ignore"):
                    u = np.log(x / threshold) / step
                in_window = sel & (u >= 0) & (u < 1)
                in_ring = sel & (np.abs(u - 0.5) < p["ring"])
                k, n = int(in_window.sum()), int(in_ring.sum())
                share = 1.0 / (2 * p["ring"])
                tested = k >= p["min_count"]
                pvalue = float(binom_at_least(k, n, share)) if tested else np.nan
                bunched = tested and pvalue < p["alpha"]
                tests.append({"indicator": indicator, "condition": spec.zh, "population": label, "year": year,
                              "threshold": threshold, "window_high": threshold * (1 + p["window"]),
                              "in_window": k, "in_ring": n, "expected": n * share, "p_value": pvalue,
                              "bunching": bunched})
                if not bunched:
                    continue
                hit = np.flatnonzero(in_window)
                expected = f"窗口内预期约 {fmt(n * share)} 个，实有 {k} 个"
                reasons = [
                    f"{spec.zh} {fmt(x[i])}{spec.unit}，恰在门槛 {fmt(threshold)}{spec.unit} 之上 {fmt(p['window'] * 100)}% 以内；"
                    f"{year} 年{label}申报对象在此窗口内 {k} 个，按附近密度预期约 {fmt(n * share)} 个（二项检验 p = {pvalue:.2g}）"
                    for i in hit
                ]
                score = min(np.log10(max(pvalue, 1e-300)) / np.log10(p["alpha"]), 10.0)
                parts.append(flags(ctx.unit_ids[hit], ctx.year_values[hit], indicator, x[hit], expected,
                                   np.full(len(hit), score), reasons))
    detail = {"bunching_tests": pd.DataFrame(tests)}
    return Outcome(pd.concat(parts, ignore_index=True) if parts else no_flags(), detail=detail)
