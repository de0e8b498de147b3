"""The collection workbook: layout, rules, drop-downs, instructions, lossless round trip."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from io_inputs import VALID, YEAR, write_inputs

from nidb.errors import NidbError
from nidb.inputs.contract import load_contract
from nidb.inputs.dataset import TABLE_NAMES, load_dataset
from nidb.inputs.schemas import CANONICAL_DTYPES
from nidb.inputs.template import write_template
from nidb.inputs.validation import validate_paths

RICH = {
    **VALID,
    "bases.csv": (
        "base_id,name,authority,city,region,domain,industry,feature_area,leading_industry,zone_code,"
        "provincial_recognition,special_areas,pilot_tasks,batch,year_announced,dc_size_class\n"
        "B0001,示例基地-001,江苏省,苏州市,东部,装备工业,装备制造,,工程机械,G320001,是,,国家安全应急产业示范基地,1,2010,\n"
        "B0002,示例基地-002,新疆生产建设兵团,石河子市,西部,信息产业,数据中心,数据中心,数据中心,,否,"
        "革命老区、民族地区、边疆地区,,2,2011,大型以上\n"
    ),
    "annual.csv": (
        "unit_id,year,sales_revenue,leading_industry_revenue,value_added_growth,employees,dc_pue,"
        "dc_operation,env_incident_level,safety_accident_level,dc_national_green_list,fraud_found,qms_certification_rate\n"
        "B0001,2023,1234.5678,0.001,-3.25,12000,,,无,无,,否,99.9\n"
        "B0002,2024,80.1,80.1,0.1,,1.25,部分投产,Ⅳ级,较大,是,否,0\n"
        "A0001,2024,,,,,,,,,,,\n"
    ),
    "renames.csv": "base_id,year,old_name,new_name,reason\nB0002,2022,示例旧名,示例基地-002,\n",
    "benchmarks.csv": "industry,indicator_id,year,benchmark\n数据中心,I19,2024,0.35\n",
}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return write_template(tmp_path_factory.mktemp("tpl") / "模板.xlsx")


def test_sheets_in_order_with_hidden_lists_last(template: Path):
    wb = openpyxl.load_workbook(template)
    contract = load_contract()
    assert wb.sheetnames == ["说明", *(t.zh for t in contract.tables), "选项"]
    assert wb["选项"].sheet_state == "hidden"
    assert all(wb[t.zh].sheet_state == "visible" for t in contract.tables)


def test_two_header_rows_and_rule_comments(template: Path):
    wb = openpyxl.load_workbook(template)
    ws = wb["年度报表"]
    annual = load_contract().table("annual")
    assert [c.value for c in ws[1]] == [c.header for c in annual.columns]
    assert [c.value for c in ws[2]] == list(annual.column_names)
    assert ws["C1"].value == "产业集聚区销售收入（亿元）"
    leading = ws["D1"].comment.text
    assert leading.startswith("leading_industry_revenue\n")
    assert "不大于「产业集聚区销售收入（亿元）」" in leading and "0～100000亿元" in leading
    qms = next(c for c in ws[1] if c.value == "规上企业质量管理体系贯标率（%）").comment.text
    assert "65% 填 65" in qms
    assert ws.freeze_panes == "A3"
    # required headers are shaded differently from optional ones
    assert ws["A1"].fill.fgColor.rgb != ws["C1"].fill.fgColor.rgb


def _validations(ws) -> dict[str, object]:
    """First column letter of each validated range -> its DataValidation."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            out[rng.split(":")[0].rstrip("0123456789")] = dv
    return out


def _list_values(wb, formula: str) -> list[str]:
    sheet, cells = formula.split("!")
    start, end = cells.replace("$", "").split(":")
    return [c.value for (c,) in wb[sheet.strip("'")][f"{start}:{end}"]]


def test_drop_downs_for_categories_from_the_hidden_sheet(template: Path):
    wb = openpyxl.load_workbook(template)
    bases = _validations(wb["示范基地名录"])
    authority = bases["C"]  # authority is the third column of bases
    assert authority.type == "list" and str(authority.sqref) == "C3:C5002"
    values = _list_values(wb, authority.formula1)
    assert len(values) == 37 and values[0] == "北京市" and values[-1] == "新疆生产建设兵团"
    assert _list_values(wb, bases["E"].formula1) == ["东部", "中部", "西部", "东北"]  # after 所在地市 (D)
    assert bases["K"].formula1 == '"是,否"'  # provincial_recognition
    assert bases["N"].type == "whole" and (bases["N"].formula1, bases["N"].formula2) == ("1", "30")  # batch
    annual = wb["年度报表"]
    cols = {c.value: c.column_letter for c in annual[2]}
    av = _validations(annual)
    assert _list_values(wb, av[cols["env_incident_level"]].formula1) == ["无", "Ⅳ级", "Ⅲ级", "Ⅱ级", "Ⅰ级"]
    assert _list_values(wb, _validations(wb["行业基准值"])["B"].formula1) == ["I04", "I10", "I19", "I20"]
    # free text and list columns have no drop-down
    assert "B" not in bases and "D" not in bases and "L" not in bases  # name, city, special areas


def test_instructions_sheet_in_chinese(template: Path):
    ws = openpyxl.load_workbook(template)["说明"]
    text = "\n".join(str(c.value) for (c,) in ws.iter_rows(min_col=1, max_col=1) if c.value)
    assert "数据从第 3 行开始填写" in text and "nidb validate" in text
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=1)]
    assert ["年度报表", "产业集聚区销售收入（亿元）", "sales_revenue", "数值", "亿元"] in [r[:5] for r in rows]
    n_columns = sum(len(t.columns) for t in load_contract().tables)
    assert sum(1 for r in rows if r[2] in {c.name for t in load_contract().tables for c in t.columns}) == n_columns


def test_empty_template_validates(template: Path):
    report = validate_paths([template], year=YEAR)
    assert report.ok, report.render()
    assert set(report.tables) == set(TABLE_NAMES)


def test_filled_template_reads_back_losslessly(tmp_path: Path):
    original = load_dataset(write_inputs(tmp_path / "data", RICH), year=YEAR)
    assert original.annual["dc_pue"].notna().sum() == 1 and original.renames.shape == (1, 7)
    out = write_template(tmp_path / "filled.xlsx", original)
    # drop-downs reach past the filled rows
    assert str(_validations(openpyxl.load_workbook(out)["年度报表"])["B"].sqref) == "B3:B5005"  # 3 rows + 5000
    back = load_dataset(out, year=YEAR)
    for name in TABLE_NAMES:
        pd.testing.assert_frame_equal(back.table(name), original.table(name), check_exact=True)


def test_refuses_to_overwrite(tmp_path: Path):
    out = tmp_path / "existing.xlsx"
    out.write_bytes(b"user data")
    with pytest.raises(NidbError, match="已存在"):
        write_template(out)
    assert out.read_bytes() == b"user data"
    with pytest.raises(NidbError, match=".xlsx"):
        write_template(tmp_path / "t.csv")


def _excel(value: float) -> float:
    """A number as Excel can hold it: 15 significant digits."""
    return float(f"{value:.15g}")


def _annual_rows(draw, n: int) -> dict[str, list]:
    """Valid random annual columns, generated from the contract's rules."""
    table = load_contract().table("annual")
    keys = draw(st.lists(st.tuples(st.sampled_from(["B0001", "B0002", "A0001"]), st.integers(2009, YEAR)),
                         min_size=n, max_size=n, unique=True))
    cols: dict[str, list] = {"unit_id": [k[0] for k in keys], "year": [k[1] for k in keys]}
    units = cols["unit_id"]
    for col in table.columns:
        if col.name in cols or col.not_above:
            continue
        if col.dtype == "number" and col.unit == "%" and col.min == 0 and col.max == 100:
            # shares all within [0, 1] would read as fractions (a unit problem): draw from {0} ∪ [1, 100]
            value = st.one_of(st.just(0.0), st.floats(1, 100).map(_excel))
        elif col.growth:  # growth rates as published: one decimal, within the typical range, not all in (-1, 1)
            lo, hi = col.typical
            value = st.one_of(st.just(0.0), st.floats(1, hi), st.floats(lo, -1)).map(lambda v: round(v, 1))
        elif col.dtype == "number":
            value = st.floats(col.min, col.max, allow_nan=False).map(_excel)
        elif col.dtype == "boolean":
            value = st.booleans()
        else:
            value = st.sampled_from(col.values)
        cols[col.name] = draw(st.lists(st.one_of(st.none(), value), min_size=n, max_size=n))
        if col.slip_units:  # a unit's years stay within ±20 % of its first value (no unit slip)
            first = {u: v for u, v in reversed(list(zip(units, cols[col.name]))) if v}
            factors = draw(st.lists(st.floats(0.8, 1.2), min_size=n, max_size=n))
            cols[col.name] = [None if v is None else _excel(min(max((first.get(u) or v) * f, col.min), col.max)) if v else v
                              for u, v, f in zip(units, cols[col.name], factors)]
    shares = {u: draw(st.floats(0, 1)) for u in set(units)}
    for col in table.columns:  # parts of a total: about the same fraction of it every year
        if col.not_above:
            cols[col.name] = [None if t is None else _excel(min(t * shares[u], col.max))
                              for t, u in zip(cols[col.not_above], units)]
    return cols


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_annual_frames_read_back_losslessly(tmp_path_factory, data):
    base = load_dataset(write_inputs(tmp_path_factory.mktemp("valid")), year=YEAR)
    table = load_contract().table("annual")
    cols = _annual_rows(data.draw, data.draw(st.integers(1, 6)))
    frame = pd.DataFrame({c.name: pd.Series(cols[c.name], dtype=CANONICAL_DTYPES[c.dtype]) for c in table.columns})
    out = write_template(tmp_path_factory.mktemp("rt") / "t.xlsx", replace(base, annual=frame))
    pd.testing.assert_frame_equal(load_dataset(out, year=YEAR).annual, frame, check_exact=True)
