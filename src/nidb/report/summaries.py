"""Descriptive tables for the overview chapter: the framework, the bases and data coverage.

Each function returns a new frame with Chinese column headers, ready for `page.table`.
"""

from __future__ import annotations

import pandas as pd

from nidb.contract import load_contract
from nidb.framework import Framework, walk

TYPE_ZH = {"quantitative": "定量", "qualitative": "定性"}
DIRECTION_ZH = {"higher": "越高越好", "lower": "越低越好"}


def framework_table(framework: Framework) -> pd.DataFrame:
    """One row per indicator: number, dimension, name, type, direction and unit."""
    dims = {d.id: d.zh for d in framework.dimensions}
    return pd.DataFrame({
        "序号": [i.number for i in framework.indicators],
        "维度": [dims[i.dimension] for i in framework.indicators],
        "指标": [i.zh for i in framework.indicators],
        "类型": [TYPE_ZH.get(i.type, i.type) for i in framework.indicators],
        "方向": [DIRECTION_ZH.get(i.direction, i.direction) for i in framework.indicators],
        "单位": [i.unit or "—" for i in framework.indicators],
    })


def dimension_counts(framework: Framework) -> pd.DataFrame:
    """Indicators per dimension, split into quantitative and qualitative, with a total row."""
    table = framework_table(framework)
    counts = pd.crosstab(table["维度"], table["类型"]).reindex(columns=["定量", "定性"], fill_value=0)
    order = [d.zh for d in framework.dimensions]
    counts = counts.reindex(order).fillna(0).astype(int)
    counts["合计"] = counts.sum(axis=1)
    counts.loc["合计"] = counts.sum()
    return counts.rename_axis("维度").reset_index()


def count_by(frame: pd.DataFrame, column: str, label: str, order: list[str] | None = None) -> pd.DataFrame:
    """Count and share of rows per value of `column` (missing values counted as 未填报)."""
    values = frame[column].astype("string").fillna("未填报")
    counts = values.value_counts()
    if order is not None:
        counts = counts.reindex([v for v in order if v in counts.index] +
                                [v for v in counts.index if v not in order])
    result = counts.rename_axis(label).reset_index(name="数量（个）")
    result["占比（%）"] = 100.0 * result["数量（个）"] / result["数量（个）"].sum()
    return result


def region_domain_table(bases: pd.DataFrame) -> pd.DataFrame:
    """Bases by region (rows, in the contract's order) and domain (columns), with totals."""
    regions = list(load_contract().vocabulary("regions"))
    table = pd.crosstab(bases["region"], bases["domain"], margins=True, margins_name="合计")
    table = table.reindex([r for r in regions if r in table.index] + ["合计"])
    return table.rename_axis(index="区域", columns=None).reset_index()


def announcements_by_year(bases: pd.DataFrame) -> pd.DataFrame:
    """Bases announced per year and the cumulative total."""
    counts = bases["year_announced"].value_counts().sort_index()
    return pd.DataFrame({
        "公告年份": counts.index.astype(int),
        "新增基地（个）": counts.to_numpy(),
        "累计基地（个）": counts.cumsum().to_numpy(),
    })


def indicator_fields(framework: Framework) -> list[str]:
    """The annual fields behind the quantitative indicators (formulas and condition measures)."""
    names: list[str] = []
    for indicator in framework.quantitative:
        measures = [indicator.formula] + [getattr(c, "measure", None) for c in walk(indicator.condition)]
        for measure in measures:
            if measure is not None:
                names.extend(f for f in measure.fields() if f not in names)
    return names


def coverage_table(annual: pd.DataFrame, units: pd.Series, year: int, fields: list[str]) -> pd.DataFrame:
    """Reporting coverage of the given annual fields for the given units in `year`.

    Columns: 字段, 单位, 应报（个）, 已报（个）, 缺失（个）, 缺失率（%）; sorted by missing
    count, most missing first. A unit without an annual row counts as missing every field.
    """
    contract = load_contract().table("annual")
    fields = [contract.column(name) for name in fields]
    rows = annual[(annual["year"] == year) & annual["unit_id"].isin(units)]
    expected = int(units.nunique())
    reported = rows[[c.name for c in fields]].notna().sum()
    table = pd.DataFrame({
        "字段": [c.zh for c in fields],
        "单位": [c.unit or "—" for c in fields],
        "应报（个）": expected,
        "已报（个）": reported.to_numpy().astype(int),
    })
    table["缺失（个）"] = table["应报（个）"] - table["已报（个）"]
    table["缺失率（%）"] = 100.0 * table["缺失（个）"] / expected if expected else float("nan")
    return table.sort_values(["缺失（个）", "字段"], ascending=[False, True], kind="stable").reset_index(drop=True)


def skew_phrase(summary: dict[str, float]) -> str:
    """How the mean sits against the median: 右偏, 左偏 or 大致对称 (within 5 % of the median)."""
    mean, median = summary["mean"], summary["median"]
    if abs(mean - median) <= 0.05 * abs(median):
        return "大致对称（平均值与中位数相差不到 5%）"
    return "右偏（平均值高于中位数）" if mean > median else "左偏（平均值低于中位数）"


def distribution_summary(values: pd.Series) -> dict[str, float]:
    """Count, median, quartiles, mean and maximum of a numeric series, ignoring missing values."""
    clean = values.dropna().astype(float)
    return {
        "count": int(clean.size),
        "missing": int(values.isna().sum()),
        "median": float(clean.median()) if clean.size else float("nan"),
        "q1": float(clean.quantile(0.25)) if clean.size else float("nan"),
        "q3": float(clean.quantile(0.75)) if clean.size else float("nan"),
        "mean": float(clean.mean()) if clean.size else float("nan"),
        "max": float(clean.max()) if clean.size else float("nan"),
    }
