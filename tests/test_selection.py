"""Selection verdicts at every boundary of the spec, on hand-made applicants."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
import yaml
from selection_data import annual_rows, applicant, dataset, overall, verdict

from nidb.errors import ConfigError, NidbError
from nidb.selection import DEFAULT_METHOD_PATH, load_selection_method, select
from nidb.selection.method import Rule


@pytest.fixture(scope="module")
def method():
    return load_selection_method()


def run(method, applicants, annual, **kw):
    return select(dataset(applicants, annual, **kw), 2024, method)


def test_good_applicant_passes_everything(method):
    r = run(method, [applicant()], annual_rows())
    assert (r.verdicts["status"] == "通过").all(), r.verdicts[r.verdicts["status"] != "通过"][["condition_id", "reason"]]
    assert overall(r, "A0001") == "通过"
    assert r.summary["rank"].iloc[0] == 1
    assert len(r.verdicts) == 29 + 2  # no feature area: 29 indicators + Art. 6 + Art. 8


# ------------------------------------------------------------------ #1 and #5, special-type areas
@pytest.mark.parametrize("revenue, special, expected", [
    (300.0, None, "通过"), (299.99, None, "未通过"),
    (150.0, "革命老区", "通过"), (149.99, "民族地区", "未通过"), (299.99, "边疆地区", "通过"),
])
def test_sales_revenue_boundary(method, revenue, special, expected):
    r = run(method, [applicant(special_areas=special)], annual_rows(sales_revenue=revenue, leading_industry_revenue=150.0))
    assert verdict(r, "A0001", "I01")["status"] == expected


def test_reason_quotes_value_and_threshold(method):
    r = run(method, [applicant()], annual_rows(sales_revenue=212.4, leading_industry_revenue=120.0))
    assert verdict(r, "A0001", "I01")["reason"] == "销售收入 212.4 亿元 < 300 亿元"
    r = run(method, [applicant(special_areas="革命老区")], annual_rows(sales_revenue=212.4, leading_industry_revenue=120.0))
    assert verdict(r, "A0001", "I01")["reason"] == "销售收入 212.4 亿元 ≥ 150 亿元（特殊类型地区）"


def test_relaxation_can_be_switched_off(method):
    off = replace(method, special_area_relaxation=False)
    r = run(off, [applicant(special_areas="革命老区")], annual_rows(sales_revenue=200.0, leading_industry_revenue=150.0))
    assert verdict(r, "A0001", "I01")["status"] == "未通过"
    assert verdict(r, "A0001", "I01")["threshold"] == 300


@pytest.mark.parametrize("land, special, expected", [
    (1000.0, None, "通过"),        # 400 亿元 × 1e4 / 1000 公顷 = 4000 万元/公顷
    (1000.0025, None, "未通过"),   # 3999.99 万元/公顷
    (1333.0, "革命老区", "通过"),   # 3000.75
    (1334.0, "革命老区", "未通过"),  # 2998.5
])
def test_land_output_boundary(method, land, special, expected):
    r = run(method, [applicant(special_areas=special)], annual_rows(land_area=land))
    assert verdict(r, "A0001", "I05")["status"] == expected


@pytest.mark.parametrize("field, ok, bad, cid", [
    ("qms_certification_rate", 60.0, 59.99, "I11"),
    ("digital_rd_tool_rate", 77.0, 76.99, "I14"),
    ("nc_key_process_rate", 58.0, 57.99, "I15"),
])
def test_rate_boundaries(method, field, ok, bad, cid):
    r = run(method, [applicant("A0001"), applicant("A0002")],
            annual_rows("A0001", **{field: ok}) + annual_rows("A0002", **{field: bad}))
    assert verdict(r, "A0001", cid)["status"] == "通过"
    assert verdict(r, "A0002", cid)["status"] == "未通过"


def test_leading_share_and_rd_and_patents(method):
    rows = (annual_rows("A0001", leading_industry_revenue=200.0, rd_expenditure=10.0, high_value_patents=750.0)
            + annual_rows("A0002", leading_industry_revenue=199.96, rd_expenditure=9.99, high_value_patents=749.9))
    r = run(method, [applicant("A0001"), applicant("A0002")], rows)
    for cid in ("I03", "I07", "I08"):  # 50 %, 2.5 %, 2.5 件/亿元 exactly
        assert verdict(r, "A0001", cid)["status"] == "通过", cid
        assert verdict(r, "A0002", cid)["status"] == "未通过", cid


# ------------------------------------------------------------------ #9: OR rule
@pytest.mark.parametrize("national, provincial, expected", [
    (0.0, 3.0, "通过"), (0.0, 2.0, "未通过"), (1.0, 0.0, "通过"),
    (float("nan"), 3.0, "通过"), (float("nan"), 2.0, "数据缺失"),
])
def test_rd_institutions_or(method, national, provincial, expected):
    r = run(method, [applicant()], annual_rows(national_rd_institutions=national, provincial_rd_institutions=provincial))
    assert verdict(r, "A0001", "I09")["status"] == expected


# ------------------------------------------------------------------ #2: each of the last three years
def test_growth_three_years_one_bad_year(method):
    r = run(method, [applicant()], annual_rows(value_added_growth={2023: 4.9}))
    v = verdict(r, "A0001", "I02")
    assert v["status"] == "未通过"
    assert "2023 年 4.9% ≤ 当地 GDP 增速 5%" in v["reason"]


def test_growth_equal_to_gdp_fails(method):
    r = run(method, [applicant()], annual_rows(value_added_growth={2022: 5.0}))
    assert verdict(r, "A0001", "I02")["status"] == "未通过"


def test_growth_missing_year(method):
    r = run(method, [applicant()], annual_rows(value_added_growth={2022: float("nan")}))
    assert verdict(r, "A0001", "I02")["status"] == "数据缺失"
    r = run(method, [applicant()], annual_rows(years=(2023, 2024)))  # no 2022 form at all
    assert verdict(r, "A0001", "I02")["status"] == "数据缺失"
    assert overall(r, "A0001") == "数据缺失"


# ------------------------------------------------------------------ #2: 「当地」 = city or province
def _gdp(province: dict[int, float] | None = None, city: dict[int, float] | None = None, city_name="苏州市"):
    """GDP rows of 江苏省 and of one city, {year: growth}."""
    rows = [{"area": "江苏省", "year": y, "gdp_growth": g} for y, g in (province or {}).items()]
    return rows + [{"area": city_name, "year": y, "gdp_growth": g} for y, g in (city or {}).items()]


PROVINCE_5 = {2022: 5.0, 2023: 5.0, 2024: 5.0}
CITY_9 = {2022: 9.0, 2023: 9.0, 2024: 9.0}  # above the applicant's 8 % growth every year


def test_gdp_city_row_present_is_used(method):
    r = run(method, [applicant(city="苏州市")], annual_rows(), gdp_rows=_gdp(PROVINCE_5, CITY_9))
    v = verdict(r, "A0001", "I02")
    assert v["status"] == "未通过"  # 8 % > 江苏省 5 % but not > 苏州市 9 %
    assert "2022 年 8% ≤ 当地 GDP 增速 9%（苏州市）" in v["reason"]
    assert r.summary["local_gdp"].iloc[0] == "地市级：苏州市"


def test_gdp_city_row_absent_falls_back_to_province(method):
    r = run(method, [applicant(city="苏州市")], annual_rows(), gdp_rows=_gdp(PROVINCE_5, {}))
    v = verdict(r, "A0001", "I02")
    assert v["status"] == "通过" and v["reason"].endswith("均 > 当地 GDP 增速 5%、5%、5%（江苏省）")
    assert r.summary["local_gdp"].iloc[0] == "省级：江苏省（无苏州市的地市数据）"


def test_gdp_unknown_or_blank_city_uses_province(method):
    r = run(method, [applicant(city="不存在市"), applicant("A0002")], annual_rows() + annual_rows("A0002"),
            gdp_rows=_gdp(PROVINCE_5, CITY_9))
    assert [verdict(r, a, "I02")["status"] for a in ("A0001", "A0002")] == ["通过", "通过"]
    assert r.summary["local_gdp"].tolist() == ["省级：江苏省（无不存在市的地市数据）", "省级：江苏省（未填所在地市）"]


def test_gdp_city_rows_for_part_of_the_window(method):
    r = run(method, [applicant(city="苏州市")], annual_rows(), gdp_rows=_gdp(PROVINCE_5, {2024: 9.0}))
    v = verdict(r, "A0001", "I02")
    assert v["status"] == "未通过" and "2024 年 8% ≤ 当地 GDP 增速 9%（苏州市 2024 年、江苏省 2022–2023 年）" in v["reason"]
    assert r.summary["local_gdp"].iloc[0] == "地市级与省级：苏州市 2024 年、江苏省 2022–2023 年"


def test_gdp_level_province_ignores_the_city(method):
    m = replace(method, local_gdp_level="province")
    r = run(m, [applicant(city="苏州市")], annual_rows(), gdp_rows=_gdp(PROVINCE_5, CITY_9))
    assert verdict(r, "A0001", "I02")["status"] == "通过"
    assert r.summary["local_gdp"].iloc[0] == "省级：江苏省（local_gdp_level: province）"


def test_gdp_missing_province_row_is_missing_data_not_a_pass(method):
    r = run(method, [applicant()], annual_rows(), gdp_rows=_gdp({2022: 5.0, 2024: 5.0}))
    v = verdict(r, "A0001", "I02")
    assert v["status"] == "数据缺失" and v["reason"] == "增加值增速 2023 年无江苏省 的 GDP 增速"
    assert overall(r, "A0001") == "数据缺失"
    # a known failure in another year still fails
    r = run(method, [applicant()], annual_rows(value_added_growth={2022: 4.0}), gdp_rows=_gdp({2022: 5.0, 2024: 5.0}))
    assert verdict(r, "A0001", "I02")["status"] == "未通过"


@pytest.mark.parametrize("value", ["county", 1, None])
def test_local_gdp_level_validated_on_load(tmp_path, value):
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump({"kind": "selection", "local_gdp_level": value}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match="local_gdp_level"):
        load_selection_method(path)


def test_local_gdp_level_default_is_city(method):
    assert method.local_gdp_level == "city"
    assert load_selection_method(DEFAULT_METHOD_PATH).as_record()["local_gdp_level"] == "city"


# ------------------------------------------------------------------ peer-relative
def test_peer_top_30_percent_boundary(method):
    apps = [applicant(f"A{i:04d}") for i in range(1, 11)]
    rows = []
    for i in range(1, 11):  # value added 10..100 亿元, 20 000 employees → 5..50 万元/人
        rows += annual_rows(f"A{i:04d}", value_added=10.0 * i, industrial_value_added=min(80.0, 10.0 * i))
    r = select(dataset(apps, rows, benchmarks={}), 2024, method)
    assert verdict(r, "A0008", "I04")["status"] == "通过"  # rank 3 of 10 → 30 %
    assert verdict(r, "A0007", "I04")["status"] == "未通过"  # rank 4 → 40 %
    assert "第 3/10 名" in verdict(r, "A0008", "I04")["reason"]


def test_peer_benchmark_boundary(method):
    r = run(method, [applicant("A0001"), applicant("A0002")],
            annual_rows("A0001", energy_consumption=48.0) + annual_rows("A0002", energy_consumption=48.01))
    # 48 万吨标准煤 / 80 亿元 = 0.6 吨/万元 = benchmark (lower is better)
    assert verdict(r, "A0001", "I19")["status"] == "通过"
    assert verdict(r, "A0002", "I19")["status"] == "未通过"
    assert "行业基准 0.6" in verdict(r, "A0002", "I19")["reason"]


def test_peer_group_parameter(method):
    apps = [applicant(f"A{i:04d}", domain="装备工业" if i <= 5 else "信息产业",
                      industry="汽车" if i <= 5 else "电子信息") for i in range(1, 11)]
    rows = []
    for i in range(1, 11):
        rows += annual_rows(f"A{i:04d}", value_added=10.0 * i)
    data = dataset(apps, rows, benchmarks={})
    by_industry = select(data, 2024, method)
    pooled = select(data, 2024, replace(method, parameters=(("peer_group_by", "none"),)))
    # A0005 is best of its industry (rank 1/5) but 6th of 10 overall
    assert verdict(by_industry, "A0005", "I04")["status"] == "通过"
    assert "同组（汽车）第 1/5 名" in verdict(by_industry, "A0005", "I04")["reason"]
    assert verdict(pooled, "A0005", "I04")["status"] == "未通过"


def test_a_small_industry_falls_back_to_its_domain_and_says_so(method):
    apps = [applicant(f"A{i:04d}", industry="船舶" if i <= 2 else "汽车") for i in range(1, 11)]
    rows = []
    for i in range(1, 11):
        rows += annual_rows(f"A{i:04d}", value_added=10.0 * i)
    r = select(dataset(apps, rows, benchmarks={}), 2024, method)
    reason = verdict(r, "A0002", "I04")["reason"]
    assert "同组（装备工业；细分行业组内有值单位不足 5 家，改按示范领域比较）第 9/10 名" in reason
    assert "不足" not in verdict(r, "A0010", "I04")["reason"]


# ------------------------------------------------------------------ Art. 8 veto, Art. 6 listing
@pytest.mark.parametrize("env, safety, expected", [
    ({2023: "Ⅱ级"}, {}, "未通过"), ({2022: "Ⅰ级"}, {}, "未通过"), ({2024: "Ⅲ级"}, {}, "通过"),
    ({}, {2024: "重大"}, "未通过"), ({}, {2023: "特别重大"}, "未通过"), ({}, {2023: "较大"}, "通过"),
    ({2023: None}, {}, "数据缺失"),
])
def test_veto(method, env, safety, expected):
    r = run(method, [applicant()], annual_rows(env_incident_level=env, safety_accident_level=safety))
    assert verdict(r, "A0001", "A08")["status"] == expected
    if expected == "未通过":
        assert overall(r, "A0001") == "未通过"
        assert "一票否决" in verdict(r, "A0001", "A08")["reason"]


def test_veto_window_is_three_years(method):
    r = run(method, [applicant()], annual_rows(years=(2021, 2022, 2023, 2024), env_incident_level={2021: "Ⅰ级"}))
    assert verdict(r, "A0001", "A08")["status"] == "通过"


@pytest.mark.parametrize("code, recognised, expected", [
    ("G111001", False, "通过"), ("S377018", False, "通过"), ("G999999", False, "未通过"),
    (None, True, "通过"), (None, False, "未通过"), (None, None, "数据缺失"), ("G999999", None, "数据缺失"),
])
def test_listing(method, code, recognised, expected):
    r = run(method, [applicant(zone_code=code, provincial_recognition=recognised)], annual_rows())
    assert verdict(r, "A0001", "A06")["status"] == expected


def test_listing_reason_names_the_zone(method):
    r = run(method, [applicant(zone_code="G111001")], annual_rows())
    assert "北京经济技术开发区" in verdict(r, "A0001", "A06")["reason"]


# ------------------------------------------------------------------ qualitative conditions
def test_expert_pass_mark(method):
    r = run(method, [applicant()], annual_rows(), scores={"I06": 60.0, "I12": 59.9})
    assert verdict(r, "A0001", "I06")["status"] == "通过"
    assert verdict(r, "A0001", "I12")["status"] == "未通过"
    assert verdict(r, "A0001", "I12")["reason"] == "专家评分 59.9 分 < 60 分（3 位专家）"


def test_no_expert_scores_needs_review(method):
    r = run(method, [applicant()], annual_rows(), scores=None)
    assert verdict(r, "A0001", "I06")["status"] == "待专家评审"
    assert overall(r, "A0001") == "待专家评审"


# ------------------------------------------------------------------ overall rule
def test_k_per_dimension(method):
    # fails #3 and #5 (both 规模效益) — "all" fails; "k=1 per dimension" still passes
    rows = annual_rows(leading_industry_revenue=100.0, land_area=2000.0)
    strict = run(method, [applicant()], rows)
    assert overall(strict, "A0001") == "未通过"
    assert set(strict.summary["failed_conditions"].iloc[0].split("、")) == {"I03", "I05"}
    k1 = replace(method, quantitative_rule=Rule("k_per_dimension", 1))
    assert overall(run(k1, [applicant()], rows), "A0001") == "通过"
    k5 = replace(method, quantitative_rule=Rule("k_per_dimension", 4))
    assert overall(run(k5, [applicant()], rows), "A0001") == "未通过"  # 规模效益 has 3 of 5 passing


def test_qualitative_k_per_dimension(method):
    scores = {"I12": 50.0}  # one of the two qualitative conditions of 创新效能 fails
    assert overall(run(method, [applicant()], annual_rows(), scores=scores), "A0001") == "未通过"
    k1 = replace(method, qualitative_rule=replace(method.qualitative_rule, mode="k_per_dimension", k=1))
    assert overall(run(k1, [applicant()], annual_rows(), scores=scores), "A0001") == "通过"
    # 规模效益 has a single qualitative condition (I06): failing it fails even with k = 1
    assert overall(run(k1, [applicant()], annual_rows(), scores={"I06": 50.0}), "A0001") == "未通过"


def test_listing_and_features_can_be_reported_only(method):
    a = applicant(zone_code=None, provincial_recognition=False, feature_area="产业转移合作", domain="产业转移合作",
                  industry="产业转移合作")
    rows = annual_rows(cobuilding_parties=1.0)  # F06 fails, F07 has no data
    strict = run(method, [a], rows)
    assert verdict(strict, "A0001", "A06")["status"] == "未通过" and overall(strict, "A0001") == "未通过"
    lenient = replace(method, listing_required=False, features_required=False)
    r = run(lenient, [a], rows)
    assert verdict(r, "A0001", "F06")["status"] == "未通过"  # still reported
    assert overall(r, "A0001") == "通过"


def test_data_lag_assesses_the_year_before(method):
    rows = annual_rows(years=(2021, 2022, 2023, 2024), sales_revenue={2024: 100.0}, leading_industry_revenue={2024: 60.0})
    assert verdict(run(method, [applicant()], rows), "A0001", "I01")["status"] == "未通过"
    lag = replace(method, data_lag=1)
    r = run(lag, [applicant()], rows)
    assert r.data_year == 2023
    assert verdict(r, "A0001", "I01")["status"] == "通过"
    assert "2021–2023" in verdict(r, "A0001", "I02")["reason"]


def test_failure_outranks_missing(method):
    rows = annual_rows(sales_revenue=100.0, leading_industry_revenue=60.0, qms_certification_rate=float("nan"))
    assert overall(run(method, [applicant()], rows), "A0001") == "未通过"


# ------------------------------------------------------------------ feature conditions
def dc(aid, size, **kw):
    return applicant(aid, feature_area="数据中心", domain="新产业新业态", industry="汽车", dc_size_class=size), \
        annual_rows(aid, dc_design_racks=kw.get("racks", 5000.0 if size == "大型以上" else 1000.0),
                    dc_operation=kw.get("operation", "全部投产"), dc_it_load_rate=kw.get("load", 60.0),
                    dc_pue=kw.get("pue", 1.2), dc_design_pue=kw.get("design_pue", 1.2),
                    dc_operating_under_one_year=kw.get("new", False), dc_green_grade=kw.get("grade", "4A"),
                    dc_national_green_list=kw.get("listed", False), dc_compute_efficiency_target=kw.get("target", True))


@pytest.mark.parametrize("size, pue, expected", [
    ("大型以上", 1.30, "通过"), ("大型以上", 1.31, "未通过"),
    ("中小型", 1.30, "通过"), ("中小型", 1.31, "通过"), ("中小型", 1.50, "通过"), ("中小型", 1.51, "未通过"),
])
def test_pue_by_size_class(method, size, pue, expected):
    a, rows = dc("A0001", size, pue=pue)
    assert verdict(run(method, [a], rows), "A0001", "F18")["status"] == expected


def test_pue_design_value_when_new(method):
    a, rows = dc("A0001", "大型以上", pue=float("nan"), design_pue=1.3, new=True)
    assert verdict(run(method, [a], rows), "A0001", "F18")["status"] == "通过"
    a, rows = dc("A0001", "大型以上", pue=1.2, design_pue=1.31, new=True)
    assert verdict(run(method, [a], rows), "A0001", "F18")["status"] == "未通过"


@pytest.mark.parametrize("size, racks, operation, load, expected", [
    ("大型以上", 3000.0, "部分投产", 40.0, "通过"), ("大型以上", 2999.0, "全部投产", 60.0, "未通过"),
    ("大型以上", 5000.0, "未投产", 60.0, "未通过"), ("大型以上", 5000.0, "全部投产", 39.9, "未通过"),
    ("中小型", 300.0, "全部投产", 50.0, "通过"), ("中小型", 299.0, "全部投产", 60.0, "未通过"),
    ("中小型", 3000.0, "全部投产", 60.0, "未通过"), ("中小型", 1000.0, "部分投产", 60.0, "未通过"),
    ("中小型", 1000.0, "全部投产", 49.9, "未通过"),
])
def test_scale_utilisation_by_size_class(method, size, racks, operation, load, expected):
    a, rows = dc("A0001", size, racks=racks, operation=operation, load=load)
    assert verdict(run(method, [a], rows), "A0001", "F17")["status"] == expected


@pytest.mark.parametrize("grade, listed, target, expected", [
    ("4A", False, True, "通过"), ("3A", True, True, "通过"), ("3A", False, True, "未通过"), ("5A", True, False, "未通过"),
])
def test_green_grade_or_list_and_target(method, grade, listed, target, expected):
    a, rows = dc("A0001", "大型以上", grade=grade, listed=listed, target=target)
    assert verdict(run(method, [a], rows), "A0001", "F19")["status"] == expected


def test_missing_size_class_is_missing(method):
    a, rows = dc("A0001", None)
    assert verdict(run(method, [a], rows), "A0001", "F17")["status"] == "数据缺失"


def test_features_only_for_own_area(method):
    a, rows = dc("A0001", "大型以上")
    r = run(method, [a, applicant("A0002")], rows + annual_rows("A0002"))
    ids = set(r.verdicts.loc[r.verdicts["applicant_id"] == "A0001", "condition_id"])
    assert {"F17", "F18", "F19", "F20", "F21", "F22"} <= ids and "F01" not in ids
    assert not r.verdicts.loc[r.verdicts["applicant_id"] == "A0002", "condition_id"].str.startswith("F").any()
    assert overall(r, "A0001") == "通过"


def test_transfer_three_year_conditions(method):
    a = applicant(feature_area="产业转移合作", domain="产业转移合作", industry="产业转移合作")
    base = dict(cobuilding_parties=2.0, industrial_va_growth=10.0, industrial_investment_growth=12.0,
                new_project_investment=20.0, new_enterprises=50.0)
    assert verdict(run(method, [a], annual_rows(**base)), "A0001", "F07")["status"] == "通过"
    bad = {**base, "new_enterprises": {2023: 49.0}}
    assert verdict(run(method, [a], annual_rows(**bad)), "A0001", "F07")["status"] == "未通过"
    assert verdict(run(method, [a], annual_rows(**{**base, "cobuilding_parties": 1.0})), "A0001", "F06")["status"] == "未通过"


# ------------------------------------------------------------------ Art. 7 ordering
def test_art7_priority_only_breaks_ties_by_default(method):
    """Art. 7 「在同等条件下予以优先支持」: a pilot task does not lift a weaker applicant above a stronger one."""
    apps = [
        applicant("A0001"),
        applicant("A0002", special_areas="革命老区"),
        applicant("A0003", pilot_tasks="中国软件名园"),
        applicant("A0004"),
        applicant("A0005", pilot_tasks="国家安全应急产业示范基地"),
    ]
    rows = (annual_rows("A0001", sales_revenue=900.0, leading_industry_revenue=500.0, rd_expenditure=30.0)
            + annual_rows("A0002") + annual_rows("A0003")
            + annual_rows("A0004", sales_revenue=500.0, leading_industry_revenue=300.0, rd_expenditure=15.0)
            + annual_rows("A0005", sales_revenue=310.0, leading_industry_revenue=200.0, rd_expenditure=8.0))
    r = run(method, apps, rows)
    ranks = dict(zip(r.summary["applicant_id"], r.summary["rank"]))
    # 900 > 500 > 400 = 400 > 310 亿元; the tie at 400 goes to the pilot task (A0003) before the tilt (A0002)
    assert ranks == {"A0001": 1, "A0004": 2, "A0003": 3, "A0002": 4, "A0005": 5}
    first = run(replace(method, priority="first_key"), apps, rows)
    ranks = dict(zip(first.summary["applicant_id"], first.summary["rank"]))
    # the former default: pilot tasks first (the 310 亿元 A0005 above the 900 亿元 A0001), then the tilt
    assert ranks == {"A0003": 1, "A0005": 2, "A0002": 3, "A0001": 4, "A0004": 5}


def test_ordering_by_a_lower_is_better_indicator(method):
    apps = [applicant("A0001"), applicant("A0002"), applicant("A0003")]
    rows = (annual_rows("A0001", energy_consumption=40.0) + annual_rows("A0002", energy_consumption=20.0)
            + annual_rows("A0003", energy_consumption=30.0))  # 0.5, 0.25, 0.375 吨标准煤/万元
    r = run(replace(method, ordering=("I19",)), apps, rows)
    ranks = dict(zip(r.summary["applicant_id"], r.summary["rank"]))
    assert ranks == {"A0002": 1, "A0003": 2, "A0001": 3}


def test_ineligible_are_not_ranked(method):
    r = run(method, [applicant("A0001"), applicant("A0002")],
            annual_rows("A0001") + annual_rows("A0002", sales_revenue=100.0, leading_industry_revenue=60.0))
    ranks = dict(zip(r.summary["applicant_id"], r.summary["rank"]))
    assert ranks["A0001"] == 1 and pd.isna(ranks["A0002"])


# ------------------------------------------------------------------ application year, method file
def test_unknown_application_year(method):
    with pytest.raises(NidbError, match="申报年份 2019 没有申报对象"):
        select(dataset([applicant()], annual_rows()), 2019, method)


def _method_error(tmp_path, mutate, *fragments):
    raw = yaml.safe_load(DEFAULT_METHOD_PATH.read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_selection_method(path)
    for frag in (str(path), *fragments):
        assert frag in str(exc.value), str(exc.value)


def test_method_unknown_key(tmp_path):
    _method_error(tmp_path, lambda r: r.update(threshold=1), "threshold", "未知键")


def test_method_bad_mode(tmp_path):
    _method_error(tmp_path, lambda r: r["quantitative_rule"].update(mode="most"), "quantitative_rule.mode", "'most'")


def test_method_bad_veto_level(tmp_path):
    _method_error(tmp_path, lambda r: r["veto"].update(env_incident_levels=["二级"]), "veto.env_incident_levels[0]")


def test_method_unknown_parameter(tmp_path):
    _method_error(tmp_path, lambda r: r.update(parameters={"peer_top": 20}), "parameters.peer_top")


def test_method_bad_parameter_choice(tmp_path):
    _method_error(tmp_path, lambda r: r.update(parameters={"peer_group_by": "region"}), "parameters.peer_group_by")


def test_method_bad_ordering_key(tmp_path):
    _method_error(tmp_path, lambda r: r.update(ordering=["I06"]), "ordering[0]")


def test_method_pass_mark_range(tmp_path):
    _method_error(tmp_path, lambda r: r["qualitative_rule"].update(pass_mark=120), "qualitative_rule.pass_mark")


# ------------------------------------------------------------------ #5 产值: 工业总产值, else sales revenue
def test_land_output_uses_gross_output_and_falls_back_to_sales(method):
    # 400 亿元 sales on 1000 公顷 = 4000 万元/公顷; 工业总产值 390 亿元 = 3900 万元/公顷
    rows = annual_rows(land_area=1000.0, gross_output=390.0)
    r = run(method, [applicant()], rows)
    assert verdict(r, "A0001", "I05")["status"] == "未通过"
    assert verdict(r, "A0001", "I05")["reason"] == "单位土地平均产值 3900 万元/公顷 < 4000 万元/公顷（按工业总产值计）"
    r = run(method, [applicant()], annual_rows(land_area=1000.0))
    assert verdict(r, "A0001", "I05")["status"] == "通过"
    assert verdict(r, "A0001", "I05")["reason"].endswith("（未填工业总产值，按产业集聚区销售收入计）")
    strict = replace(method, parameters=(("land_output_fallback", False),))
    assert verdict(run(strict, [applicant()], annual_rows(land_area=1000.0)), "A0001", "I05")["status"] == "数据缺失"


# ------------------------------------------------------------------ reasons never print a failing value as its threshold
def test_a_failing_value_is_never_printed_equal_to_its_threshold(method):
    rows = annual_rows(sales_revenue=400.0, leading_industry_revenue=199.9999)  # 49.999975 %
    reason = verdict(run(method, [applicant()], rows), "A0001", "I03")["reason"]
    assert reason == "主导产业收入占比 49.99998% < 50%"
    assert "50% < 50%" not in reason


# ------------------------------------------------------------------ Art. 25 in selection
def _fraud_data(authority: str) -> dict:
    apps = [applicant("A0001", authority="广东省"), applicant("A0002", authority="深圳市"),
            applicant("A0003", authority="江苏省")]
    data = dataset(apps, annual_rows("A0001") + annual_rows("A0002") + annual_rows("A0003"))
    data["bases"] = _typed_bases([{"base_id": "B0001", "name": "深圳示例基地", "authority": authority, "region": "东部",
                                   "domain": "信息产业", "industry": "电子信息", "leading_industry": "电子信息",
                                   "batch": 5, "year_announced": 2015}])
    fraud = pd.DataFrame({"unit_id": ["B0001"], "year": [2023], "fraud_found": [True]})
    data["annual"] = pd.concat([data["annual"], fraud.astype({"fraud_found": "boolean"})], ignore_index=True)
    return data


def _typed_bases(rows):
    from selection_data import _typed
    return _typed(rows, "bases")


def test_fraud_at_a_base_of_a_city_with_separate_planning_suspends_its_province(method):
    """Art. 25 「暂停所在省（区、市）下一批的申报工作」: 深圳市 → 广东省, including 深圳's own applicants."""
    r = select(_fraud_data("深圳市"), 2024, method)
    s = r.summary.set_index("applicant_id")
    assert s.loc["A0001", "overall"] == s.loc["A0002", "overall"] == "暂停申报（第二十五条）"
    assert "B0001" in s.loc["A0001", "suspension"] and "2023" in s.loc["A0001", "suspension"]
    assert s.loc["A0003", "overall"] == "通过" and pd.isna(s.loc["A0003", "suspension"])
    assert pd.isna(s.loc["A0001", "rank"])
    # the former reading suspended the recommending authority only: map 深圳市 to itself
    from nidb.evaluation.lifecycle import LifecycleRules
    own = replace(method, lifecycle_rules=LifecycleRules(suspension_province=(("深圳市", "深圳市"),)))
    s = select(_fraud_data("深圳市"), 2024, own).summary.set_index("applicant_id")
    assert s.loc["A0001", "overall"] == "通过" and s.loc["A0002", "overall"] == "暂停申报（第二十五条）"



# ------------------------------------------------------------------ Art. 8 feature areas follow the field
def test_a_feature_domain_with_a_blank_area_still_gets_the_feature_conditions(method):
    """Art. 8 「个别领域须满足特色指标要求」: the domain decides, not the applicant's claim."""
    a = applicant(domain="产业转移合作", industry="产业转移合作", feature_area=None)
    r = run(method, [a], annual_rows(cobuilding_parties=1.0))
    assert r.summary["feature_area"].iloc[0] == "产业转移合作"
    assert verdict(r, "A0001", "F06")["status"] == "未通过"
    software = run(method, [applicant(domain="信息产业", industry="大数据")], annual_rows())
    assert software.summary["feature_area"].iloc[0] == "软件和信息服务/大数据"
    assert "F08" in set(software.verdicts["condition_id"])


@pytest.mark.parametrize(("kw", "expected"), [
    ({"domain": "装备工业", "industry": "汽车", "feature_area": "高技术转化应用"}, None),
    ({"domain": "信息产业", "industry": "数据中心", "feature_area": "工业互联网"}, "数据中心"),
])
def test_a_declared_area_that_contradicts_the_field_is_an_input_error(method, kw, expected):
    from nidb.errors import InputError

    apps = [applicant("A0001"), applicant("A0002", **kw)]
    with pytest.raises(InputError) as err:
        run(method, apps, annual_rows("A0001") + annual_rows("A0002"))
    problem = err.value.problems[0]
    assert problem.file == "applicants" and problem.row == 3 and problem.column == "特色指标领域"
    assert (f"应为「{expected}」" in problem.message) if expected else "应为" not in problem.message
