"""A batch of methods as one array computation: hierarchy arrays, aggregation, ranks, stars.

The audit evaluates many variants of one method at once: ``R`` replications share the
framework tree and differ in their normalised matrix, their weights, their aggregation
and their star rule. Everything here works on arrays with a leading replication axis
``R`` so that a Monte Carlo chunk, a leave-one-out set or a Sobol design is one call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from nidb.errors import ConfigError

AGGREGATIONS = ("arithmetic", "geometric", "generalised")


@dataclass(frozen=True)
class Hierarchy:
    """A balanced framework tree as arrays.

    ``levels[0]`` holds the indicator codes, ``levels[-1]`` the single root (the index).
    ``membership[k]`` is the 0/1 matrix (len(levels[k]), len(levels[k+1])) mapping each
    node of level ``k`` to its parent; ``weights[k]`` the nominal weight of each node of
    level ``k`` within its parent.
    """

    levels: tuple[tuple[str, ...], ...]
    membership: tuple[np.ndarray, ...]
    weights: tuple[np.ndarray, ...]

    @property
    def indicators(self) -> tuple[str, ...]:
        return self.levels[0]

    @property
    def root(self) -> str:
        return self.levels[-1][0]

    def parent_of(self, level: int) -> pd.Series:
        """Parent code of every node at ``level`` (0 = indicators)."""
        parents = np.asarray(self.levels[level + 1])[self.membership[level].argmax(axis=1)]
        return pd.Series(parents, index=pd.Index(self.levels[level], name="code"), name="parent")

    def children(self, level: int, code: str) -> list[str]:
        """Codes at ``level`` whose parent (at ``level + 1``) is ``code``."""
        column = self.levels[level + 1].index(code)
        return [c for c, m in zip(self.levels[level], self.membership[level][:, column]) if m]

    def level_of(self, code: str) -> int:
        for k, codes in enumerate(self.levels):
            if code in codes:
                return k
        raise KeyError(code)

    def path_weights(self) -> list[pd.Series]:
        """Nominal weight of every node in the index: product of normalised weights on its path."""
        out: list[pd.Series] = [pd.Series([1.0], index=list(self.levels[-1]))]
        for k in range(len(self.levels) - 2, -1, -1):
            m = self.membership[k]
            w = self.weights[k]
            share = w / (m @ (m.T @ w))
            out.insert(0, pd.Series(share * (m @ out[0].to_numpy()), index=list(self.levels[k])))
        return out

    @classmethod
    def from_parents(
        cls, parents: pd.Series, weights: pd.Series | None = None, indicators: list[str] | None = None
    ) -> "Hierarchy":
        """Build from ``parents`` (child code -> parent code, every node but the root).

        ``indicators`` fixes the order of the leaves (default: the order in ``parents``);
        ``weights`` (code -> nominal weight within its parent) defaults to equal weights.
        """
        parents = pd.Series(parents).astype(object)
        children = set(parents.index)
        roots = sorted(set(parents.to_numpy()) - children)
        if len(roots) != 1:
            raise ConfigError(f"指标体系必须只有一个根节点（总指数），实际为：{roots}")
        leaves = [c for c in parents.index if c not in set(parents.to_numpy())]
        if indicators is not None:
            if set(indicators) != set(leaves):
                raise ConfigError("指标列表与指标体系的末级指标不一致")
            leaves = list(indicators)
        levels: list[list[str]] = [leaves]
        while levels[-1] != roots:
            if any(c not in children for c in levels[-1]):
                raise ConfigError("指标体系各层级不平衡：每个末级指标到总指数的层数必须相同")
            levels.append(list(dict.fromkeys(parents[c] for c in levels[-1])))
            if len(levels) > 20:
                raise ConfigError("指标体系层级过多或存在循环")
        seen = [c for level in levels for c in level]
        if len(seen) != len(set(seen)) or set(seen) != children | set(roots):
            raise ConfigError("指标体系各层级不平衡：每个末级指标到总指数的层数必须相同")
        if weights is None:
            weights = pd.Series(1.0, index=parents.index)
        membership = []
        level_weights = []
        for k in range(len(levels) - 1):
            col = {c: j for j, c in enumerate(levels[k + 1])}
            m = np.zeros((len(levels[k]), len(levels[k + 1])))
            m[np.arange(len(levels[k])), [col[parents[c]] for c in levels[k]]] = 1.0
            membership.append(m)
            w = pd.Series(weights).reindex(levels[k]).to_numpy(dtype=float)
            if np.isnan(w).any() or (w < 0).any():
                raise ConfigError("每个节点都需要非负权重")
            level_weights.append(w)
        return cls(
            levels=tuple(tuple(level) for level in levels),
            membership=tuple(membership),
            weights=tuple(level_weights),
        )


def aggregate_level(
    values: np.ndarray, weights: np.ndarray, membership: np.ndarray, method: str | np.ndarray, power: float | np.ndarray = 1.0
) -> np.ndarray:
    """Aggregate one level for a batch: ``values`` (R, n_units, n_children) -> (R, n_units, n_parents).

    ``weights`` (R, n_children); ``method`` one aggregation name or an array (R,) of names;
    ``power`` the generalised-mean exponent (scalar or (R,)). Missing children (NaN) and
    children with zero weight are left out and the weights renormalised over the rest; a
    parent with no available child is NaN. The geometric mean needs positive values: a
    non-positive value makes its parent NaN (it is never silently clipped).
    """
    r = values.shape[0]
    methods = np.broadcast_to(np.asarray(method, dtype=object), (r,))
    powers = np.broadcast_to(np.asarray(power, dtype=float), (r,))
    w = weights[:, None, :]
    avail = ~np.isnan(values) & (w > 0)
    wa = np.where(avail, w, 0.0)
    denom = wa @ membership
    out = np.full(values.shape[:2] + (membership.shape[1],), np.nan)
    for name in np.unique(methods):
        sel = methods == name
        v, a, ww, d = values[sel], avail[sel], wa[sel], denom[sel]
        if name == "arithmetic":
            num = np.where(a, v, 0.0) * ww @ membership
            res = num / d
        elif name == "geometric":
            bad = (np.where(a, v, 1.0) <= 0) @ membership > 0
            logs = np.log(np.where(a & (v > 0), v, 1.0))
            res = np.exp(logs * ww @ membership / d)
            res[bad] = np.nan
        elif name == "generalised":
            p = powers[sel][:, None, None]
            if np.any(p == 0):
                raise ConfigError("广义均值的幂次不能为 0（幂次为 0 即几何平均，请选择 geometric）")
            bad = (np.where(a, v, 1.0) <= 0) @ membership > 0
            num = np.where(a & (v > 0), v, 1.0) ** p * ww @ membership
            res = (num / d) ** (1.0 / p)
            res[bad] = np.nan
        else:
            raise ConfigError(f"未知的加总方法：{name}（可选：{', '.join(AGGREGATIONS)}）")
        with np.errstate(invalid="ignore"):
            res = np.where(d > 0, res, np.nan)
        out[sel] = res
    return out


def aggregate_batch(
    normalised: np.ndarray,
    hierarchy: Hierarchy,
    weights: list[np.ndarray] | None = None,
    method: str | np.ndarray = "arithmetic",
    power: float | np.ndarray = 1.0,
) -> list[np.ndarray]:
    """Scores at every level for a batch of methods.

    ``normalised`` (R, n_units, n_indicators); ``weights[k]`` (R, n_nodes_k) for each level
    below the root (default: the nominal weights). Returns one array (R, n_units, n_nodes)
    per level above the indicators, the last one being the index (R, n_units, 1).
    """
    r = normalised.shape[0]
    if weights is None:
        weights = [np.broadcast_to(w, (r, w.size)) for w in hierarchy.weights]
    scores = []
    current = normalised
    for k, m in enumerate(hierarchy.membership):
        current = aggregate_level(current, weights[k], m, method, power)
        scores.append(current)
    return scores


def rank_desc(scores: np.ndarray) -> np.ndarray:
    """Ranks along the last axis, higher is better, ties take the minimum rank; NaN ranks last.

    Returns float ranks (NaN where the score is NaN).
    """
    filled = np.where(np.isnan(scores), -np.inf, scores)
    order = np.argsort(-filled, axis=-1, kind="stable")
    sorted_vals = np.take_along_axis(filled, order, axis=-1)
    n = scores.shape[-1]
    pos = np.broadcast_to(np.arange(1, n + 1, dtype=float), sorted_vals.shape).copy()
    # ties take the minimum rank: carry forward the position of the first of each run of equals
    new_run = np.ones(sorted_vals.shape, dtype=bool)
    new_run[..., 1:] = sorted_vals[..., 1:] != sorted_vals[..., :-1]
    pos = np.where(new_run, pos, 0.0)
    pos = np.maximum.accumulate(pos, axis=-1)
    ranks = np.empty_like(pos)
    np.put_along_axis(ranks, order, pos, axis=-1)
    return np.where(np.isnan(scores), np.nan, ranks)
