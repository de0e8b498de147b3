"""What an audit examines: a framework, a base method and how a method becomes engine input.

Two subjects are built in: any COINr-style table framework (data + metadata CSV, e.g.
the ASEM example) under an engine method, and the bases' annual evaluation of one year
under an evaluation method (``nidb.evaluation.annual``). A method choice may change the data
step too (the expert-score rule, the peer groups of peer-relative indicators), so a
subject maps a whole method mapping to the engine's input table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import pandas as pd

from nidb.audit.choices import METHODS_DIR
from nidb.engine.framework_table import Hierarchy, read_table_framework
from nidb.engine.weight_table import anchor_tables
from nidb.errors import ConfigError
from nidb.evaluation.annual import (
    engine_input,
    evaluation_hierarchy,
    evaluation_indicators,
    expert_table,
    run_panel,
)
from nidb.evaluation.lifecycle import load_rules
from nidb.evaluation.method import (
    DEFAULT_METHOD_PATH,
    EVALUATION_KEYS,
    evaluation_method_from_mapping,
)
from nidb.evaluation.stars import StarRule
from nidb.framework import load_framework
from nidb.yamlfile import read_yaml

# evaluation keys that change the engine's data table (with impute.group): all but the
# star rule and the special evaluations, which act after scoring
DATA_KEYS = tuple(k for k in EVALUATION_KEYS if k not in ("kind", "stars", "special"))


@dataclass(frozen=True)
class Subject:
    """A framework, a base method (as a mapping) and the method → engine input step.

    ``data_for(raw)`` is the engine's data table (one row per unit) under method mapping
    ``raw``; ``data_key(raw)`` the part of ``raw`` that ``data_for`` depends on (equal keys
    share one data table); ``engine_part(raw)`` the engine recipe inside ``raw``.
    """

    label: str
    hierarchy: Hierarchy
    method_raw: Mapping
    stars: StarRule | None
    data_for: Callable[[Mapping], pd.DataFrame]
    data_key: Callable[[Mapping], str]
    engine_part: Callable[[Mapping], Mapping]
    names: pd.Series | None = None
    synthetic: bool = False
    year: int | None = None
    method_source: str = ""


def load_method_raw(name_or_path: str | Path) -> dict:
    """A method file as a mapping: a packaged method name (``nidb/methods/<name>.yaml``) or a path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = METHODS_DIR / f"{name_or_path}.yaml"
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}：方法文件应为映射")
    return dict(anchor_tables(raw, path.parent))


def _constant(data: pd.DataFrame, _raw: Mapping) -> pd.DataFrame:
    return data


def _no_key(_raw: Mapping) -> str:
    return ""


def _identity(raw: Mapping) -> Mapping:
    return raw


def table_subject(data_csv: str | Path, meta_csv: str | Path, method: str | Path, stars: StarRule | None = None) -> Subject:
    """A COINr-style table framework (data + metadata CSV) under an engine method."""
    tf = read_table_framework(data_csv, meta_csv)
    h = tf.hierarchy
    names = None
    if h.unit_name and h.unit_name in tf.data.columns:
        names = pd.Series(tf.data[h.unit_name].to_numpy(), index=tf.data[h.unit_id].astype(str))
    return Subject(
        label=Path(meta_csv).parent.name,
        hierarchy=h,
        method_raw=load_method_raw(method),
        stars=stars,
        data_for=partial(_constant, tf.data),
        data_key=_no_key,
        engine_part=_identity,
        names=names,
        method_source=str(method),
    )


def asem_subject(directory: str | Path, method: str | Path = "asem-coinr-example") -> Subject:
    """The ASEM example of COINr (51 countries, 49 indicators; ``ASEM_iData.csv`` and
    ``ASEM_iMeta.csv`` in ``directory``) under an engine method."""
    directory = Path(directory)
    subject = table_subject(directory / "ASEM_iData.csv", directory / "ASEM_iMeta.csv", method)
    return replace(subject, label="ASEM 可持续互联互通指数（COINr 示例数据）")


def _evaluation_key(raw: Mapping) -> str:
    impute = raw.get("impute") or {}
    group = impute.get("group") if isinstance(impute, Mapping) else None
    return repr([raw.get(k) for k in DATA_KEYS] + [group])


def _evaluation_engine_part(raw: Mapping) -> Mapping:
    return {k: v for k, v in raw.items() if k not in EVALUATION_KEYS}


def _bases_data(dataset, framework, year: int, units: pd.Index, base_peer: str, source: str, raw: Mapping) -> pd.DataFrame:
    method = evaluation_method_from_mapping(raw, source=source, framework=framework)
    if method.peer_relative != base_peer:
        raise ConfigError(f"{source}，键 peer_relative：不能作为不确定选择（它改变同行相对指标的方向），请改为变动 parameters.peer_group_by")
    bases = dataset.bases
    base_ids = pd.Index(bases["base_id"].astype("string"))
    indicators = evaluation_indicators(dataset, framework, method, [year])
    indicators = indicators[indicators.index.get_level_values("unit_id").isin(base_ids)]
    raw_experts = dataset.expert_scores[dataset.expert_scores["unit_id"].isin(base_ids)]
    experts = expert_table(raw_experts, framework, method)
    groups = None
    group = method.engine.impute.group
    if group:
        if group not in bases.columns:
            raise ConfigError(f"{source}，键 impute.group：示范基地名录中没有列「{group}」")
        groups = bases.set_index(bases["base_id"].astype("string").rename("unit_id"))[[group]]
    return engine_input(indicators, experts, framework, year, units, groups)


def bases_subject(dataset, year: int, method: str | Path | None = None, framework=None, rules=None, synthetic: bool = False) -> Subject:
    """The bases' annual evaluation of ``year`` under an evaluation method.

    The units are the bases the lifecycle rules admit to that year's evaluation under
    the base method (``nidb.evaluation.annual.run_panel`` over the years up to ``year``); the
    audit varies the method for that set of bases and does not replay the lifecycle.
    """
    framework = framework or load_framework()
    path = Path(method) if method is not None else DEFAULT_METHOD_PATH
    raw = load_method_raw(path)
    base = evaluation_method_from_mapping(raw, source=str(path), framework=framework)
    years = sorted(int(y) for y in dataset.annual["year"].dropna().unique() if int(y) <= year)
    if year not in years:
        raise ConfigError(f"年度报表中没有 {year} 年的数据（已有：{', '.join(map(str, years)) or '无'}）")
    panel = run_panel(dataset, framework, base, rules or load_rules(), years)
    results = panel.evaluations[year].results
    units = pd.Index(results["unit_id"].astype("string"), name="unit_id")
    if units.empty:
        raise ConfigError(f"{year} 年没有参加评价的示范基地")
    names = pd.Series(dataset.bases["name"].to_numpy(), index=dataset.bases["base_id"].astype(str))
    return Subject(
        label=f"示范基地 {year} 年度评价",
        hierarchy=evaluation_hierarchy(framework, base),
        method_raw=raw,
        stars=base.stars,
        data_for=partial(_bases_data, dataset, framework, year, units, base.peer_relative, str(path)),
        data_key=_evaluation_key,
        engine_part=_evaluation_engine_part,
        names=names,
        synthetic=synthetic,
        year=year,
        method_source=str(path),
    )
