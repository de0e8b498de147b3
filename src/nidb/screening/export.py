"""The `nidb screen` job: read data, screen, write the flags, the review priority, the per-authority
summary and the rules' status as Chinese-headed tables (csv or xlsx)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nidb.errors import NidbError
from nidb.inputs.dataset import is_synthetic, load_dataset, resolve_data_dir
from nidb.output import SYNTHETIC_LABEL, check_out, write_tables
from nidb.screening.method import load_screening_method
from nidb.screening.run import NOTICE, ScreeningResult, screen

FLAG_HEADERS = {
    "unit_id": "基地或申报对象编号", "name": "名称", "kind": "类型", "authority": "推荐单位", "year": "年份",
    "rule": "规则编号", "rule_zh": "规则", "group": "类别", "field": "字段或指标", "value": "数值", "expected": "预期范围",
    "score": "评分", "reason": "理由",
}
PRIORITY_HEADERS = {
    "rank": "复核顺序", "unit_id": "基地或申报对象编号", "name": "名称", "kind": "类型", "authority": "推荐单位",
    "year": "年份", "flags": "标记数", "rules": "触发规则", "priority": "复核优先级",
}
RULE_HEADERS = {"rule": "规则编号", "rule_zh": "规则", "group": "类别", "check": "检查方法", "ran": "是否运行",
                "flags": "标记数", "unit_years": "涉及报表数", "note": "说明"}
KINDS = {"base": "示范基地", "applicant": "申报对象"}


def screening_tables(result: ScreeningResult, *, info: list[tuple[str, object]] = ()) -> dict[str, pd.DataFrame]:
    """The screening result as Chinese-headed tables: 说明, 复核优先级, 标记明细, 推荐单位汇总, 规则执行情况."""
    flags = result.flags.assign(kind=result.flags["kind"].map(KINDS), score=result.flags["score"].round(2))
    whole = flags["unit_id"].isna()
    flags["name"] = flags["name"].where(~whole, "（推荐单位整体）")
    flags["unit_id"] = flags["unit_id"].where(~whole, "—")
    priority = result.priority.assign(kind=result.priority["kind"].map(KINDS),
                                      priority=result.priority["priority"].round(2))
    authorities = result.authorities.rename(columns={
        "authority": "推荐单位", "screened": "筛查报表数", "flagged": "被标记报表数", "share": "被标记比例"})
    authorities["被标记比例"] = authorities["被标记比例"].round(4)
    rules = result.rules.assign(ran=result.rules["ran"].map({True: "是", False: "否"}))
    about = pd.DataFrame([("说明", NOTICE), *info,
                          ("筛查方法", f"{result.method.name}（{result.method.source}）"),
                          ("筛查年份", "、".join(map(str, result.years))),
                          ("筛查报表数", result.screened),
                          ("被标记报表数", len(result.priority)),
                          ("未运行的规则", "；".join(f"{r.rule_zh}：{r.note}" for r in result.rules.itertuples()
                                               if not r.ran) or "无")],
                         columns=["项目", "内容"]).astype({"内容": "string"})
    return {
        "说明": about,
        "复核优先级": priority[list(PRIORITY_HEADERS)].rename(columns=PRIORITY_HEADERS),
        "标记明细": flags[list(FLAG_HEADERS)].rename(columns=FLAG_HEADERS),
        "推荐单位汇总": authorities,
        "规则执行情况": rules[list(RULE_HEADERS)].rename(columns=RULE_HEADERS),
    }


def run_screen(year: int | None, data: Path | None, method: Path | None, out: Path) -> list[Path]:
    """Load, screen the forms of `year` (every year when None) and write the tables; the written paths."""
    out = check_out(out)
    m = load_screening_method(method)
    path = resolve_data_dir(data)
    synthetic = is_synthetic(path)
    dataset = load_dataset(path)
    years = None if year is None else [year]
    if year is not None and not dataset.annual["year"].eq(year).any():
        raise NidbError(f"数据中没有 {year} 年的年度报表：{path}")
    result = screen(dataset, m, years=years)
    info = [("数据", f"{SYNTHETIC_LABEL}：{path}" if synthetic else str(path))]
    if synthetic:
        info.insert(0, ("注意", f"本结果基于{SYNTHETIC_LABEL}，不描述任何真实的示范基地或申报对象"))
    return write_tables(screening_tables(result, info=info), out, label=SYNTHETIC_LABEL if synthetic else None)
