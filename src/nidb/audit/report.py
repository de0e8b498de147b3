"""One audit run: coherence, Monte Carlo uncertainty and Sobol sensitivity as named tables.

:func:`run_audit` returns English-headed tables (the parquet / csv files);
:func:`chinese_tables` gives the same tables with Chinese sheet names and headers
(the xlsx workbook); :func:`write_audit` writes both plus a manifest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from nidb.audit.batch import gate_minimum
from nidb.audit.choices import METHODS_DIR, AuditSpec, load_audit_spec
from nidb.audit.coherence import (
    StarFunction,
    correlations,
    effective_weights,
    group_statistics,
    leave_one_out,
)
from nidb.audit.sensitivity import audit_sobol
from nidb.audit.subject import Subject, bases_subject
from nidb.audit.uncertainty import (
    Problem,
    design_table,
    monte_carlo,
    overall_summary,
    prepare,
    replication_outputs,
    star_share_summary,
    star_transitions,
    unit_summary,
)
from nidb.demo import SYNTHETIC_LABEL
from nidb.output import reproducible_xlsx, write_csv, write_workbook
from nidb.errors import NidbError
from nidb.evaluation.stars import assign_stars_batch
from nidb.inputs.dataset import is_synthetic, load_dataset, resolve_data_dir
from nidb.report.manifest import file_sha256, git_state, input_hashes, package_versions

if TYPE_CHECKING:
    from dask.distributed import Client

# table name -> (Chinese sheet name, {column: Chinese header})
TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "units": (
        "名次与星级稳健性",
        {
            "unit_id": "编号", "name": "名称", "nominal_score": "基准综合指数", "nominal_rank": "基准名次",
            "mean_rank": "名次均值", "median_rank": "名次中位数", "rank_p05": "名次5%分位", "rank_p95": "名次95%分位",
            "mean_abs_rank_shift": "平均绝对名次变动", "nominal_stars": "基准星级", "p_star_1": "一星概率",
            "p_star_2": "二星概率", "p_star_3": "三星概率", "p_star_4": "四星概率", "p_star_5": "五星概率",
            "p_unrated": "未评级概率", "modal_stars": "最可能星级", "p_star_changed": "星级变化概率",
        },
    ),
    "star_shares": (
        "星级占比分布",
        {"stars": "星级", "nominal_share": "基准占比", "mean": "均值", "p05": "5%分位", "median": "中位数", "p95": "95%分位"},
    ),
    "star_transitions": (
        "星级去向",
        {
            "nominal_stars": "基准星级", "n_units": "基地数", "p_star_1": "一星占比", "p_star_2": "二星占比",
            "p_star_3": "三星占比", "p_star_4": "四星占比", "p_star_5": "五星占比", "p_unrated": "未评级占比",
        },
    ),
    "overall": ("总体结果", {"key": "指标键", "label": "指标", "value": "数值"}),
    "sobol": (
        "Sobol敏感性指数",
        {
            "output": "输出量", "choice": "不确定选择", "choice_zh": "选择（中文）", "S1": "一阶指数",
            "S1_low": "一阶指数下限", "S1_high": "一阶指数上限", "ST": "总效应指数", "ST_low": "总效应指数下限",
            "ST_high": "总效应指数上限",
        },
    ),
    "replications": ("各次模拟", {"replication": "模拟序号", "mean_abs_rank_shift": "平均绝对名次变动", "share_star_changed": "星级变化对象占比"}),
    "correlations": (
        "相关性",
        {
            "code_a": "节点A", "code_b": "节点B", "level_a": "A层级", "level_b": "B层级", "relation": "关系",
            "pearson": "Pearson相关系数", "spearman": "Spearman相关系数", "n": "样本数", "flag_negative": "组内负相关",
            "flag_collinear": "组内高度共线", "flag_weak_parent": "与上级弱相关",
        },
    ),
    "groups": (
        "信度与主成分",
        {
            "group": "汇总节点", "level": "层级", "n_children": "下级个数", "n_complete": "完整样本数",
            "cronbach_alpha": "Cronbach α", "pc1_eigenvalue": "第一主成分特征值", "pc1_explained": "第一主成分方差占比",
            "n_eigen_above_1": "特征值大于1的个数",
        },
    ),
    "loadings": ("主成分载荷", {"group": "汇总节点", "code": "下级节点", "component": "主成分", "loading": "载荷"}),
    "effective_weights": (
        "有效权重",
        {
            "code": "节点", "level": "层级", "parent": "上级", "eta2": "相关比η²", "eta2_share": "η²占比（有效权重）",
            "nominal_share": "名义权重占比", "ratio": "有效/名义",
        },
    ),
    "leave_one_out": (
        "逐一剔除",
        {
            "code": "剔除节点", "level": "层级", "mean_abs_rank_change": "平均绝对名次变化", "max_abs_rank_change": "最大名次变化",
            "n_star_changes": "星级变化个数", "share_star_changes": "星级变化占比",
        },
    ),
}
RELATIONS_ZH = {"within": "同组", "parent": "与上级", "index": "与总指数", "across": "跨组"}
OUTPUTS_ZH = {"mean_abs_rank_shift": "平均绝对名次变动", "share_star_changed": "星级变化对象占比"}


@dataclass(frozen=True)
class AuditResult:
    """The tables of one audit (English column names) and what produced them."""

    tables: dict[str, pd.DataFrame]
    settings: dict
    synthetic: bool


def _stars_rule(problem: Problem) -> StarFunction | None:
    """Star function for leave-one-out: index (R, n) and aggregate scores (R, n, k) -> stars."""
    if problem.stars is None:
        return None

    def assign(index: np.ndarray, scores: np.ndarray) -> np.ndarray:
        return assign_stars_batch(index, problem.stars, gate_minimum(scores, problem.gate_nodes, index))

    return assign


def coherence_tables(subject: Subject, problem: Problem) -> dict[str, pd.DataFrame]:
    """Statistical coherence of the base method's normalised indicators and scores."""
    h = subject.hierarchy
    table = problem.nominal_scores  # normalised indicators and every aggregate, as the engine scored them
    groups, loadings = group_statistics(table, h)
    return {
        "correlations": correlations(table, h),
        "groups": groups,
        "loadings": loadings,
        "effective_weights": effective_weights(table, h, weights=problem.weights),
        "leave_one_out": leave_one_out(
            table[h.indicators], h, problem.base_method.aggregate, _stars_rule(problem), problem.weights
        ),
    }


def run_audit(
    subject: Subject,
    spec: AuditSpec,
    runs: int | None = None,
    *,
    sobol: bool = True,
    client: Client | None = None,
    workers: int = 1,
) -> AuditResult:
    """Coherence, Monte Carlo (``runs`` replications, default the audit file's) and Sobol indices."""
    runs = spec.runs if runs is None else runs
    problem = prepare(subject, spec)
    mc = monte_carlo(problem, runs, spec.seed, spec.chunk_size, client, workers)
    per_rep = pd.concat([design_table(problem, mc.design), replication_outputs(problem, mc.ranks, mc.stars)], axis=1)
    per_rep.insert(0, "replication", np.arange(1, runs + 1))
    tables = {
        "units": unit_summary(mc, subject.names),
        "star_shares": star_share_summary(mc),
        "star_transitions": star_transitions(mc),
        "overall": overall_summary(mc),
        "replications": per_rep,
    }
    if sobol:
        tables["sobol"] = audit_sobol(
            problem, spec.sobol_base_samples, spec.seed, spec.sobol_resamples, spec.sobol_confidence,
            spec.chunk_size, client, workers,
        )
    tables.update(coherence_tables(subject, problem))
    settings = {
        "subject": subject.label,
        "year": subject.year,
        "audit_file": spec.source,
        "base_method": subject.method_source,
        "seed": spec.seed,
        "runs": runs,
        "chunk_size": spec.chunk_size,
        "sobol_base_samples": spec.sobol_base_samples if sobol else None,
        "sobol_runs": spec.sobol_base_samples * (len(spec.choices) + 2) if sobol else None,
        "sobol_bootstrap": spec.sobol_resamples if sobol else None,
        "sobol_confidence": spec.sobol_confidence if sobol else None,
        "choices": [c.name for c in spec.choices],
        "replication_headers": replication_headers(spec),
        "units": len(problem.units),
        "pipeline_variants": int(problem.variants.shape[0]),
    }
    return AuditResult(tables=tables, settings=settings, synthetic=subject.synthetic)


STAR_ZH = {"top_share": "比例", "min_score": "分数线", "min_dimension": "维度门槛"}


def replication_headers(spec: AuditSpec) -> dict[str, str]:
    """Chinese headers of the per-replication choice columns of :func:`design_table`."""
    out = {}
    for c in spec.choices:
        if c.kind == "weights":
            out[f"{c.name}.max_abs_change"] = f"{c.zh}：最大相对变动"
        elif c.kind == "discrete":
            out[c.name] = c.zh
        else:
            for path in c.parameters:
                parts = path.split(".")
                detail = f"{parts[2]}星{STAR_ZH[parts[3]]}" if c.target == "stars" else path
                out[path] = f"{c.zh}：{detail}"
    return out


def chinese_tables(result: AuditResult) -> dict[str, pd.DataFrame]:
    """The tables with Chinese sheet names and headers, a 说明 sheet first (which names synthetic data)."""
    out: dict[str, pd.DataFrame] = {}
    info = [("内容", f"设计审计：{result.settings['subject']}")]
    if result.synthetic:
        info.insert(0, ("注意", f"本结果基于{SYNTHETIC_LABEL}，不描述任何真实的示范基地"))
    labels = {
        "data": "数据",
        "audit_file": "审计方法文件", "base_method": "基准评价方法", "seed": "随机种子", "runs": "蒙特卡洛重复次数",
        "chunk_size": "分块大小", "sobol_base_samples": "Sobol 基础样本数 N", "sobol_runs": "Sobol 模型运行次数",
        "sobol_bootstrap": "Bootstrap 次数", "sobol_confidence": "置信水平", "choices": "不确定选择",
        "units": "评价对象数", "pipeline_variants": "预计算的数据处理组合数",
    }
    for key, label in labels.items():
        value = result.settings.get(key)
        if value is None:
            continue
        info.append((label, "、".join(value) if isinstance(value, list) else value))
    out["说明"] = pd.DataFrame(info, columns=["项目", "内容"]).astype({"内容": "string"})
    for name, frame in result.tables.items():
        sheet, headers = TABLES.get(name, (name, {}))
        if name == "replications":
            headers = {**headers, **result.settings.get("replication_headers", {})}
        frame = frame.copy()
        if name == "correlations":
            frame["relation"] = frame["relation"].map(RELATIONS_ZH)
        if name == "sobol":
            frame["output"] = frame["output"].map(OUTPUTS_ZH)
        out[sheet] = frame.rename(columns={**headers, **{c: c for c in frame.columns if c not in headers}})
    return out


def write_audit(result: AuditResult, out_dir: str | Path, manifest: dict | None = None) -> list[Path]:
    """Write every table as ``<name>.parquet`` and ``<name>.csv`` (UTF-8 with BOM), the
    workbook ``audit.xlsx`` (Chinese sheets and headers) and ``manifest.json``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in result.tables.items():
        frame = frame.assign(data_source=SYNTHETIC_LABEL) if result.synthetic else frame
        frame.to_parquet(out / f"{name}.parquet", index=False)
        write_csv(frame, out / f"{name}.csv")
        written += [out / f"{name}.parquet", out / f"{name}.csv"]
    xlsx = out / "audit.xlsx"
    write_workbook(chinese_tables(result), xlsx, label=SYNTHETIC_LABEL if result.synthetic else None)
    written.append(reproducible_xlsx(xlsx))
    path = out / "manifest.json"
    body = {"settings": result.settings, "synthetic_data": result.synthetic, **(manifest or {})}
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    written.append(path)
    return written


def base_method_path(spec: AuditSpec) -> Path | None:
    """The audit file's ``base_method``: a packaged method name, or a path relative to the audit file."""
    if spec.base_method is None:
        return None
    name = Path(spec.base_method)
    if not name.suffix:
        return METHODS_DIR / f"{spec.base_method}.yaml"
    return name if name.is_absolute() else Path(spec.source).parent / name


def audit_bases(
    year: int,
    data: Path | None,
    audit_file: Path | None,
    runs: int | None,
    out: Path,
    workers: int = 1,
    scheduler: str | None = None,
    sobol: bool = True,
) -> list[Path]:
    """``nidb audit``: the design audit of the bases' evaluation of ``year``, written to ``out``."""
    spec = load_audit_spec(audit_file)
    if runs is not None and runs < 1:
        raise NidbError(f"--runs 须为正整数，实际为 {runs}")
    if workers < 1:
        raise NidbError(f"--workers 须为正整数，实际为 {workers}")
    path = resolve_data_dir(data)
    synthetic = is_synthetic(path)
    subject = bases_subject(load_dataset(path), year, base_method_path(spec), synthetic=synthetic)
    client = None
    if scheduler:
        from dask.distributed import Client

        client = Client(scheduler)
    try:
        result = run_audit(subject, spec, runs, sobol=sobol, client=client, workers=workers)
    finally:
        if client is not None:
            client.close()
    result.settings["data"] = f"{SYNTHETIC_LABEL}：{path}" if synthetic else str(path)
    manifest = {
        "data_dir": str(path),
        "inputs": input_hashes(path),
        "audit_file_sha256": file_sha256(Path(spec.source)),
        "base_method_sha256": file_sha256(Path(subject.method_source)),
        "packages": package_versions(),
        "git": git_state(Path(__file__).resolve().parents[3]),
    }
    return write_audit(result, out, manifest)
