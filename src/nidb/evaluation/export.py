"""The `nidb evaluate` and `nidb lifecycle` jobs: run the panel, write csv or xlsx with Chinese headers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nidb.errors import NidbError
from nidb.evaluation.annual import Panel, run_panel
from nidb.evaluation.cascade import cascade_note, panel_cascade
from nidb.evaluation.lifecycle import (
    LifecycleRules,
    load_rules,
    star_distribution,
    transition_matrix,
)
from nidb.evaluation.method import EvaluationMethod, load_evaluation_method
from nidb.evaluation.special import top_lists
from nidb.framework import Framework, load_framework
from nidb.inputs.dataset import is_synthetic, resolve_data_dir
from nidb.output import SYNTHETIC_LABEL, build_moment, check_out, write_tables

REGISTRY_HEADERS = {
    "base_id": "基地编号", "name": "基地名称（当年）", "authority": "推荐单位", "region": "所在区域", "domain": "示范领域",
}  # fmt: skip
RESULT_HEADERS = {"index": "综合指数", "rank": "排序", "stars": "星级", "n_missing": "缺失指标数", "status": "当年状态"}
STATUS_HEADERS = {
    **REGISTRY_HEADERS, "year": "年份", "batch": "公告批次", "year_announced": "公告年份", "evaluated": "参加评价",
    "stars": "星级", "status": "状态", "revocation_reason": "撤销原因",
    "env_incident_level": "突发环境污染事件最高等级", "safety_accident_level": "生产安全事故最高等级",
    "unrectified_inspection": "专项督察问题未按期整改", "fraud_found": "查实弄虚作假",
}  # fmt: skip
EVENT_HEADERS = {"base_id": "基地编号", "year": "年份", "event": "事件", "article": "依据条款", "reason": "原因"}
SUSPENSION_HEADERS = {
    "province": "暂停申报的省（区、市）", "authority": "推荐单位", "year": "年份", "base_id": "触发基地编号", "suspended_batch": "暂停的申报批次",
    "article": "依据条款", "reason": "原因",
}  # fmt: skip
SPECIAL_HEADERS = {
    "special": "专项评价", "rank": "排序", "unit_id": "基地编号", "score": "专项指数", "top": "入选榜单", "year": "年份",
}  # fmt: skip
RELIABILITY_HEADERS = {
    "indicator_id": "指标编号", "indicator": "指标", "year": "年份", "n_units": "基地数", "n_ratings": "评分条数",
    "k0": "平均专家数", "icc1": "ICC(1)（单个专家）", "icc1k": "ICC(1,k)（专家组平均）",
    "n_units_crossed": "交叉设计基地数", "n_experts": "专家数", "icc2": "ICC(2,1)", "icc2k": "ICC(2,k)",
    "kendall_w": "肯德尔W",
}  # fmt: skip
DISTRIBUTION_HEADERS = {
    "year": "年份", "region": "所在区域", "domain": "示范领域", "authority": "推荐单位", "n_rated": "参评基地数",
    "stars_5": "五星", "stars_4": "四星", "stars_3": "三星", "stars_2": "二星", "stars_1": "一星", "share_4plus": "四星及以上占比",
}  # fmt: skip
TRANSITION_HEADERS = {
    "year_from": "起始年份", "stars_from": "起始星级", "to_5": "次年五星", "to_4": "次年四星", "to_3": "次年三星",
    "to_2": "次年二星", "to_1": "次年一星", "to_revoked": "次年撤销", "to_unrated": "次年未获评",
}  # fmt: skip
AGREEMENT_HEADERS = {
    "unit_id": "基地编号", "year": "年份", "n_indicators": "定性指标数", "n_experts": "专家数",
    "icc3k": "ICC(3,k)（专家组对基地长短板判断的一致性）", "kendall_w": "肯德尔W（各指标排序一致性）",
}  # fmt: skip
DECIMALS = 2  # scores as published: two decimals
UNRATED_HEADERS = {
    "base_id": "基地编号", "name": "基地名称（当年）", "authority": "推荐单位", "status": "状态",
    "n_computable": "可计算定量指标数", "reason": "原因",
}  # fmt: skip
MISSING_HEADERS = {"indicator_id": "指标编号", "indicator": "指标", "n_units": "参评基地数", "n_missing": "缺失数"}


def _yes_no(series: pd.Series) -> pd.Series:
    return series.astype("boolean").map({True: "是", False: "否"}).astype("string")


def _prepare(
    data: Path | None, method: Path | None, rules: Path | None
) -> tuple[object, Path, bool, Framework, EvaluationMethod, LifecycleRules]:
    from nidb.inputs.dataset import load_dataset

    framework = load_framework()
    m = load_evaluation_method(method, framework=framework)
    r = load_rules(rules)
    path = resolve_data_dir(data)
    synthetic = is_synthetic(path)
    return load_dataset(path), path, synthetic, framework, m, r


def _years(dataset: object, until: int | None) -> list[int]:
    annual = dataset.annual  # type: ignore[attr-defined]
    years = sorted(int(y) for y in annual["year"].dropna().unique())
    if until is None:
        return years
    if until not in years:
        raise NidbError(f"年度报表中没有 {until} 年的数据（现有年份：{', '.join(map(str, years))}）")
    return [y for y in years if y <= until]


def _info(
    path: Path, synthetic: bool, job: str, framework: Framework, m: EvaluationMethod, r: LifecycleRules, years: list[int]
) -> pd.DataFrame:
    moment, clock = build_moment()
    rows = [
        ("内容", job),
        ("数据", f"{SYNTHETIC_LABEL}：{path}" if synthetic else str(path)),
        ("评价年份", f"{years[0]}–{years[-1]}（逐年评价，撤销的基地此后不再参评）"),
        ("评价方法", f"{m.name}（{m.source}）"),
        ("指标体系", f"{framework.version}（{framework.path}）"),
        ("专家评分汇总", f"{m.experts.method}（专家不少于 {m.experts.trim_min_experts} 人时去掉最高、最低各 {m.experts.trim_count} 个）"),
        ("动态管理规则", f"{r.source}；公告后第 {r.first_evaluation_data_year_offset} 年的年度数据起参评"
                   f"（于其后 {r.campaign_lag} 年的评价工作中评价）"),
        (f"生成时间（UTC，{clock}）", moment.strftime("%Y-%m-%d %H:%M:%S")),
    ]
    if synthetic:
        rows.insert(0, ("注意", f"本结果基于{SYNTHETIC_LABEL}，不描述任何真实的示范基地"))
    return pd.DataFrame(rows, columns=["项目", "内容"]).astype({"内容": "string"})


def evaluation_tables(panel: Panel, framework: Framework, year: int) -> dict[str, pd.DataFrame]:
    """One year's evaluation as Chinese-headed tables."""
    if year not in panel.evaluations:
        raise NidbError(f"{year} 年没有参加评价的示范基地（新公告的基地须满参评年限）")
    ev = panel.evaluations[year]
    dims = {d.id: f"{d.id} {d.zh}" for d in framework.dimensions}
    status = panel.lifecycle.status
    now = status[status["year"] == year].set_index("base_id")
    res = ev.results.copy()
    reg = now.reindex(res["unit_id"].astype("string"))
    for col in ("name", "authority", "region", "domain"):
        res[col] = reg[col].to_numpy()
    res["status"] = reg["status"].to_numpy()
    res = res.rename(columns={"unit_id": "base_id"})
    cols = ["rank", "base_id", "name", "authority", "region", "domain", *dims, "index", "stars", "status", "n_missing"]
    res[[*dims, "index"]] = res[[*dims, "index"]].round(DECIMALS)
    results = res[cols].rename(columns={**REGISTRY_HEADERS, **RESULT_HEADERS, **dims})

    shares = res["stars"].value_counts().reindex(range(5, 0, -1), fill_value=0)
    distribution = pd.DataFrame(
        {
            "星级": [f"{s}星" for s in shares.index],
            "基地数": shares.to_numpy(),
            "占比": (shares.to_numpy() / max(len(res), 1)).round(4),
        }
    )
    labels = {i.id: i.zh for i in framework.indicators}
    special = ev.special.sort_values(["special_id", "rank", "unit_id"], na_position="last")
    special["top"] = _yes_no(special["top"])
    special["score"] = special["score"].round(DECIMALS)
    special = special[list(SPECIAL_HEADERS)].rename(columns=SPECIAL_HEADERS)
    rel = panel.reliability_in(year)
    stat_cols = ["k0", "icc1", "icc1k", "icc2", "icc2k", "kendall_w"]
    rel[stat_cols] = rel[stat_cols].round(3)
    rel["indicator"] = rel["indicator_id"].map(labels)
    rel = rel[list(RELIABILITY_HEADERS)].rename(columns=RELIABILITY_HEADERS)
    agreement = panel.agreement_in(year)
    if not agreement.empty:
        agreement[["icc3k", "kendall_w"]] = agreement[["icc3k", "kendall_w"]].round(3)
        agreement = agreement[list(AGREEMENT_HEADERS)].rename(columns=AGREEMENT_HEADERS)
    missing = ev.missing.assign(indicator=ev.missing["indicator_id"].map(labels))[list(MISSING_HEADERS)]
    events = panel.lifecycle.events
    events = events[events["year"] == year][list(EVENT_HEADERS)].rename(columns=EVENT_HEADERS)
    five = results[results["星级"] == 5][["排序", "基地编号", "基地名称（当年）", "推荐单位", "所在区域", "示范领域", "综合指数"]]
    unrated = ev.unrated.rename(columns={"unit_id": "base_id"})
    reg = now.reindex(unrated["base_id"].astype("string"))
    unrated = unrated.assign(name=reg["name"].to_numpy(), authority=reg["authority"].to_numpy())
    unrated = unrated[list(UNRATED_HEADERS)].rename(columns=UNRATED_HEADERS)
    return {
        "评价结果": results,
        "五星示范基地名单": five,
        "星级分布": distribution,
        "未评级基地": unrated,
        "专项评价": special,
        "动态管理事件": events,
        "专家评分一致性": rel,
        "专家意见一致性（逐基地）": agreement,
        "指标缺失": missing.rename(columns=MISSING_HEADERS),
    }


def lifecycle_tables(panel: Panel) -> dict[str, pd.DataFrame]:
    """The lifecycle over the panel as Chinese-headed tables."""
    lc = panel.lifecycle
    status = lc.status.copy()
    for col in ("evaluated", "unrectified_inspection", "fraud_found"):
        status[col] = _yes_no(status[col])
    status = status[list(STATUS_HEADERS)].rename(columns=STATUS_HEADERS)
    out = {
        "年度状态": status,
        "动态管理事件": lc.events[list(EVENT_HEADERS)].rename(columns=EVENT_HEADERS),
        "暂停申报": lc.suspensions[list(SUSPENSION_HEADERS)].rename(columns=SUSPENSION_HEADERS),
        "星级分布-年度": star_distribution(lc.status).round({"share_4plus": 4}).rename(columns=DISTRIBUTION_HEADERS),
    }
    for by, label in (("region", "区域"), ("domain", "领域"), ("authority", "推荐单位")):
        dist = star_distribution(lc.status, by=by).round({"share_4plus": 4})
        out[f"星级分布-{label}"] = dist.rename(columns=DISTRIBUTION_HEADERS)
    out["星级转移矩阵"] = transition_matrix(lc.status).rename(columns=TRANSITION_HEADERS)
    special = top_lists(panel.special)
    special["top"] = _yes_no(special["top"])
    special["score"] = special["score"].round(DECIMALS)
    out["专项评价榜单"] = special[list(SPECIAL_HEADERS)].rename(columns=SPECIAL_HEADERS)
    return out


def run_evaluate(
    year: int, data: Path | None, method: Path | None, rules: Path | None, out: Path
) -> tuple[list[Path], str]:
    """`nidb evaluate`: the evaluation of `year` (years before it run first, for the lifecycle).

    Returns the files written and a one-line summary of the star distribution.
    """
    check_out(out)
    dataset, path, synthetic, framework, m, r = _prepare(data, method, rules)
    years = _years(dataset, year)
    panel = run_panel(dataset, framework, m, r, years)
    info = _info(path, synthetic, f"{year} 年度发展质量评价结果", framework, m, r, years)
    note = cascade_note(panel_cascade(panel, year, r))
    info = pd.concat([info, pd.DataFrame({"项目": ["参评基地数"], "内容": [note]})], ignore_index=True)
    tables = {**evaluation_tables(panel, framework, year), "说明": info}
    label = SYNTHETIC_LABEL if synthetic else None
    return write_tables(tables, out, label=label), f"{star_summary(panel, year, synthetic)}\n{note}"


def star_summary(panel: Panel, year: int, synthetic: bool) -> str:
    """One line: how many bases were rated in `year` and how many got each star."""
    ev = panel.evaluations[year]
    stars = ev.results["stars"].dropna()
    counts = stars.value_counts().reindex(range(5, 0, -1), fill_value=0)
    parts = "，".join(f"{s}星 {n} 个（{n / len(stars):.1%}）" for s, n in counts.items())
    unrated = ev.unrated["status"].value_counts()
    why = "、".join(f"{k} {n} 个" for k, n in unrated.items())
    not_rated = f"；未评级 {len(ev.unrated)} 个（{why}）" if len(ev.unrated) else ""
    label = f"（{SYNTHETIC_LABEL}）" if synthetic else ""
    return f"{year} 年参评示范基地 {len(stars)} 个：{parts}{not_rated}{label}"


def run_lifecycle(
    until: int | None, data: Path | None, method: Path | None, rules: Path | None, out: Path
) -> list[Path]:
    """`nidb lifecycle`: status per base-year, events, suspensions, star distributions and transitions."""
    check_out(out)
    dataset, path, synthetic, framework, m, r = _prepare(data, method, rules)
    years = _years(dataset, until)
    panel = run_panel(dataset, framework, m, r, years)
    info = _info(path, synthetic, "示范基地动态管理（逐年状态、事件、星级分布与转移）", framework, m, r, years)
    return write_tables({**lifecycle_tables(panel), "说明": info}, out, label=SYNTHETIC_LABEL if synthetic else None)
