"""The packaged 2023 indicator system against the spec, and the loader's errors."""

from __future__ import annotations

import copy
from collections import Counter

import pytest
import yaml

from nidb.errors import ConfigError
from nidb.framework import (
    DEFAULT_PATH,
    AllOf,
    AnyOf,
    ByClass,
    Choose,
    EachOfLastYears,
    Expert,
    Field,
    InSet,
    IsTrue,
    ParamRef,
    PeerRelative,
    Ratio,
    SpecialAreaThreshold,
    Sum,
    Threshold,
    check_parameters,
    load_framework,
    walk,
)


@pytest.fixture(scope="module")
def fw():
    return load_framework()


def sub(cond, cid):
    """The sub-condition with this id."""
    return next(n for n in walk(cond) if n.id == cid)


# ------------------------------------------------------------------ counts (annex)
def test_counts(fw):
    assert fw.version == "2023-draft.1"
    assert len(fw.dimensions) == 6
    assert len(fw.indicators) == 29
    assert len(fw.quantitative) == 14
    assert len(fw.qualitative) == 15
    assert len(fw.features) == 22
    assert [i.number for i in fw.indicators] == list(range(1, 30))
    assert [f.number for f in fw.features] == list(range(1, 23))


def test_dimensions_and_membership(fw):
    assert [d.zh for d in fw.dimensions] == [
        "规模效益", "创新效能", "数字化网络化智能化升级", "绿色低碳", "产业生态", "开放合作"
    ]
    members = {d.id: [i.number for i in fw.indicators if i.dimension == d.id] for d in fw.dimensions}
    assert members == {
        "D1": [1, 2, 3, 4, 5, 6],
        "D2": [7, 8, 9, 10, 11, 12, 13],
        "D3": [14, 15, 16, 17, 18],
        "D4": [19, 20, 21, 22],
        "D5": [23, 24, 25, 26, 27],
        "D6": [28, 29],
    }


def test_quantitative_numbers(fw):
    assert [i.number for i in fw.quantitative] == [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 14, 15, 19, 20]
    assert all(isinstance(i.condition, Expert) for i in fw.qualitative)


def test_feature_areas(fw):
    assert [a.zh for a in fw.feature_areas] == ["高技术转化应用", "产业转移合作", "软件和信息服务/大数据", "工业互联网", "数据中心"]
    per_area = Counter(fw.feature_area(f.area).zh for f in fw.features)
    assert per_area == {"高技术转化应用": 5, "产业转移合作": 2, "软件和信息服务/大数据": 4, "工业互联网": 5, "数据中心": 6}
    quantitative = [f.number for f in fw.features if f.type == "quantitative"]
    assert quantitative == [6, 7, 12, 14, 17, 18, 19]
    assert [f.number for f in fw.features_of("数据中心")] == [17, 18, 19, 20, 21, 22]


# ------------------------------------------------------------------ thresholds (annex)
@pytest.mark.parametrize(
    "iid, op, value",
    [("I03", ">=", 50), ("I07", ">=", 2.5), ("I08", ">=", 2.5), ("I11", ">=", 60), ("I14", ">=", 77), ("I15", ">=", 58)],
)
def test_plain_thresholds(fw, iid, op, value):
    cond = fw.indicator(iid).condition
    assert isinstance(cond, Threshold)
    assert (cond.op, cond.value) == (op, value)


def test_special_area_thresholds(fw):
    i1, i5 = fw.indicator("I01").condition, fw.indicator("I05").condition
    assert isinstance(i1, SpecialAreaThreshold) and (i1.op, i1.value, i1.special_area_value) == (">=", 300, 150)
    assert isinstance(i5, SpecialAreaThreshold) and (i5.op, i5.value, i5.special_area_value) == (">=", 4000, 3000)
    assert fw.indicator("I01").unit == "亿元" and fw.indicator("I05").unit == "万元/公顷"


def test_rd_institutions_or_rule(fw):
    cond = fw.indicator("I09").condition
    assert isinstance(cond, AnyOf)
    nat, prov = cond.conditions
    assert (nat.measure, nat.op, nat.value) == (Field("national_rd_institutions"), ">=", 1)
    assert (prov.measure, prov.op, prov.value) == (Field("provincial_rd_institutions"), ">=", 3)
    assert fw.indicator("I09").formula == Sum(("national_rd_institutions", "provincial_rd_institutions"))


def test_three_year_growth_rule(fw):
    cond = fw.indicator("I02").condition
    assert isinstance(cond, EachOfLastYears)
    assert (cond.years, cond.op, cond.reference, cond.value) == (3, ">", "gdp_growth", None)


@pytest.mark.parametrize("iid, direction", [("I04", "higher"), ("I10", "higher"), ("I19", "lower"), ("I20", "lower")])
def test_peer_relative(fw, iid, direction):
    ind = fw.indicator(iid)
    assert isinstance(ind.condition, PeerRelative) and ind.direction == direction
    assert ind.condition.group_by == ParamRef("peer_group_by")
    assert ind.condition.top_share == ParamRef("peer_top_share")
    defaults = fw.parameter_defaults()
    assert defaults["peer_group_by"] == "industry" and defaults["peer_top_share"] == 30  # 同行业: same industry


def test_formulas_and_units(fw):
    f = {i.id: (i.formula, i.unit) for i in fw.quantitative}
    assert f["I03"] == (Ratio("leading_industry_revenue", "sales_revenue", 100), "%")
    assert f["I04"] == (Ratio("value_added", "employees", 1e4), "万元/人")
    # 单位土地平均产值: 工业总产值, where blank sales revenue (parameter land_output_fallback)
    assert f["I05"] == (Ratio("gross_output", "land_area", 1e4, "sales_revenue", ParamRef("land_output_fallback")), "万元/公顷")
    assert fw.parameter_defaults()["land_output_fallback"] is True
    assert f["I07"] == (Ratio("rd_expenditure", ParamRef("rd_intensity_denominator"), 100), "%")
    assert fw.parameter_defaults()["rd_intensity_denominator"] == "sales_revenue"
    assert f["I08"] == (Ratio("high_value_patents", "above_scale_revenue", 1), "件/亿元")
    assert f["I19"] == (Ratio("energy_consumption", "industrial_value_added", 1), "吨标准煤/万元")
    assert f["I20"] == (Ratio("water_use", "industrial_value_added", 1), "立方米/万元")


def test_feature_f06_three_subconditions(fw):
    cond = fw.features[5].condition
    assert isinstance(cond, AllOf) and len(cond.conditions) == 3
    a, b, c = cond.conditions
    assert (a.measure, a.op, a.value) == (Field("cobuilding_parties"), ">=", 2)
    assert isinstance(b, Expert) and isinstance(c, Expert) and (b.id, c.id) == ("F06b", "F06c")


def test_feature_f07_three_year_conditions(fw):
    cond = fw.features[6].condition
    leaves = [n for n in walk(cond) if isinstance(n, EachOfLastYears)]
    got = {n.measure.name: (n.years, n.op, n.value) for n in leaves}
    assert got == {
        "industrial_va_growth": (3, ">=", 10),
        "industrial_investment_growth": (3, ">=", 10),
        "new_project_investment": (3, ">=", 20),
        "new_enterprises": (3, ">=", 50),
    }


def test_feature_f12_f14(fw):
    f12 = {n.measure.name: (n.op, n.value) for n in walk(fw.features[11].condition) if isinstance(n, Threshold)}
    assert f12 == {"external_network_coverage": (">=", 30), "iiot_network_coverage": (">=", 30), "device_networking_rate": (">=", 50)}
    f14 = fw.features[13].condition
    assert isinstance(sub(f14, "F14a"), Expert)
    assert (sub(f14, "F14b").measure, sub(f14, "F14b").value) == (Field("cloud_platform_rate"), 30)


def test_feature_f17_by_size_class(fw):
    cond = fw.features[16].condition
    assert isinstance(cond, ByClass) and cond.class_field == "dc_size_class"
    cases = dict(cond.cases)
    assert set(cases) == {"大型以上", "中小型"}
    assert (sub(cond, "F17La").op, sub(cond, "F17La").value) == (">=", 3000)
    assert set(sub(cond, "F17Lb").values) == {"全部投产", "部分投产"}
    assert sub(cond, "F17Lc").value == 40
    assert (sub(cond, "F17Sa").value, sub(cond, "F17Sb").op, sub(cond, "F17Sb").value) == (300, "<", 3000)
    assert sub(cond, "F17Sc").values == ("全部投产",)
    assert sub(cond, "F17Sd").value == 50


def test_feature_f18_pue(fw):
    cond = fw.features[17].condition
    large, small = dict(cond.cases)["大型以上"], dict(cond.cases)["中小型"]
    assert (large.op, large.value) == ("<=", 1.3)
    assert large.measure == Choose("dc_operating_under_one_year", "dc_design_pue", "dc_pue")
    assert (small.op, small.value, small.measure) == ("<=", 1.5, Field("dc_pue"))


def test_feature_f19_green(fw):
    cond = fw.features[18].condition
    assert isinstance(cond, AllOf)
    grade, target = cond.conditions
    assert isinstance(grade, AnyOf)
    in_set, listed = grade.conditions
    assert isinstance(in_set, InSet) and set(in_set.values) == {"4A", "5A"}
    assert isinstance(listed, IsTrue) and listed.field == "dc_national_green_list"
    assert isinstance(target, IsTrue) and target.field == "dc_compute_efficiency_target"


def test_every_parameter_documented(fw):
    names = {p.name for p in fw.parameters}
    assert names == {"rd_intensity_denominator", "peer_group_by", "peer_top_share", "peer_min_group_size", "peer_population",
                     "land_output_fallback", "official_prevails"}
    assert all(p.doc for p in fw.parameters)


# ------------------------------------------------------------------ loader errors
def _raw():
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


def _write(tmp_path, raw):
    path = tmp_path / "fw.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _expect(tmp_path, mutate, *fragments):
    raw = copy.deepcopy(_raw())
    mutate(raw)
    path = _write(tmp_path, raw)
    with pytest.raises(ConfigError) as exc:
        load_framework(path)
    msg = str(exc.value)
    assert str(path) in msg
    for frag in fragments:
        assert frag in msg, msg


def test_feature_areas_follow_the_field(fw):
    areas = {a.zh: (a.domains, a.industries) for a in fw.feature_areas}
    assert areas["高技术转化应用"] == (("高技术转化应用",), ())
    assert areas["产业转移合作"] == (("产业转移合作",), ())
    assert areas["软件和信息服务/大数据"] == ((), ("软件和信息服务", "大数据"))
    assert areas["数据中心"] == ((), ("数据中心",))


def test_f16_condition_keeps_its_parenthesis(fw):
    text = next(f for f in fw.features if f.id == "F16").condition.text
    assert "（工业互联网平台、标识解析、数据模型库、智能网关、联网服务、微服务等）" in text


def test_roundtrip_of_dumped_file_loads(tmp_path):
    assert load_framework(_write(tmp_path, _raw())).indicators == load_framework().indicators


def test_unknown_top_key(tmp_path):
    _expect(tmp_path, lambda r: r.update(weights={}), "（顶层）.weights", "未知键")


def test_unknown_indicator_key(tmp_path):
    _expect(tmp_path, lambda r: r["indicators"][0].update(weight=1), "indicators[0].weight", "未知键")


def test_unknown_condition_key(tmp_path):
    _expect(tmp_path, lambda r: r["indicators"][2]["condition"].update(treshold=3), "indicators[2].condition.treshold")


def test_duplicate_indicator_id(tmp_path):
    _expect(tmp_path, lambda r: r["indicators"][1].update(id="I01"), "indicators[1].id", "'I01' 重复")


def test_duplicate_subcondition_id(tmp_path):
    def mutate(r):
        r["features"][5]["condition"]["conditions"][1]["id"] = "F06a"
    _expect(tmp_path, mutate, "features[5]", "'F06a' 重复")


def test_non_numeric_threshold(tmp_path):
    _expect(tmp_path, lambda r: r["indicators"][0]["condition"].update(value="300亿"), "indicators[0].condition.value", "应为数值")


def test_boolean_threshold_rejected(tmp_path):
    _expect(tmp_path, lambda r: r["indicators"][2]["condition"].update(value=True), "indicators[2].condition.value")


def test_dangling_dimension(tmp_path):
    _expect(tmp_path, lambda r: r["indicators"][3].update(dimension="D9"), "indicators[3].dimension", "'D9'")


def test_dangling_feature_area(tmp_path):
    _expect(tmp_path, lambda r: r["features"][0].update(area="FA9"), "features[0].area", "'FA9'")


def test_unknown_contract_field(tmp_path):
    _expect(tmp_path, lambda r: r["indicators"][0].update(formula={"field": "revenue"}), "indicators[0].formula.field", "'revenue'")


def test_unknown_field_in_ratio(tmp_path):
    def mutate(r):
        r["indicators"][2]["formula"]["ratio"]["denominator"] = "total_sales"
    _expect(tmp_path, mutate, "indicators[2].formula.ratio.denominator", "'total_sales'")


def test_bad_op(tmp_path):
    _expect(tmp_path, lambda r: r["indicators"][2]["condition"].update(op="=>"), "indicators[2].condition.op", "'=>'")


def test_unknown_kind(tmp_path):
    _expect(tmp_path, lambda r: r["indicators"][2]["condition"].update(kind="range"), "indicators[2].condition.kind")


def test_undefined_parameter(tmp_path):
    def mutate(r):
        r["indicators"][3]["condition"]["top_share"] = {"param": "top"}
    _expect(tmp_path, mutate, "indicators[3].condition.top_share.param", "'top'")


def test_parameter_choice_not_a_field(tmp_path):
    def mutate(r):
        r["parameters"]["rd_intensity_denominator"]["choices"].append("gdp")
    _expect(tmp_path, mutate, "parameters.rd_intensity_denominator.choices[3]", "'gdp'")


def test_in_set_value_outside_vocabulary(tmp_path):
    def mutate(r):
        r["features"][18]["condition"]["conditions"][0]["conditions"][0]["values"] = ["4A", "6A"]
    _expect(tmp_path, mutate, "features[18].condition.conditions[0].conditions[0].values[1]", "'6A'")


def test_by_class_unknown_case(tmp_path):
    def mutate(r):
        cases = r["features"][17]["condition"]["cases"]
        cases["超大型"] = cases.pop("大型以上")
    _expect(tmp_path, mutate, "features[17].condition.cases.超大型")


def test_qualitative_with_formula(tmp_path):
    _expect(tmp_path, lambda r: r["indicators"][5].update(formula={"field": "sales_revenue"}), "indicators[5].formula")


def test_yaml_syntax_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("version: [1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="YAML 语法错误"):
        load_framework(path)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="无法读取"):
        load_framework(tmp_path / "nope.yaml")


def test_parameter_default_outside_range(tmp_path):
    _expect(tmp_path, lambda r: r["parameters"]["peer_top_share"].update(default=120), "parameters.peer_top_share.default")


def test_parameter_override_checked():
    fw = load_framework()
    with pytest.raises(ConfigError, match="peer_top_share"):
        check_parameters(fw, {"peer_top_share": 150}, "m.yaml")
    with pytest.raises(ConfigError, match="peer_min_group_size"):
        check_parameters(fw, {"peer_min_group_size": 2.5}, "m.yaml")
    with pytest.raises(ConfigError, match="peer_group_by"):
        check_parameters(fw, {"peer_group_by": "region"}, "m.yaml")
    assert check_parameters(fw, {"peer_top_share": 20, "peer_group_by": "industry"}, "m.yaml") == {
        "peer_top_share": 20, "peer_group_by": "industry"}
