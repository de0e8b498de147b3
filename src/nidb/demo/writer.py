"""Generate the synthetic demo tables and write them as contract CSV files."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from nidb.demo.anomalies import Planted, plant_anomalies
from nidb.demo.annual import annual_table, apply_missing
from nidb.demo.cases import gross_output, plant_fraud, refused_rename, withheld_forms
from nidb.demo.cities import CITY_STREAM, with_cities
from nidb.demo.experts import expert_scores_table
from nidb.demo.reference import benchmarks_table, gdp_growth_table
from nidb.demo.registry import registries
from nidb.framework import DEFAULT_PATH as FRAMEWORK_PATH
from nidb.inputs.contract import CONTRACT_PATH, load_contract
from nidb.output import SYNTHETIC_LABEL
from nidb.reference.catalogue import CATALOGUE_PATH, load_catalogue

GENERATOR_VERSION = "1.0"
DEFAULT_SEED = 20231
CASES_STREAM = 10  # the rule cases draw from default_rng([seed, CASES_STREAM])
TABLE_ORDER = ("bases", "applicants", "annual", "expert_scores", "renames", "official_statistics", "submissions",
               "gdp_growth", "benchmarks")
ANSWER_KEY = Path("answer-key") / "planted-anomalies.csv"  # beside the data, never read by the screening


@lru_cache(maxsize=1)
def generator_digest() -> str:
    """Hash of everything the demo output depends on: generator code, contract, framework and catalogue."""
    digest = hashlib.sha256(GENERATOR_VERSION.encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + source.read_bytes())
    digest.update(CONTRACT_PATH.read_bytes())
    digest.update(CATALOGUE_PATH.read_bytes())
    digest.update(FRAMEWORK_PATH.read_bytes())
    return digest.hexdigest()


def demo_tables(seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """All contract tables of the synthetic demo, as canonical frames in contract column order, with the
    documented anomalies of `nidb.demo.anomalies` planted."""
    return _planted(seed).tables


def planted_anomalies(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """The list of anomalies planted in the demo of `seed` (the answer key of the screening)."""
    return _planted(seed).planted


def _planted(seed: int) -> Planted:
    """The clean tables with the anomalies planted, in canonical form."""
    planted = plant_anomalies(clean_tables(seed), seed)
    return Planted({name: _canonical(name, frame) for name, frame in planted.tables.items()}, planted.planted)


def clean_tables(seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """The contract tables of the synthetic demo before any anomaly is planted."""
    rng_registry, rng_reference, rng_annual, rng_missing, rng_experts = np.random.default_rng(seed).spawn(5)
    rng_cases = np.random.default_rng([seed, CASES_STREAM])
    bases, applicants, renames = registries(load_catalogue(), rng_registry)
    gdp = gdp_growth_table(rng_reference)

    units = pd.concat([bases.rename(columns={"base_id": "unit_id"}),
                       applicants.rename(columns={"applicant_id": "unit_id"})], ignore_index=True)
    annual = apply_missing(annual_table(units, gdp, rng_annual), rng_missing)
    annual["gross_output"] = gross_output(annual, rng_cases)

    latent = [c for c in units.columns if c.startswith("_")]
    unit_years = annual[["unit_id", "year"]].merge(units[["unit_id", "feature_area", *latent]], on="unit_id")
    unit_years = unit_years[(unit_years["_kind"] == "base") | (unit_years["year"] == unit_years["_last_year"])]
    experts = expert_scores_table(unit_years.reset_index(drop=True), rng_experts)
    # the rule cases (nidb.demo.cases): forms withheld after the experts scored, a fraud, a refused renaming
    annual = plant_fraud(annual.drop(index=withheld_forms(annual, bases, rng_cases)), bases)
    renames = refused_rename(bases, renames, rng_cases)
    bases, applicants, gdp = with_cities(bases, applicants, gdp, np.random.default_rng([seed, CITY_STREAM]))

    tables = {
        "bases": bases, "applicants": applicants, "annual": annual, "expert_scores": experts,
        "renames": renames, "gdp_growth": gdp, "benchmarks": benchmarks_table(bases, annual),
    }
    return {name: _canonical(name, frame) for name, frame in tables.items()}


def _canonical(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Select the contract's columns in order and cast them to the canonical dtypes."""
    spec = load_contract().table(table)
    missing = [c for c in spec.column_names if c not in frame.columns]
    if missing:
        raise RuntimeError(f"demo generator does not produce {table}.{missing}")
    out = {}
    for col in spec.columns:
        name, dtype, allowed = col.name, col.dtype, col.values
        values = frame[name]
        if dtype == "integer":
            out[name] = pd.array(values.to_numpy(), dtype="Int64")
        elif dtype == "number":
            out[name] = pd.to_numeric(values).astype("float64")
        elif dtype == "boolean":
            flags = pd.Series(values.to_numpy(dtype=object))
            out[name] = flags.where(flags.notna(), None).astype("boolean").array
        else:
            series = pd.Series(values.to_numpy(dtype=object), dtype="string")
            if allowed is not None:
                items = series.dropna().str.split(";").explode() if dtype == "list" else series.dropna()
                unknown = set(items) - set(allowed)
                if unknown:
                    raise RuntimeError(f"demo generator wrote {table}.{name} values outside the contract: {unknown}")
            out[name] = series.array
    return pd.DataFrame(out)


def _csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Text as written to CSV: whole-number columns without '.0', booleans as true/false."""
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if str(col.dtype) == "boolean":
            out[name] = col.map({True: "true", False: "false"}).astype("string")
        elif col.dtype == "float64":
            finite = col.dropna()
            if len(finite) and np.all(finite.to_numpy() == np.round(finite.to_numpy())) and finite.abs().max() < 2**53:
                out[name] = col.astype("Int64")
    return out


def _readme(seed: int, tables: dict[str, pd.DataFrame]) -> str:
    """README.md of a demo directory."""
    rows = "\n".join(f"| `{t}.csv` | {load_contract().table(t).zh} | {len(tables[t]):,} |" for t in TABLE_ORDER)
    return f"""# {SYNTHETIC_LABEL} nidb 演示数据

本目录中的全部数据均为**{SYNTHETIC_LABEL}**：由 nidb 演示数据生成器按固定随机种子生成，
不描述任何真实的示范基地或申报对象，名称（如“示例基地-001”）均为虚构。
各项分布参照公开报道的汇总数字（批次规模、区域与领域构成、星级比例等）设定，
但任何单个数值都不是真实统计数据，不得作为真实数据引用。
开发区目录代码取自真实的《中国开发区审核公告目录》（2018 年版），与虚构单位的对应关系是随机的。

This directory holds synthetic demo data (示例数据（合成）). It describes no real base.

- 随机种子（seed）：{seed}
- 生成器版本（generator version）：{GENERATOR_VERSION}
- 生成器指纹（generator digest, sha256）：{generator_digest()}
- 重新生成：`nidb demo --seed {seed} --out DIR`；同一种子生成逐字节相同的文件。

| 文件 | 表 | 行数 |
|---|---|---:|
{rows}

列名为数据契约（`src/nidb/inputs/contract/tables.yaml`）中的规范英文列名；编码 UTF-8；
空单元格表示缺失值；布尔值写作 true/false；多选项以英文分号 `;` 分隔。
申报对象的年度报表包含申报年份及其前三年；专家评分覆盖示范基地的每一年和申报对象的申报年份。

年度报表中按固定种子**植入了一组有记录的异常**（不一致、跳变、门槛堆积、编造数字、取整、照抄、
与统计部门数据不符、修改报表越过门槛），用于检验 `nidb screen` 的筛查效果；清单见
`{ANSWER_KEY.as_posix()}`（不是输入表，筛查从不读取）。植入的异常是合成的测试样例，不指向任何真实单位。
"""


def write_demo(out_dir: str | Path, seed: int = DEFAULT_SEED) -> Path:
    """Write the synthetic demo (one CSV per contract table plus README.md) into out_dir."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    planted = _planted(seed)
    tables = planted.tables
    for name in TABLE_ORDER:
        file = load_contract().table(name).file
        _csv_frame(tables[name]).to_csv(out / f"{file}.csv", index=False, lineterminator="\n", encoding="utf-8")
    (out / ANSWER_KEY).parent.mkdir(exist_ok=True)
    planted.planted.to_csv(out / ANSWER_KEY, index=False, lineterminator="\n", encoding="utf-8")
    (out / "README.md").write_text(_readme(seed, tables), encoding="utf-8")
    return out
