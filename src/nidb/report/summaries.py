"""Descriptive tables for the overview chapter: the framework, the bases and data coverage.

Each function returns a new frame with Chinese column headers, ready for `page.table`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from nidb.framework import Framework, walk
from nidb.inputs.contract import load_contract

TYPE_ZH = {"quantitative": "定量", "qualitative": "定性"}
DIRECTION_ZH = {"higher": "越高越好", "lower": "越低越好"}
DIRECTION_SHORT = {"higher": "正向", "lower": "逆向"}


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


def rated_reconciliation(status: pd.DataFrame, year: int, unrated: pd.DataFrame | None = None) -> pd.DataFrame:
    """How the bases on the list reconcile with the bases rated in `year` (项目, 基地数（个）).

    Rows: bases announced by `year`, then those not rated by reason (title revoked in an
    earlier year, revoked this year before the evaluation, not yet due, no annual form,
    incomplete data, no evaluation result), then the rated bases; the first row equals the
    sum of the others. `unrated` (the year's ``Evaluation.unrated``: ``unit_id``, ``status``)
    places a base that took part but was not rated, and was then revoked as a result
    (Art. 23 (3)), under why it was not rated, as ``nidb evaluate`` counts it.
    """
    rows = status[status["year"] == year]
    rated = int(rows["evaluated"].sum())
    reasons = rows["status"]
    if unrated is not None and len(unrated):
        outcome = rows["base_id"].astype("string").map(unrated.set_index(unrated["unit_id"].astype("string"))["status"])
        reasons = reasons.where(outcome.isna() | (reasons != "撤销"), outcome)
    unrated = reasons[~rows["evaluated"].astype(bool)].value_counts()
    labels = {
        "已撤销": "以前年度已撤销称号", "撤销": "本年撤销称号（不参评）",
        "未到参评年份": "未到参评年份（公告未满规定年限）", "未提交年度报表": "未提交年度报表（不予评级）",
        "数据不全": "数据不全（不予评级）", "无评价结果": "其他无评价结果",
    }
    items = [("名录中已公告的示范基地", len(rows))]
    items += [(f"其中：{label}", int(unrated.get(key, 0))) for key, label in labels.items()]
    other = int(len(rows) - rated - sum(unrated.get(key, 0) for key in labels))
    if other:
        items.append(("其中：其他状态未参评", other))
    items.append(("其中：参加本年度评价", rated))
    return pd.DataFrame(items, columns=["项目", "基地数（个）"])


QUOTA_LEVEL_ZH = {5: "五星", 4: "四星及以上", 3: "三星及以上", 2: "二星及以上"}


def quota_sentence(rule: object) -> str | None:
    """What the star rule fixes by quota (cumulative top shares), in words; None without quotas.

    `rule` is a `nidb.evaluation.stars.StarRule`.
    """
    quotas = {level: spec.top_share for level, spec in sorted(rule.levels.items(), reverse=True)
              if spec.top_share is not None}
    if not quotas:
        return None
    parts = [f"{QUOTA_LEVEL_ZH[level]}不超过参评基地的 {100 * share:.0f}%" for level, share in quotas.items()]
    return ("本评价方法按比例确定星级：" + "，".join(parts) + "（并列时按方法的并列规则处理）。"
            "因此这些星级的占比由方法决定，历年占比接近或持平不表示发展质量的变化，"
            "应结合综合得分、各维度得分和总体发展情况判断。")


def star_groups_published(distribution: pd.DataFrame, key: str, label: str, min_cell_size: int) -> pd.DataFrame:
    """`star_groups_table` with the 4★+ share withheld (「—」) for groups of fewer than `min_cell_size` rated bases."""
    from nidb.report.aggregates import withhold

    table = star_groups_table(distribution, key, label)
    return withhold(table, "参评（个）", ["四星及以上占比（%）"], min_cell_size)


NATIONAL = "全部参评基地"


def dimension_medians(results: pd.DataFrame, framework: Framework, group: str, min_cell_size: int) -> pd.DataFrame:
    """Median dimension scores of all rated bases and per `group` (a column of the 评价结果 table).

    `results` is ``nidb.evaluation.export.evaluation_tables(...)["评价结果"]`` (dimension columns
    named ``<id> <中文名>``). Columns: the group (first row 全部参评基地), 参评（个）, one column
    per dimension (Chinese name); groups with fewer than `min_cell_size` bases have their
    medians withheld (NaN).
    """
    columns = {f"{d.id} {d.zh}": d.zh for d in framework.dimensions if f"{d.id} {d.zh}" in results.columns}
    scores = results[[group, *columns]].rename(columns=columns)
    national = scores.drop(columns=group).median().to_frame().T
    national.insert(0, group, NATIONAL)
    national.insert(1, "参评（个）", len(scores))
    by_group = scores.groupby(group, sort=True)
    table = by_group.median()
    table.insert(0, "参评（个）", by_group.size())
    table.loc[table["参评（个）"] < min_cell_size, list(columns.values())] = float("nan")
    return pd.concat([national, table.reset_index()], ignore_index=True)


def _field_zh(name: str) -> str:
    return load_contract().table("annual").column(name).zh


def measure_text(measure: object, parameters: dict[str, object] | None = None) -> str:
    """A formula in words, with the annual form's Chinese field names.

    A denominator given by a framework parameter is named by the parameter's default
    (`parameters`: name → default) with the parameter's name.
    """
    from nidb.framework.model import Choose, Field, Ratio, Sum

    if isinstance(measure, Field):
        return _field_zh(measure.name)
    if isinstance(measure, Ratio):
        if isinstance(measure.denominator, str):
            den = _field_zh(measure.denominator)
        else:
            name = measure.denominator.name
            default = (parameters or {}).get(name)
            den = f"{_field_zh(str(default))}（参数 {name}）" if default else f"参数 {name} 选定的字段"
        return f"{_field_zh(measure.numerator)} ÷ {den}"
    if isinstance(measure, Sum):
        return " + ".join(_field_zh(t) for t in measure.terms)
    if isinstance(measure, Choose):
        return f"{_field_zh(measure.if_true)}（{_field_zh(measure.flag)}时）或{_field_zh(measure.if_false)}"
    return "—"


def indicator_definitions(framework: Framework) -> pd.DataFrame:
    """The indicators in words for the methodology page: 序号, 维度, 指标, 定义, 单位, 方向, 门槛, 数据来源."""
    dims = {d.id: d.zh for d in framework.dimensions}
    parameters = {p.name: p.default for p in framework.parameters}
    rows = []
    for i in framework.indicators:
        quantitative = i.type == "quantitative"
        threshold = getattr(i.condition, "text", "") or "—"
        rows.append({
            "序号": i.number, "维度": dims[i.dimension], "指标": i.zh,
            "定义": measure_text(i.formula, parameters) if quantitative and i.formula is not None
            else f"专家评议：{threshold}",
            "单位": i.unit or "—", "方向": DIRECTION_SHORT.get(i.direction, i.direction),
            "门槛（申报条件）": threshold if quantitative else "—",
            "数据来源": "年度报表" if quantitative else "专家评分",
        })
    return pd.DataFrame(rows)


_NORMALISE_ZH = {"minmax": "最小—最大值法", "zscore": "标准分数（z-score）法", "rank": "位次法", "distance": "距离前沿法"}
_AGGREGATE_ZH = {"arithmetic": "加权算术平均", "geometric": "加权几何平均"}
_EXPERTS_ZH = {"trimmed_mean": "去掉一个最高分和一个最低分后取平均", "mean": "取平均", "median": "取中位数"}


def method_in_words(path: str | Path, rule: object | None = None) -> list[str]:
    """The evaluation method of `path` (an evaluation method YAML) in a few plain Chinese paragraphs.

    `rule` is the method's `StarRule` (for the quota sentence); unknown choices are named by their key.
    """
    from nidb.yamlfile import read_yaml

    raw = read_yaml(path) or {}
    experts = raw.get("experts", {}) or {}
    normalise = raw.get("normalise", {}) or {}
    treat = raw.get("treat", {}) or {}
    aggregate = (raw.get("aggregate", {}) or {}).get("method", "arithmetic")
    weights = (raw.get("weights", {}) or {}).get("scheme", "framework")
    paragraphs = [
        f"**数据处理。** 定性指标由专家评分，每个基地每项指标的专家分数{_EXPERTS_ZH.get(experts.get('method'), experts.get('method', '取平均'))}"
        + (f"（专家不少于 {experts['trim_min_experts']} 人时）" if "trim_min_experts" in experts else "")
        + "。定量指标按年度报表字段计算；“行业前列”“同行业先进水平”一类指标按同行业基地中的相对位置计算。"
        + ("分布严重偏斜的指标先缩尾、再取对数，以免个别极端值主导结果。" if treat.get("method") not in (None, "none") else "")
        + "缺失的指标不按零分计算，按方法规定的缺失值规则处理。",
        f"**标准化与加总。** 各指标按{_NORMALISE_ZH.get(normalise.get('method'), normalise.get('method', '—'))}换算为 "
        f"{normalise.get('low', 0)}—{normalise.get('high', 100)} 分（越低越好的指标先反向），"
        f"再按{'指标体系文件规定的权重' if weights == 'framework' else f'权重方案 {weights}'}"
        f"{_AGGREGATE_ZH.get(aggregate, aggregate)}，依次得到六个维度得分和综合指数。",
    ]
    stars = []
    if rule is not None:
        for level, spec in sorted(rule.levels.items(), reverse=True):
            parts = []
            if spec.top_share is not None:
                parts.append(f"综合指数位于参评基地前 {100 * spec.top_share:.0f}%")
            if spec.min_score is not None:
                parts.append(f"综合指数不低于 {spec.min_score:g} 分")
            if spec.min_dimension is not None:
                parts.append(f"每个维度得分不低于 {spec.min_dimension:g} 分")
            stars.append(f"{QUOTA_LEVEL_ZH[level].replace('及以上', '')}：" + "且".join(parts))
        paragraphs.append("**星级。** 每个基地取其满足全部条件的最高星级，都不满足时为一星：" + "；".join(stars) + "。"
                          + (quota_sentence(rule) or ""))
    return paragraphs


SWEEP_MULTIPLIERS = (0.8, 0.9, 1.0, 1.1, 1.2)


def sweep_sample(curves: pd.DataFrame, multipliers: tuple[float, ...] = SWEEP_MULTIPLIERS) -> pd.DataFrame:
    """Every threshold curve sampled at the same multipliers (the current threshold ×1.0 among them).

    `curves` is ``nidb.selection.sweep.sweep(...).curves``. One row per condition: 条件, 现行门槛,
    then the single-condition pass rate (%) at each multiplier (the curve's nearest point),
    in columns named ``×0.8（%）`` etc.
    """
    rows = []
    for (cid, name), curve in curves.groupby(["condition_id", "condition"], sort=False):
        at = curve.set_index("multiplier")
        nearest = {m: at.iloc[int(np.abs(at.index.to_numpy() - m).argmin())] for m in multipliers}
        row = {"条件": name, "现行门槛": nearest[1.0]["threshold_text"] if 1.0 in nearest else ""}
        row |= {f"×{m:.1f}（%）": 100.0 * float(nearest[m]["pass_rate_alone"]) for m in multipliers}
        rows.append(row)
    return pd.DataFrame(rows)
