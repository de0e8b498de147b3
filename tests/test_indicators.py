"""Indicator values from hand-made canonical frames; expected values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from nidb.errors import ConfigError
from nidb.framework import load_framework
from nidb.indicators import (
    feature_values,
    indicator_values,
    local_gdp_growth,
    missing_summary,
    peer_positions,
    unit_registry,
)


@pytest.fixture(scope="module")
def fw():
    return load_framework()


def _applicants(rows):
    cols = ["applicant_id", "name", "authority", "region", "domain", "industry", "feature_area", "special_areas",
            "dc_size_class"]
    return pd.DataFrame(rows, columns=cols).astype("string")


def _data(annual_rows, applicants=None, gdp=None, benchmarks=None):
    applicants = applicants if applicants is not None else _applicants(
        [["A0001", "甲", "江苏省", "东部", "装备工业", "汽车", None, None, None]])
    annual = pd.DataFrame(annual_rows)
    annual["year"] = annual["year"].astype("Int64")
    annual["unit_id"] = annual["unit_id"].astype("string")
    out = {"annual": annual, "applicants": applicants}
    if gdp is not None:
        out["gdp_growth"] = gdp
    if benchmarks is not None:
        out["benchmarks"] = benchmarks
    return out


def test_fourteen_columns_in_annex_order(fw):
    vals = indicator_values(_data([{"unit_id": "A0001", "year": 2024, "sales_revenue": 300.0}]), fw)
    assert list(vals.columns) == ["I01", "I02", "I03", "I04", "I05", "I07", "I08", "I09", "I10", "I11", "I14", "I15", "I19", "I20"]
    assert vals.index.names == ["unit_id", "year"]


def test_units_by_hand(fw):
    row = {
        "unit_id": "A0001", "year": 2024,
        "sales_revenue": 400.0,            # 亿元
        "leading_industry_revenue": 220.0,  # → 55 %
        "value_added": 120.0,              # 亿元, employees 40 000 人 → 30 万元/人
        "employees": 40000.0,
        "land_area": 800.0,                # 公顷 → 400 亿元 × 1e4 / 800 = 5000 万元/公顷
        "rd_expenditure": 12.0,            # → 3 %
        "high_value_patents": 600.0,       # / 200 亿元 = 3 件/亿元
        "above_scale_revenue": 200.0,
        "national_rd_institutions": 1.0,
        "provincial_rd_institutions": 4.0,  # → 5 家
        "industrial_value_added": 100.0,   # 亿元
        "energy_consumption": 50.0,        # 万吨标准煤 → 0.5 吨/万元
        "water_use": 1200.0,               # 万立方米 → 12 立方米/万元
        "qms_certification_rate": 61.0,
    }
    v = indicator_values(_data([row]), fw).iloc[0]
    assert v["I01"] == 400
    assert v["I03"] == pytest.approx(55)
    assert v["I04"] == pytest.approx(30)
    assert v["I05"] == pytest.approx(5000)
    assert v["I07"] == pytest.approx(3)
    assert v["I08"] == pytest.approx(3)
    assert v["I09"] == 5
    assert v["I19"] == pytest.approx(0.5)
    assert v["I20"] == pytest.approx(12)
    assert v["I11"] == 61


def test_rd_denominator_parameter(fw):
    row = {"unit_id": "A0001", "year": 2024, "sales_revenue": 400.0, "value_added": 120.0,
           "above_scale_revenue": 300.0, "rd_expenditure": 12.0}
    data = _data([row])
    assert indicator_values(data, fw, params={"rd_intensity_denominator": "value_added"})["I07"].iloc[0] == pytest.approx(10)
    assert indicator_values(data, fw, params={"rd_intensity_denominator": "above_scale_revenue"})["I07"].iloc[0] == pytest.approx(4)
    with pytest.raises(ConfigError, match="rd_intensity_denominator"):
        indicator_values(data, fw, params={"rd_intensity_denominator": "employees"})


def test_missing_inputs_give_nan_and_are_counted(fw):
    rows = [
        {"unit_id": "A0001", "year": 2023, "sales_revenue": 100.0, "land_area": 0.0, "water_use": 5.0},
        {"unit_id": "A0001", "year": 2024, "sales_revenue": np.nan, "land_area": 50.0, "national_rd_institutions": 2.0},
    ]
    vals = indicator_values(_data(rows), fw)
    assert math.isnan(vals.loc[("A0001", 2023), "I05"])  # zero land area: no value, not inf
    assert math.isnan(vals.loc[("A0001", 2024), "I05"])  # missing revenue
    assert math.isnan(vals.loc[("A0001", 2024), "I09"])  # provincial count missing: sum is missing, not 2
    assert math.isnan(vals.loc[("A0001", 2023), "I20"])  # no industrial value added
    summary = missing_summary(vals)
    assert summary.loc["I01", "missing"] == 1 and summary.loc["I05", "missing"] == 2
    assert summary.loc["I01", "missing_pct"] == 50


def test_year_filter(fw):
    rows = [{"unit_id": "A0001", "year": y, "sales_revenue": float(y)} for y in (2022, 2023, 2024)]
    vals = indicator_values(_data(rows), fw, year=2023)
    assert list(vals.index) == [("A0001", 2023)]
    assert len(indicator_values(_data(rows), fw, year=[2022, 2024])) == 2


def test_feature_values_pue_rule(fw):
    rows = [
        {"unit_id": "A0001", "year": 2024, "dc_pue": 1.6, "dc_design_pue": 1.25, "dc_operating_under_one_year": True},
        {"unit_id": "A0002", "year": 2024, "dc_pue": 1.28, "dc_design_pue": 1.2, "dc_operating_under_one_year": False},
        {"unit_id": "A0003", "year": 2024, "dc_pue": 1.28, "dc_design_pue": 1.2, "dc_operating_under_one_year": None},
    ]
    for r in rows:
        r["cloud_platform_rate"] = 31.0
    data = _data(rows)
    data["annual"]["dc_operating_under_one_year"] = data["annual"]["dc_operating_under_one_year"].astype("boolean")
    f = feature_values(data, fw)
    assert f.loc[("A0001", 2024), "F18L"] == 1.25  # operating < 1 year: design PUE
    assert f.loc[("A0002", 2024), "F18L"] == 1.28
    assert math.isnan(f.loc[("A0003", 2024), "F18L"])  # unknown whether < 1 year: missing
    assert f.loc[("A0001", 2024), "F18S"] == 1.6  # small/medium always the operating PUE
    assert f.loc[("A0001", 2024), "F14b"] == 31
    assert {"F06a", "F07a1", "F07a2", "F07b", "F07c", "F12a", "F12b", "F12c", "F17La", "F17Lc", "F17Sd"} <= set(f.columns)


def _gdp_units():
    applicants = _applicants([
        ["A0001", "甲", "江苏省", "东部", "装备工业", "汽车", None, None, None],
        ["A0002", "乙", "浙江省", "东部", "装备工业", "汽车", None, None, None],
        ["A0003", "丙", "江苏省", "东部", "装备工业", "汽车", None, None, None],
    ])
    applicants["city"] = pd.array(["苏州市", "杭州市", None], dtype="string")
    gdp = pd.DataFrame({"area": ["江苏省", "浙江省", "江苏省", "苏州市"],
                        "year": pd.array([2024, 2024, 2023, 2024], dtype="Int64"),
                        "gdp_growth": [5.8, 6.0, 5.5, 6.4]})
    rows = [{"unit_id": u, "year": y} for u in ("A0001", "A0002", "A0003") for y in (2022, 2023, 2024)]
    return _data(rows, applicants, gdp=gdp)


def test_local_gdp_growth_city_where_its_row_exists_else_province(fw):
    g = local_gdp_growth(_gdp_units())
    # city row present → the city's growth
    assert g.loc[("A0001", 2024)].tolist() == [6.4, "city", "苏州市"]
    # no 2023 row for the city → the province's 2023 row
    assert g.loc[("A0001", 2023)].tolist() == [5.5, "province", "江苏省"]
    # a city without any row (杭州市) and a blank city → the province
    assert g.loc[("A0002", 2024)].tolist() == [6.0, "province", "浙江省"]
    assert g.loc[("A0003", 2024)].tolist() == [5.8, "province", "江苏省"]
    # neither the city nor the province has a row → missing, never a number
    assert math.isnan(g.loc[("A0001", 2022), "gdp_growth"]) and math.isnan(g.loc[("A0002", 2023), "gdp_growth"])


def test_local_gdp_growth_province_level_ignores_city_rows(fw):
    g = local_gdp_growth(_gdp_units(), level="province")
    assert g.loc[("A0001", 2024)].tolist() == [5.8, "province", "江苏省"]
    assert (g["level"] == "province").all()
    with pytest.raises(ValueError, match="local_gdp_level"):
        local_gdp_growth(_gdp_units(), level="county")


def _peer_data(n=10, domain="装备工业", benchmarks=None):
    ids = [f"A{i:04d}" for i in range(1, n + 1)]
    applicants = _applicants([[u, u, "江苏省", "东部", domain, "汽车", None, None, None] for u in ids])
    # value added 10..100 亿元 with 10 000 employees each → 10..100 万元/人
    rows = [{"unit_id": u, "year": 2024, "value_added": 10.0 * (i + 1), "employees": 10000.0,
             "energy_consumption": float(i + 1), "industrial_value_added": 10.0} for i, u in enumerate(ids)]
    return _data(rows, applicants, benchmarks=benchmarks)


def test_peer_positions_top_share(fw):
    pos = peer_positions(_peer_data(), fw).set_index(["indicator_id", "unit_id"])
    # I04 higher is better: A0010 (100 万元/人) is rank 1 → top 10 %; A0008 rank 3 → 30 %; A0007 → 40 %
    assert pos.loc[("I04", "A0010"), "rank"] == 1 and pos.loc[("I04", "A0010"), "position"] == 10
    assert pos.loc[("I04", "A0008"), "position"] == 30
    assert pos.loc[("I04", "A0007"), "position"] == 40
    # I19 lower is better: A0001 uses 0.1 吨/万元 → rank 1
    assert pos.loc[("I19", "A0001"), "rank"] == 1 and pos.loc[("I19", "A0010"), "rank"] == 10
    assert pos.loc[("I04", "A0001"), "group_size"] == 10 and pos.loc[("I04", "A0001"), "peer_group"] == "汽车"
    # I10: no standards data → no position
    assert pos.loc[("I10", "A0001"), "position"] is pd.NA or math.isnan(pos.loc[("I10", "A0001"), "position"])


def test_peer_small_group_falls_back_to_the_domain_then_to_all(fw):
    data = _peer_data(n=8)
    data["applicants"].loc[0:1, "industry"] = "船舶"  # 2 shipbuilders < 5 → their domain 装备工业 (8)
    pos = peer_positions(data, fw).set_index(["indicator_id", "unit_id"])
    assert pos.loc[("I04", "A0002"), "peer_group"] == "装备工业"
    assert pos.loc[("I04", "A0002"), "peer_level"] == "示范领域" and pos.loc[("I04", "A0002"), "peer_fallback"]
    assert pos.loc[("I04", "A0002"), "group_size"] == 8 and pos.loc[("I04", "A0002"), "rank"] == 7
    # the 6 carmakers are a group of their own industry
    assert pos.loc[("I04", "A0008"), "peer_group"] == "汽车" and pos.loc[("I04", "A0008"), "group_size"] == 6
    assert not pos.loc[("I04", "A0008"), "peer_fallback"]
    data["applicants"].loc[0:1, "domain"] = "信息产业"  # their domain is now 2 as well → all 8 units
    pos = peer_positions(data, fw).set_index(["indicator_id", "unit_id"])
    assert pos.loc[("I04", "A0002"), "peer_group"] == "全体" and pos.loc[("I04", "A0002"), "peer_level"] == "全体"
    pos2 = peer_positions(data, fw, params={"peer_min_group_size": 2}).set_index(["indicator_id", "unit_id"])
    assert pos2.loc[("I04", "A0002"), "peer_group"] == "船舶" and pos2.loc[("I04", "A0002"), "rank"] == 1


def test_the_best_steel_base_on_energy_intensity_passes_19_by_default(fw):
    """#19 「处于国内同行业先进水平」: steel is compared with steel, not with the whole 原材料工业 domain."""
    steel = [f"A{i:04d}" for i in range(1, 6)]
    light = [f"A{i:04d}" for i in range(6, 16)]
    applicants = _applicants(
        [[u, u, "河北省", "东部", "原材料工业", "钢铁", None, None, None] for u in steel]
        + [[u, u, "江苏省", "东部", "原材料工业", "新材料", None, None, None] for u in light]
    )
    # tce per 10 000 yuan of value added: steel 2.0 (best) … 3.0; new materials 0.2 … 1.1
    energy = [20.0, 22.5, 25.0, 27.5, 30.0] + [2.0 + i for i in range(10)]
    rows = [{"unit_id": u, "year": 2024, "energy_consumption": e, "industrial_value_added": 10.0}
            for u, e in zip(steel + light, energy)]
    data = _data(rows, applicants)
    pos = peer_positions(data, fw).set_index(["indicator_id", "unit_id"])
    assert pos.loc[("I19", "A0001"), "peer_group"] == "钢铁"
    assert pos.loc[("I19", "A0001"), "position"] == 20 <= fw.parameter_defaults()["peer_top_share"]
    assert pos.loc[("I19", "A0001"), "standing"] == 100
    by_domain = peer_positions(data, fw, params={"peer_group_by": "domain"}).set_index(["indicator_id", "unit_id"])
    assert by_domain.loc[("I19", "A0001"), "position"] > 30  # the old default: rank 11 of 15


@pytest.mark.parametrize("n", [2, 5, 7, 20])
def test_standing_puts_the_leader_of_any_group_at_100_and_the_last_at_0(fw, n):
    pos = peer_positions(_peer_data(n=n), fw, params={"peer_min_group_size": 1})
    i04 = pos[pos.indicator_id == "I04"].set_index("unit_id")
    assert i04.loc[f"A{n:04d}", "standing"] == 100  # highest value added per person
    assert i04.loc["A0001", "standing"] == 0
    assert i04["standing"].between(0, 100).all()
    # the old position gave the best of 5 peers 80 and the best of 20 peers 95
    assert 100 - i04.loc[f"A{n:04d}", "position"] == 100 - 100 / n


def test_standing_gives_ties_their_mid_rank_and_a_lone_unit_100(fw):
    data = _peer_data(n=5)
    data["annual"]["value_added"] = [10.0, 20.0, 20.0, 40.0, 50.0]  # ranks 5, 3.5, 3.5, 2, 1
    i04 = peer_positions(data, fw).query("indicator_id == 'I04'").set_index("unit_id")
    assert i04.loc["A0002", "standing"] == pytest.approx(100 * (5 - 3.5) / 4)
    assert i04.loc["A0002", "rank"] == 3  # the condition keeps the best rank of a tie
    alone = peer_positions(_peer_data(n=1), fw).query("indicator_id == 'I04'")
    assert alone["standing"].tolist() == [100]


def test_peer_ties_share_best_rank(fw):
    data = _peer_data(n=5)
    data["annual"]["value_added"] = 50.0
    pos = peer_positions(data, fw)
    assert set(pos[pos.indicator_id == "I04"]["rank"]) == {1}


def test_benchmark_attached(fw):
    bench = pd.DataFrame({"industry": ["汽车"], "indicator_id": ["I04"], "year": pd.array([2024], dtype="Int64"),
                          "benchmark": [45.0]})
    pos = peer_positions(_peer_data(benchmarks=bench), fw)
    assert (pos[pos.indicator_id == "I04"]["benchmark"] == 45).all()
    assert pos[pos.indicator_id == "I19"]["benchmark"].isna().all()


def test_registry_marks_special_areas():
    applicants = _applicants([
        ["A0001", "甲", "江苏省", "东部", "装备工业", "汽车", None, "革命老区;民族地区", None],
        ["A0002", "乙", "江苏省", "东部", "装备工业", "汽车", None, None, None],
    ])
    reg = unit_registry({"applicants": applicants})
    assert reg.loc["A0001", "special_area"] and not reg.loc["A0002", "special_area"]
    assert reg.loc["A0001", "kind"] == "applicant"
