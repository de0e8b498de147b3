"""Qualitative expert scores: one score per unit-year-indicator, and inter-rater reliability.

Input is the long-form ``expert_scores`` table of the data contract (unit_id, year,
indicator_id, expert_id, score 0–100). Everything here is vectorised over all
unit-year-indicator groups at once (one sort, ``bincount`` sums over integer codes),
never a loop over units.
"""

from __future__ import annotations

from functools import cached_property
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


def _coded(
    scores: pd.DataFrame, keys: tuple[str, ...] = ("unit_id", "indicator_id", "expert_id"),
) -> tuple[dict[str, np.ndarray], dict[str, pd.Index]]:
    """Key columns (string) as integer code arrays, year as int64, score as float64; and the code books."""
    books: dict[str, pd.Index] = {}
    out: dict[str, np.ndarray] = {}
    for col in keys:
        codes, uniques = pd.factorize(scores[col], sort=True)
        out[col] = codes
        books[col] = pd.Index(uniques)
    out["year"] = scores["year"].to_numpy(dtype="int64")
    out["score"] = scores["score"].to_numpy(dtype="float64")
    return out, books


def _decoded(frame: pd.DataFrame, books: dict[str, pd.Index]) -> pd.DataFrame:
    """Integer-coded key columns back to their values (string)."""
    frame = frame.copy()
    for col, book in books.items():
        if col in frame.columns:
            frame[col] = pd.array(book.take(frame[col].to_numpy()), dtype="string")
    return frame


def _check_aggregation(method: str, trim_min_experts: int, trim_count: int) -> None:
    if method not in AGGREGATION_METHODS:
        raise ConfigError(f"专家评分汇总方法「{method}」无效，可选：{', '.join(AGGREGATION_METHODS)}")
    if trim_count < 0 or trim_min_experts < 2 * trim_count + 1:
        raise ConfigError(
            f"专家评分去极值参数无效：trim_min_experts={trim_min_experts} 须不少于 2×trim_count+1"
            f"（trim_count={trim_count}）"
        )


class _Runs:
    """Scores sorted so that each cell is a contiguous run; per run its start, size, sum and SD,
    and the order of the runs by cell key (unit, year, indicator codes)."""

    def __init__(self, order: np.ndarray, cells: np.ndarray, x: np.ndarray, columns: dict[str, np.ndarray]):
        self.order, self.x = order, x
        new_cell = np.ones(len(x), dtype=bool)
        new_cell[1:] = cells[1:] != cells[:-1]
        self.start = np.flatnonzero(new_cell)
        self.n = np.diff(np.append(self.start, len(x)))
        self.total = np.add.reduceat(x, self.start)
        with np.errstate(invalid="ignore", divide="ignore"):
            centred = x - np.repeat(self.total / self.n, self.n)
            self.sd = np.where(self.n > 1, np.sqrt(np.add.reduceat(centred**2, self.start) / (self.n - 1)), np.nan)
        first = order[self.start]
        self.keys = [columns[c][first] for c in CELL]
        self.by_cell = np.lexsort(self.keys[::-1])  # codes follow the sorted books: the order of the values

    @cached_property
    def min_plus_max(self) -> np.ndarray:
        return np.minimum.reduceat(self.x, self.start) + np.maximum.reduceat(self.x, self.start)


class CodedScores:
    """Expert scores with integer-coded keys and their cells, for repeated aggregation.

    Coding (string factorisation) and the cell sort do not depend on the aggregation method;
    build this once (`CodedScores(scores)`) when the same scores are aggregated many times.
    """

    def __init__(self, scores: pd.DataFrame):
        self.columns, self.books = _coded(scores, ("unit_id", "indicator_id"))  # experts are not told apart
        self.cell = _ids(*(self.columns[c] for c in CELL))[0]
        self._runs: dict[bool, _Runs] = {}

    def runs(self, by_score: bool) -> _Runs:
        """The cells as contiguous runs of the sorted scores; within a run by score when `by_score`."""
        if by_score not in self._runs:
            order = (np.lexsort((self.columns["score"], self.cell)) if by_score
                     else np.argsort(self.cell, kind="stable"))
            self._runs[by_score] = _Runs(order, self.cell[order], self.columns["score"][order], self.columns)
        return self._runs[by_score]

    def aggregate(
        self, method: AggregationMethod = "trimmed_mean", trim_min_experts: int = 5, trim_count: int = 1,
    ) -> pd.DataFrame:
        """`aggregate_scores` with the key columns left as integer codes (into ``books``), sorted by cell."""
        _check_aggregation(method, trim_min_experts, trim_count)
        if len(self.cell) == 0:
            empty = pd.DataFrame(np.zeros((0, 3), dtype="int64"), columns=CELL)
            return empty.assign(score=0.0, n_experts=0, n_used=0, score_sd=0.0)
        r = self.runs(method == "median" or (method == "trimmed_mean" and trim_count > 1))
        x, start, n, total, sd, by_cell = r.x, r.start, r.n, r.total, r.sd, r.by_cell
        if method == "median":
            score, used = (x[start + (n - 1) // 2] + x[start + n // 2]) / 2, n
        elif method == "mean" or trim_count == 0:
            score, used = total / n, n
        else:
            k = np.where(n >= trim_min_experts, trim_count, 0)
            if trim_count == 1:
                dropped = r.min_plus_max
            else:  # the k lowest are the first k of the sorted run, the k highest the last k
                cum = np.concatenate([[0.0], np.cumsum(x)])
                dropped = (cum[start + trim_count] - cum[start]) + (cum[start + n] - cum[start + n - trim_count])
            used = n - 2 * k
            score = (total - np.where(k > 0, dropped, 0.0)) / used
        out = pd.DataFrame({c: k[by_cell] for c, k in zip(CELL, r.keys)})
        out["score"] = score[by_cell]
        out["n_experts"] = n.astype("int64")[by_cell]
        out["n_used"] = np.asarray(used, dtype="int64")[by_cell]
        out["score_sd"] = sd[by_cell]
        return out


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
    _check_aggregation(method, trim_min_experts, trim_count)
    coded = CodedScores(scores)
    return _decoded(coded.aggregate(method, trim_min_experts, trim_count), coded.books)


def _ids(*codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense ids of the combinations of integer code arrays, and the row of each id's first occurrence."""
    key = np.zeros(len(codes[0]), dtype="int64")
    for c in codes:
        key = key * (int(c.max(initial=0)) + 1) + c
    ids = pd.factorize(key)[0]
    first = np.zeros(ids.max(initial=-1) + 1, dtype="int64")
    first[ids[::-1]] = np.arange(len(ids))[::-1]
    return ids, first


def _group_sum(ids: np.ndarray, values: np.ndarray | None, size: int) -> np.ndarray:
    return np.bincount(ids, weights=values, minlength=size).astype("float64")


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
    a nested design the crossed statistics are therefore NaN. The contract's key
    (unit, year, indicator, expert) makes every score one expert's single rating.
    Computed with integer codes and ``bincount`` sums over all panels at once.
    """
    coded, books = _coded(scores)
    x = coded["score"]
    unit, expert = coded["unit_id"], coded["expert_id"]
    panel, panel_row = _ids(coded["indicator_id"], coded["year"])
    n_panels = len(panel_row)
    pu, pu_row = _ids(panel, unit)
    panel_of_pu = panel[pu_row]

    # one-way ANOVA over all ratings (valid for nested panels of unequal size)
    n_ratings = _group_sum(panel, None, n_panels)
    grand = _group_sum(panel, x, n_panels) / n_ratings
    k_unit = _group_sum(pu, None, len(pu_row))
    unit_mean = _group_sum(pu, x, len(pu_row)) / k_unit
    n_units = _group_sum(panel_of_pu, None, n_panels)
    ss_between = _group_sum(panel_of_pu, k_unit * (unit_mean - grand[panel_of_pu]) ** 2, n_panels)
    ss_within = _group_sum(panel, (x - unit_mean[pu]) ** 2, n_panels)
    sum_k2 = _group_sum(panel_of_pu, k_unit**2, n_panels)
    with np.errstate(divide="ignore", invalid="ignore"):
        msb = ss_between / (n_units - 1)
        msw_1 = ss_within / (n_ratings - n_units)
        k0 = (n_ratings - sum_k2 / n_ratings) / (n_units - 1)
        icc1 = (msb - msw_1) / (msb + (k0 - 1) * msw_1)
        icc1k = (msb - msw_1) / msb
    oneway_small = (n_units < 2) | (n_ratings - n_units < 1)

    crossed = _two_way(x, panel, n_panels, unit, expert)
    out = pd.DataFrame(
        {
            "indicator_id": coded["indicator_id"][panel_row],
            "year": coded["year"][panel_row],
            "n_units": n_units.astype("int64"),
            "n_ratings": n_ratings.astype("int64"),
            "k0": np.where(oneway_small, np.nan, k0),
            "icc1": np.where(oneway_small, np.nan, icc1),
            "icc1k": np.where(oneway_small, np.nan, icc1k),
            "n_units_crossed": crossed.pop("n_targets").astype("int64"),
            "n_experts": crossed.pop("n_raters").astype("int64"),
            **crossed,
        }
    )
    out = _decoded(out, {"indicator_id": books["indicator_id"]})
    return out.sort_values(PANEL, ignore_index=True)


def _two_way(
    x: np.ndarray, group: np.ndarray, n_groups: int, target: np.ndarray, rater: np.ndarray
) -> dict[str, np.ndarray]:
    """Two-way ANOVA statistics per group on its crossed part (targets × raters).

    A target enters when every rater of its group scored it (listwise deletion).
    Returns per group ``n_targets``, ``n_raters``, ICC(2,1), ICC(2,k), ICC(3,1),
    ICC(3,k), Kendall's W and the mean squares; NaN with fewer than two targets or
    raters.
    """
    gt, gt_row = _ids(group, target)
    gr, gr_row = _ids(group, rater)
    group_of_gt, group_of_gr = group[gt_row], group[gr_row]
    k_target = _group_sum(gt, None, len(gt_row))
    k = _group_sum(group_of_gr, None, n_groups)
    complete = k_target == k[group_of_gt]
    rows = complete[gt]
    n = _group_sum(group_of_gt, complete.astype("float64"), n_groups)
    xc, gc, gtc, grc = x[rows], group[rows], gt[rows], gr[rows]
    with np.errstate(divide="ignore", invalid="ignore"):  # groups without a crossed part
        grand = _group_sum(gc, xc, n_groups) / _group_sum(gc, None, n_groups)
        row_mean = _group_sum(gtc, xc, len(gt_row)) / _group_sum(gtc, None, len(gt_row))
        col_mean = _group_sum(grc, xc, len(gr_row)) / _group_sum(grc, None, len(gr_row))
    ss_total = _group_sum(gc, (xc - grand[gc]) ** 2, n_groups)
    ss_rows = _group_sum(gc, (row_mean[gtc] - grand[gc]) ** 2, n_groups)
    ss_cols = _group_sum(gc, (col_mean[grc] - grand[gc]) ** 2, n_groups)
    ss_error = ss_total - ss_rows - ss_cols
    with np.errstate(divide="ignore", invalid="ignore"):
        msr = ss_rows / (n - 1)
        msc = ss_cols / (k - 1)
        mse = ss_error / ((n - 1) * (k - 1))
        msw = (ss_cols + ss_error) / (n * (k - 1))
        stats = {
            "icc2": (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n),
            "icc2k": (msr - mse) / (msr + (msc - mse) / n),
            "icc3": (msr - mse) / (msr + (k - 1) * mse),
            "icc3k": (msr - mse) / msr,
            "kendall_w": _kendall_w(xc, gc, gtc, grc, n, k, n_groups, len(gt_row)),
            "ms_rows": msr,
            "ms_cols": msc,
            "ms_error": mse,
            "ms_within": msw,
        }
    small = (n < 2) | (k < 2)
    return {"n_targets": n, "n_raters": k, **{name: np.where(small, np.nan, v) for name, v in stats.items()}}


def profile_agreement(scores: pd.DataFrame) -> pd.DataFrame:
    """Agreement of a unit-year's panel on the unit's profile across the indicators.

    Within one unit and year the design is crossed: every panel member scores all the
    qualitative indicators. Taking indicators as targets and experts as raters,
    Kendall's W says whether the experts agree on the unit's stronger and weaker
    points, and ICC(3,k) how consistent the panel's profile is. Columns: ``unit_id,
    year, n_indicators, n_experts, icc3, icc3k, kendall_w`` (NaN with fewer than two
    indicators or experts). This complements ``reliability`` in the usual nested
    design, where the per-indicator two-way statistics are not defined.
    """
    coded, books = _coded(scores)
    group, group_row = _ids(coded["unit_id"], coded["year"])
    stats = _two_way(coded["score"], group, len(group_row), coded["indicator_id"], coded["expert_id"])
    out = pd.DataFrame(
        {
            "unit_id": coded["unit_id"][group_row],
            "year": coded["year"][group_row],
            "n_indicators": stats["n_targets"].astype("int64"),
            "n_experts": stats["n_raters"].astype("int64"),
            "icc3": stats["icc3"],
            "icc3k": stats["icc3k"],
            "kendall_w": stats["kendall_w"],
        }
    )
    return _decoded(out, {"unit_id": books["unit_id"]}).sort_values(["unit_id", "year"], ignore_index=True)


def _kendall_w(
    x: np.ndarray, panel: np.ndarray, pu: np.ndarray, pe: np.ndarray,
    n: np.ndarray, m: np.ndarray, n_panels: int, n_pu: int,
) -> np.ndarray:  # fmt: skip
    """Kendall's W with tie correction per panel, from the rows of the crossed part.

    Each expert ranks the panel's units (average ranks for ties); S is the sum of
    squared deviations of the units' rank sums, T = Σ(t³ − t) over the tie runs.
    """
    order = np.lexsort((x, pe))
    xs, gs = x[order], pe[order]
    group_start = np.ones(len(xs), dtype=bool)
    group_start[1:] = gs[1:] != gs[:-1]
    run_start = group_start.copy()
    run_start[1:] |= xs[1:] != xs[:-1]
    pos = np.arange(len(xs))
    first_in_group = np.maximum.accumulate(np.where(group_start, pos, 0))
    run_id = np.cumsum(run_start) - 1
    run_first = pos[run_start]
    run_len = np.diff(np.append(run_first, len(xs)))
    # average rank of a tie run: mean of its 1-based positions within the expert's group
    avg_rank = run_first[run_id] - first_in_group + (run_len[run_id] + 1) / 2
    ranks = np.empty(len(xs))
    ranks[order] = avg_rank
    rank_sum = _group_sum(pu, ranks, n_pu)
    panel_of_pu = np.zeros(n_pu, dtype="int64")
    panel_of_pu[pu] = panel
    present = np.zeros(n_pu, dtype=bool)
    present[pu] = True
    s = _group_sum(panel_of_pu[present], rank_sum[present] ** 2, n_panels) - (
        _group_sum(panel_of_pu[present], rank_sum[present], n_panels) ** 2 / n
    )
    ties = run_len.astype("float64")
    tie_term = _group_sum(panel[order][run_first], ties**3 - ties, n_panels)
    return 12 * s / (m**2 * (n**3 - n) - m * tie_term)
