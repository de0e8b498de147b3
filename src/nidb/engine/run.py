"""The engine as a pure function: (data, framework, method) → normalised values, scores, ranks.

Steps, in order: denominate → screen (``before_imputation``) → impute → screen
(``after_imputation``) → treat → normalise → weights → aggregate level by level →
rank. The first steps (:func:`prepare_indicators`) work on one data table; the
later ones (:func:`normalise_indicators`, :func:`score_batch`, :func:`rank_units`)
accept arrays with leading axes, so a batch of methods that share the prepared data
— e.g. Monte Carlo replications of weights — is one array computation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nidb.engine.aggregate import aggregate_level
from nidb.engine.denominate import denominate
from nidb.engine.framework_table import Hierarchy, check_data
from nidb.engine.impute import impute
from nidb.engine.method import AggregateSpec, Method, NormaliseSpec, WeightsSpec
from nidb.engine.normalise import normalise
from nidb.engine.rank import rank_units
from nidb.engine.screen import screen_table
from nidb.engine.treat import treat_detail
from nidb.engine.weight_table import WeightTableError
from nidb.engine.weights import DATA_DRIVEN, index_shares, level_weights
from nidb.errors import ConfigError


@dataclass(frozen=True)
class Prepared:
    """Indicator values ready for normalisation, with what each step did."""

    units: pd.Index
    values: pd.DataFrame  # units × indicators
    denomination: pd.DataFrame
    imputation: pd.DataFrame
    treatment: pd.DataFrame
    screened_out: tuple[str, ...]
    screening: pd.DataFrame | None = None  # per unit of the screened data: counts, shares, flags
    treated_points: pd.DataFrame | None = None  # units × indicators: "high" / "low" winsorised, else ""
    # COINr's $Data: the indicator values after each step that ran, in order
    # ("Raw", "Denominated", "Imputed", "Screened", "Treated"), units × indicators
    steps: Mapping[str, pd.DataFrame] = field(default_factory=dict)


@dataclass(frozen=True)
class EngineResult:
    """Everything one engine run produces; all frames are indexed by unit id.

    ``scores`` and ``ranks`` have one column per framework node (indicators first,
    then each level up to the index); indicator scores are the normalised values.
    ``weights`` is each weighted node's weight within its parent as used, and
    ``shares`` its resulting nominal share of the index.
    """

    prepared: Prepared
    normalised: pd.DataFrame
    scores: pd.DataFrame
    ranks: pd.DataFrame
    weights: pd.Series
    shares: pd.Series
    method: Method

    @property
    def treated(self) -> pd.DataFrame:
        return self.prepared.values

    @property
    def imputation(self) -> pd.DataFrame:
        return self.prepared.imputation

    @property
    def data_sets(self) -> dict[str, pd.DataFrame]:
        """Every step's data set, as COINr's ``$Data``: the prepared steps that ran, then
        ``Normalised`` (indicators) and ``Aggregated`` (indicators and every aggregate)."""
        return {**self.prepared.steps, "Normalised": self.normalised, "Aggregated": self.scores}

    @property
    def treatment(self) -> pd.DataFrame:
        return self.prepared.treatment

    def level_scores(self, hierarchy: Hierarchy, level: int) -> pd.DataFrame:
        """Scores of the nodes at one framework level."""
        return self.scores[hierarchy.codes_at(level)]

    def long(self, hierarchy: Hierarchy) -> pd.DataFrame:
        """One row per unit and node: ``unit, code, level, score, rank``."""
        scores = self.scores.stack().rename("score")
        ranks = self.ranks.stack().rename("rank")
        table = pd.concat([scores, ranks], axis=1).reset_index()
        table.columns = ["unit", "code", "score", "rank"]
        table.insert(2, "level", table["code"].map(hierarchy.nodes["level"]).astype("Int64"))
        table["rank"] = table["rank"].astype("Int64")
        return table


def prepare_indicators(data: pd.DataFrame, hierarchy: Hierarchy, method: Method) -> Prepared:
    """Denominate, screen, impute and treat the indicator columns of ``data`` (one row per unit)."""
    check_data(data, hierarchy)
    units = pd.Index(data[hierarchy.unit_id].astype(str), name=hierarchy.unit_id)
    values = data[hierarchy.indicators].astype(float).set_axis(units, axis=0)
    frame = data.set_axis(units, axis=0)
    steps = {"Raw": values}
    if method.denominate:
        values, den_report = denominate(values, frame, hierarchy)
        steps["Denominated"] = values
    else:
        den_report = pd.DataFrame(columns=["code", "denominator", "missing_denominator", "zero_denominator"])
    keep = np.ones(len(values), dtype=bool)
    spec = method.screen
    screening = None
    screens = spec.min_availability is not None or spec.min_nonzero is not None
    if spec.stage == "before_imputation":
        screening = screen_table(values, spec.min_availability, spec.min_nonzero)
        keep = screening["included"].to_numpy()
        values, frame = values[keep], frame[keep]
        if screens:
            steps["Screened"] = values
    groups = None
    if method.impute.group is not None:
        if method.impute.group not in frame.columns:
            raise ConfigError(f"impute.group：数据表中没有分组列「{method.impute.group}」")
        groups = frame[method.impute.group]
    values, imp_report = impute(values, method.impute.method, groups)
    if method.impute.method != "none":
        steps["Imputed"] = values
    if spec.stage == "after_imputation":
        screening = screen_table(values, spec.min_availability, spec.min_nonzero)
        keep_after = screening["included"].to_numpy()
        keep[np.flatnonzero(keep)[~keep_after]] = False
        values = values[keep_after]
        if screens:
            steps["Screened"] = values
    points = None
    if method.treat is not None:
        values, treat_report, points = treat_detail(values, method.treat)
        steps["Treated"] = values
    else:
        treat_report = pd.DataFrame({"code": values.columns, "treatment": "none"})
    return Prepared(
        units=values.index,
        values=values,
        denomination=den_report,
        imputation=imp_report,
        treatment=treat_report,
        screened_out=tuple(units[~keep]),
        screening=screening,
        treated_points=points,
        steps=steps,
    )


def normalise_indicators(values: np.ndarray, hierarchy: Hierarchy, spec: NormaliseSpec) -> np.ndarray:
    """Normalise ``values`` (..., units, indicators) by the method's normalisation."""
    return normalise(
        values,
        hierarchy.directions,
        spec.method,
        spec.params,
        codes=hierarchy.indicators,
        targets=hierarchy.attribute_at(1, "target").astype(float),
    )


def score_batch(
    normalised: np.ndarray,
    hierarchy: Hierarchy,
    weights: np.ndarray,
    aggregate: AggregateSpec,
    levels: Sequence[int] | None = None,
) -> np.ndarray:
    """Scores of the nodes of ``levels`` (default: all), shape (..., units, nodes).

    ``weights`` is a flat vector over :attr:`Hierarchy.weighted_codes`, optionally with
    leading axes (e.g. ``(R, n)`` for R replications); ``normalised`` may carry the same
    leading axes or none — shared indicator scores against R weight sets cost one matrix
    product per level. Columns follow ``hierarchy.nodes.index`` restricted to ``levels``;
    asking only for the upper levels (e.g. ``levels=[hierarchy.top_level]``) keeps a
    large Monte Carlo chunk small.
    """
    weights = np.asarray(weights, dtype=float)
    normalised = np.asarray(normalised, dtype=float)
    wanted = set(hierarchy.levels if levels is None else levels)
    lead = np.broadcast_shapes(normalised.shape[:-2], weights.shape[:-1])
    current = normalised
    blocks = [np.broadcast_to(current, lead + current.shape[-2:])] if 1 in wanted else []
    for level in hierarchy.levels[:-1]:
        rule = aggregate.for_level(level + 1)
        current = aggregate_level(
            current,
            weights[..., hierarchy.level_slice(level)],
            hierarchy.membership(level),
            rule.method,
            rule.power,
            aggregate.zeros,
            aggregate.min_availability,
        )
        if level + 1 in wanted:
            blocks.append(np.broadcast_to(current, lead + current.shape[-2:]))
    return np.concatenate(blocks, axis=-1)


def resolve_weights(normalised: np.ndarray, hierarchy: Hierarchy, spec: WeightsSpec, aggregate: AggregateSpec) -> np.ndarray:
    """The flat weight vector of a method; data-driven schemes use the scores of their level.

    Scores above the indicators are computed only when a data-driven scheme needs them.
    """
    spec = spec.by_level(hierarchy)
    parts = []
    current = np.asarray(normalised, dtype=float)
    weighted_levels = hierarchy.levels[:-1]
    for i, level in enumerate(weighted_levels):
        rule = spec.for_level(level)
        w = level_weights(
            hierarchy,
            level,
            rule.scheme,
            values=rule.values,
            matrices=rule.matrices,
            child_scores=current if rule.scheme in DATA_DRIVEN else None,
        )
        parts.append(w)
        if any(spec.for_level(above).scheme in DATA_DRIVEN for above in weighted_levels[i + 1:]):
            agg = aggregate.for_level(level + 1)
            current = aggregate_level(
                current, w, hierarchy.membership(level), agg.method, agg.power, aggregate.zeros,
                aggregate.min_availability,
            )
    return np.concatenate(parts)


def check_method_levels(hierarchy: Hierarchy, method: Method) -> None:
    """Raise :class:`ConfigError` when the method names levels the framework does not have."""
    weighted = set(hierarchy.levels[:-1])
    for level in method.weights.levels:
        if level not in weighted:
            raise ConfigError(f"weights.levels.{level}：框架中可加权的层级为 {sorted(weighted)}")
    aggregated = set(hierarchy.levels[1:])
    for level in method.aggregate.levels:
        if level not in aggregated:
            raise ConfigError(f"aggregate.levels.{level}：框架中由汇总得到的层级为 {sorted(aggregated)}")


def run(data: pd.DataFrame, hierarchy: Hierarchy, method: Method = Method()) -> EngineResult:
    """Run a method on ``data`` (one row per unit) over ``hierarchy``; pure, no side effects."""
    try:
        check_method_levels(hierarchy, method)
        prepared = prepare_indicators(data, hierarchy, method)
        normalised = normalise_indicators(prepared.values.to_numpy(dtype=float), hierarchy, method.normalise)
        weights = resolve_weights(normalised, hierarchy, method.weights, method.aggregate)
        scores = score_batch(normalised, hierarchy, weights, method.aggregate)
    except ConfigError as exc:
        if isinstance(exc, WeightTableError) or str(exc).startswith(method.source):
            raise
        raise ConfigError(f"{method.source}，{exc}") from None
    codes = hierarchy.nodes.index
    units = prepared.units
    return EngineResult(
        prepared=prepared,
        normalised=pd.DataFrame(normalised, index=units, columns=hierarchy.indicators),
        scores=pd.DataFrame(scores, index=units, columns=codes),
        ranks=pd.DataFrame(rank_units(scores), index=units, columns=codes),
        weights=pd.Series(weights, index=hierarchy.weighted_codes, name="weight"),
        shares=pd.Series(index_shares(hierarchy, weights), index=hierarchy.weighted_codes, name="share"),
        method=method,
    )
