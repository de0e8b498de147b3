"""The bases' annual quality evaluation (Art. 17–21): indicators + expert scores → stars.

The evaluation is a pure function of (indicator table, expert table, framework,
method): :func:`evaluate_year` rates one year's units; :func:`evaluate_panel` runs
the years in turn, rating only the bases the lifecycle rules admit each year, and
returns the lifecycle tables too (:func:`run_panel` does the same from a Dataset). The pieces a Monte Carlo over methods needs are
public: :func:`evaluation_indicators` (quantitative table), :func:`expert_table`
(aggregated qualitative scores), :func:`engine_input` (the engine's units ×
indicators matrix for a year) and :func:`evaluation_hierarchy`.

An evaluation method is one YAML file (``methods/evaluation-default.yaml``): the
generic engine recipe (``denominate``, ``impute``, ``screen``, ``treat``,
``normalise``, ``weights``, ``aggregate``; see docs/engine.md) plus the keys of
this module — ``experts``, ``peer_relative``, ``parameters``, ``stars`` and
``special`` (docs/evaluation.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from nidb.engine import (
    EngineResult,
    Hierarchy,
    hierarchy_from_records,
    run,
)
from nidb.errors import ConfigError, NidbError
from nidb.evaluation.experts import (
    aggregate_scores,
    profile_agreement,
    reliability,
)
from nidb.evaluation.lifecycle import (
    STATUS_INCOMPLETE,
    STATUS_NO_FORM,
    UNRATED_COLUMNS,
    Ledger,
    Lifecycle,
    LifecycleRules,
)
from nidb.evaluation.method import EvaluationMethod, RatingData
from nidb.evaluation.special import special_scores
from nidb.evaluation.stars import assign_stars
from nidb.framework import Framework, PeerRelative
from nidb.indicators.peers import peer_standings
from nidb.indicators.values import indicator_values, table, unit_registry

INDEX_CODE = "INDEX"


def evaluation_hierarchy(framework: Framework, method: EvaluationMethod) -> Hierarchy:
    """The framework's 29 indicators → 6 dimensions → index, as an engine hierarchy.

    Directions follow the framework, except that a peer-relative indicator scored by
    its peer standing (``peer_relative: standing``) is higher-is-better.
    """
    peer_ids = set(_peer_relative_ids(framework))
    records = []
    for ind in framework.indicators:
        standing = method.peer_relative == "standing" and ind.id in peer_ids
        direction = 1 if ind.direction == "higher" or standing else -1
        records.append({"code": ind.id, "name": ind.zh, "level": 1, "parent": ind.dimension, "direction": direction})
    for dim in framework.dimensions:
        records.append({"code": dim.id, "name": dim.zh, "level": 2, "parent": INDEX_CODE})
    records.append({"code": INDEX_CODE, "name": "综合指数", "level": 3})
    group = method.engine.impute.group
    return hierarchy_from_records(
        records,
        source=f"{framework.path or 'framework'}（评价层级）",
        unit_id="unit_id",
        groups=(group,) if group else (),
    )


def _peer_relative_ids(framework: Framework) -> list[str]:
    return [ind.id for ind in framework.quantitative if isinstance(ind.condition, PeerRelative)]


def evaluation_indicators(
    data: Any, framework: Framework, method: EvaluationMethod, years: list[int] | None = None
) -> pd.DataFrame:
    """Quantitative indicator table for the evaluation: index ``(unit_id, year)``, one column per indicator.

    With ``peer_relative: standing`` the peer-relative indicators (#4, #10, #19, #20,
    「行业前列 / 同行业先进水平」) hold the unit's standing in its peer group,
    ``100 × (n − rank) / (n − 1)`` (rank 1 best, ties at their mid-rank, n the group size):
    the leader of any group scores 100 and the last 0, whatever the group's size, and an
    energy-intensive industry is compared with its peers, not with software parks.
    Missing values stay NaN.
    """
    values = indicator_values(data, framework, year=years, params=method.parameters)
    if method.peer_relative == "standing":
        standings = peer_standings(values, unit_registry(data), framework, method.parameters)
        values = values.copy()
        for peer in standings:
            values[peer.indicator_id] = peer.standing
    return values


def expert_table(expert_scores: pd.DataFrame, framework: Framework, method: EvaluationMethod) -> pd.DataFrame:
    """Aggregated expert scores of the framework's qualitative indicators, wide.

    Index ``(unit_id, year)``, one column per qualitative indicator (NaN when a unit-year
    has no score for it). Feature-indicator scores are not part of the annual evaluation.
    """
    ids = [ind.id for ind in framework.qualitative]
    scores = expert_scores[expert_scores["indicator_id"].isin(ids)]
    agg = aggregate_scores(scores, method.experts.method, method.experts.trim_min_experts, method.experts.trim_count)
    wide = agg.pivot(index=["unit_id", "year"], columns="indicator_id", values="score")
    wide = wide.reindex(columns=ids)
    wide.index = wide.index.set_levels(wide.index.levels[1].astype("int64"), level="year")
    return wide


def engine_input(
    indicators: pd.DataFrame,
    experts: pd.DataFrame,
    framework: Framework,
    year: int,
    units: pd.Index | None = None,
    groups: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The engine's data table for one year: column ``unit_id`` then the 29 indicators.

    ``indicators`` and ``experts`` are the wide tables of :func:`evaluation_indicators` and
    :func:`expert_table`; ``units`` restricts the rows (all units with data that year by
    default); ``groups`` (index ``unit_id``) adds grouping columns, e.g. ``domain`` for
    group-mean imputation. A unit without any value keeps a row of NaN, so it shows up
    as unrated rather than disappearing.
    """
    return _engine_frame(_year_rows(indicators, year), _year_rows(experts, year), framework, units, groups)


def _engine_frame(
    quant: pd.DataFrame, qual: pd.DataFrame, framework: Framework, units: pd.Index | None, groups: pd.DataFrame | None
) -> pd.DataFrame:
    """:func:`engine_input` from one year's rows of the two tables (see `_year_rows`)."""
    if units is None:
        units = quant.index.union(qual.index)
    units = pd.Index(units, name="unit_id").astype("string")
    frame = pd.concat([quant.reindex(units), qual.reindex(units)], axis=1)
    frame = frame.reindex(columns=[ind.id for ind in framework.indicators]).astype("float64")
    if groups is not None and not groups.empty:
        frame = frame.join(groups.set_axis(groups.index.astype("string")).reindex(units))
    frame.index.name = "unit_id"
    return frame.reset_index()


def rating_coverage(
    indicators: pd.DataFrame, framework: Framework, rule: RatingData, year: int, units: pd.Index
) -> pd.DataFrame:
    """Whether each unit's base-year may be rated (Art. 19, 20), one row per unit.

    Columns ``unit_id, year, has_form, n_computable, n_quantitative, coverage, status,
    reason``: ``has_form`` is a row of the annual form for that year (a row of
    ``indicators``); ``n_computable`` the quantitative indicators with a value;
    ``status`` is NA for a unit that may be rated, else 未提交年度报表 (no form, when the
    rule requires it) or 数据不全 (``coverage`` below ``min_quantitative_coverage``), with
    the Chinese ``reason``.
    """
    return _coverage(_year_rows(indicators, year), framework, rule, year, units)


def _coverage(quant: pd.DataFrame, framework: Framework, rule: RatingData, year: int, units: pd.Index) -> pd.DataFrame:
    """:func:`rating_coverage` from one year's rows of the indicator table (see `_year_rows`)."""
    ids = [ind.id for ind in framework.quantitative]
    quant = quant.reindex(columns=ids)
    units = pd.Index(units, name="unit_id").astype("string")
    has_form = quant.index.get_indexer(units) >= 0  # not isin: for string values it loops in Python
    n_computable = quant.reindex(units).notna().sum(axis=1).to_numpy(dtype="int64")
    coverage = n_computable / len(ids)
    no_form = ~has_form & rule.annual_form_required
    short = ~no_form & (coverage < rule.min_quantitative_coverage - 1e-12)
    need = int(np.ceil(rule.min_quantitative_coverage * len(ids) - 1e-9))
    status = np.where(no_form, STATUS_NO_FORM, np.where(short, STATUS_INCOMPLETE, None))
    reason = np.where(
        no_form,
        f"未提交 {year} 年度报表（第十九条：参加评价须提交示范基地年度报表）",
        np.where(
            short,
            pd.Series(n_computable).astype(str).radd(f"{year} 年度报表定量指标可计算 ").add(
                f"/{len(ids)} 项，少于 {need} 项（{rule.min_quantitative_coverage:.0%}，第二十条：定量和定性相结合）"
            ).to_numpy(dtype=object),
            None,
        ),
    )
    return pd.DataFrame({
        "unit_id": units.to_numpy(), "year": np.int64(year), "has_form": has_form,
        "n_computable": n_computable, "n_quantitative": len(ids), "coverage": coverage,
        "status": pd.array(status, dtype="string"), "reason": pd.array(reason, dtype="string"),
    })


def _year_rows(table: pd.DataFrame, year: int) -> pd.DataFrame:
    """The rows of one year of a ``(unit_id, year)``-indexed table, indexed by ``unit_id`` (string)."""
    rows = table[table.index.get_level_values("year") == year].droplevel("year")
    return rows.set_axis(rows.index.astype("string").rename("unit_id"))


@dataclass(frozen=True)
class Evaluation:
    """One year's evaluation.

    ``results``: one row per rated unit — ``unit_id, year``, the dimension scores
    ``D1`` … ``D6``, ``index``, ``rank`` (1 best, ties share the best rank), ``stars``,
    ``n_missing`` (indicators without a value). ``unrated``: the units due that year but
    not rated for want of data (`rating_coverage` rows with a status). ``special``: long
    table of the special evaluations (see ``nidb.evaluation.special``). ``reliability``:
    inter-rater reliability per qualitative indicator. ``missing``: per indicator, units
    and missing counts.
    """

    year: int
    results: pd.DataFrame
    special: pd.DataFrame
    reliability: pd.DataFrame
    missing: pd.DataFrame
    engine: EngineResult
    method: EvaluationMethod
    unrated: pd.DataFrame


def evaluate_year(
    indicators: pd.DataFrame,
    experts: pd.DataFrame,
    framework: Framework,
    method: EvaluationMethod,
    year: int,
    units: pd.Index | None = None,
    groups: pd.DataFrame | None = None,
    expert_scores: pd.DataFrame | None = None,
    hierarchy: Hierarchy | None = None,
) -> Evaluation:
    """Rate one year's units: engine scores, dimension scores, index, ranks, stars, special evaluations.

    Units without the annual form or with too few computable quantitative indicators
    (method key ``rating_data``, see `rating_coverage`) are not rated: they are listed in
    ``Evaluation.unrated`` and take no part in the scores or the star quotas.
    ``expert_scores`` (the long raw table) is used only for the reliability report
    (empty without it); ``hierarchy`` defaults to :func:`evaluation_hierarchy`.
    """
    hierarchy = hierarchy if hierarchy is not None else evaluation_hierarchy(framework, method)
    quant, qual = _year_rows(indicators, year), _year_rows(experts, year)
    if units is None:
        units = quant.index.union(qual.index)
    coverage = _coverage(quant, framework, method.rating_data, year, units)
    ev = _rate(quant, qual, coverage, framework, method, year, groups, hierarchy)
    if expert_scores is None:
        return ev
    rated = coverage.loc[coverage["status"].isna(), "unit_id"]
    rows = expert_scores[(expert_scores["year"] == year) & expert_scores["unit_id"].isin(rated)]
    rel = reliability(rows[rows["indicator_id"].isin([i.id for i in framework.qualitative])])
    return replace(ev, reliability=rel)


def _rate(
    quant: pd.DataFrame,
    qual: pd.DataFrame,
    coverage: pd.DataFrame,
    framework: Framework,
    method: EvaluationMethod,
    year: int,
    groups: pd.DataFrame | None,
    hierarchy: Hierarchy,
) -> Evaluation:
    """:func:`evaluate_year` from one year's rows of the two tables and their `rating_coverage`,
    without the reliability report."""
    unrated = coverage[coverage["status"].notna()].reset_index(drop=True)
    data = _engine_frame(quant, qual, framework, pd.Index(coverage.loc[coverage["status"].isna(), "unit_id"]), groups)
    if data.empty:
        raise NidbError(f"{year} 年没有可以评级的单位（{len(unrated)} 个单位未提交年度报表或数据不全）")
    result = run(data, hierarchy, method.engine)
    dims = [d.id for d in framework.dimensions]
    scores = result.scores
    stars = assign_stars(scores[INDEX_CODE], scores[dims], method.stars)
    ind_ids = hierarchy.indicators
    n_missing = data.set_index("unit_id")[ind_ids].isna().sum(axis=1)
    results = pd.DataFrame(
        {
            "unit_id": scores.index.astype("string"),
            "year": np.int64(year),
            **{d: scores[d].to_numpy() for d in dims},
            "index": scores[INDEX_CODE].to_numpy(),
            "rank": result.ranks[INDEX_CODE].to_numpy(),
            "stars": stars.to_numpy(),
            "n_missing": n_missing.reindex(scores.index).to_numpy(dtype="int64"),
        }
    )
    results["rank"] = results["rank"].astype("Int64")
    results = results.sort_values(["rank", "unit_id"], ignore_index=True, na_position="last")
    special = special_scores(
        result, hierarchy, method.special, method.engine.aggregate, year, top_n=method.top_n, source=method.source
    )
    missing = pd.DataFrame(
        {
            "indicator_id": ind_ids,
            "n_units": len(data),
            "n_missing": data[ind_ids].isna().sum().to_numpy(dtype="int64"),
        }
    )
    return Evaluation(
        year=year, results=results, special=special, reliability=pd.DataFrame(), missing=missing, engine=result,
        method=method, unrated=unrated,
    )


@dataclass(frozen=True)
class Panel:
    """The evaluation over the panel of years, with the lifecycle it drives.

    ``expert_scores``: the long expert scores the reliability reports come from (None:
    no reports). ``reliability``: inter-rater reliability per qualitative indicator and
    year over the rated base-years; ``agreement``: each rated base-year's panel agreement
    on the base's profile across the qualitative indicators
    (``nidb.evaluation.experts.profile_agreement``). Both are computed when first asked
    for; `reliability_in` and `agreement_in` compute one year's rows only.
    """

    evaluations: dict[int, Evaluation]
    lifecycle: Lifecycle
    expert_scores: pd.DataFrame | None = None
    qualitative: tuple[str, ...] = ()  # the qualitative indicators, the only ones the reports cover

    def rated_scores(self, year: int | None = None) -> pd.DataFrame:
        """The expert scores of the qualitative indicators for the rated base-years (of ``year``), in table order."""
        scores = self.expert_scores
        score_year = scores["year"].to_numpy(dtype="int64")
        keep = np.zeros(len(scores), dtype=bool)
        for y, ev in self.evaluations.items():
            if year is None or y == year:
                rows = np.flatnonzero(score_year == y)
                rated = ev.results.loc[ev.results["stars"].notna(), "unit_id"]
                keep[rows] = scores["unit_id"].iloc[rows].isin(rated).to_numpy(dtype=bool)
        rows = np.flatnonzero(keep)
        keep[rows] = scores["indicator_id"].iloc[rows].isin(self.qualitative).to_numpy(dtype=bool)
        return scores[keep]

    @cached_property
    def reliability(self) -> pd.DataFrame:
        """Inter-rater reliability per qualitative indicator and year (``nidb.evaluation.experts.reliability``)."""
        return pd.DataFrame() if self.expert_scores is None else reliability(self.rated_scores())

    @cached_property
    def agreement(self) -> pd.DataFrame:
        """Each rated base-year's panel agreement (``nidb.evaluation.experts.profile_agreement``)."""
        return pd.DataFrame() if self.expert_scores is None else profile_agreement(self.rated_scores())

    def reliability_in(self, year: int) -> pd.DataFrame:
        """The rows of ``year`` of `reliability`, computed from that year's scores alone."""
        return pd.DataFrame() if self.expert_scores is None else reliability(self.rated_scores(year))

    def agreement_in(self, year: int) -> pd.DataFrame:
        """The rows of ``year`` of `agreement`, computed from that year's scores alone."""
        return pd.DataFrame() if self.expert_scores is None else profile_agreement(self.rated_scores(year))

    @property
    def results(self) -> pd.DataFrame:
        """The rated base-years of all years in one table."""
        return pd.concat([e.results for e in self.evaluations.values()], ignore_index=True)

    @property
    def special(self) -> pd.DataFrame:
        """The special evaluations of all years in one table."""
        return pd.concat([e.special for e in self.evaluations.values()], ignore_index=True)

    @property
    def unrated(self) -> pd.DataFrame:
        """The due base-years not rated for want of data, all years (`rating_coverage` rows)."""
        return pd.concat([e.unrated for e in self.evaluations.values()], ignore_index=True)


def run_panel(
    data: Any,
    framework: Framework,
    method: EvaluationMethod,
    rules: LifecycleRules,
    years: list[int] | None = None,
) -> Panel:
    """Evaluate the bases year by year and apply the lifecycle rules (Art. 18, 23, 25).

    Each year rates the bases the rules admit (``nidb.evaluation.lifecycle.Ledger.to_rate``):
    announced long enough ago, not revoked in an earlier year, and not revoked in that
    year for a compliance event or fraud. Because a revocation removes a base from
    later years (and so from the quota base of the star rule), years are evaluated in
    order; a year with no base to rate has no entry in ``Panel.evaluations``. ``data``
    is a ``Dataset`` (or anything exposing the contract tables).
    """
    bases, annual = table(data, "bases"), table(data, "annual")
    renames = table(data, "renames")
    if years is None:
        years = sorted(int(y) for y in annual["year"].dropna().unique())
    base_ids = pd.Index(bases["base_id"].astype("string"))
    indicators = evaluation_indicators(data, framework, method, years)
    indicators = indicators[indicators.index.get_level_values("unit_id").isin(base_ids)]
    raw_experts = table(data, "expert_scores")
    raw_experts = raw_experts[raw_experts["unit_id"].isin(base_ids)]
    experts = expert_table(raw_experts, framework, method)
    return evaluate_panel(indicators, experts, bases, annual, renames, framework, method, rules, years, raw_experts)


def evaluate_panel(
    indicators: pd.DataFrame,
    experts: pd.DataFrame,
    bases: pd.DataFrame,
    annual: pd.DataFrame,
    renames: pd.DataFrame | None,
    framework: Framework,
    method: EvaluationMethod,
    rules: LifecycleRules,
    years: list[int],
    expert_scores: pd.DataFrame | None = None,
) -> Panel:
    """:func:`run_panel` from prepared tables: pure in (indicator table, expert table, registry, rules, method).

    ``indicators`` and ``experts`` are the wide tables of :func:`evaluation_indicators`
    and :func:`expert_table`; ``annual`` supplies the compliance columns; the raw
    ``expert_scores`` (optional) feed the reliability report.
    """
    base_ids = pd.Index(bases["base_id"].astype("string"))
    base_annual = annual[annual["unit_id"].isin(base_ids)]
    groups = _groups(bases, method)
    hierarchy = evaluation_hierarchy(framework, method)
    evaluations: dict[int, Evaluation] = {}
    star_parts = [pd.DataFrame({"base_id": pd.Series(dtype="string"), "year": pd.Series(dtype="int64"),
                                "stars": pd.Series(dtype="Int64")})]  # fmt: skip
    unrated_parts = [pd.DataFrame(columns=UNRATED_COLUMNS)]
    ledger = Ledger(bases, base_annual, rules, years)
    for year in years:
        active = ledger.to_rate(pd.concat(star_parts, ignore_index=True), year)
        if active.empty:  # e.g. the first year of a panel whose bases are all too new
            continue
        quant = _year_rows(indicators, year)
        coverage = _coverage(quant, framework, method.rating_data, year, active)
        unrated_now = coverage[coverage["status"].notna()]
        unrated_parts.append(unrated_now.rename(columns={"unit_id": "base_id"})[UNRATED_COLUMNS])
        if len(unrated_now) == len(active):  # nobody to rate: every due base lacks its data
            continue
        ev = _rate(quant, _year_rows(experts, year), coverage, framework, method, year, groups, hierarchy)
        evaluations[year] = ev
        rated = ev.results.dropna(subset=["stars"])
        star_parts.append(pd.DataFrame({"base_id": rated["unit_id"], "year": np.int64(year), "stars": rated["stars"]}))
    if not evaluations:
        raise NidbError(f"{years[0]}–{years[-1]} 年没有任何示范基地需要参加评价")
    stars = pd.concat(star_parts, ignore_index=True)
    lifecycle = ledger.lifecycle(stars, renames, pd.concat(unrated_parts, ignore_index=True))
    qualitative = tuple(i.id for i in framework.qualitative)
    return Panel(evaluations=evaluations, lifecycle=lifecycle, expert_scores=expert_scores, qualitative=qualitative)


def _groups(bases: pd.DataFrame, method: EvaluationMethod) -> pd.DataFrame | None:
    """Registry columns the engine needs for group imputation, index ``unit_id``."""
    group = method.engine.impute.group
    if not group:
        return None
    if group not in bases.columns:
        raise ConfigError(f"{method.source}，键 impute.group：示范基地名录中没有列「{group}」")
    return bases.set_index(bases["base_id"].astype("string").rename("unit_id"))[[group]]
