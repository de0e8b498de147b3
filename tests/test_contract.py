"""The data contract: loading, vocabularies, malformed contracts, the generated doc."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from nidb.errors import ConfigError
from nidb.inputs.contract import CONTRACT_PATH, load_contract, parse_contract
from nidb.inputs.contract.describe import render_markdown, rule_text

DOC = Path(__file__).resolve().parents[1] / "docs" / "data-contract.md"
RAW = yaml.safe_load(CONTRACT_PATH.read_text(encoding="utf-8"))


def test_tables_and_keys():
    c = load_contract()
    assert c.table_names == ("bases", "applicants", "annual", "expert_scores", "renames", "official_statistics",
                             "submissions", "gdp_growth", "benchmarks")
    assert c.table("annual").key == ("unit_id", "year")
    assert [t.name for t in c.tables if t.optional] == ["renames", "official_statistics", "submissions", "benchmarks"]


def test_vocabularies_resolved_from_values_ref():
    c = load_contract()
    # 31 provincial-level units, 5 cities with independent planning status, and the XPCC (DESIGN: "one of the 37")
    assert len(c.table("bases").column("authority").values) == 37
    assert c.table("bases").column("region").values == ("东部", "中部", "西部", "东北")
    assert c.table("annual").column("env_incident_level").values_ref == "env_incident_levels"
    assert c.table("benchmarks").column("indicator_id").values == ("I04", "I10", "I19", "I20")


def test_header_and_rule_text():
    annual = load_contract().table("annual")
    assert annual.column("sales_revenue").header == "产业集聚区销售收入（亿元）"
    assert annual.column("year").header == "年份"
    assert rule_text(annual.column("leading_industry_revenue"), annual) == (
        "可空；数值；0～100000亿元；不大于「产业集聚区销售收入（亿元）」；"
        "与本单位其他年份相差约 10 的整数次方倍时视为单位错误（如按万元、元填报）"
    )
    assert rule_text(annual.column("unit_id"), annual) == "必填；文本；须为示范基地名录中的编号或申报对象名单中的编号"


def _broken(edit) -> dict:
    raw = copy.deepcopy(RAW)
    edit(raw)
    return raw


@pytest.mark.parametrize("edit,where", [
    (lambda r: r["tables"]["annual"]["columns"]["year"].update(dtype="int"), "tables.annual.columns.year.dtype"),
    (lambda r: r["tables"]["annual"]["columns"]["year"].update(maximum=5), "tables.annual.columns.year.maximum"),
    (lambda r: r["tables"]["bases"]["columns"]["region"].update(values_ref="areas"), "tables.bases.columns.region.values_ref"),
    (lambda r: r["tables"]["annual"]["columns"]["sales_revenue"].update(min="zero"), "tables.annual.columns.sales_revenue.min"),
    (lambda r: r["tables"]["annual"]["columns"]["sales_revenue"].update(min=10, max=1), "tables.annual.columns.sales_revenue"),
    (lambda r: r["tables"]["annual"]["columns"]["value_added"].update(not_above="revenue"),
     "tables.annual.columns.value_added.not_above"),
    (lambda r: r["tables"]["renames"]["columns"]["base_id"].update(foreign_key=["bases.id"]),
     "tables.renames.columns.base_id.foreign_key"),
    (lambda r: r["tables"]["bases"]["columns"]["zone_code"].update(pattern="[G"), "tables.bases.columns.zone_code.pattern"),
    (lambda r: r["tables"]["bases"].update(key=["id"]), "tables.bases.key"),
    (lambda r: r["tables"]["bases"]["columns"]["name"].update(zh="基地编号"), "tables.bases.columns.name.zh"),
    (lambda r: r["tables"]["bases"]["columns"]["region"].pop("values_ref"), "tables.bases.columns.region"),
    (lambda r: r["tables"]["bases"]["columns"]["base_id"].update(example="B001"), "tables.bases.columns.base_id.example"),
    (lambda r: r["tables"]["bases"]["columns"]["name"].update(example="x"), "tables.bases.columns.name.example"),
    (lambda r: r.update(version="one"), "version"),
    (lambda r: r["vocabularies"].update(pilot_tasks=["绿色园区"]), "vocabularies.pilot_tasks"),  # an open list
    (lambda r: r["tables"]["gdp_growth"]["columns"]["gdp_growth"].pop("typical"), "tables.gdp_growth.columns.gdp_growth.typical"),
    (lambda r: r["tables"]["annual"]["columns"]["value_added_growth"].update(typical=[60, -30]),
     "tables.annual.columns.value_added_growth.typical"),
    (lambda r: r["tables"]["benchmarks"]["columns"]["benchmark"]["typical_by"]["indicator_id"].update(I04=[1]),
     "tables.benchmarks.columns.benchmark.typical_by.indicator_id.I04"),
    (lambda r: r["tables"]["annual"]["columns"]["employees"].update(slip_units={"万人": "万"}),
     "tables.annual.columns.employees.slip_units.万人"),
])
def test_malformed_contract_names_the_key_path(edit, where):
    with pytest.raises(ConfigError) as err:
        parse_contract(_broken(edit), source="tables.yaml")
    assert str(err.value).startswith(f"tables.yaml：{where}：")


def test_every_growth_column_has_a_plausibility_range():
    growth = [(t.name, c.name) for t in load_contract().tables for c in t.columns if c.growth]
    assert {("annual", "value_added_growth"), ("annual", "industrial_va_growth"), ("gdp_growth", "gdp_growth")} <= set(growth)
    assert all(load_contract().table(t).column(c).typical is not None for t, c in growth)


def test_unreadable_yaml(tmp_path: Path):
    from nidb.inputs.contract import read_contract

    bad = tmp_path / "tables.yaml"
    bad.write_text("tables: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="YAML 语法错误"):
        read_contract(bad)


def test_committed_doc_is_the_generated_one():
    assert DOC.read_text(encoding="utf-8") == render_markdown(load_contract()), (
        "docs/data-contract.md is stale: run `.venv/bin/python -m nidb.inputs.contract.describe docs/data-contract.md`"
    )
