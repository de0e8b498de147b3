"""Two evaluation methods side by side: per base index, rank and stars, and what changes.

:func:`compare_evaluations` runs the annual evaluation (with the lifecycle of the years
before, as ``nidb evaluate`` does) under method A and method B and joins the results per
base. A base rated under one method only (e.g. revoked earlier under the other) keeps a
row with the other side empty. The summary counts the bases that change star (up, down),
by region and by domain, and gives the rank correlations over the bases rated under both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import kendalltau, spearmanr

from nidb.errors import NidbError
from nidb.evaluation.annual import Panel, run_panel
from nidb.evaluation.lifecycle import LifecycleRules
from nidb.evaluation.method import EvaluationMethod
from nidb.framework import Framework

GROUPS = {"region": "所在区域", "domain": "示范领域"}
BASE_HEADERS = {
    "base_id": "基地编号", "name": "基地名称", "authority": "推荐单位", "region": "所在区域", "domain": "示范领域",
    "index_a": "综合指数（A）", "rank_a": "排序（A）", "stars_a": "星级（A）",
    "index_b": "综合指数（B）", "rank_b": "排序（B）", "stars_b": "星级（B）",
    "star_change": "星级变化（B−A）", "rank_change": "名次变化（A−B，正为上升）",
}  # fmt: skip
GROUP_HEADERS = {
    "group_by": "分组", "group": "组别", "n_rated": "两种方法均参评", "changed": "星级变化", "up": "升星", "down": "降星",
}  # fmt: skip


@dataclass(frozen=True)
class EvaluationComparison:
    """One year under two evaluation methods.

    ``bases``: one row per base rated under either method (``BASE_HEADERS`` columns, English
    names); ``summary``: (item, value) rows in Chinese; ``groups``: changes by region and
    domain; ``distribution``: the number of bases at each star level under A and B.
    """

    year: int
    method_a: str
    method_b: str
    bases: pd.DataFrame
    summary: pd.DataFrame
    groups: pd.DataFrame
    distribution: pd.DataFrame


def compare_evaluations(
    data: object,
    framework: Framework,
    method_a: EvaluationMethod,
    method_b: EvaluationMethod,
    rules: LifecycleRules,
    year: int,
) -> EvaluationComparison:
    """Evaluate ``year`` under both methods (earlier years first, for the lifecycle) and compare."""
    years = sorted(int(y) for y in data.annual["year"].dropna().unique() if int(y) <= year)  # type: ignore[attr-defined]
    if year not in years:
        raise NidbError(f"年度报表中没有 {year} 年的数据")
    panels = [run_panel(data, framework, m, rules, years) for m in (method_a, method_b)]
    return compare_panels(panels[0], panels[1], data.bases, year)  # type: ignore[attr-defined]


def _year_results(panel: Panel, year: int, side: str) -> pd.DataFrame:
    if year not in panel.evaluations:
        raise NidbError(f"{year} 年没有参加评价的示范基地")
    res = panel.evaluations[year].results.dropna(subset=["stars"])
    return pd.DataFrame({
        "base_id": res["unit_id"].astype("string").to_numpy(),
        f"index_{side}": res["index"].to_numpy(dtype="float64"),
        f"rank_{side}": res["rank"].astype("Int64").to_numpy(),
        f"stars_{side}": res["stars"].astype("Int64").to_numpy(),
    })


def compare_panels(panel_a: Panel, panel_b: Panel, bases: pd.DataFrame, year: int) -> EvaluationComparison:
    """Compare the year ``year`` of two evaluated panels; ``bases`` is the registry (name, region, domain)."""
    a, b = _year_results(panel_a, year, "a"), _year_results(panel_b, year, "b")
    table = a.merge(b, on="base_id", how="outer")
    registry = bases.assign(base_id=bases["base_id"].astype("string")).set_index("base_id")
    for col in ("name", "authority", "region", "domain"):
        table[col] = registry[col].reindex(table["base_id"]).astype("string").to_numpy()
    table["star_change"] = (table["stars_b"] - table["stars_a"]).astype("Int64")
    table["rank_change"] = (table["rank_a"] - table["rank_b"]).astype("Int64")
    table = table[list(BASE_HEADERS)].sort_values(["rank_a", "rank_b", "base_id"], na_position="last",
                                                  ignore_index=True)
    both = table.dropna(subset=["stars_a", "stars_b"])
    change = both["star_change"].astype("int64")
    rank_a, rank_b = both["rank_a"].astype("float64"), both["rank_b"].astype("float64")
    rho = spearmanr(rank_a, rank_b).statistic if len(both) > 2 else np.nan
    tau = kendalltau(rank_a, rank_b).statistic if len(both) > 2 else np.nan
    shift = (rank_a - rank_b).abs()
    name_a, name_b = _method_name(panel_a, year), _method_name(panel_b, year)
    summary = pd.DataFrame([
        ("方法 A", name_a),
        ("方法 B", name_b),
        ("方法 A 参评基地数", str(int(table["stars_a"].notna().sum()))),
        ("方法 B 参评基地数", str(int(table["stars_b"].notna().sum()))),
        ("两种方法均参评", str(len(both))),
        ("星级变化的基地数", f"{int((change != 0).sum())}（{_share(int((change != 0).sum()), len(both))}）"),
        ("升星", str(int((change > 0).sum()))),
        ("降星", str(int((change < 0).sum()))),
        ("变化两级及以上", str(int((change.abs() >= 2).sum()))),
        ("名次斯皮尔曼相关", f"{rho:.3f}"),
        ("名次肯德尔 τ", f"{tau:.3f}"),
        ("名次平均绝对变化", f"{shift.mean():.1f}" if len(both) else "—"),
        ("名次最大变化", str(int(shift.max())) if len(both) else "—"),
    ], columns=["项目", "内容"])
    rows = []
    for key, label in GROUPS.items():
        for group, part in both.groupby(key, sort=True):
            ch = part["star_change"].astype("int64")
            rows.append((label, group, len(part), int((ch != 0).sum()), int((ch > 0).sum()), int((ch < 0).sum())))
    groups = pd.DataFrame(rows, columns=list(GROUP_HEADERS))
    levels = range(5, 0, -1)
    distribution = pd.DataFrame({
        "stars": list(levels),
        "count_a": table["stars_a"].value_counts().reindex(levels, fill_value=0).to_numpy(),
        "count_b": table["stars_b"].value_counts().reindex(levels, fill_value=0).to_numpy(),
    })
    return EvaluationComparison(year, name_a, name_b, table, summary, groups, distribution)


def _method_name(panel: Panel, year: int) -> str:
    """The method name a panel's year was evaluated with."""
    return panel.evaluations[year].method.name


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "—"


def comparison_tables(comparison: EvaluationComparison) -> dict[str, pd.DataFrame]:
    """The comparison as Chinese-headed tables (for ``nidb compare`` and the report)."""
    dist = comparison.distribution.rename(columns={"stars": "星级", "count_a": "方法 A 基地数",
                                                   "count_b": "方法 B 基地数"})
    dist["星级"] = dist["星级"].map(lambda s: f"{s}星")
    bases = comparison.bases.copy()
    bases[["index_a", "index_b"]] = bases[["index_a", "index_b"]].round(2)
    return {
        "比较摘要": comparison.summary,
        "逐基地比较": bases.rename(columns=BASE_HEADERS),
        "星级分布": dist,
        "分组变化": comparison.groups.rename(columns=GROUP_HEADERS),
    }
