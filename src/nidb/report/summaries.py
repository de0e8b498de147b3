"""Descriptive tables for the overview chapter: the framework, the bases and data coverage.

Each function returns a new frame with Chinese column headers, ready for `page.table`.
"""

from __future__ import annotations

import pandas as pd

from nidb.framework import Framework, walk
from nidb.inputs.contract import load_contract

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
    counts.columns.name = None
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


def panel_years(annual: pd.DataFrame) -> list[int]:
    """The years with annual data, ascending."""
    return sorted(int(y) for y in annual["year"].dropna().unique())


def change_phrase(now: float, before: float, unit: str, digits: int = 1) -> str:
    """较上年提高/下降 x <unit>, or 与上年持平 when the shown (rounded) values are equal."""
    change = round(round(now, digits) - round(before, digits), digits)
    if change == 0:
        return "与上年持平"
    verb = "提高" if change > 0 else "下降"
    return f"较上年{verb} {abs(change):.{digits}f} {unit}"


def star_groups_table(distribution: pd.DataFrame, key: str, label: str) -> pd.DataFrame:
    """A `nidb.evaluation.lifecycle.star_distribution` by group with Chinese headers and shares in %."""
    table = distribution.drop(columns="year").rename(columns={
        key: label, "n_rated": "参评（个）", **{f"stars_{s}": f"{s}星（个）" for s in range(1, 6)},
        "share_4plus": "四星及以上占比（%）",
    })
    table["四星及以上占比（%）"] = 100.0 * table["四星及以上占比（%）"]
    table = table.sort_values(["四星及以上占比（%）", label], ascending=[False, True], kind="stable")
    return table.reset_index(drop=True)


def special_overview(special: pd.DataFrame, tops: pd.DataFrame) -> pd.DataFrame:
    """One row per special evaluation: units scored, list size, median score and the list's entry score."""
    scored = special.groupby("special", sort=False)["score"]
    listed = tops.groupby("special", sort=False)["score"]
    table = pd.DataFrame({
        "参评基地（个）": scored.count(),
        "专项指数中位数": scored.median(),
        "入榜（个）": listed.size(),
        "入榜最低专项指数": listed.min(),
    })
    table["入榜（个）"] = table["入榜（个）"].fillna(0).astype(int)
    return table.rename_axis("专项评价").reset_index()


def crosstab_regions(frame: pd.DataFrame, row: str, column: str = "region") -> pd.DataFrame:
    """Counts of `row` × region (regions in the contract's order, absent ones as 0), with a 合计 column."""
    regions = list(load_contract().vocabulary("regions"))
    table = pd.crosstab(frame[row], frame[column]).reindex(columns=regions, fill_value=0)
    table["合计"] = table.sum(axis=1)
    return table.rename_axis(index="专项评价", columns=None).reset_index()


def status_counts(status: pd.DataFrame, statuses: tuple[str, ...]) -> pd.DataFrame:
    """Bases in each lifecycle status per year (every status a column, absent ones 0)."""
    table = pd.crosstab(status["year"], status["status"]).reindex(columns=list(statuses), fill_value=0)
    return table.rename_axis(index="年份", columns=None).reset_index()


def transition_summary(block: pd.DataFrame) -> dict[str, float]:
    """From one year pair of `nidb.evaluation.lifecycle.transition_matrix`: bases kept, up, down, revoked, unrated."""
    to = block[[f"to_{s}" for s in range(1, 6)]].to_numpy()
    source = block["stars_from"].to_numpy().astype(int)
    target = pd.Series(range(1, 6)).to_numpy()
    same = int(sum(to[i, source[i] - 1] for i in range(len(source))))
    up = int((to * (target[None, :] > source[:, None])).sum())
    down = int((to * (target[None, :] < source[:, None])).sum())
    n = int(to.sum() + block["to_revoked"].sum() + block["to_unrated"].sum())
    return {
        "n": n, "same": same, "same_p": 100.0 * same / n if n else float("nan"), "up": up, "down": down,
        "revoked": int(block["to_revoked"].sum()), "unrated": int(block["to_unrated"].sum()),
    }


def transition_table(block: pd.DataFrame) -> pd.DataFrame:
    """One year pair of the transition matrix with Chinese headers (rows: last year's stars)."""
    return block.drop(columns="year_from").rename(columns={
        "stars_from": "上年星级", **{f"to_{s}": f"本年{s}星" for s in range(1, 6)},
        "to_revoked": "撤销称号", "to_unrated": "未参评",
    }).reset_index(drop=True)
