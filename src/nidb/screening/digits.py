"""Digit and rounding patterns: first-digit (Benford) conformity per recommending authority and year,
and heaping on round numbers per form."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nidb.inputs.contract import load_contract
from nidb.screening.context import Outcome, ScreeningContext, flags, fmt, no_flags
from nidb.screening.method import ScreeningRule
from nidb.screening.tails import binom_at_least, chi2_isf, chi2_sf, ncx2_sf

DIGITS = np.arange(1, 10)
BENFORD = np.log10(1.0 + 1.0 / DIGITS)  # share of first digit d: log10(1 + 1/d)


def first_digits(values: np.ndarray) -> np.ndarray:
    """First significant digit (1–9) of each positive finite value; 0 elsewhere."""
    out = np.zeros(len(values), dtype="int64")
    ok = np.isfinite(values) & (values > 0)
    x = values[ok]
    mantissa = x / 10.0 ** np.floor(np.log10(x))
    out[ok] = np.clip(np.floor(mantissa + 1e-9), 1, 9).astype("int64")
    return out


def chi2_power(n: np.ndarray | int, effect_size: float, alpha: float, df: int = 8) -> np.ndarray:
    """Power of the chi-square goodness-of-fit test on n numbers against a departure of Cohen's w."""
    critical = chi2_isf(alpha, df)
    return ncx2_sf(critical, df, np.asarray(n, dtype="float64") * effect_size**2)


def benford(rule: ScreeningRule, ctx: ScreeningContext) -> Outcome:
    """Chi-square test and mean absolute deviation (MAD) of first digits per authority and year; an
    authority-year is tested only when the test has `min_power` against `effect_size`."""
    p = rule.params
    rows = np.flatnonzero(ctx.in_years)
    values = ctx.matrix(p["fields"])[rows]
    digits = first_digits(values.ravel())
    keep = digits > 0
    authority_codes, authorities = pd.factorize(pd.Series(ctx.authority[rows]))
    year_codes, year_list = pd.factorize(pd.Series(ctx.year_values[rows]))
    group = np.repeat(authority_codes * len(year_list) + year_codes, values.shape[1])[keep]
    counts = np.bincount(group * 9 + digits[keep] - 1, minlength=len(authorities) * len(year_list) * 9)
    counts = counts.reshape(-1, 9)
    used = counts.sum(axis=1) > 0
    index = pd.MultiIndex.from_product([authorities, year_list], names=["authority", "year"])[used]
    counts = pd.DataFrame(counts[used], index=index, columns=DIGITS).sort_index()
    observed = counts.to_numpy(dtype="float64")
    n = observed.sum(axis=1)
    expected = n[:, None] * BENFORD[None, :]
    chi2 = ((observed - expected) ** 2 / expected).sum(axis=1)
    mad = np.abs(observed / n[:, None] - BENFORD[None, :]).mean(axis=1)
    power = chi2_power(n, p["effect_size"], p["alpha"])
    tested = power >= p["min_power"]
    pvalue = np.where(tested, chi2_sf(chi2, 8), np.nan)
    flagged = tested & (pvalue < p["alpha"]) & (mad > p["mad"])
    table = counts.index.to_frame(index=False).assign(
        numbers=n.astype("int64"), chi2=chi2, p_value=pvalue, mad=mad, power=power, tested=tested, flagged=flagged,
    )
    for d in DIGITS:
        table[f"digit_{d}"] = observed[:, d - 1] / n
    hit = np.flatnonzero(flagged)
    top = observed.argmax(axis=1) + 1
    reasons = [
        f"{table.at[i, 'authority']} {table.at[i, 'year']} 年报送的 {int(n[i])} 个金额与数量首位数字偏离 Benford 分布"
        f"（MAD = {mad[i]:.3f}，> {p['mad']}；卡方 = {fmt(chi2[i])}，p = {pvalue[i]:.2g}）；首位最常见为 {top[i]}"
        f"（{observed[i, top[i] - 1] / n[i]:.0%}，Benford 预期 {BENFORD[top[i] - 1]:.0%}）"
        for i in hit
    ]
    out = flags([None] * len(hit), table["year"].to_numpy()[hit], "首位数字", mad[hit], f"MAD ≤ {p['mad']}",
                mad[hit] / p["mad"], reasons, authority=table["authority"].to_numpy()[hit])
    untested = int((~table["tested"]).sum())
    note = (f"{untested} 个推荐单位-年份的数字太少（检验功效 < {p['min_power']}，需约 {_needed(p):.0f} 个数），未做检验"
            if untested else None)
    if untested == len(table):
        return Outcome(out, skipped=note, detail={"benford": table})
    return Outcome(out, note=note, detail={"benford": table})


def _needed(p: dict) -> float:
    """Smallest number of values for which the test reaches `min_power`."""
    n = np.arange(10, 20001)
    reached = np.flatnonzero(chi2_power(n, p["effect_size"], p["alpha"]) >= p["min_power"])
    return float(n[reached[0]]) if len(reached) else float("inf")


def heaping(rule: ScreeningRule, ctx: ScreeningContext) -> Outcome:
    """Forms with more round amounts (at most `significant_digits` significant digits) than chance gives."""
    p = rule.params
    values = ctx.matrix(p["fields"])
    eligible = np.isfinite(values) & (values >= p["min_value"])
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = 10.0 ** (np.floor(np.log10(np.where(eligible, values, 1.0))) - p["significant_digits"] + 1)
        quotient = np.where(eligible, values / unit, 0.5)
    round_ = eligible & (np.abs(quotient - np.round(quotient)) < 1e-6)
    n, k = eligible.sum(axis=1), round_.sum(axis=1)
    pvalue = binom_at_least(k, n, p["expected_share"])
    hit = np.flatnonzero(ctx.in_years & (k >= p["min_round"]) & (pvalue < p["alpha"]))
    labels = [load_contract().table("annual").column(f).zh for f in p["fields"]]
    reasons = [
        f"{k[i]} / {n[i]} 个数值为整数（至多 {p['significant_digits']} 位有效数字）："
        + "、".join(f"{labels[j]} {fmt(values[i, j])}" for j in np.flatnonzero(round_[i]))
        + f"；如实填报时预期约 {p['expected_share']:.0%}（二项检验 p = {pvalue[i]:.2g}）"
        for i in hit
    ]
    score = np.minimum(np.log10(np.maximum(pvalue[hit], 1e-300)) / np.log10(p["alpha"]), 10.0)
    expected = [f"整数至多 {int(np.ceil(n[i] * p['expected_share']))} 个" for i in hit]
    return Outcome(flags(ctx.unit_ids[hit], ctx.year_values[hit], "整数个数", k[hit], expected, score, reasons)
                   if len(hit) else no_flags())
