"""The `nidb select` and `nidb sweep` jobs: read data, run, write csv or xlsx with Chinese headers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nidb.inputs.dataset import is_synthetic, resolve_data_dir
from nidb.output import SYNTHETIC_LABEL, check_out, write_tables
from nidb.selection.method import SelectionMethod, load_selection_method
from nidb.selection.sweep import SweepResult, sweep
from nidb.selection.verdicts import SelectionResult, select

SUMMARY_HEADERS = {
    "rank": "排序", "applicant_id": "申报对象编号", "name": "申报对象名称", "authority": "推荐单位", "domain": "示范领域",
    "feature_area": "特色指标领域", "overall": "总体结论", "suspension": "暂停申报原因", "special_area": "特殊类型地区", "pilot_task": "承担重要试点示范任务",
    "listing": "依法设立（第六条）", "veto": "一票否决检查（第八条）", "quantitative_passed": "定量条件通过数",
    "quantitative_failed": "定量条件未通过数", "quantitative_missing": "定量条件数据缺失数",
    "qualitative_passed": "定性条件通过数", "qualitative_pending": "定性条件待评审数", "features_failed": "特色指标未通过数",
    "failed_conditions": "未通过的条件", "local_gdp": "当地GDP增速口径",
}
VERDICT_HEADERS = {
    "applicant_id": "申报对象编号", "condition_id": "条件编号", "condition": "条件", "group": "类别", "dimension": "一级指标/领域",
    "status": "判定", "value": "数值", "threshold": "门槛", "reason": "理由",
}
CURVE_HEADERS = {
    "condition_id": "条件编号", "condition": "条件", "multiplier": "门槛倍数", "threshold": "门槛值", "threshold_text": "门槛",
    "pass_rate_alone": "单独通过率", "alone_lo": "单独通过率下限", "alone_hi": "单独通过率上限",
    "pass_rate_joint": "联合通过率", "joint_lo": "联合通过率下限", "joint_hi": "联合通过率上限",
}
BINDING_HEADERS = {
    "binding_rank": "约束排序", "condition_id": "条件编号", "condition": "条件", "dimension": "一级指标",
    "pass_count": "通过数", "pass_rate": "通过率", "missing_count": "数据缺失数",
    "only_failed": "仅此条件未通过的申报对象数", "only_failed_share": "仅此条件未通过占比",
}
RELAX_HEADERS = {
    "condition_id": "条件编号", "condition": "条件", "special_area_applicants": "特殊类型地区申报对象数",
    "pass_relaxed": "放宽门槛时通过数", "pass_general": "统一门槛时通过数", "gained": "因放宽而通过数",
}
GRID_HEADERS = {
    "condition_a": "条件甲", "multiplier_a": "条件甲门槛倍数", "threshold_a": "条件甲门槛值",
    "condition_b": "条件乙", "multiplier_b": "条件乙门槛倍数", "threshold_b": "条件乙门槛值",
    "pass_rate_joint": "联合通过率",
}


def _info(result: SelectionResult, data: Path, synthetic: bool, job: str) -> pd.DataFrame:
    m = result.method
    rows = [
        ("内容", job),
        ("数据", f"{SYNTHETIC_LABEL}：{data}" if synthetic else str(data)),
        ("申报年份", result.year),
        ("年度报表年份", result.data_year),
        ("申报对象数", len(result.units)),
        ("总体结论统计", "；".join(f"{k} {v}" for k, v in result.summary["overall"].value_counts().items())),
        ("遴选方法", f"{m.name}（{m.source}）"),
        ("指标体系", f"{m.framework.version}（{m.framework.path}）"),
        ("定量条件规则", m.quantitative_rule.mode + ("" if m.quantitative_rule.mode == "all" else f"，k={m.quantitative_rule.k}")),
        ("定性条件规则", f"{m.qualitative_rule.mode}，专家评分≥{m.qualitative_rule.pass_mark:g} 分（{m.qualitative_rule.aggregation}）"),
        ("特殊类型地区放宽", "是" if m.special_area_relaxation else "否"),
        ("开放词表（第七条）", "；".join(f"{name}：{'、'.join(m.open_lists.get(name).values)}"
                                  for name in ("special_areas", "pilot_tasks"))),
        ("当地 GDP 增速（#2）", "所在地市有数据时按地市，否则按推荐单位（省级）" if m.local_gdp_level == "city"
         else "按推荐单位（省级）"),
        ("参数覆盖", "；".join(f"{k}={v}" for k, v in m.params.items()) or "无（用指标体系默认值）"),
    ]
    if synthetic:
        rows.insert(0, ("注意", f"本结果基于{SYNTHETIC_LABEL}，不描述任何真实的示范基地或申报对象"))
    return pd.DataFrame(rows, columns=["项目", "内容"]).astype({"内容": "string"})


def selection_tables(result: SelectionResult) -> dict[str, pd.DataFrame]:
    """The selection result as Chinese-headed tables: summary, verdicts, per-condition counts."""
    summary = result.summary.sort_values(["rank", "applicant_id"], na_position="last")
    summary = summary[list(SUMMARY_HEADERS)].rename(columns=SUMMARY_HEADERS)
    summary["特殊类型地区"] = summary["特殊类型地区"].map({True: "是", False: "否"})
    summary["承担重要试点示范任务"] = summary["承担重要试点示范任务"].map({True: "是", False: "否"})
    verdicts = result.verdicts[list(VERDICT_HEADERS)].rename(columns=VERDICT_HEADERS)
    counts = (result.verdicts.groupby(["condition_id", "condition", "group", "status"], sort=False).size()
              .unstack("status", fill_value=0).reset_index())
    for label in ("通过", "未通过", "数据缺失", "待专家评审"):
        if label not in counts:
            counts[label] = 0
    counts = counts[["condition_id", "condition", "group", "通过", "未通过", "数据缺失", "待专家评审"]]
    counts = counts.rename(columns={"condition_id": "条件编号", "condition": "条件", "group": "类别"})
    return {"遴选结果": summary, "条件判定": verdicts, "条件汇总": counts}


def sweep_tables(sw: SweepResult) -> dict[str, pd.DataFrame]:
    """The sweep result as Chinese-headed tables."""
    curves = sw.curves[[c for c in CURVE_HEADERS if c in sw.curves]].rename(columns=CURVE_HEADERS)
    return {
        "通过率曲线": curves,
        "约束条件": sw.binding[list(BINDING_HEADERS)].rename(columns=BINDING_HEADERS),
        "特殊地区放宽": sw.relaxation[list(RELAX_HEADERS)].rename(columns=RELAX_HEADERS),
        "双因素网格": sw.grid[list(GRID_HEADERS)].rename(columns=GRID_HEADERS),
    }


def _prepare(year: int, data: Path | None, method: Path | None) -> tuple[object, Path, bool, SelectionMethod]:
    from nidb.inputs.dataset import load_dataset

    m = load_selection_method(method)
    path = resolve_data_dir(data)
    synthetic = is_synthetic(path)
    return load_dataset(path, open_lists=m.open_lists), path, synthetic, m


def run_select(year: int, data: Path | None, method: Path | None, out: Path) -> list[Path]:
    """`nidb select`: verdicts for the applicants of `year`, written to `out` (.csv or .xlsx)."""
    check_out(out)
    dataset, path, synthetic, m = _prepare(year, data, method)
    result = select(dataset, year, m)
    tables = {**selection_tables(result), "说明": _info(result, path, synthetic, "遴选认定结果")}
    return write_tables(tables, out, label=SYNTHETIC_LABEL if synthetic else None)


def run_sweep(year: int, data: Path | None, method: Path | None, out: Path) -> list[Path]:
    """`nidb sweep`: threshold sensitivity for the applicants of `year`, written to `out`."""
    check_out(out)
    dataset, path, synthetic, m = _prepare(year, data, method)
    result = select(dataset, year, m)
    sw = sweep(result)
    info = _info(result, path, synthetic, "门槛敏感性分析")
    extra = pd.DataFrame([
        ("门槛倍数范围", f"{1 - sw.spec.span:g}–{1 + sw.spec.span:g}，{sw.spec.points} 个点"),
        ("自助法", f"{sw.spec.bootstrap} 次，{sw.spec.confidence:.0%} 区间，随机种子 {sw.spec.seed}"),
        ("说明", "通过率以当年全部申报对象为分母；数据缺失视为未通过。联合通过率：其余定量条件均按原门槛通过。"),
    ], columns=["项目", "内容"])
    tables = {**sweep_tables(sw), "说明": pd.concat([info, extra], ignore_index=True)}
    return write_tables(tables, out, label=SYNTHETIC_LABEL if synthetic else None)
