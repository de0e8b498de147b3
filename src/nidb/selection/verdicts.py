"""Selection verdicts: every applicant against every condition, the overall verdict and the order."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from nidb.framework import EachOfLastYears, Framework, walk
from nidb.reference.catalogue import load_catalogue
from nidb.selection.areas import feature_areas
from nidb.selection.checks import Check
from nidb.selection.conditions import Evaluator, Outcome
from nidb.selection.context import Context, build_context, prepare
from nidb.selection.method import ORDER_FLAGS, Rule, SelectionMethod, load_selection_method
from nidb.selection.status import FAIL, MISSING, NOT_APPLICABLE, PASS, REVIEW, SUSPENDED, labels
from nidb.selection.suspension import suspended_applicants, suspended_rounds

LISTING_ID, VETO_ID = "A06", "A08"
GROUP_QUANT, GROUP_QUAL, GROUP_FEATURE, GROUP_ELIGIBILITY = "定量条件", "定性条件", "特色指标", "资格条件"


@dataclass(frozen=True, eq=False)
class QuantitativeChecks:
    """The numeric checks of the quantitative indicators, for threshold sweeps."""

    ids: tuple[str, ...]
    names: tuple[str, ...]
    dimensions: tuple[str, ...]
    checks: tuple[Check, ...]
    status: np.ndarray  # (n, conditions) at the spec thresholds

    def passes(self, m: np.ndarray | float = 1.0) -> np.ndarray:
        """Boolean (conditions, K, n)."""
        return np.stack([c.passes(m) for c in self.checks])


@dataclass(frozen=True, eq=False)
class ConditionVerdicts:
    """The outcome of one condition for the applicants it applies to."""

    condition_id: str
    condition: str
    group: str
    dimension: str
    outcome: Outcome
    applies: np.ndarray  # boolean mask over the applicants


@dataclass(frozen=True, eq=False)
class SelectionResult:
    """Verdicts of one selection round."""

    year: int
    data_year: int
    method: SelectionMethod
    summary: pd.DataFrame  # one row per applicant
    conditions: tuple[ConditionVerdicts, ...]
    quantitative: QuantitativeChecks
    special_area: np.ndarray  # applicants in special-type areas
    units: pd.Index

    @cached_property
    def verdicts(self) -> pd.DataFrame:
        """One row per applicant and applicable condition: status, value, threshold, Chinese reason."""
        keeps = [c.applies for c in self.conditions]
        which = np.repeat(np.arange(len(keeps)), [int(k.sum()) for k in keeps])  # the condition of each row

        def each(attr: str) -> pd.api.extensions.ExtensionArray:  # one text per condition, repeated for its rows
            return pd.array([getattr(c, attr) for c in self.conditions], dtype="str").take(which)

        def stacked(values: list[np.ndarray]) -> np.ndarray:  # per condition and applicant
            return np.concatenate([v[k] for v, k in zip(values, keeps)])

        outcomes = [c.outcome for c in self.conditions]
        # text columns stay Arrow strings: taken and concatenated, never converted to Python objects and back
        reasons = pa.chunked_array([pa.array(o.reason.array).filter(k) for o, k in zip(outcomes, keeps)])
        return pd.DataFrame({
            "applicant_id": self.units.astype("str").array.take(stacked([np.arange(len(self.units))] * len(keeps))),
            "condition_id": each("condition_id"), "condition": each("condition"), "group": each("group"),
            "dimension": each("dimension"),
            "status": labels(stacked([o.status for o in outcomes])), "value": stacked([o.value for o in outcomes]),
            "threshold": stacked([o.threshold for o in outcomes]),
            "reason": pd.array(reasons, dtype="str"),
        })


def rule_holds(accepted: np.ndarray, applicable: np.ndarray, groups: np.ndarray, rule: Rule) -> np.ndarray:
    """Whether the rule holds per applicant, counting `accepted` (n, c) among `applicable` ones."""
    if rule.mode == "all":
        return (accepted | ~applicable).all(axis=1)
    ok = np.ones(accepted.shape[0], dtype=bool)
    for g in np.unique(groups):
        cols = groups == g
        need = np.minimum(rule.k, applicable[:, cols].sum(axis=1))
        ok &= (accepted[:, cols] & applicable[:, cols]).sum(axis=1) >= need
    return ok


@lru_cache(maxsize=1)
def _catalogue_names() -> dict[str, str]:
    """Zone name(s) per catalogue code (the duplicated code S377018 gives both names, joined by 、)."""
    cat = load_catalogue()
    names: dict[str, list[str]] = {}
    for code, name in zip(cat["code"].tolist(), cat["name"].tolist()):
        names.setdefault(code, []).append(name)
    return {code: "、".join(same) for code, same in names.items()}


def _listing(ctx: Context) -> Outcome:
    """Art. 6: listed in the 2018 catalogue, or recognised by the provincial government."""
    recognised = ctx.registry["provincial_recognition"].astype("boolean")
    in_cat = ctx.round.listed.fillna(False).to_numpy(bool)
    rec = recognised.fillna(False).to_numpy(bool)
    unknown = recognised.isna().to_numpy() & ~in_cat
    status = np.where(in_cat | rec, PASS, np.where(unknown, MISSING, FAIL)).astype("int8")

    def explain() -> pd.Series:
        codes = ctx.registry["zone_code"].astype("string").reset_index(drop=True)
        cat_name = codes.map(_catalogue_names()).astype("string")
        reason = pd.Series("经省级人民政府认定的园区", index=codes.index, dtype="string")
        reason = reason.where(~in_cat, "开发区目录代码 " + codes + " 列入 2018 年版《中国开发区审核公告目录》（" + cat_name + "）")
        no_code = codes.isna()
        why_not = ("开发区目录代码 " + codes.fillna("") + " 不在 2018 年版目录中").where(~no_code, "未填开发区目录代码")
        reason = reason.where(status != FAIL, why_not + "，且非省级人民政府认定园区")
        return reason.where(status != MISSING, why_not + "，是否省级人民政府认定园区未填")

    nan = np.full(ctx.n, np.nan)
    return Outcome(status, explain, nan, nan)


def _veto(ctx: Context) -> Outcome:
    """Art. 8: no Level II+ environmental incident, no major safety accident in the last years."""
    veto = ctx.method.veto
    years = ctx.window(veto.years)
    hits, unknown, events = [], np.zeros(ctx.n, dtype=bool), []
    for y in years:
        form = ctx.annual_at(y).reset_index(drop=True)
        env = form["env_incident_level"].astype("string")
        safety = form["safety_accident_level"].astype("string")
        env_hit = env.isin(veto.env_incident_levels).fillna(False).to_numpy(bool)
        safety_hit = safety.isin(veto.safety_accident_levels).fillna(False).to_numpy(bool)
        unknown |= env.isna().to_numpy() | safety.isna().to_numpy()
        events.append((y, env, env_hit, safety, safety_hit))
        hits.append(env_hit | safety_hit)
    hit = np.logical_or.reduce(hits)
    status = np.where(hit, FAIL, np.where(unknown, MISSING, PASS)).astype("int8")

    def explain() -> pd.Series:
        reason_hit = pd.Series("", index=range(ctx.n), dtype="string")
        for y, env, env_hit, safety, safety_hit in events:
            piece = (f"{y} 年发生" + env.fillna("") + "突发环境污染事件").where(env_hit, "")
            piece2 = (f"{y} 年发生" + safety.fillna("") + "生产安全事故").where(safety_hit, "")
            for p in (piece, piece2):
                glue = pd.Series(np.where((reason_hit != "") & (p != ""), "；", ""), dtype="string")
                reason_hit = reason_hit + glue + p
        span = f"{years[0]}–{years[-1]} 年"
        env_levels = "/".join(veto.env_incident_levels)
        safety_levels = "/".join(veto.safety_accident_levels)
        ok = f"近{veto.years}年（{span}）未发生{env_levels}突发环境污染事件或{safety_levels}生产安全事故"
        reason = pd.Series(ok, index=range(ctx.n), dtype="string").where(~hit, reason_hit + "（一票否决）")
        return reason.where(status != MISSING, f"近{veto.years}年（{span}）事件记录不全，无法确认未发生"
                                               f"{env_levels}突发环境污染事件或{safety_levels}生产安全事故")

    nan = np.full(ctx.n, np.nan)
    return Outcome(status, explain, nan, nan)


def _ordering(ctx: Context, eligible: np.ndarray, values: dict[str, np.ndarray], fw: Framework) -> np.ndarray:
    """Rank 1.. of the eligible applicants by the method's ordering keys (NaN for the others).

    Keys as floats, negated when larger comes first; NaN sorts last; ties go by applicant id.
    With ``priority: tie_breaker`` (Art. 7 「在同等条件下予以优先支持」) the pilot-task and
    special-area flags come after the indicator keys, so they only break ties; with
    ``first_key`` the keys apply in the order written.
    """
    order_keys = list(ctx.method.ordering)
    if ctx.method.priority == "tie_breaker":
        order_keys = [k for k in order_keys if k not in ORDER_FLAGS] + [k for k in order_keys if k in ORDER_FLAGS]
    keys = []
    for key in order_keys:
        if key in ("pilot_tasks", "special_areas"):
            keys.append(-ctx.registry[key].notna().to_numpy().astype("float64"))
        else:
            higher_first = fw.indicator(key).direction != "lower"
            keys.append(-values[key] if higher_first else values[key])
    rows = np.flatnonzero(eligible)
    order = rows[np.lexsort([ctx.round.id_order[rows], *(k[rows] for k in reversed(keys))])]
    rank = np.full(ctx.n, np.nan)
    rank[order] = np.arange(1, len(order) + 1)
    return rank


def select(data: Any, year: int, method: SelectionMethod | None = None) -> SelectionResult:
    """Verdicts for every applicant of application year `year` (Art. 6–8 and the annex).

    `data` is a `Dataset`, a mapping of contract tables, or a `SelectionData` from `prepare(data)`:
    pass the prepared data when selecting several times on one dataset (methods, years, sweeps).
    """
    method = method or load_selection_method()
    fw = method.framework
    ctx = build_context(prepare(data, fw), year, method)
    ev = Evaluator(ctx)
    n = ctx.n
    rows: list[ConditionVerdicts] = []

    def record(cid: str, name: str, group: str, dim: str, out: Outcome, applies: np.ndarray | None = None) -> None:
        rows.append(ConditionVerdicts(cid, name, group, dim, out, np.ones(n, dtype=bool) if applies is None else applies))

    quant = [(ind, ev.top_level(ind)) for ind in fw.quantitative]
    qual = [(ind, ev.top_level(ind)) for ind in fw.qualitative]
    feats = []
    areas = feature_areas(ctx.registry.reset_index(), fw).to_numpy(dtype=object, na_value=None)
    for f in fw.features:
        applies = areas == fw.feature_area(f.area).zh
        out = ev.top_level(f)
        feats.append((f, out, applies))
    listing, veto = _listing(ctx), _veto(ctx)

    for ind, out in quant:
        record(ind.id, ind.zh, GROUP_QUANT, fw.dimension(ind.dimension).zh, out)
    for ind, out in qual:
        record(ind.id, ind.zh, GROUP_QUAL, fw.dimension(ind.dimension).zh, out)
    for f, out, applies in feats:
        record(f.id, f.zh, GROUP_FEATURE, fw.feature_area(f.area).zh, out, applies)
    record(LISTING_ID, "依法依规设立（第六条）", GROUP_ELIGIBILITY, "", listing)
    record(VETO_ID, "近三年无重大环境安全事件（第八条）", GROUP_ELIGIBILITY, "", veto)

    q_status = np.column_stack([o.status for _, o in quant])
    l_status = np.column_stack([o.status for _, o in qual])
    f_status = np.column_stack([np.where(a, o.status, NOT_APPLICABLE) for _, o, a in feats])
    q_dims = np.array([i.dimension for i, _ in quant])
    l_dims = np.array([i.dimension for i, _ in qual])

    def holds(accept: tuple[int, ...]) -> np.ndarray:
        ok = rule_holds(np.isin(q_status, accept), np.ones_like(q_status, bool), q_dims, method.quantitative_rule)
        ok &= rule_holds(np.isin(l_status, accept), np.ones_like(l_status, bool), l_dims, method.qualitative_rule)
        if method.features_required:
            ok &= (np.isin(f_status, accept) | (f_status == NOT_APPLICABLE)).all(axis=1)
        if method.listing_required:
            ok &= np.isin(listing.status, accept)
        ok &= np.isin(veto.status, accept)
        return ok

    overall = np.select(
        [holds((PASS,)), holds((PASS, REVIEW)), holds((PASS, REVIEW, MISSING))], [PASS, REVIEW, MISSING], FAIL
    ).astype("int8")
    rounds = suspended_rounds(ctx.round.source.tables, method.lifecycle_rules)
    suspended, suspension = suspended_applicants(ctx.registry, year, rounds, method.lifecycle_rules)
    overall = np.where(suspended, SUSPENDED, overall).astype("int8")

    all_status = np.column_stack([q_status, l_status, f_status, listing.status, veto.status])
    failed_ids = np.array([i.id for i, _ in quant] + [i.id for i, _ in qual] + [f.id for f, _, _ in feats]
                          + [LISTING_ID, VETO_ID])
    failed = _joined_ids(all_status == FAIL, failed_ids)
    # ordering keys: the indicators' own values at the data year (not peer positions)
    values = {key: ctx.measure(fw.indicator(key).formula, ctx.data_year)
              for key in method.ordering if key not in ("pilot_tasks", "special_areas")}
    rank = _ordering(ctx, overall == PASS, values, fw)
    reg = ctx.registry.reset_index()
    summary = pd.DataFrame({
        "applicant_id": reg["unit_id"], "name": reg["name"], "authority": reg["authority"], "domain": reg["domain"],
        "feature_area": pd.array(areas, dtype="string"),
        "special_area": ctx.special_area,
        "pilot_task": reg["pilot_tasks"].notna().to_numpy(),
        "listing": labels(listing.status), "veto": labels(veto.status),
        "quantitative_passed": (q_status == PASS).sum(axis=1),
        "quantitative_failed": (q_status == FAIL).sum(axis=1),
        "quantitative_missing": (q_status == MISSING).sum(axis=1),
        "qualitative_passed": (l_status == PASS).sum(axis=1),
        "qualitative_pending": (l_status == REVIEW).sum(axis=1),
        "features_failed": (f_status == FAIL).sum(axis=1),
        "failed_conditions": failed,
        "local_gdp": _gdp_basis(ctx, fw),
        "overall": labels(overall),
        "suspension": suspension,
        "rank": pd.array(rank, dtype="Int64"),
    })
    checks = QuantitativeChecks(
        ids=tuple(i.id for i, _ in quant), names=tuple(i.label for i, _ in quant),
        dimensions=tuple(q_dims), checks=tuple(o.check for _, o in quant), status=q_status,
    )
    return SelectionResult(year, ctx.data_year, method, summary, tuple(rows), checks, ctx.special_area, ctx.units)


def _gdp_basis(ctx: Context, fw: Framework) -> pd.Series:
    """Per applicant, the level and area of the local GDP growth that the framework's conditions
    compare with (#2; `local_gdp_level`); NA when no condition has a GDP reference."""
    windows = sorted({c.years for item in fw.quantitative for c in walk(item.condition)
                      if isinstance(c, EachOfLastYears) and c.reference == "gdp_growth"})
    if not windows:
        return pd.Series(pd.NA, index=range(ctx.n), dtype="string")
    return ctx.gdp_basis(ctx.window(windows[-1]))


def _joined_ids(mask: np.ndarray, ids: np.ndarray) -> pd.Series:
    """For each row of a boolean (n, c) mask, the ids of its true columns joined by 、."""
    offsets = np.zeros(mask.shape[0] + 1, dtype="int32")
    np.cumsum(mask.sum(axis=1), out=offsets[1:])
    _, cols = np.nonzero(mask)  # row-major: each row's columns in order
    lists = pa.ListArray.from_arrays(pa.array(offsets), pa.array(ids.astype(str).tolist(), pa.string()).take(cols))
    return pd.Series(pd.array(pc.binary_join(lists, "、"), dtype="string"))
