"""Threshold sensitivity of the selection: pass rates as each quantitative threshold sweeps a range.

Every threshold is the spec value times a multiplier ``m`` in ``[1 - span, 1 + span]``
(#2: the local GDP growth × m; peer-relative conditions: the top-share cut-off × m, and an
external benchmark relaxed by the same factor). All pass matrices are numpy broadcasts over
(condition, multiplier, applicant); bootstrap intervals resample applicants with multinomial
weights and one matrix product. A missing value never passes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from nidb.framework import (
    AnyOf,
    EachOfLastYears,
    PeerRelative,
    SpecialAreaThreshold,
    Threshold,
)
from nidb.framework.model import OP_SYMBOL
from nidb.indicators.values import resolved_parameters
from nidb.selection.checks import Comparison
from nidb.selection.conditions import fmt, unit_suffix
from nidb.selection.method import SweepSpec
from nidb.selection.status import MISSING
from nidb.selection.verdicts import QuantitativeChecks, SelectionResult


@dataclass(frozen=True, eq=False)
class SweepResult:
    """The tables of one sweep (English column names; `nidb.selection.export` adds Chinese headers)."""

    curves: pd.DataFrame  # condition × multiplier: pass rates alone and jointly, with intervals
    binding: pd.DataFrame  # per condition: pass rate at spec, applicants for whom it is the only failure
    relaxation: pd.DataFrame  # effect of the special-area relaxation
    grid: pd.DataFrame  # two-way grid of the joint pass rate for the two most binding conditions
    spec: SweepSpec


def multipliers(spec: SweepSpec, points: int | None = None) -> np.ndarray:
    """The swept multipliers, always including 1 (the spec value) when `points` is odd."""
    return np.linspace(1 - spec.span, 1 + spec.span, points or spec.points)


def others_pass(p0: np.ndarray) -> np.ndarray:
    """(C, n): whether every condition other than c passes at the spec thresholds."""
    fails = ~p0
    return (fails.sum(axis=0)[None, :] - fails) == 0


def pass_runs(p: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """For a boolean (K, n) pass matrix along sorted multipliers: each applicant's run of passes
    as ``[start, stop)`` (``start == stop`` when it never passes), or None when some applicant
    passes on two separate runs.

    A threshold comparison passes on a half-line of multipliers, and an AND of half-lines is an
    interval, so every check here gives one run; the None case is kept for safety.
    """
    k, n = p.shape
    edges = np.diff(np.vstack([np.zeros((1, n), np.int8), p.astype(np.int8), np.zeros((1, n), np.int8)]), axis=0)
    if ((edges == 1).sum(axis=0) > 1).any():
        return None
    start = np.where(p.any(axis=0), np.argmax(edges == 1, axis=0), 0)
    stop = np.where(p.any(axis=0), np.argmax(edges == -1, axis=0), 0)
    return start, stop


def weighted_counts(p: np.ndarray, weights_t: np.ndarray) -> np.ndarray:
    """(K, B): for each multiplier and each weight vector (columns of the (n, B) ``weights_t``),
    the weighted count of passing applicants.

    With one run per applicant this is a difference array — +w at the start of the run, −w at
    its end — summed along the multipliers: a sparse (K+1, n) by dense (n, B) product, O(n·B)
    instead of O(K·n·B). Otherwise a dense product.
    """
    k, n = p.shape
    runs = pass_runs(p)
    if runs is None:
        return p.astype(np.float64) @ weights_t
    from scipy import sparse

    start, stop = runs
    who = np.flatnonzero(stop > start)
    diff = sparse.csr_matrix(
        (np.r_[np.ones(len(who)), -np.ones(len(who))], (np.r_[start[who], stop[who]], np.r_[who, who])),
        shape=(k + 1, n),
    )
    return np.cumsum(diff @ weights_t, axis=0)[:k]


def pass_rates(p: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Pass rates of a boolean (C, K, n) array: (C, K); with (B, n) bootstrap weights: (C, K, B)."""
    n = p.shape[-1]
    if weights is None:
        return p.mean(axis=-1)
    weights_t = np.ascontiguousarray(weights.T, dtype=np.float64)
    return np.stack([weighted_counts(block, weights_t) for block in p]) / n


def bootstrap_weights(n: int, draws: int, seed: int) -> np.ndarray:
    """(draws, n): how often each of n applicants is drawn in each of `draws` resamples of size n
    with replacement (multinomial counts; seeded)."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, n, size=(draws, n)) + (np.arange(draws) * n)[:, None]
    return np.bincount(picks.ravel(), minlength=draws * n).reshape(draws, n)


def curves(checks: QuantitativeChecks, m: np.ndarray, draws: int = 0, seed: int = 0, confidence: float = 0.95) -> dict:
    """Pass rates alone and jointly (with intervals when draws > 0), arrays shaped (C, K)."""
    p = checks.passes(m)  # (C, K, n)
    p0 = checks.passes(1.0)[:, 0, :]
    joint = p & others_pass(p0)[:, None, :]
    out = {"alone": pass_rates(p), "joint": pass_rates(joint)}
    if draws:
        w = bootstrap_weights(p.shape[-1], draws, seed)
        lo, hi = (1 - confidence) / 2, 1 - (1 - confidence) / 2
        for name, arr in (("alone", p), ("joint", joint)):
            b = pass_rates(arr, w)
            out[f"{name}_lo"], out[f"{name}_hi"] = np.quantile(b, [lo, hi], axis=-1)
    return out


def threshold_text(cond, unit: str | None, m: np.ndarray, top_share: float) -> tuple[np.ndarray, pd.Series]:
    """The swept threshold as a number and as Chinese text, per multiplier (vectorised)."""
    u = unit_suffix(unit)
    if isinstance(cond, SpecialAreaThreshold):
        value = cond.value * m
        text = (f"{OP_SYMBOL[cond.op]} " + fmt(value) + f"{u}（特殊类型地区 "
                + fmt(cond.special_area_value * m) + f"{u}）")
    elif isinstance(cond, Threshold):
        value = cond.value * m
        text = f"{OP_SYMBOL[cond.op]} " + fmt(value) + u
    elif isinstance(cond, EachOfLastYears):
        value = m
        text = f"近{cond.years}年均 {OP_SYMBOL[cond.op]} 当地 GDP 增速 × " + fmt(m, 3)
    elif isinstance(cond, AnyOf):
        a, b = cond.conditions
        value = a.value * m
        text = f"国家级 {OP_SYMBOL[a.op]} " + fmt(value) + f" 或省级 {OP_SYMBOL[b.op]} " + fmt(b.value * m)
    elif isinstance(cond, PeerRelative):
        value = top_share * m
        text = "同组前 " + fmt(value) + "%（有行业基准者：门槛倍数 " + fmt(m, 3) + "）"
    else:
        raise TypeError(cond)
    return value, text


def unrelaxed(result: SelectionResult) -> QuantitativeChecks:
    """The quantitative checks with everyone facing the general threshold of #1 and #5."""
    fw = result.method.framework
    checks = []
    for cid, check in zip(result.quantitative.ids, result.quantitative.checks):
        cond = fw.indicator(cid).condition
        if isinstance(cond, SpecialAreaThreshold):
            check = Comparison(check.value, np.full_like(check.base, cond.value), check.op)
        checks.append(check)
    q = result.quantitative
    status = np.column_stack([c.status() for c in checks])
    return QuantitativeChecks(q.ids, q.names, q.dimensions, tuple(checks), status)


def sweep(result: SelectionResult, spec: SweepSpec | None = None) -> SweepResult:
    """All threshold-sensitivity tables for one selection round."""
    spec = spec or result.method.sweep
    fw = result.method.framework
    q = result.quantitative
    m = multipliers(spec)
    c = curves(q, m, spec.bootstrap, spec.seed, spec.confidence)
    top = float(resolved_parameters(fw, result.method.params)["peer_top_share"])

    rows = []
    for j, cid in enumerate(q.ids):
        ind = fw.indicator(cid)
        value, text = threshold_text(ind.condition, ind.unit, m, top)
        block = {
            "condition_id": cid, "condition": ind.label, "multiplier": m, "threshold": value,
            "threshold_text": text.to_numpy(),
            "pass_rate_alone": c["alone"][j], "pass_rate_joint": c["joint"][j],
        }
        if spec.bootstrap:
            block.update({k: c[k][j] for k in ("alone_lo", "alone_hi", "joint_lo", "joint_hi")})
        rows.append(pd.DataFrame(block))
    curve_table = pd.concat(rows, ignore_index=True)

    p0 = q.passes(1.0)[:, 0, :]
    others = others_pass(p0)
    only = (~p0 & others).sum(axis=1)
    n = p0.shape[1]
    binding = pd.DataFrame({
        "condition_id": q.ids, "condition": q.names,
        "dimension": [fw.dimension(d).zh for d in q.dimensions],
        "pass_count": p0.sum(axis=1), "pass_rate": p0.mean(axis=1),
        "missing_count": (q.status == MISSING).sum(axis=0),
        "only_failed": only, "only_failed_share": only / n,
    }).sort_values(["only_failed", "condition_id"], ascending=[False, True], ignore_index=True)
    binding.insert(0, "binding_rank", np.arange(1, len(binding) + 1))

    relaxation = _relaxation(result, p0)
    grid = _grid(result, binding["condition_id"].iloc[:2].tolist(), multipliers(spec, spec.grid_points), p0, top)
    return SweepResult(curve_table, binding, relaxation, grid, spec)


def _relaxation(result: SelectionResult, p0: np.ndarray) -> pd.DataFrame:
    """Pass counts of special-area applicants with and without the relaxed thresholds."""
    special = result.special_area
    off = unrelaxed(result).passes(1.0)[:, 0, :]
    fw = result.method.framework
    q = result.quantitative
    rows = []
    relaxed_ids = [i for i, cid in enumerate(q.ids) if isinstance(fw.indicator(cid).condition, SpecialAreaThreshold)]
    for i in relaxed_ids:
        rows.append((q.ids[i], q.names[i], p0[i][special].sum(), off[i][special].sum()))
    rows.append(("全部定量条件", "全部定量条件同时达到", p0.all(0)[special].sum(), off.all(0)[special].sum()))
    out = pd.DataFrame(rows, columns=["condition_id", "condition", "pass_relaxed", "pass_general"])
    out.insert(2, "special_area_applicants", int(special.sum()))
    out["gained"] = out["pass_relaxed"] - out["pass_general"]
    return out


def _grid(result: SelectionResult, pair: list[str], m: np.ndarray, p0: np.ndarray, top: float) -> pd.DataFrame:
    """Joint pass rate over a grid of the two conditions' multipliers (the others at spec)."""
    q = result.quantitative
    fw = result.method.framework
    a, b = (q.ids.index(cid) for cid in pair)
    fails = ~p0
    rest = (fails.sum(axis=0) - fails[a] - fails[b]) == 0
    pa = q.checks[a].passes(m) & rest[None, :]
    pb = q.checks[b].passes(m)
    joint = pa.astype(np.float32) @ pb.T.astype(np.float32) / p0.shape[1]  # (Ka, Kb)
    ta, _ = threshold_text(fw.indicator(pair[0]).condition, None, m, top)
    tb, _ = threshold_text(fw.indicator(pair[1]).condition, None, m, top)
    ia, ib = np.meshgrid(np.arange(len(m)), np.arange(len(m)), indexing="ij")
    return pd.DataFrame({
        "condition_a": pair[0], "multiplier_a": m[ia.ravel()], "threshold_a": ta[ia.ravel()],
        "condition_b": pair[1], "multiplier_b": m[ib.ravel()], "threshold_b": tb[ib.ravel()],
        "pass_rate_joint": joint.ravel().astype("float64"),
    })
