"""Copy-paste: forms whose values are identical, field by field, to the same unit's form of the year
before or to another unit's form of the same year (exact equality at the reported precision)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nidb.screening.context import Outcome, ScreeningContext, flags, no_flags
from nidb.screening.method import ScreeningRule

COMMON = 5  # a value given by more forms of the same year than this is not counted as a copied value


def copies_across_years(rule: ScreeningRule, ctx: ScreeningContext) -> Outcome:
    """A form with at least `min_equal` fields (and `min_share` of the fields both give) equal to last year's."""
    p = rule.params
    values = ctx.matrix(p["fields"])
    prev = ctx.previous_row
    before = values[np.maximum(prev, 0)]
    both = np.isfinite(values) & np.isfinite(before) & (prev >= 0)[:, None]
    equal = (both & (values == before)).sum(axis=1)
    share = equal / np.maximum(both.sum(axis=1), 1)
    hit = np.flatnonzero(ctx.in_years & (equal >= p["min_equal"]) & (share >= p["min_share"]))
    reasons = [f"与本单位 {ctx.year_values[i] - 1} 年报表相比，{equal[i]} / {both[i].sum()} 个数值完全相同" for i in hit]
    return Outcome(flags(ctx.unit_ids[hit], ctx.year_values[hit], "相同数值个数", equal[hit],
                         f"相同 < {p['min_equal']} 个", share[hit] / p["min_share"], reasons))


def copies_across_units(rule: ScreeningRule, ctx: ScreeningContext) -> Outcome:
    """Pairs of units whose same-year forms agree in at least `min_equal` fields (and `min_share` of the
    fields both give); both forms are flagged, since which one copied cannot be told."""
    p = rule.params
    rows = np.flatnonzero(ctx.in_years)
    values = ctx.matrix(p["fields"])[rows]
    present = np.isfinite(values)
    r, f = np.nonzero(present)
    year = ctx.year_values[rows][r]
    order = np.lexsort((values[r, f], f, year))
    r, f, year, v = r[order], f[order], year[order], values[r, f][order]
    # equal (year, field, value) are now adjacent; a value that more than COMMON forms of the year give
    # is a common value (a round rate, a small count), not a sign of copying, and is left out
    start = np.r_[True, (year[1:] != year[:-1]) | (f[1:] != f[:-1]) | (v[1:] != v[:-1])]
    run = np.cumsum(start) - 1
    length = np.bincount(run)[run]
    keep = (length >= 2) & (length <= COMMON)
    r, run = r[keep], run[keep]
    found = [np.empty((0, 2), dtype="int64")]
    for step in range(1, COMMON):
        same = run[step:] == run[:-step]
        found.append(np.column_stack([r[:-step][same], r[step:][same]]))
    pairs = np.sort(np.concatenate(found), axis=1)
    key = pairs[:, 0].astype("int64") * len(rows) + pairs[:, 1]
    unique, equal_count = np.unique(key, return_counts=True)
    counts = pd.Series(equal_count, index=pd.MultiIndex.from_arrays([unique // len(rows), unique % len(rows)]))
    counts = counts[counts >= p["min_equal"]]
    if counts.empty:
        return Outcome(no_flags())
    a = counts.index.get_level_values(0).to_numpy()
    b = counts.index.get_level_values(1).to_numpy()
    both = (present[a] & present[b]).sum(axis=1)
    share = counts.to_numpy() / np.maximum(both, 1)
    keep = share >= p["min_share"]
    a, b, equal, share, both = a[keep], b[keep], counts.to_numpy()[keep], share[keep], both[keep]
    units = ctx.unit_ids[rows]
    this = np.concatenate([a, b])
    other = np.concatenate([b, a])
    reasons = [f"与 {units[o]} 同年报表相比，{e} / {n} 个数值完全相同"
               for o, e, n in zip(other, np.tile(equal, 2), np.tile(both, 2))]
    return Outcome(flags(units[this], ctx.year_values[rows][this], "相同数值个数", np.tile(equal, 2),
                         f"相同 < {p['min_equal']} 个", np.tile(share, 2) / p["min_share"], reasons))
