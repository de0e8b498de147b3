"""A batch of methods as one array computation: scores, ranks and stars over replications.

The audit evaluates many variants of one method at once: ``R`` replications share the
framework tree (the engine's :class:`~nidb.engine.framework_table.Hierarchy`) and
differ in their normalised matrix, weights, aggregation and star cut-offs. Everything
here works on arrays with a leading replication axis ``R``, so that a Monte Carlo
chunk, a leave-one-out set or a Sobol design is one call to the engine's vectorised
:func:`~nidb.engine.aggregate.aggregate_level` per level and distinct aggregation rule.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from nidb.engine.aggregate import aggregate_level
from nidb.engine.framework_table import Hierarchy
from nidb.engine.method import AggregateSpec
from nidb.engine.rank import rank_units
from nidb.engine.weights import index_shares
from nidb.errors import ConfigError
from nidb.evaluation.stars import dimension_minimum


def root_of(hierarchy: Hierarchy) -> str:
    """The single top-level node (the index); ConfigError when the framework has several."""
    roots = hierarchy.codes_at(hierarchy.top_level)
    if len(roots) != 1:
        raise ConfigError(f"{hierarchy.source}：审计需要唯一的总指数（最高层只有一个节点），实际为：{', '.join(roots)}")
    return roots[0]


def parents_at(hierarchy: Hierarchy, level: int) -> pd.Series:
    """Parent code of every node at ``level`` (1 = indicators), in framework order."""
    return hierarchy.nodes.loc[hierarchy.codes_at(level), "parent"].astype(object)


def nominal_shares(hierarchy: Hierarchy, weights: np.ndarray | None = None) -> pd.Series:
    """Each weighted node's nominal share of the index (the engine's :func:`index_shares`)."""
    w = hierarchy.nominal_weights if weights is None else np.asarray(weights, dtype=float)
    return pd.Series(index_shares(hierarchy, w), index=hierarchy.weighted_codes)


def aggregate_codes(hierarchy: Hierarchy) -> list[str]:
    """Codes of the aggregate nodes (levels 2 … top) in framework order: the columns of
    :func:`score_levels`; the index is the last."""
    return hierarchy.nodes.index[hierarchy.nodes["level"] >= 2].tolist()


def level_plan(hierarchy: Hierarchy) -> tuple[tuple[int, slice, np.ndarray], ...]:
    """(level, weight slice, membership matrix) of every level below the top, computed once
    from the framework tables so that a batch loop does not rebuild them per call."""
    return tuple((level, hierarchy.level_slice(level), hierarchy.membership(level)) for level in hierarchy.levels[:-1])


def score_levels(
    normalised: np.ndarray,
    hierarchy: Hierarchy,
    weights: np.ndarray | None = None,
    aggregations: Sequence[AggregateSpec] = (AggregateSpec(),),
    which: np.ndarray | None = None,
    rows: np.ndarray | None = None,
    plan: tuple[tuple[int, slice, np.ndarray], ...] | None = None,
) -> np.ndarray:
    """Scores of the aggregate nodes for a batch: (R, n_units, n_aggregates), columns as
    :func:`aggregate_codes` (the index last).

    ``normalised`` (R, n_units, n_indicators), or with ``rows`` (R,) a stack of
    precomputed matrices from which replication ``r`` takes ``normalised[rows[r]]``
    (gathered once per aggregation rule, never for the whole batch); ``weights``
    (R, n_weighted) over ``hierarchy.weighted_codes`` (default nominal); replication
    ``r`` is aggregated by ``aggregations[which[r]]`` (default: all by the first);
    ``plan`` is :func:`level_plan` of the hierarchy when the caller keeps it. Each
    level goes through the engine's :func:`~nidb.engine.aggregate.aggregate_level`
    with the rule :meth:`AggregateSpec.for_level` gives, as the engine's ``score_batch``
    does, without carrying the indicator block along.
    """
    r = normalised.shape[0] if rows is None else len(rows)
    if weights is None:
        weights = np.broadcast_to(hierarchy.nominal_weights, (r, len(hierarchy.weighted_codes)))
    which = np.zeros(r, dtype=int) if which is None else np.asarray(which)
    plan = level_plan(hierarchy) if plan is None else plan
    out = np.empty((r, normalised.shape[1], len(aggregate_codes(hierarchy))))
    for j in np.unique(which):
        sel = np.flatnonzero(which == j)
        current = normalised[sel] if rows is None else normalised[rows[sel]]
        w = weights[sel]
        spec = aggregations[j]
        start = 0
        for level, cols, membership in plan:
            rule = spec.for_level(level + 1)
            current = aggregate_level(current, w[:, cols], membership, rule.method, rule.power, spec.zeros)
            out[sel, :, start : start + current.shape[-1]] = current
            start += current.shape[-1]
    return out


def rank_desc(scores: np.ndarray) -> np.ndarray:
    """Ranks along the last axis (units): 1 = highest score, ties take the minimum rank,
    a missing score has a missing rank (the engine's rule)."""
    return rank_units(scores, axis=-1)


def gate_minimum(scores: np.ndarray, columns: Sequence[int], index: np.ndarray) -> np.ndarray | None:
    """Lowest score over the gated ``columns`` of aggregate scores (R, n_units, n_aggregates)
    per unit, (R, n_units), by the rule of :func:`nidb.evaluation.stars.dimension_minimum`; None
    without columns."""
    if not columns:
        return None
    return dimension_minimum(scores[..., list(columns)], ~np.isnan(index))
