"""Evaluate a framework condition tree for every applicant: status, value, threshold, Chinese reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from nidb.framework import (
    AllOf,
    AnyOf,
    ByClass,
    Condition,
    EachOfLastYears,
    Expert,
    Feature,
    Indicator,
    InSet,
    IsTrue,
    PeerRelative,
    Ratio,
    SpecialAreaThreshold,
    Threshold,
)
from nidb.inputs.contract import load_contract
from nidb.framework.model import NEGATED_OP, OP_SYMBOL
from nidb.indicators.peers import PEER_LEVEL_ZH
from nidb.selection.checks import AnyCheck, Check, Comparison, PeerCheck
from nidb.selection.context import Context
from nidb.selection.status import FAIL, MISSING, PASS, REVIEW, combine_all, combine_any

CLASS_LABELS = {"dc_size_class": "数据中心规模"}
REFERENCE_LABELS = {"gdp_growth": "当地 GDP 增速"}


@dataclass(frozen=True, eq=False)
class Outcome:
    """Verdict of one condition for every applicant (arrays aligned to the context's units).

    The Chinese reasons are built only when first asked for (`reason`): statuses, overall
    verdicts and sweeps do not need the string work.
    """

    status: np.ndarray  # int8 status codes
    explain: Callable[[], pd.Series]  # builds the Chinese reason per applicant
    value: np.ndarray  # the compared value (NaN when not a single number)
    threshold: np.ndarray  # the threshold it was compared with (NaN likewise)
    check: Check | None = None  # numeric check, for sweeps (quantitative conditions only)

    @cached_property
    def reason(self) -> pd.Series:
        return self.explain()


# The text helpers work on Arrow arrays (`_fmt`, `_cat`, `_fmt_apart`, `_join_text`): a chain of
# them pays no pandas overhead per step; `_series` wraps the final text, and `fmt` and `cat` are
# the Series versions of `_fmt` and `_cat`.
_TEXT = pa.large_string()


def _text(part: str | pd.Series | np.ndarray | pa.Array) -> pa.Array | pa.Scalar:
    """A text piece as Arrow large strings: a scalar for a str, else an array."""
    if isinstance(part, str):
        return pa.scalar(part, _TEXT)
    values = part if isinstance(part, pa.Array) else pa.array(getattr(part, "array", part))
    return values if values.type == _TEXT else pc.cast(values, _TEXT)


def _series(text: pa.Array) -> pd.Series:
    return pd.Series(pd.array(text, dtype="string"))


def _fmt(x: np.ndarray, decimals: int = 2) -> pa.Array:
    """`fmt` as an Arrow array."""
    r = np.round(np.asarray(x, dtype="float64"), decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    if r.size > 1 and (r == r[0]).all():  # one number (a threshold): format it once
        return pc.cast(pa.array(r[:1]), pa.string()).take(np.zeros(r.size, dtype="int64"))
    return pc.fill_null(pc.cast(pa.array(r, from_pandas=True), pa.string()), "缺失")


def fmt(x: np.ndarray, decimals: int = 2) -> pd.Series:
    """Numbers as short text: rounded to `decimals`, shortest form ("300", "212.4"); 缺失 for NaN."""
    return _series(_fmt(x, decimals))


MAX_DECIMALS = 8


def _fmt_apart(value: np.ndarray, threshold: np.ndarray, decimals: int = 2) -> tuple[pa.Array, pa.Array]:
    """Value and threshold as text, each row with the fewest decimals (at least `decimals`) that
    show them apart: a value that fails its threshold never reads as equal to it (「50% < 50%」)."""
    v = np.asarray(value, dtype="float64")
    t = np.broadcast_to(np.asarray(threshold, dtype="float64"), v.shape)
    digits = np.full(v.shape, decimals)
    with np.errstate(invalid="ignore"):
        for d in range(decimals, MAX_DECIMALS + 1):
            same = (np.round(v, d) == np.round(t, d)) & (v != t)
            digits = np.where(same & (digits == d), d + 1, digits)
    digits = np.minimum(digits, MAX_DECIMALS)
    vt, tt = _fmt(v, decimals), _fmt(t, decimals)
    for d in np.unique(digits[digits > decimals]):
        rows = digits == d
        vt, tt = pc.if_else(rows, _fmt(v, int(d)), vt), pc.if_else(rows, _fmt(t, int(d)), tt)
    return vt, tt


def unit_suffix(unit: str | None) -> str:
    if not unit:
        return ""
    return unit if unit == "%" else f" {unit}"


def cat(*parts: str | pd.Series | np.ndarray) -> pd.Series:
    """Text pieces joined element-wise in one pass (scalars repeat; missing anywhere gives missing)."""
    return _series(_cat(*parts))


def _cat(*parts: str | pd.Series | np.ndarray | pa.Array) -> pa.Array:
    """`cat` as an Arrow array."""
    return pc.binary_join_element_wise(*map(_text, parts), _text(""))


def _compare_reason(label: str, unit: str | None, op: str, status: np.ndarray, value, threshold, n: int) -> pd.Series:
    u = unit_suffix(unit)
    sym = np.where(status == PASS, OP_SYMBOL[op], NEGATED_OP[op])
    shown, limit = _fmt_apart(value, np.broadcast_to(threshold, np.shape(value)))
    said = _cat(label + " ", shown, u + " ", sym, " ", limit, u)
    missing = _cat(f"{label} 数据缺失（条件：{OP_SYMBOL[op]}", limit, u + "）")
    return _series(pc.if_else(status != MISSING, said, missing))


def _fallback_note(measure: object, ctx: Context) -> pd.Series | None:
    """For a ratio with a fallback numerator (#5): which field each applicant's value used."""
    if not isinstance(measure, Ratio) or measure.fallback is None:
        return None
    form = ctx.annual_at(ctx.data_year).reset_index(drop=True)
    annual = load_contract().table("annual")
    main, spare = annual.column(measure.numerator).zh, annual.column(measure.fallback).zh
    enabled = ctx.method.framework.resolve(measure.fallback_enabled, ctx.params)
    empty = pd.Series(np.nan, index=form.index)
    has_main = pd.to_numeric(form.get(measure.numerator, empty), errors="coerce").notna().to_numpy()
    has_spare = pd.to_numeric(form.get(measure.fallback, empty), errors="coerce").notna().to_numpy()
    note = np.where(has_main, f"（按{main}计）",
                    np.where(enabled & has_spare, f"（未填{main}，按{spare}计）", f"（未填{main}）"))
    return pd.Series(note, dtype="string")


class Evaluator:
    """Evaluates condition nodes of one indicator or feature against a context."""

    def __init__(self, ctx: Context):
        self.ctx = ctx

    def evaluate(self, cond: Condition, item: Indicator | Feature) -> Outcome:
        """The outcome of `cond`, a node of the condition tree of `item` (indicator or feature)."""
        ctx = self.ctx
        n = ctx.n
        label = item.label
        own_measure = getattr(item, "formula", None)
        lab = getattr(cond, "label", None) or label
        u = getattr(cond, "unit", None) or getattr(item, "unit", None)
        if isinstance(cond, (Threshold, SpecialAreaThreshold)):
            value = ctx.measure(cond.measure or own_measure, ctx.data_year)
            base = np.full(n, cond.value)
            relaxed = np.zeros(n, dtype=bool)
            if isinstance(cond, SpecialAreaThreshold) and ctx.method.special_area_relaxation:
                relaxed = ctx.special_area
                base = np.where(relaxed, cond.special_area_value, cond.value)
            check = Comparison(value, base, cond.op)
            status = check.status()

            source = _fallback_note(cond.measure or own_measure, ctx)

            def explain() -> pd.Series:
                reason = _compare_reason(lab, u, cond.op, status, value, base, n)
                if source is not None:
                    reason = reason + source
                return reason.where(~relaxed, reason + "（特殊类型地区）")

            return Outcome(status, explain, value, base, check)
        if isinstance(cond, EachOfLastYears):
            return self._years(cond, lab, u, own_measure)
        if isinstance(cond, PeerRelative):
            return self._peer(cond, lab, u, item)
        if isinstance(cond, Expert):
            return self._expert(cond, item)
        if isinstance(cond, InSet):
            raw = ctx.annual_at(ctx.data_year)[cond.field].astype("string").reset_index(drop=True)
            ok = raw.isin(cond.values).fillna(False).to_numpy(bool)
            status = np.where(raw.isna().to_numpy(), MISSING, np.where(ok, PASS, FAIL)).astype("int8")
            need = "或".join(cond.values)

            def explain() -> pd.Series:
                said = f"{lab}：" + raw.fillna("缺失")
                reason = said.where(status == PASS, said + f"（须为{need}）")
                return reason.where(status != MISSING, f"{lab} 数据缺失（须为{need}）")

            return Outcome(status, explain, np.full(n, np.nan), np.full(n, np.nan))
        if isinstance(cond, IsTrue):
            raw = ctx.annual_at(ctx.data_year)[cond.field].astype("boolean").reset_index(drop=True)
            status = np.where(raw.isna().to_numpy(), MISSING, np.where(raw.fillna(False).to_numpy(bool), PASS, FAIL))

            def explain() -> pd.Series:
                reason = pd.Series(np.where(status == PASS, f"{lab}：是", f"{lab}：否"), dtype="string")
                return reason.where(status != MISSING, f"{lab} 数据缺失")

            return Outcome(status.astype("int8"), explain, np.full(n, np.nan), np.full(n, np.nan))
        if isinstance(cond, (AnyOf, AllOf)):
            subs = [self.evaluate(c, item) for c in cond.conditions]
            combine = combine_any if isinstance(cond, AnyOf) else combine_all
            status = combine([s.status for s in subs])

            def explain() -> pd.Series:
                return _series(_join_text([s.reason for s in subs], "；"))

            check = None
            if isinstance(cond, AnyOf) and all(isinstance(s.check, Comparison) for s in subs):
                check = AnyCheck(tuple(s.check for s in subs))
            single = len(subs) == 1
            return Outcome(status, explain, subs[0].value if single else np.full(n, np.nan),
                           subs[0].threshold if single else np.full(n, np.nan), check)
        if isinstance(cond, ByClass):
            status = np.full(n, MISSING, dtype="int8")
            class_label = CLASS_LABELS.get(cond.class_field, cond.class_field)
            value, threshold = np.full(n, np.nan), np.full(n, np.nan)
            cases = []
            for key, sub in cond.cases:
                out = self.evaluate(sub, item)
                mine = ctx.round.registry_is(cond.class_field, key)
                status = np.where(mine, out.status, status).astype("int8")
                value = np.where(mine, out.value, value)
                threshold = np.where(mine, out.threshold, threshold)
                cases.append((key, mine, out))

            def explain() -> pd.Series:
                reason = pd.Series(f"{class_label}未填，无法判定", index=range(n), dtype="string")
                for key, mine, out in cases:
                    reason = reason.where(~mine, f"{class_label}{key}：" + out.reason)
                return reason

            return Outcome(status, explain, value, threshold)
        raise TypeError(cond)

    def _years(self, cond: EachOfLastYears, lab: str, u: str | None, own_measure) -> Outcome:
        ctx = self.ctx
        years = ctx.window(cond.years)
        value = np.column_stack([ctx.measure(cond.measure or own_measure, y) for y in years])
        if cond.reference is not None:
            base = np.column_stack([ctx.gdp_at(y) for y in years])
        else:
            base = np.full(value.shape, float(cond.value))
        check = Comparison(value, base, cond.op)
        status = check.status()

        def explain() -> pd.Series:
            if cond.reference is None:
                return self._years_reason(cond, lab, u, years, value, base, status, None, None)
            return self._years_reason(cond, lab, u, years, value, base, status, ctx.gdp_area(years),
                                      [ctx.gdp_area_at(y) for y in years])

        return Outcome(status, explain, value[:, -1], base[:, -1], check)

    @staticmethod
    def _years_reason(cond: EachOfLastYears, lab: str, u: str | None, years: list[int], value: np.ndarray,
                      base: np.ndarray, status: np.ndarray, area: pd.Series | None,
                      area_at: list[pd.Series] | None) -> pd.Series:
        """Reason of a condition over the last years; `area` names the reference's area per applicant
        (「当地 GDP 增速 5.8%（苏州市）」), `area_at` per year."""
        ref = REFERENCE_LABELS[cond.reference] + " " if cond.reference is not None else ""
        where = _cat("（", area, "）") if area is not None else ""
        uu = unit_suffix(u)
        with np.errstate(invalid="ignore"):
            ok_y = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less}[cond.op](value, base)
        parts_fail, parts_missing = [], []
        for j, y in enumerate(years):
            no_value, no_base = np.isnan(value[:, j]), np.isnan(base[:, j])
            bad = ~ok_y[:, j] & ~no_value & ~no_base
            shown, limit = _fmt_apart(value[:, j], base[:, j])
            piece = _cat(f"{y} 年 ", shown, uu + f" {NEGATED_OP[cond.op]} {ref}", limit, uu, where)
            parts_fail.append(pc.if_else(bad, piece, _text("")))
            missing = pc.if_else(no_value, _text(f"{y} 年数据缺失"), _text(""))
            if area_at is not None:
                missing = pc.if_else(~no_base | no_value, missing, _cat(f"{y} 年无", area_at[j], " 的 GDP 增速"))
            parts_missing.append(missing)
        span = f"{years[0]}–{years[-1]} 年" if len(years) > 1 else f"{years[0]} 年"
        if cond.reference is None:
            bound = _cat(_fmt(base[:, :1].ravel()), uu)
        else:
            bound = _cat(ref, _join_text([_cat(_fmt(base[:, j]), uu) for j in range(len(years))], "、"), where)
        passed = _cat(f"{lab} {span} ", _join_text([_cat(_fmt(value[:, j]), uu) for j in range(len(years))], "、"),
                      f"，均 {OP_SYMBOL[cond.op]} ", bound)
        failed = _cat(f"{lab} ", _join_text(parts_fail, "；", skip_empty=True))
        missing = _cat(f"{lab} ", _join_text(parts_missing, "；", skip_empty=True))
        return _series(pc.if_else(status == PASS, passed, pc.if_else(status == FAIL, failed, missing)))

    def _peer(self, cond: PeerRelative, lab: str, u: str | None, item: Indicator) -> Outcome:
        ctx = self.ctx
        fw = ctx.method.framework
        top = float(fw.resolve(cond.top_share, ctx.params))
        iid = item.id
        higher = item.direction == "higher"
        value, position, bench = (ctx.position(iid, c) for c in ("value", "position", "benchmark"))
        check = PeerCheck(position, top, value, bench, higher)
        status = check.status()
        has_bench = ~np.isnan(bench)

        def explain() -> pd.Series:
            uu = unit_suffix(u)
            group = pd.Series(ctx.position(iid, "peer_group"), dtype="string").fillna("")
            level = pd.Series(ctx.position(iid, "peer_level"), dtype="string").fillna("")
            fell = pd.Series(ctx.position(iid, "fallback") == 1, dtype="boolean").fillna(False).to_numpy(bool)
            chosen = PEER_LEVEL_ZH[fw.resolve(cond.group_by, ctx.params)]
            min_size = fw.resolve(cond.min_group_size, ctx.params)
            group = pc.if_else(fell, _cat(group, f"；{chosen}组内有值单位不足 {min_size} 家，改按", level, "比较"),
                               _text(group))
            rank = _fmt(ctx.position(iid, "rank"))
            size = _fmt(ctx.position(iid, "group_size"))
            sym = np.where(status == PASS, "≤", ">")
            shown = _fmt(value)
            by_rank = _cat(f"{lab} ", shown, uu + "，同组（", group, "）第 ", rank, "/", size, " 名，位次 ",
                           _fmt(position), "% ", sym, f" 前 {fmt(np.array([top]))[0]}%")
            bsym = np.where(status == PASS, "≥" if higher else "≤", "<" if higher else ">")
            by_bench = _cat(f"{lab} ", shown, uu + " ", bsym, " 行业基准 ", _fmt(bench), uu)
            reason = pc.if_else(has_bench, by_bench, by_rank)
            return _series(pc.if_else(status != MISSING, reason, _text(f"{lab} 数据缺失，无法比较同行位次")))

        threshold = np.where(has_bench, bench, top)
        compared = np.where(has_bench, value, position)
        return Outcome(status, explain, compared, threshold, check)

    def _expert(self, cond: Expert, item: Indicator | Feature) -> Outcome:
        ctx = self.ctx
        rule = ctx.method.qualitative_rule
        score, experts = ctx.expert_score(cond.id or item.id)
        status = np.where(np.isnan(score), REVIEW, np.where(score >= rule.pass_mark, PASS, FAIL)).astype("int8")

        def explain() -> pd.Series:
            sym = np.where(status == PASS, "≥", "<")
            mark = fmt(np.array([rule.pass_mark]))[0]
            reason = _cat("专家评分 ", _fmt(score), " 分 ", sym, f" {mark} 分（", experts, " 位专家）")
            return _series(pc.if_else(status != REVIEW, reason, _text("尚无专家评分，待专家评审")))

        return Outcome(status, explain, score, np.full(ctx.n, rule.pass_mark))

    def top_level(self, item: Indicator | Feature) -> Outcome:
        """The outcome of an indicator's or feature's whole condition."""
        return self.evaluate(item.condition, item)

def _join_text(parts: list[pd.Series | pa.Array], sep: str, skip_empty: bool = False) -> pa.Array:
    """Element-wise join of text pieces with `sep`; with `skip_empty`, empty pieces get no separator."""
    if not skip_empty:
        return _cat(*[x for p in parts for x in (sep, p)][1:])
    n, k = len(parts[0]), len(parts)
    pieces = pa.concat_arrays([_text(p) for p in parts])  # piece by piece
    pieces = pieces.take((np.arange(k) * n + np.arange(n)[:, None]).ravel())  # row by row
    kept = np.asarray(pc.fill_null(pc.not_equal(pieces, ""), True))
    offsets = np.concatenate([[0], np.cumsum(kept.reshape(n, k).sum(axis=1))]).astype("int32")
    rows = pa.ListArray.from_arrays(pa.array(offsets), pieces.filter(kept))  # each row's non-empty pieces
    return pc.binary_join(rows, _text(sep))
