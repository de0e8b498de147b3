"""The optional tables: values of statistical agencies against the reported ones (Art. 10), and
earlier submitted versions of a form against the final one."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nidb.inputs.contract import load_contract
from nidb.inputs.official import official_fields
from nidb.screening.context import KEY, Outcome, ScreeningContext, flags, fmt, no_flags
from nidb.screening.method import ScreeningRule


def _missing(name: str) -> str:
    table = load_contract().table(name)
    return f"未提供「{table.zh}」表（{table.file}.csv / .xlsx），本规则未运行"


def _label(field_: str) -> str:
    return load_contract().table("annual").column(field_).zh


def official_discrepancy(rule: ScreeningRule, ctx: ScreeningContext) -> Outcome:
    """Reported values that differ from the official value of the same field by more than `tolerance`."""
    official = ctx.official
    if official is None or official.empty:
        return Outcome(no_flags(), skipped=_missing("official_statistics"))
    fields = official_fields(official, ctx.annual)
    official = official[official["year"].isin(ctx.years)].reset_index(drop=True)
    keys = pd.MultiIndex.from_frame(ctx.annual[KEY].astype({"year": "int64"}))
    row = keys.get_indexer(pd.MultiIndex.from_frame(official[KEY].astype({"year": "int64"})))
    official, row = official[row >= 0].reset_index(drop=True), row[row >= 0]
    tol = rule.params["tolerance"]
    parts = []
    for field_ in fields:
        off = pd.to_numeric(official[field_], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        rep = ctx.number(field_)[row]
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.abs(rep - off) / np.where(off != 0, np.abs(off), np.nan)
        hit = np.flatnonzero(np.isfinite(rel) & (rel > tol))
        if not len(hit):
            continue
        reasons = [
            f"{_label(field_)}自报 {fmt(rep[i])}，{official['source'].iat[i]}数据 {fmt(off[i])}，"
            f"相差 {fmt(rep[i] - off[i])}（{(rep[i] - off[i]) / off[i]:+.1%}）；第十条：以统计部门和职能部门数据为准"
            for i in hit
        ]
        expected = [f"{fmt(off[i] * (1 - tol))} ~ {fmt(off[i] * (1 + tol))}" for i in hit]
        parts.append(flags(official["unit_id"].to_numpy()[hit], official["year"].to_numpy()[hit], field_, rep[hit],
                           expected, rel[hit] / tol, reasons))
    return Outcome(pd.concat(parts, ignore_index=True) if parts else no_flags())


def revisions(rule: ScreeningRule, ctx: ScreeningContext) -> Outcome:
    """Earlier versions against the final form: flagged when the revision moves a threshold condition
    (from not met to met, or back) or changes a field by more than `tolerance`."""
    versions = ctx.submissions
    if versions is None or versions.empty:
        return Outcome(no_flags(), skipped=_missing("submissions"))
    p = rule.params
    versions = versions[versions["year"].isin(ctx.years)].astype({"year": "int64"})
    final = ctx.annual.astype({"year": "int64"}).set_index(KEY)
    keys = pd.MultiIndex.from_frame(versions[KEY])
    present = keys.isin(final.index)
    versions, keys = versions[present].reset_index(drop=True), keys[present]
    if versions.empty:
        return Outcome(no_flags())
    final_rows = final.reindex(keys).reset_index()
    fields = official_fields(versions.drop(columns=["version", "submitted_on"], errors="ignore"), final_rows)
    # an earlier version: its own values where given, the final form's elsewhere
    earlier = final_rows.copy()
    for field_ in fields:
        given = pd.to_numeric(versions[field_], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        base = earlier[field_].to_numpy(dtype="float64", na_value=np.nan)
        earlier[field_] = np.where(np.isfinite(given), given, base)
    now = ctx.indicators(final_rows)
    then = ctx.indicators(earlier)
    special = final_rows["unit_id"].map(ctx.registry["special_area"]).fillna(False).to_numpy(dtype=bool)
    reasons: list[list[str]] = [[] for _ in range(len(versions))]
    score = np.zeros(len(versions))
    for indicator in p["indicators"]:
        spec = ctx.threshold(indicator)
        threshold = np.where(special, spec.special_value, spec.value)
        a, b = then[indicator].to_numpy(dtype="float64"), now[indicator].to_numpy(dtype="float64")
        moved = np.isfinite(a) & np.isfinite(b) & ((a >= threshold) != (b >= threshold))
        for i in np.flatnonzero(moved):
            verdict = "由未达到变为达到" if b[i] >= threshold[i] else "由达到变为未达到"
            reasons[i].append(f"{spec.zh}由 {fmt(a[i])} 改为 {fmt(b[i])}{spec.unit}，门槛 {fmt(threshold[i])}：{verdict}")
            score[i] = max(score[i], 2.0)
    for field_ in fields:
        a = pd.to_numeric(versions[field_], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        b = final_rows[field_].to_numpy(dtype="float64", na_value=np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.abs(b - a) / np.where(a != 0, np.abs(a), np.nan)
        for i in np.flatnonzero(np.isfinite(rel) & (rel > p["tolerance"])):
            reasons[i].append(f"{_label(field_)}由 {fmt(a[i])} 改为 {fmt(b[i])}（{(b[i] - a[i]) / a[i]:+.0%}）")
            score[i] = max(score[i], rel[i] / p["tolerance"])
    hit = [i for i, r in enumerate(reasons) if r]
    if not hit:
        return Outcome(no_flags())
    dates = versions.get("submitted_on", pd.Series(pd.NA, index=versions.index)).astype("string").fillna("日期未填")
    text = [f"第 {versions['version'].iat[i]} 版（{dates.iat[i]}）到终版：" + "；".join(reasons[i]) for i in hit]
    return Outcome(flags(versions["unit_id"].to_numpy()[hit], versions["year"].to_numpy()[hit], "修改",
                         [len(reasons[i]) for i in hit], "修改不改变条件判定", score[hit], text))
