"""A batch of methods as one array computation: scores, ranks and stars over replications.

The audit evaluates many variants of one method at once: ``R`` replications share the
framework tree (the engine's :class:`~nidb.engine.framework_table.Hierarchy`) and
differ in their normalised matrix, weights, aggregation and star cut-offs. Everything
here works on arrays with a leading replication axis ``R``, so that a Monte Carlo
chunk, a leave-one-out set or a Sobol design is one call to the engine's vectorised
:func:`~nidb.engine.run.score_batch` per distinct aggregation rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from nidb.engine.framework_table import Hierarchy
from nidb.engine.method import AggregateSpec
from nidb.engine.rank import rank_units
from nidb.engine.run import score_batch
from nidb.engine.weights import index_shares
from nidb.errors import ConfigError


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


def score_levels(
    normalised: np.ndarray,
    hierarchy: Hierarchy,
    weights: np.ndarray | None = None,
    aggregations: Sequence[AggregateSpec] = (AggregateSpec(),),
    which: np.ndarray | None = None,
) -> np.ndarray:
    """Scores of every node for a batch: (R, n_units, n_nodes), columns as ``hierarchy.nodes``.

    ``normalised`` (R, n_units, n_indicators); ``weights`` (R, n_weighted) over
    ``hierarchy.weighted_codes`` (default nominal); replication ``r`` is aggregated by
    ``aggregations[which[r]]`` (default: all by the first).
    """
    r = normalised.shape[0]
    if weights is None:
        weights = np.broadcast_to(hierarchy.nominal_weights, (r, len(hierarchy.weighted_codes)))
    which = np.zeros(r, dtype=int) if which is None else np.asarray(which)
    out = np.empty(normalised.shape[:2] + (len(hierarchy.nodes),))
    for j in np.unique(which):
        sel = np.flatnonzero(which == j)
        out[sel] = score_batch(normalised[sel], hierarchy, weights[sel], aggregations[j])
    return out


def rank_desc(scores: np.ndarray) -> np.ndarray:
    """Ranks along the last axis (units): 1 = highest score, ties take the minimum rank,
    a missing score has a missing rank (the engine's rule)."""
    return rank_units(scores, axis=-1)


@dataclass(frozen=True)
class StarBands:
    """A star rule as a batch needs it.

    ``kind`` ``bands``: ``thresholds`` are index cut-offs, ascending, for 2, 3, 4, 5 stars
    (a unit gets 1 + the number of cut-offs its score reaches). ``quotas``: thresholds
    are cumulative shares in percent, ascending, of units with 5, ≥ 4, ≥ 3, ≥ 2 stars
    (a unit gets 1 + the number of shares whose count ``round(share·n/100)`` its rank
    is within; ties share the minimum rank and therefore the star). ``gate``: five stars
    only when every node of ``gate_level`` scores at least ``gate`` (else four).
    """

    kind: str
    thresholds: tuple[float, ...]
    gate: float | None = None
    gate_level: int = 2


def stars_batch(
    index: np.ndarray, rule: StarBands, thresholds: np.ndarray | None = None, gate_scores: np.ndarray | None = None
) -> np.ndarray:
    """Stars 1–5 (int8, 0 where the index is missing) for index scores (R, n_units).

    ``thresholds`` (R, k) overrides the rule's thresholds per replication (ascending);
    ``gate_scores`` (R, n_units, n_gate_nodes) are needed when the rule has a gate.
    """
    r = index.shape[0]
    t = np.broadcast_to(np.asarray(rule.thresholds, dtype=float), (r, len(rule.thresholds))) if thresholds is None else thresholds
    if rule.kind == "bands":
        stars = 1 + (index[:, :, None] >= t[:, None, :]).sum(axis=2)
    elif rule.kind == "quotas":
        ranks = rank_desc(index)
        n = np.sum(~np.isnan(index), axis=1, keepdims=True)
        counts = np.floor(t * n / 100.0 + 0.5)
        stars = 1 + (ranks[:, :, None] <= counts[:, None, :]).sum(axis=2)
    else:
        raise ConfigError(f"星级规则类型「{rule.kind}」无效，可选：bands、quotas")
    if rule.gate is not None:
        if gate_scores is None:
            raise ConfigError("星级规则含门槛（gate），需要对应层级的得分")
        fails = np.nanmin(gate_scores, axis=2) < rule.gate
        stars = np.where((stars == 5) & fails, 4, stars)
    return np.where(np.isnan(index), 0, stars).astype(np.int8)
