"""Run the engine on a data table plus metadata table and write the results (``nidb score``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from nidb.engine.framework_table import read_table_framework
from nidb.engine.method import Method, load_method, packaged_method
from nidb.engine.run import EngineResult, run
from nidb.engine.weight_table import read_weight_table
from nidb.errors import ConfigError
from nidb.output import check_out, write_tables

_SCORE_HEADERS = {"unit": "单位代码", "code": "节点代码", "name": "节点名称", "level": "层级", "score": "得分", "rank": "排名"}
_IMPUTE_HEADERS = {"code": "指标代码", "missing_before": "插补前缺失数", "imputed": "插补数", "missing_after": "插补后缺失数"}
_TREAT_HEADERS = {
    "code": "指标代码", "skew": "偏度", "kurtosis": "峰度", "failed": "需处理", "treatment": "处理方式",
    "winsorised_points": "缩尾点数", "winsorised_side": "缩尾方向", "skew_after": "处理后偏度",
    "kurtosis_after": "处理后峰度", "passes_after": "处理后达标",
}


def resolve_method(method: str | Path | None) -> Method:
    """A method from a YAML path, a packaged recipe name, or the engine defaults (None)."""
    if method is None:
        return Method()
    path = Path(method)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return load_method(path)
    packaged = sorted(p.stem for p in (Path(__file__).resolve().parent.parent / "methods").glob("*.yaml"))
    if str(method) not in packaged:
        raise ConfigError(f"找不到方法「{method}」：既不是 YAML 文件，也不是内置方法（内置：{', '.join(packaged)}）")
    return packaged_method(str(method))


def result_tables(result: EngineResult, hierarchy) -> dict[str, pd.DataFrame]:
    """The sheets of a score workbook with Chinese headers: 得分, 权重, 插补, 异常值处理."""
    scores = result.long(hierarchy)
    scores.insert(2, "name", scores["code"].map(hierarchy.nodes["name"]))
    weights = pd.DataFrame(
        {
            "节点代码": result.weights.index,
            "上级": hierarchy.nodes.loc[result.weights.index, "parent"].to_numpy(),
            "权重": result.weights.to_numpy(),
            "占总指数份额": result.shares.to_numpy(),
        }
    )
    return {
        "得分": scores.rename(columns=_SCORE_HEADERS),
        "权重": weights,
        "插补": result.imputation.rename(columns=_IMPUTE_HEADERS),
        "异常值处理": result.treatment.rename(columns=_TREAT_HEADERS),
    }


def score_tables(
    data_path: Path, meta_path: Path, method: str | Path | None, out: Path, *, weights: Path | None = None
) -> list[Path]:
    """Score the units of ``data_path`` over the framework in ``meta_path``; write csv or xlsx.

    ``weights`` is a weights table (csv/xlsx: code, level, weight) whose nodes take the
    listed weights on top of the method's rule. A ``.csv`` output gets the score table,
    with the weights, imputation and treatment tables written beside it
    (``<stem>-权重.csv`` …); an ``.xlsx`` output gets one sheet each.
    """
    check_out(out)
    recipe = resolve_method(method)
    if weights is not None:
        recipe = replace(recipe, weights=recipe.weights.with_table(read_weight_table(weights)))
    framework = read_table_framework(data_path, meta_path)
    result = run(framework.data, framework.hierarchy, recipe)
    tables = result_tables(result, framework.hierarchy)
    return write_tables(tables, out)
