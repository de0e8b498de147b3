"""Readers and load_dataset: accepted headers, encodings, cell forms, canonical dtypes."""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from io_inputs import VALID, YEAR, tree_hashes, write_inputs

from nidb.inputs.contract import load_contract
from nidb.inputs.dataset import TABLE_NAMES, Dataset, load_dataset
from nidb.inputs.readers import parse_table, read_csv

CANONICAL = {"number": "float64", "integer": "Int64", "boolean": "boolean", "category": "string",
             "string": "string", "list": "string"}


def test_dataset_fields_are_the_contract_tables():
    assert TABLE_NAMES == load_contract().table_names
    assert TABLE_NAMES == (
        "bases", "applicants", "annual", "expert_scores", "renames", "official_statistics", "submissions",
        "gdp_growth", "benchmarks",
    )


def test_load_dataset_gives_canonical_columns_and_dtypes(tmp_path: Path):
    data = load_dataset(write_inputs(tmp_path), year=YEAR)
    contract = load_contract()
    for name, frame in data.tables().items():
        table = contract.table(name)
        assert list(frame.columns) == list(table.column_names)
        assert {c: str(frame[c].dtype) for c in frame} == {c.name: CANONICAL[c.dtype] for c in table.columns}
        assert frame.index.equals(pd.RangeIndex(len(frame)))
    # optional tables absent from the directory are empty frames
    assert len(data.renames) == 0 and len(data.benchmarks) == 0
    assert len(data.bases) == 2 and len(data.annual) == 4 and len(data.expert_scores) == 2


def test_annual_values_from_chinese_headers_with_units(tmp_path: Path):
    data = load_dataset(write_inputs(tmp_path), year=YEAR)
    a = data.annual
    assert a["sales_revenue"].tolist() == [500.0, 520.0, 80.0, 30.0]
    assert a["qms_certification_rate"].tolist() == [65.0, 70.0, 55.5, 80.0]
    assert a["year"].tolist() == [2023, 2024, 2024, 2024]
    assert a["fraud_found"].tolist()[:3] == [False, False, False] and a["fraud_found"].isna().tolist()[3]
    # a column the file does not have is all missing, never zero
    assert a["employees"].isna().all()


def test_list_column_joined_by_semicolon_and_na_when_empty(tmp_path: Path):
    bases = load_dataset(write_inputs(tmp_path), year=YEAR).bases
    assert pd.isna(bases.at[0, "special_areas"])
    assert bases.at[1, "special_areas"] == "革命老区;民族地区"


@pytest.mark.parametrize("header", ["产业集聚区销售收入（亿元）", "产业集聚区销售收入(亿元)", "产业集聚区销售收入",
                                    "sales_revenue", " Sales_Revenue "])
def test_accepted_header_forms(tmp_path: Path, header: str):
    path = tmp_path / "annual.csv"
    path.write_text(f"unit_id,year,{header}\nB0001,2024,12.5\n", encoding="utf-8")
    tf, problems = parse_table(read_csv(path)[0], load_contract().table("annual"))
    assert problems == []
    assert tf.frame["sales_revenue"].tolist() == [12.5]
    assert tf.headers["sales_revenue"] == header.strip()


def test_csv_with_bom_reads_like_without(tmp_path: Path):
    plain = write_inputs(tmp_path / "plain")
    bom = write_inputs(tmp_path / "bom", {"annual.csv": b"\xef\xbb\xbf" + VALID["annual.csv"].encode("utf-8")})
    pd.testing.assert_frame_equal(load_dataset(plain, year=YEAR).annual, load_dataset(bom, year=YEAR).annual)


@pytest.mark.parametrize("cell,expected", [("是", True), ("否", False), ("TRUE", True), ("false", False),
                                           ("1", True), ("0", False), ("", None)])
def test_boolean_forms(tmp_path: Path, cell: str, expected: bool | None):
    annual = f"unit_id,year,fraud_found\nB0001,2024,{cell}\n"
    data = load_dataset(write_inputs(tmp_path, {"annual.csv": annual}), year=YEAR)
    got = data.annual.at[0, "fraud_found"]
    assert pd.isna(got) if expected is None else bool(got) == expected and not pd.isna(got)


@pytest.mark.parametrize("cell", ["革命老区;边疆地区", "革命老区；边疆地区", "革命老区、边疆地区", " 革命老区 ; 边疆地区 ;"])
def test_list_separators(tmp_path: Path, cell: str):
    bases = VALID["bases.csv"].replace("革命老区、民族地区", f'"{cell}"')
    data = load_dataset(write_inputs(tmp_path, {"bases.csv": bases}), year=YEAR)
    assert data.bases.at[1, "special_areas"] == "革命老区;边疆地区"


def test_thousands_separator_and_full_width_digits(tmp_path: Path):
    annual = 'unit_id,year,sales_revenue,employees\nB0001,2024,"1,234.5",１２０００\n'
    data = load_dataset(write_inputs(tmp_path, {"annual.csv": annual}), year=YEAR)
    assert data.annual.at[0, "sales_revenue"] == 1234.5
    assert data.annual.at[0, "employees"] == 12000.0


def test_xlsx_and_parquet_files_in_a_directory(tmp_path: Path):
    reference = load_dataset(write_inputs(tmp_path / "csv"), year=YEAR)
    mixed = write_inputs(tmp_path / "mixed", {"annual.csv": None, "bases.csv": None})
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "年度报表"
    for line in VALID["annual.csv"].splitlines():
        ws.append([_excel_cell(v) for v in line.split(",")])
    wb.save(mixed / "annual.xlsx")
    reference.bases.to_parquet(mixed / "bases.parquet")
    data = load_dataset(mixed, year=YEAR)
    pd.testing.assert_frame_equal(data.annual, reference.annual)
    pd.testing.assert_frame_equal(data.bases, reference.bases)


def _excel_cell(v: str) -> object:
    try:
        return float(v) if "." in v else int(v)
    except ValueError:
        return v or None


def test_workbook_with_canonical_sheet_names(tmp_path: Path):
    reference = load_dataset(write_inputs(tmp_path / "csv"), year=YEAR)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name in ("bases", "applicants", "annual", "expert_scores", "gdp_growth"):
        ws = wb.create_sheet(name)
        for line in VALID[f"{name}.csv"].splitlines():
            ws.append([_excel_cell(v) for v in line.split(",")])
    wb.save(tmp_path / "all.xlsx")
    data = load_dataset(tmp_path / "all.xlsx", year=YEAR)
    for name in TABLE_NAMES:
        pd.testing.assert_frame_equal(data.table(name), reference.table(name))


@pytest.mark.parametrize("header", ["authority", "推荐单位"])
def test_gdp_growth_of_contract_version_1_reads_authority_as_area(tmp_path: Path, header: str):
    """Files written before the city column head the area 推荐单位 / authority: still read."""
    old = VALID["gdp_growth.csv"].replace("area,", f"{header},", 1)
    data = load_dataset(write_inputs(tmp_path, {"gdp_growth.csv": old}), year=YEAR)
    assert data.gdp_growth["area"].tolist() == ["江苏省", "四川省", "苏州市"]


def test_empty_rows_are_skipped_and_row_numbers_kept(tmp_path: Path):
    path = tmp_path / "annual.csv"
    path.write_text("unit_id,year,sales_revenue\nB0001,2023,1\n,,\nB0001,2024,x\n", encoding="utf-8")
    tf, problems = parse_table(read_csv(path)[0], load_contract().table("annual"))
    assert tf.frame.index.tolist() == [2, 4]
    assert [(p.row, p.column, p.value) for p in problems] == [(4, "sales_revenue", "x")]


def test_missing_numbers_stay_nan_not_zero(tmp_path: Path):
    annual = "unit_id,year,sales_revenue,leading_industry_revenue\nB0001,2024,,0\n"
    a = load_dataset(write_inputs(tmp_path, {"annual.csv": annual}), year=YEAR).annual
    assert math.isnan(a.at[0, "sales_revenue"]) and a.at[0, "leading_industry_revenue"] == 0.0


def test_loading_does_not_touch_the_inputs(tmp_path: Path):
    data_dir = write_inputs(tmp_path / "data")
    before = tree_hashes(tmp_path)
    load_dataset(data_dir, year=YEAR)
    assert tree_hashes(tmp_path) == before


def test_dataset_table_lookup(tmp_path: Path):
    data = load_dataset(write_inputs(tmp_path), year=YEAR)
    assert isinstance(data, Dataset)
    assert data.table("annual") is data.annual
    assert data.files == tuple(sorted((tmp_path / n for n in VALID), key=lambda p: p.name))
    with pytest.raises(KeyError):
        data.table("files")


_CELL_TEXT = st.text(alphabet=st.sampled_from(["a", "7", " ", "\t", "\u3000", "\xa0", "中", "\x1c", "\r"]), max_size=4)


@settings(max_examples=200, deadline=None)
@given(cells=st.lists(st.one_of(st.none(), _CELL_TEXT), min_size=1, max_size=12), cut=st.integers(0, 12))
def test_columnar_trim_fast_path_equals_full_strip(cells: list[str | None], cut: int) -> None:
    """Cells taken as they are (no edge to strip) equal the full Arrow strip with blanks missing,
    over chunk boundaries and sliced chunks."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from nidb.inputs.columnar import _trimmed

    cut = min(cut, len(cells))
    column = pa.chunked_array([pa.array(["header"] + cells[:cut], pa.string()), pa.array(cells[cut:], pa.string())])
    column = column.slice(1)  # as the reader slices off the header row
    stripped = pc.utf8_trim_whitespace(column.cast(pa.large_string())).to_pylist()
    assert _trimmed(column).to_pylist() == [None if s is None or s == "" else s for s in stripped]


def test_xlsx_without_formulas_or_percentages_reads_the_same_by_calamine_and_openpyxl(tmp_path, monkeypatch):
    """The fast reader (calamine) gives the very sheets openpyxl gives: numbers, whole numbers,
    text with spaces, booleans, dates, empty cells and rows, a hidden sheet, the 说明 sheet."""
    import datetime

    from nidb.inputs import readers

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "年度报表"
    ws.append(["基地编号", "年份", "增加值（亿元）", "备注", "是否", "日期"])
    ws.append(["B0001", 2024, 12.5, "  有空格 ", True, datetime.datetime(2024, 5, 1)])
    ws.append([None, None, None, None, None, None])
    ws.append(["B0002", 2024.0, 1e-7, "", False, None])
    ws.append(["B0003", "2024", -3, "无", None, datetime.date(2023, 1, 31)])
    ws.cell(row=6, column=8, value="远处的单元格")
    wb.create_sheet("隐藏").append(["x"])
    wb["隐藏"].sheet_state = "hidden"
    wb.create_sheet("说明").append(["填报说明"])
    path = tmp_path / "plain.xlsx"
    wb.save(path)

    assert readers._formulas_and_errors(path) == (False, False) and not readers._has_percent_styles(path)
    fast = readers.read_xlsx(path)
    monkeypatch.setattr(readers, "_has_percent_styles", lambda _: True)  # take the openpyxl path
    slow = readers.read_xlsx(path)
    assert [(s.sheet, s.header, s.hidden) for s in fast] == [(s.sheet, s.header, s.hidden) for s in slow]
    for a, b in zip(fast, slow):
        pd.testing.assert_frame_equal(
            a.cells.map(lambda v: None if v is None else str(readers._shown(v))),
            b.cells.map(lambda v: None if v is None else str(readers._shown(v))),
        )


def test_xlsx_with_an_error_value_is_read_by_openpyxl_which_keeps_it(tmp_path):
    """An error value (#N/A) read as missing would be silently wrong: it is kept, and refused as a number."""
    from nidb.inputs import readers

    wb = openpyxl.Workbook()
    wb.active.append(["x"])
    wb.active.append(["#N/A"])  # openpyxl stores an error-code string as an error cell (t="e")
    path = tmp_path / "error.xlsx"
    wb.save(path)
    assert readers._formulas_and_errors(path) == (False, True)
    assert readers.read_xlsx(path)[0].cells.iat[0, 0] == "#N/A"


def test_xlsx_with_a_percentage_style_is_read_by_openpyxl(tmp_path):
    from nidb.inputs import readers

    wb = openpyxl.Workbook()
    wb.active.append(["x"])
    wb.active.append([0.5])
    wb.active["A2"].number_format = "0.0%"
    path = tmp_path / "percent.xlsx"
    wb.save(path)
    assert readers._has_percent_styles(path)
    assert readers.read_xlsx(path)[0].percent == frozenset({(2, 0)})


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.one_of(
    st.none(), st.floats(allow_nan=False, allow_infinity=True), st.integers(-10**16, 10**16),
    st.sampled_from([0.0, -0.0, 1e15, 1e15 - 1, 999999999999999.9, 1e-07, 2010.0, 12.5]),
), min_size=1, max_size=20))
def test_numbers_of_a_workbook_column_read_as_written_one_by_one(values: list[float | int | None]) -> None:
    """The vectorised text of a column of numbers equals the text of each cell as `_shown` gives it
    (NaN does not reach `_text`: `_sheet` has made it an empty cell)."""
    from nidb.inputs.readers import _shown, _text

    cells = pd.Series(values, dtype=object)
    expected = [None if v is None else str(_shown(v)).strip() for v in values]
    expected = [None if t == "" else t for t in expected]
    assert [None if pd.isna(t) else t for t in _text(cells)] == expected
