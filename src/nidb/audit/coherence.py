"""Statistical coherence of a framework on a table of normalised indicators.

Correlations within and across levels (with flags), Cronbach's alpha and a principal
component analysis per group, effective weights as correlation ratios η² with the index
(Paruolo, Saisana & Saltelli 2013), and leave-one-out re-aggregation. Inputs are the
normalised indicator table (units × indicators) and the framework tree (the engine's
:class:`~nidb.engine.framework_table.Hierarchy`); scores are re-aggregated with the batch
kernel of :mod:`nidb.audit.batch`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from nidb.audit.batch import (
    aggregate_codes,
    nominal_shares,
    parents_at,
    rank_desc,
    root_of,
    score_levels,
)
from nidb.engine.framework_table import Hierarchy
from nidb.engine.method import AggregateSpec


@dataclass(frozen=True)
class CoherenceThresholds:
    """Flag thresholds (defaults and reasons in docs/audit.md).

    collinear: |r| above which two indicators of one group are flagged as collinear
        (0.92, the JRC/COINr convention for near-redundant indicators).
    negative: r below which two indicators of one group are flagged as conflicting (0).
    weak_parent: r below which an indicator is flagged as weakly related to its parent (0.3).
    method: correlation used for the flags, "pearson" or "spearman".
    """

    collinear: float = 0.92
    negative: float = 0.0
    weak_parent: float = 0.3
    method: str = "pearson"


def level_scores(
    normalised: pd.DataFrame,
    hierarchy: Hierarchy,
    aggregate: AggregateSpec = AggregateSpec(),
    weights: np.ndarray | None = None,
) -> pd.DataFrame:
    """Normalised indicators and scores of every aggregate, one column per node (units × nodes).

    ``weights`` is the flat weight vector over ``hierarchy.weighted_codes`` (default: the
    framework's).
    """
    indicators = normalised[hierarchy.indicators].astype(float)
    w = None if weights is None else np.asarray(weights, dtype=float)[None]
    scores = score_levels(indicators.to_numpy()[None], hierarchy, w, aggregations=(aggregate,))
    return pd.concat([indicators, pd.DataFrame(scores[0], index=normalised.index, columns=aggregate_codes(hierarchy))], axis=1)


def correlations(
    table: pd.DataFrame, hierarchy: Hierarchy, thresholds: CoherenceThresholds = CoherenceThresholds()
) -> pd.DataFrame:
    """Pairwise correlations within and across levels, with flags.

    ``table`` holds one column per node (see :func:`level_scores`). Rows: every pair of
    siblings (``relation = "within"``), every node with its parent (``"parent"``), with
    the index (``"index"``) and with every node of the level above that is not its parent
    (``"across"``). Columns: ``code_a, code_b, level_a, level_b, relation, pearson,
    spearman, n`` and the boolean flags ``flag_negative`` and ``flag_collinear`` (within)
    and ``flag_weak_parent`` (parent). Correlations use pairwise complete observations.
    """
    pearson = table.corr(method="pearson")
    spearman = table.corr(method="spearman")
    present = table.notna().astype(float)
    counts = present.T @ present
    rows = []
    root = root_of(hierarchy)
    top = hierarchy.top_level
    for level in range(1, top):
        parents = parents_at(hierarchy, level)
        codes = list(parents.index)
        for i, a in enumerate(codes):
            for b in codes[i + 1 :]:
                if parents[a] == parents[b]:
                    rows.append((a, b, level, level, "within"))
            rows.append((a, parents[a], level, level + 1, "parent"))
            if level + 1 < top:
                for other in hierarchy.codes_at(level + 1):
                    if other != parents[a]:
                        rows.append((a, other, level, level + 1, "across"))
                rows.append((a, root, level, top, "index"))
    out = pd.DataFrame(rows, columns=["code_a", "code_b", "level_a", "level_b", "relation"])
    out["pearson"] = [pearson.at[a, b] for a, b in zip(out.code_a, out.code_b)]
    out["spearman"] = [spearman.at[a, b] for a, b in zip(out.code_a, out.code_b)]
    out["n"] = [int(counts.at[a, b]) for a, b in zip(out.code_a, out.code_b)]
    r = out[thresholds.method]
    within = out.relation == "within"
    out["flag_negative"] = within & (r < thresholds.negative)
    out["flag_collinear"] = within & (r.abs() > thresholds.collinear)
    out["flag_weak_parent"] = (out.relation == "parent") & (r < thresholds.weak_parent)
    return out


CORRELATION_METHODS = ("pearson", "spearman")


def _ancestor_at(hierarchy: Hierarchy, code: str, level: int) -> str | None:
    """The node at ``level`` above (or equal to) ``code``; None when ``code`` is above it."""
    nodes = hierarchy.nodes
    while code is not None and int(nodes.at[code, "level"]) < level:
        parent = nodes.at[code, "parent"]
        code = parent if isinstance(parent, str) and parent else None
    return code if code is not None and int(nodes.at[code, "level"]) == level else None


def level_correlations(
    table: pd.DataFrame,
    hierarchy: Hierarchy,
    level_a: int,
    level_b: int,
    method: str = "pearson",
    within: int | None = None,
) -> pd.DataFrame:
    """Correlations of every node of ``level_a`` with every node of ``level_b``, with p-values
    (COINr ``get_corr(Levels = c(a, b))`` and ``get_pvals``), without building aggregates.

    ``table`` holds one column per node (see :func:`level_scores`); pairs use pairwise
    complete observations. ``within`` keeps only pairs whose nodes share their ancestor at
    that level (e.g. ``within=2``: indicators of the same pillar; COINr ``withparent``).
    The same level twice gives each unordered pair once. The p-value is two-sided, from
    the t statistic t = r·√((n − 2)/(1 − r²)) with n − 2 degrees of freedom (R
    ``cor.test``; for Spearman its large-sample form, ``exact = FALSE``). Columns:
    ``code_a, code_b, level_a, level_b, r, p_value, n``.
    """
    if method not in CORRELATION_METHODS:
        raise ValueError(f"method must be one of {CORRELATION_METHODS}, not {method!r}")
    from scipy.special import stdtr  # the t distribution, without importing scipy.stats

    codes_a, codes_b = hierarchy.codes_at(level_a), hierarchy.codes_at(level_b)
    x = table[list(dict.fromkeys(codes_a + codes_b))].astype(float)
    corr = x.corr(method=method)
    present = x.notna().astype(float)
    counts = present.T @ present
    rows = []
    for i, a in enumerate(codes_a):
        for b in codes_b[i + 1:] if level_a == level_b else codes_b:
            if within is not None:
                ancestor = _ancestor_at(hierarchy, a, within)
                if ancestor is None or ancestor != _ancestor_at(hierarchy, b, within):
                    continue
            rows.append((a, b, level_a, level_b, corr.at[a, b], int(counts.at[a, b])))
    out = pd.DataFrame(rows, columns=["code_a", "code_b", "level_a", "level_b", "r", "n"])
    r, n = out["r"].to_numpy(dtype=float), out["n"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = r * np.sqrt((n - 2) / (1 - r * r))
        p = 2 * stdtr(n - 2, -np.abs(t))
    out.insert(5, "p_value", np.where(n > 2, p, np.nan))
    return out


ALPHA_MISSING = ("pairwise", "complete")


def cronbach_alpha(items: pd.DataFrame, missing: str = "pairwise") -> float:
    """Cronbach's alpha of the columns of ``items``.

    ``missing="pairwise"`` (default, COINr ``get_cronbach``): C is the covariance matrix
    over pairwise complete observations (R ``cov(use = "pairwise.complete.obs")``) and
    α = k²·mean(off-diagonal C)/ΣC, which equals k/(k−1)·(1 − tr C/ΣC).
    ``missing="complete"``: the same over the rows where every item has a value.
    Sample covariances (ddof = 1). NaN when fewer than two items or a covariance
    cannot be estimated (fewer than two observations of a pair).
    """
    if missing not in ALPHA_MISSING:
        raise ValueError(f"missing must be one of {ALPHA_MISSING}, not {missing!r}")
    data = items.dropna() if missing == "complete" else items
    k = data.shape[1]
    if k < 2:
        return float("nan")
    cov = data.astype(float).cov(ddof=1).to_numpy()
    if np.isnan(cov).any():
        return float("nan")
    off_diagonal = cov[~np.eye(k, dtype=bool)]
    return float(k * k * off_diagonal.mean() / cov.sum())


@dataclass(frozen=True)
class PcaResult:
    """PCA of one group on the correlation matrix of its children."""

    eigenvalues: pd.Series  # one per component, descending
    explained: pd.Series  # share of total variance per component
    loadings: pd.DataFrame  # children × components: eigenvector · sqrt(eigenvalue)
    n: int  # complete rows used


def pca(items: pd.DataFrame) -> PcaResult:
    """Principal components of the standardised columns of ``items`` over complete rows.

    Loadings are eigenvectors scaled by the square root of their eigenvalue (the
    correlation of each item with the component); each component's sign is chosen so
    that its loadings sum to a non-negative number.
    """
    complete = items.dropna()
    corr = np.corrcoef(complete.to_numpy(dtype=float), rowvar=False).reshape(items.shape[1], items.shape[1])
    values, vectors = np.linalg.eigh(corr)
    order = np.argsort(values)[::-1]
    values = np.clip(values[order], 0.0, None)
    vectors = vectors[:, order]
    vectors = vectors * np.where(vectors.sum(axis=0) < 0, -1.0, 1.0)
    names = [f"PC{i + 1}" for i in range(len(values))]
    return PcaResult(
        eigenvalues=pd.Series(values, index=names),
        explained=pd.Series(values / values.sum(), index=names),
        loadings=pd.DataFrame(vectors * np.sqrt(values), index=items.columns, columns=names),
        n=len(complete),
    )


def group_statistics(
    table: pd.DataFrame, hierarchy: Hierarchy, alpha_missing: str = "pairwise"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cronbach's alpha and PCA for every aggregate over its children.

    ``alpha_missing`` is how α treats missing values (:func:`cronbach_alpha`).
    Returns (summary, loadings): summary has one row per aggregate with ``level,
    n_children, n_complete, cronbach_alpha, pc1_eigenvalue, pc1_explained,
    n_eigen_above_1``; loadings is long (``group, code, component, loading``) for the
    first two components.
    """
    summary = []
    loadings = []
    for level in range(2, hierarchy.top_level + 1):
        for group in hierarchy.codes_at(level):
            kids = hierarchy.children(group)
            items = table[kids]
            row = {"group": group, "level": level, "n_children": len(kids), "n_complete": int(items.notna().all(axis=1).sum())}
            row["cronbach_alpha"] = cronbach_alpha(items, alpha_missing)
            if len(kids) >= 2 and row["n_complete"] >= 3:
                res = pca(items)
                row["pc1_eigenvalue"] = float(res.eigenvalues.iloc[0])
                row["pc1_explained"] = float(res.explained.iloc[0])
                row["n_eigen_above_1"] = int((res.eigenvalues > 1.0).sum())
                long = res.loadings.iloc[:, :2].rename_axis("code").reset_index().melt(
                    id_vars="code", var_name="component", value_name="loading"
                )
                long.insert(0, "group", group)
                loadings.append(long)
            else:
                row.update(pc1_eigenvalue=np.nan, pc1_explained=np.nan, n_eigen_above_1=pd.NA)
            summary.append(row)
    summary_df = pd.DataFrame(summary)
    summary_df["n_eigen_above_1"] = summary_df["n_eigen_above_1"].astype("Int64")
    loadings_df = (
        pd.concat(loadings, ignore_index=True)
        if loadings
        else pd.DataFrame(columns=["group", "code", "component", "loading"])
    )
    return summary_df, loadings_df


def correlation_ratio(x: np.ndarray, y: np.ndarray, frac: float = 2.0 / 3.0, discrete_levels: int = 5) -> float:
    """η² = Var(E[y | x]) / Var(y) over complete pairs.

    E[y | x] is estimated by LOWESS of y on x (local linear, no robustness iterations,
    span ``frac``); when x takes at most ``discrete_levels`` distinct values (e.g. a
    yes/no indicator, where a local line is undefined) by the mean of y at each value
    of x, the classical correlation ratio. NaN when fewer than five pairs or y is constant.
    """
    ok = ~(np.isnan(x) | np.isnan(y))
    x, y = x[ok], y[ok]
    if len(x) < 5 or np.var(y) == 0:
        return float("nan")
    values, groups = np.unique(x, return_inverse=True)
    if len(values) <= discrete_levels:
        fitted = (np.bincount(groups, weights=y) / np.bincount(groups))[groups]
    else:
        from statsmodels.nonparametric.smoothers_lowess import lowess  # heavy: imported when used

        fitted = lowess(y, x, frac=frac, it=0, return_sorted=False)
    return float(np.clip(np.var(fitted) / np.var(y), 0.0, 1.0))


def effective_weights(
    table: pd.DataFrame, hierarchy: Hierarchy, frac: float = 2.0 / 3.0, weights: np.ndarray | None = None
) -> pd.DataFrame:
    """Effective weights: η² of each node below the index with the index, beside nominal weights.

    One row per node: ``code, level, parent, eta2, eta2_share`` (η² normalised to sum to 1
    over the level) and ``nominal_share`` (the node's nominal weight in the index, the
    product of normalised weights along its path, which sums to 1 over the level), and
    ``ratio = eta2_share / nominal_share``. ``weights`` is the method's flat weight vector
    (default: the framework's).
    """
    y = table[root_of(hierarchy)].to_numpy(dtype=float)
    nominal = nominal_shares(hierarchy, weights)
    rows = []
    for level in range(1, hierarchy.top_level):
        for code, parent in parents_at(hierarchy, level).items():
            rows.append(
                {
                    "code": code,
                    "level": level,
                    "parent": parent,
                    "eta2": correlation_ratio(table[code].to_numpy(dtype=float), y, frac),
                    "nominal_share": float(nominal[code]),
                }
            )
    out = pd.DataFrame(rows)
    out["eta2_share"] = out["eta2"] / out.groupby("level")["eta2"].transform("sum")
    out["ratio"] = out["eta2_share"] / out["nominal_share"]
    return out[["code", "level", "parent", "eta2", "eta2_share", "nominal_share", "ratio"]]


StarFunction = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""Maps index scores (R, n_units) and the aggregate scores (R, n_units, n_aggregates) to stars."""


def leave_one_out(
    normalised: pd.DataFrame,
    hierarchy: Hierarchy,
    aggregate: AggregateSpec = AggregateSpec(),
    stars: StarFunction | None = None,
    weights: np.ndarray | None = None,
) -> pd.DataFrame:
    """Drop each indicator and each aggregate below the index in turn, re-aggregate, compare ranks.

    A dropped node gets weight zero and its siblings' weights are renormalised (the
    engine's rule for missing values); ``weights`` is the method's flat weight vector
    (default: the framework's). One row per dropped node: ``code, level,
    mean_abs_rank_change, max_abs_rank_change``, and with a star rule ``n_star_changes,
    share_star_changes``. All drops are one batch computation.
    """
    x = normalised[hierarchy.indicators].to_numpy(dtype=float)
    dropped = list(hierarchy.weighted_codes)
    r = len(dropped) + 1  # replication 0 is the nominal method
    nominal = hierarchy.nominal_weights if weights is None else np.asarray(weights, dtype=float)
    w = np.tile(nominal, (r, 1))
    w[np.arange(1, r), np.arange(r - 1)] = 0.0
    scores = score_levels(np.broadcast_to(x, (r,) + x.shape), hierarchy, w, (aggregate,))
    index = scores[..., -1]
    ranks = rank_desc(index)
    change = np.abs(ranks[1:] - ranks[0])
    out = pd.DataFrame(
        {
            "code": dropped,
            "level": hierarchy.nodes.loc[dropped, "level"].to_numpy(),
            "mean_abs_rank_change": np.nanmean(change, axis=1),
            "max_abs_rank_change": np.nanmax(change, axis=1),
        }
    )
    if stars is not None:
        s = stars(index, scores)
        moved = s[1:] != s[0]
        out["n_star_changes"] = moved.sum(axis=1)
        out["share_star_changes"] = moved.mean(axis=1)
    return out
