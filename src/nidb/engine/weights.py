"""Weights of the children of every framework node, by scheme.

Weights are relative within a parent (the aggregation renormalises them), and are
returned as one vector over the nodes of a level, in framework order. Schemes:

* ``framework``: the weights in the framework (metadata ``Weight`` column).
* ``equal``: 1 for every child.
* ``manual``: ``values`` maps codes to weights; unlisted codes keep the framework weight.
* ``ahp``: Saaty's analytic hierarchy process. ``matrices`` maps a parent code to
  ``{order: [child codes], matrix: [[a_ij]]}``, a positive reciprocal pairwise
  matrix (a_ij = importance of i over j, a_ji = 1/a_ij). Weights are the principal
  eigenvector; the consistency ratio CR = CI/RI with CI = (λmax − n)/(n − 1) and
  Saaty's random index RI must be < 0.1, otherwise a :class:`ConfigError`.
  Parents without a matrix keep framework weights.
* ``entropy``: entropy weight method on the normalised child scores (must be ≥ 0):
  p_ij = x_ij/Σ_i x_ij, e_j = −Σ_i p_ij ln p_ij / ln n, weight ∝ 1 − e_j
  (equal weights when no child varies).
* ``pca``: squared loadings of the first principal component of the standardised
  child scores (complete units only): they are ≥ 0 and sum to 1, and give each
  child its share of the first component.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from nidb.engine.framework_table import Hierarchy
from nidb.errors import ConfigError

SCHEMES = ("framework", "equal", "manual", "ahp", "entropy", "pca")
DATA_DRIVEN = ("entropy", "pca")
# Saaty's random consistency index by matrix size
SAATY_RI = {
    1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41,
    9: 1.45, 10: 1.49, 11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59,
}
CR_LIMIT = 0.1


def ahp_weights(matrix, *, key: str = "weights.ahp") -> tuple[np.ndarray, float]:
    """Principal-eigenvector weights (sum 1) and the consistency ratio of a pairwise matrix.

    Raises :class:`ConfigError` (naming ``key``) if the matrix is not square, not
    positive, not reciprocal (a_ij·a_ji = 1 within 1 %), larger than 15, or if CR ≥ 0.1.
    """
    a = np.asarray(matrix, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise ConfigError(f"{key}：判断矩阵必须是非空方阵")
    n = a.shape[0]
    if n > max(SAATY_RI):
        raise ConfigError(f"{key}：判断矩阵最多 {max(SAATY_RI)} 阶，当前 {n} 阶")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ConfigError(f"{key}：判断矩阵的元素必须是正数")
    if not np.allclose(a * a.T, 1.0, rtol=0.01, atol=0.0):
        raise ConfigError(f"{key}：判断矩阵不满足互反性 a_ji = 1/a_ij")
    eigenvalues, eigenvectors = np.linalg.eig(a)
    k = int(np.argmax(eigenvalues.real))
    lam = float(eigenvalues[k].real)
    w = np.abs(eigenvectors[:, k].real)
    w = w / w.sum()
    cr = 0.0 if n <= 2 else ((lam - n) / (n - 1)) / SAATY_RI[n]
    if cr >= CR_LIMIT:
        raise ConfigError(f"{key}：一致性比率 CR = {cr:.3f} ≥ {CR_LIMIT}，判断矩阵不一致，请修改")
    return w, cr


def entropy_weights(values: np.ndarray) -> np.ndarray:
    """Entropy weights (sum 1) of the columns of ``values`` (units × children, ≥ 0, NaN ignored)."""
    x = np.asarray(values, dtype=float)
    if np.any(x < 0):
        raise ConfigError("weights.entropy：熵权法要求标准化后的分值非负（请用 min-max、功效系数等标准化）")
    n = np.sum(~np.isnan(x), axis=0)
    total = np.nansum(x, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(total > 0, x / total, np.nan)
        plogp = np.where(p > 0, p * np.log(p), 0.0)
        e = np.where((n > 1) & (total > 0), -np.nansum(plogp, axis=0) / np.log(n), 1.0)
    d = np.clip(1.0 - e, 0.0, None)
    if d.sum() <= 0:
        return np.full(x.shape[1], 1.0 / x.shape[1])
    return d / d.sum()


def pca_weights(values: np.ndarray) -> np.ndarray:
    """Squared first-principal-component loadings (sum 1) of the standardised columns."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x).any(axis=1)]
    c = x.shape[1]
    if c == 1:
        return np.ones(1)
    if x.shape[0] < 3:
        raise ConfigError("weights.pca：完整观测少于 3 个，无法做主成分分析")
    sd = x.std(axis=0, ddof=1)
    if np.any(sd == 0):
        raise ConfigError("weights.pca：有下级指标没有变异，无法做主成分分析")
    corr = np.corrcoef(x, rowvar=False)
    _, vectors = np.linalg.eigh(corr)
    first = vectors[:, -1]
    return first**2 / np.sum(first**2)


def level_weights(
    hierarchy: Hierarchy,
    level: int,
    scheme: str = "framework",
    *,
    values: Mapping[str, float] | None = None,
    matrices: Mapping[str, Mapping] | None = None,
    child_scores: np.ndarray | None = None,
) -> np.ndarray:
    """Weights of the nodes at ``level`` within their parents, in framework order.

    ``child_scores`` (units × nodes at ``level``) is needed by the data-driven schemes.
    """
    codes = hierarchy.codes_at(level)
    nominal = hierarchy.attribute_at(level, "weight").astype(float)
    if scheme == "framework":
        return nominal
    if scheme == "equal":
        return np.ones(len(codes))
    if scheme == "manual":
        w = nominal.copy()
        for code, value in (values or {}).items():
            if code not in codes:
                raise ConfigError(f"weights.levels.{level}.values.{code}：第 {level} 层没有这个节点")
            w[codes.index(code)] = float(value)
        return w
    parents = hierarchy.attribute_at(level, "parent")
    w = nominal.copy()
    if scheme == "ahp":
        for parent, spec in (matrices or {}).items():
            key = f"weights.levels.{level}.matrices.{parent}"
            members = [c for c, p in zip(codes, parents) if p == parent]
            if not members:
                raise ConfigError(f"{key}：第 {level + 1} 层没有这个上级节点")
            order = list(spec.get("order", []))
            if sorted(order) != sorted(members):
                raise ConfigError(f"{key}.order：应正好列出「{parent}」的下级：{', '.join(members)}")
            weights, _ = ahp_weights(spec.get("matrix"), key=f"{key}.matrix")
            for code, value in zip(order, weights):
                w[codes.index(code)] = value
        return w
    if scheme in DATA_DRIVEN:
        if child_scores is None:
            raise ConfigError(f"weights.levels.{level}：{scheme} 权重需要数据")
        compute = entropy_weights if scheme == "entropy" else pca_weights
        for parent in dict.fromkeys(parents):
            idx = np.flatnonzero(parents == parent)
            w[idx] = compute(child_scores[:, idx])
        return w
    raise ConfigError(f"weights.levels.{level}.scheme：取值「{scheme}」无效，可选：{', '.join(SCHEMES)}")


def index_shares(hierarchy: Hierarchy, weights: np.ndarray) -> np.ndarray:
    """Each node's share of its root: the product of renormalised weights along its path.

    ``weights`` is the flat vector over :attr:`Hierarchy.weighted_codes` (any leading
    axes); the result has the same shape.
    """
    w = np.asarray(weights, dtype=float)
    out = np.empty_like(w)
    top = hierarchy.top_level
    share_above = np.ones(w.shape[:-1] + (len(hierarchy.codes_at(top)),))
    for level in range(top - 1, 0, -1):
        m = hierarchy.membership(level)
        wl = w[..., hierarchy.level_slice(level)]
        totals = wl @ m
        with np.errstate(divide="ignore", invalid="ignore"):
            relative = np.where(totals @ m.T > 0, wl / (totals @ m.T), 0.0)
        share_above = relative * (share_above @ m.T)
        out[..., hierarchy.level_slice(level)] = share_above
    return out
