"""Qualitative expert scores: one score per unit-year-indicator, and inter-rater reliability.

Input is the long-form ``expert_scores`` table of the data contract (unit_id, year,
indicator_id, expert_id, score 0–100). Everything here is vectorised over all
unit-year-indicator groups at once (groupby sums), never a loop over units.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from nidb.errors import ConfigError

AggregationMethod = Literal["trimmed_mean", "mean", "median"]
AGGREGATION_METHODS: tuple[str, ...] = ("trimmed_mean", "mean", "median")

#: The cell a qualitative indicator is scored in: one unit, one year, one indicator.
CELL = ["unit_id", "year", "indicator_id"]
#: The group inter-rater reliability is computed over: one indicator in one year.
PANEL = ["indicator_id", "year"]


def _coded(scores: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, pd.Index]]:
    """Key columns as integer codes (fast groupby), score as float64; and the code books."""
    books: dict[str, pd.Index] = {}
    out = {}
    for col in ("unit_id", "indicator_id", "expert_id"):
        codes, uniques = pd.factorize(scores[col], sort=True)
        out[col] = codes
        books[col] = pd.Index(uniques)
    out["year"] = scores["year"].to_numpy(dtype="int64")
    out["score"] = scores["score"].to_numpy(dtype="float64")
    return pd.DataFrame(out, columns=["unit_id", "year", "indicator_id", "expert_id", "score"]), books


def _decoded(frame: pd.DataFrame, books: dict[str, pd.Index]) -> pd.DataFrame:
    """Integer-coded key columns back to their values (string)."""
    frame = frame.copy()
    for col, book in books.items():
        if col in frame.columns:
            frame[col] = pd.array(book.take(frame[col].to_numpy()), dtype="string")
    return frame


def aggregate_scores(
    scores: pd.DataFrame,
    method: AggregationMethod = "trimmed_mean",
    trim_min_experts: int = 5,
    trim_count: int = 1,
) -> pd.DataFrame:
    """One score per unit, year and qualitative indicator.

    ``trimmed_mean`` drops the ``trim_count`` highest and ``trim_count`` lowest scores
    when a cell has at least ``trim_min_experts`` experts (the usual 去掉一个最高分和一个
    最低分 rule), and is the plain mean otherwise. ``mean`` and ``median`` are the
    untrimmed alternatives. Missing scores are not allowed by the contract; a cell
    simply has as many experts as it has rows.

    Returns columns ``unit_id, year, indicator_id, score, n_experts, n_used, score_sd``
    (``n_used``: scores that entered the aggregate; ``score_sd``: sample standard
    deviation of all the cell's scores, NaN for a single expert).
    """
    if method not in AGGREGATION_METHODS:
        raise ConfigError(f"专家评分汇总方法「{method}」无效，可选：{', '.join(AGGREGATION_METHODS)}")
    if trim_count < 0 or trim_min_experts < 2 * trim_count + 1:
        raise ConfigError(
            f"专家评分去极值参数无效：trim_min_experts={trim_min_experts} 须不少于 2×trim_count+1"
            f"（trim_count={trim_count}）"
        )
    coded, books = _coded(scores)
    # one sort by (cell, score): each cell is a contiguous run, its scores ascending
    cell_key = coded[CELL].to_numpy(dtype="int64")
    order = np.lexsort((coded["score"].to_numpy(), cell_key[:, 2], cell_key[:, 1], cell_key[:, 0]))
    key = cell_key[order]
    x = coded["score"].to_numpy()[order]
    new_cell = np.ones(len(x), dtype=bool)
    new_cell[1:] = (key[1:] != key[:-1]).any(axis=1)
    start = np.flatnonzero(new_cell)
    n = np.diff(np.append(start, len(x)))
    cum = np.concatenate([[0.0], np.cumsum(x)])
    total = cum[start + n] - cum[start]
    with np.errstate(invalid="ignore", divide="ignore"):
        centred = x - np.repeat(total / n, n)
        sd = np.sqrt(np.add.reduceat(centred**2, start) / (n - 1)) if len(x) else np.array([])
    sd = np.where(n > 1, sd, np.nan)
    if method == "median":
        lower, upper = x[start + (n - 1) // 2], x[start + n // 2]
        score, used = (lower + upper) / 2, n
    elif method == "mean" or trim_count == 0:
        score, used = total / n, n
    else:
        trim = n >= trim_min_experts
        k = np.where(trim, trim_count, 0)
        # the k lowest are the first k of the run, the k highest the last k
        kept = cum[start + n - k] - cum[start + k]
        used = n - 2 * k
        score = kept / used
    out = pd.DataFrame(key[start], columns=CELL)
    out["score"] = score
    out["n_experts"] = n.astype("int64")
    out["n_used"] = np.asarray(used, dtype="int64")
    out["score_sd"] = sd
    return _decoded(out, books)


def _complete_panels(scores: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Restrict each indicator-year panel to units rated by every expert of the panel.

    Reliability statistics need a complete units × experts matrix. The policy is
    listwise deletion: an expert belongs to the panel when they scored at least one
    unit of that indicator and year; a unit enters only when all those experts
    scored it. Returns the complete rows and the counts per panel
    (``n_units_crossed``, ``n_experts``).
    """
    data = scores[CELL + ["expert_id", "score"]]
    n_panel_experts = data.groupby(PANEL, observed=True)["expert_id"].transform("nunique")
    n_unit_experts = data.groupby(CELL, observed=True)["expert_id"].transform("nunique")
    complete = n_unit_experts == n_panel_experts
    counts = (
        data.assign(complete=complete)
        .groupby(PANEL + ["unit_id"], observed=True)["complete"]
        .first()
        .groupby(PANEL, observed=True)
        .agg(n_units_crossed="sum")
    )
    counts["n_experts"] = data.groupby(PANEL, observed=True)["expert_id"].nunique()
    return data[complete.to_numpy()], counts


def reliability(scores: pd.DataFrame) -> pd.DataFrame:
    """Inter-rater reliability of the expert scores, per indicator and year.

    Two designs occur: a *nested* one, where each unit is scored by its own panel
    drawn from an expert pool (the usual case), and a *crossed* one, where the same
    experts score every unit. Per indicator-year this returns:

    - ``icc1``, ``icc1k`` for any design: one-way random effects, single rater and
      mean of the raters, from the one-way ANOVA with unequal panel sizes
      (k₀ = (N − Σkᵢ²/N)/(n − 1), ``k0``); in a balanced design these are Shrout &
      Fleiss's ICC(1,1) and ICC(1,k);
    - on the crossed part only (units scored by every expert of the indicator-year,
      listwise; ``n_units_crossed``, ``n_experts``): ``icc2``/``icc2k`` (two-way
      random, absolute agreement), ``icc3``/``icc3k`` (two-way mixed, consistency),
      ``kendall_w`` (Kendall's W with the tie correction
      W = 12 S / (m² (n³ − n) − m Σ(t³ − t))), and the mean squares ``ms_rows``,
      ``ms_cols``, ``ms_error``, ``ms_within``.

    A statistic is NaN when its design part has fewer than two units or raters; in
    a nested design the crossed statistics are therefore NaN.
    """
    scores, books = _coded(scores)
    oneway = _oneway(scores)
    data, counts = _complete_panels(scores)
    g = [data[c] for c in PANEL]
    x = data["score"].astype("float64")
    n = data.groupby(PANEL, observed=True)["unit_id"].transform("nunique").astype("float64")
    k = data.groupby(PANEL, observed=True)["expert_id"].transform("nunique").astype("float64")
    grand = x.groupby(g, observed=True).transform("mean")
    row_mean = x.groupby([*g, data["unit_id"]], observed=True).transform("mean")
    col_mean = x.groupby([*g, data["expert_id"]], observed=True).transform("mean")
    cells = pd.DataFrame(
        {
            "ss_total": (x - grand) ** 2,
            # each row (unit) mean appears k times, each column (expert) mean n times:
            # the sums below are k·Σ(row − grand)² and n·Σ(col − grand)²
            "ss_rows": (row_mean - grand) ** 2,
            "ss_cols": (col_mean - grand) ** 2,
        }
    )
    ss = cells.groupby(g, observed=True).sum()
    nk = pd.DataFrame({"n": n, "k": k}).groupby(g, observed=True).first()
    n_, k_ = nk["n"], nk["k"]
    ss_error = ss["ss_total"] - ss["ss_rows"] - ss["ss_cols"]
    with np.errstate(divide="ignore", invalid="ignore"):
        msr = ss["ss_rows"] / (n_ - 1)
        msc = ss["ss_cols"] / (k_ - 1)
        mse = ss_error / ((n_ - 1) * (k_ - 1))
        msw = (ss["ss_cols"] + ss_error) / (n_ * (k_ - 1))
        crossed = pd.DataFrame(
            {
                "icc2": (msr - mse) / (msr + (k_ - 1) * mse + k_ * (msc - mse) / n_),
                "icc2k": (msr - mse) / (msr + (msc - mse) / n_),
                "icc3": (msr - mse) / (msr + (k_ - 1) * mse),
                "icc3k": (msr - mse) / msr,
                "kendall_w": _kendall_w(data, n_, k_),
                "ms_rows": msr,
                "ms_cols": msc,
                "ms_error": mse,
                "ms_within": msw,
            }
        )
    crossed_cols = list(crossed.columns)
    out = oneway.join(counts, how="left").join(crossed, how="left")
    too_small = (out["n_units_crossed"].fillna(0) < 2) | (out["n_experts"].fillna(0) < 2)
    out[crossed_cols] = out[crossed_cols].astype("float64").mask(too_small, axis=0)
    out["n_units_crossed"] = out["n_units_crossed"].fillna(0).astype("int64")
    columns = ["n_units", "n_ratings", "k0", "icc1", "icc1k", "n_units_crossed", "n_experts", *crossed_cols]
    return _decoded(out.reset_index()[PANEL + columns], books)


def _oneway(scores: pd.DataFrame) -> pd.DataFrame:
    """One-way random-effects ICC per panel, valid for nested panels of unequal size."""
    g = [scores[c] for c in PANEL]
    x = scores["score"].astype("float64")
    unit_mean = x.groupby([*g, scores["unit_id"]], observed=True).transform("mean")
    grand = x.groupby(g, observed=True).transform("mean")
    per_unit = scores.groupby(CELL, observed=True)["score"].size().astype("float64")
    panel = pd.DataFrame(
        {
            "ss_between": ((unit_mean - grand) ** 2).groupby(g, observed=True).sum(),
            "ss_within": ((x - unit_mean) ** 2).groupby(g, observed=True).sum(),
            "n_ratings": x.groupby(g, observed=True).size().astype("float64"),
        }
    )
    by_panel = per_unit.groupby(level=PANEL, observed=True)
    panel["n_units"] = by_panel.size()
    panel["sum_k2"] = (per_unit**2).groupby(level=PANEL, observed=True).sum()
    n, total = panel["n_units"].astype("float64"), panel["n_ratings"]
    with np.errstate(divide="ignore", invalid="ignore"):
        msb = panel["ss_between"] / (n - 1)
        msw = panel["ss_within"] / (total - n)
        k0 = (total - panel["sum_k2"] / total) / (n - 1)
        panel["k0"] = k0
        panel["icc1"] = (msb - msw) / (msb + (k0 - 1) * msw)
        panel["icc1k"] = (msb - msw) / msb
    small = (n < 2) | (total - n < 1)
    panel[["k0", "icc1", "icc1k"]] = panel[["k0", "icc1", "icc1k"]].mask(small, axis=0)
    panel["n_units"] = panel["n_units"].astype("int64")
    panel["n_ratings"] = panel["n_ratings"].astype("int64")
    return panel[["n_units", "n_ratings", "k0", "icc1", "icc1k"]]


def _kendall_w(data: pd.DataFrame, n: pd.Series, m: pd.Series) -> pd.Series:
    """Kendall's W with tie correction per panel, from the complete long-form rows."""
    g = [data[c] for c in PANEL]
    ranks = data.groupby([*g, data["expert_id"]], observed=True)["score"].rank(method="average")
    rank_sums = ranks.groupby([*g, data["unit_id"]], observed=True).sum()
    by_panel = rank_sums.groupby(level=PANEL, observed=True)
    s = (rank_sums**2).groupby(level=PANEL, observed=True).sum() - by_panel.sum() ** 2 / n
    ties = data.groupby([*g, data["expert_id"], data["score"]], observed=True).size()
    tie_term = (ties.astype("float64") ** 3 - ties).groupby(level=PANEL, observed=True).sum()
    return 12 * s / (m**2 * (n**3 - n) - m * tie_term)
