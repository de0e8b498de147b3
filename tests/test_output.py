"""Result files: all-or-nothing writes, output checks, synthetic labelling."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from workbook_check import check_workbook

from nidb.errors import NidbError
from nidb.output import SYNTHETIC_LABEL, column_width, display_width, sheet_title, write_tables

TABLES = {"结果": pd.DataFrame({"编号": ["B0001"], "得分": [71.5]}), "说明": pd.DataFrame({"项目": ["数据"]})}


def test_csv_output_writes_one_file_per_table_with_bom(tmp_path):
    written = write_tables(TABLES, tmp_path / "out.csv")
    assert [p.name for p in written] == ["out.csv", "out-说明.csv"]
    assert (tmp_path / "out.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert pd.read_csv(tmp_path / "out.csv", encoding="utf-8-sig")["得分"].tolist() == [71.5]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out-说明.csv", "out.csv"]


def test_xlsx_output_has_one_sheet_per_table(tmp_path):
    write_tables(TABLES, tmp_path / "out.xlsx")
    assert pd.ExcelFile(tmp_path / "out.xlsx", engine="openpyxl").sheet_names == ["结果", "说明"]


def test_a_failure_half_way_leaves_nothing_behind(tmp_path, monkeypatch):
    calls = []
    original = pd.DataFrame.to_csv

    def failing(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", failing)
    with pytest.raises(OSError):
        write_tables(TABLES, tmp_path / "out.csv")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["out.txt", "missing-folder/out.csv"])
def test_bad_output_paths_are_user_errors(tmp_path, name):
    with pytest.raises(NidbError):
        write_tables(TABLES, tmp_path / name)


# --- issue 11: an output never overwrites an input, nor an existing result without --force
def test_output_equal_to_an_input_file_is_refused(tmp_path):
    from nidb.output import check_out

    data = tmp_path / "data"
    data.mkdir()
    workbook = tmp_path / "填报.xlsx"
    workbook.write_bytes(b"input")
    with pytest.raises(NidbError, match="输出路径就是输入文件，拒绝覆盖"):
        check_out(workbook, inputs=[workbook], overwrite=True)
    with pytest.raises(NidbError, match="位于数据目录 .* 之内，拒绝写入"):
        check_out(data / "annual.csv", inputs=[data], overwrite=True)
    with pytest.raises(NidbError, match="输出路径就是输入目录"):
        check_out(data, inputs=[data], folder=True)
    assert workbook.read_bytes() == b"input"


def test_existing_output_needs_force(tmp_path):
    from nidb.output import check_out

    out = tmp_path / "结果.xlsx"
    out.write_bytes(b"old")
    with pytest.raises(NidbError, match=r"文件已存在，未覆盖：.*（如需覆盖请加 --force）"):
        check_out(out, overwrite=False)
    assert check_out(out, overwrite=True) == out
    folder = tmp_path / "audit"
    folder.mkdir()
    assert check_out(folder, overwrite=False, folder=True) == folder  # an empty folder is no result yet
    (folder / "manifest.json").write_text("{}")
    with pytest.raises(NidbError, match="目录已存在，未覆盖"):
        check_out(folder, overwrite=False, folder=True)


def test_cli_refuses_to_write_into_the_data_directory_before_any_work(tmp_path):
    from io_inputs import write_inputs
    from typer.testing import CliRunner

    from nidb.cli import app

    data = write_inputs(tmp_path / "data")
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    result = CliRunner().invoke(app, ["evaluate", "--year", "2024", "--data", str(data), "--out", str(data / "annual.csv")])
    assert result.exit_code == 1
    assert "位于数据目录" in result.output and "Traceback" not in result.output
    assert {p.name: p.read_bytes() for p in data.iterdir()} == before
    existing = tmp_path / "结果.csv"
    existing.write_text("old", encoding="utf-8")
    result = CliRunner().invoke(app, ["select", "--year", "2024", "--data", str(data), "--out", str(existing)])
    assert result.exit_code == 1 and "如需覆盖请加 --force" in result.output
    assert existing.read_text(encoding="utf-8") == "old"


def test_screen_keeps_an_existing_output_without_force(tmp_path):
    from io_inputs import write_inputs
    from typer.testing import CliRunner

    from nidb.cli import app

    data = write_inputs(tmp_path / "data")
    existing = tmp_path / "筛查.csv"
    existing.write_text("old", encoding="utf-8")
    command = ["screen", "--year", "2024", "--data", str(data), "--out", str(existing)]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 1 and "如需覆盖请加 --force" in result.output
    assert existing.read_text(encoding="utf-8") == "old"
    result = CliRunner().invoke(app, [*command, "--force"])
    assert result.exit_code == 0, result.output
    assert existing.read_text(encoding="utf-8") != "old"  # replaced by the screening table


def test_xlsx_outputs_carry_the_build_time_not_the_wall_clock(tmp_path, monkeypatch):
    import time
    import zipfile

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = write_tables(TABLES, tmp_path / "a.xlsx")[0].read_bytes()
    time.sleep(2.1)  # zip entry times have a 2-second resolution
    second = write_tables(TABLES, tmp_path / "b.xlsx")[0].read_bytes()
    assert first == second
    with zipfile.ZipFile(tmp_path / "a.xlsx") as archive:
        assert {i.date_time for i in archive.infolist()} == {(2023, 11, 14, 22, 13, 20)}
        assert b"2023-11-14T22:13:20Z" in archive.read("docProps/core.xml")

# ---------------------------------------------------------------- formatted workbooks
def test_workbook_keeps_numbers_as_numbers_with_formats(tmp_path):
    frame = pd.DataFrame({
        "基地编号": ["B0001", "B0002"], "名次": [1, 2], "营业收入（亿元）": [12345.678, 9.5],
        "通过率": [0.718, 0.25], "研发经费投入强度（%）": [3.2, 4.1], "企业数": [12000, 800],
    })
    out = write_tables({"结果": frame}, tmp_path / "out.xlsx", label=SYNTHETIC_LABEL)[0]
    values = check_workbook(out)
    sheet = openpyxl.load_workbook(out)["结果"]
    assert values["结果"][1] == ["B0001", 1, 12345.678, 0.718, 3.2, 12000]
    formats = [c.number_format for c in sheet[2]]
    assert formats[1:] == ["0", "#,##0.00", "0.0%", "#,##0.00", "#,##0"]
    assert SYNTHETIC_LABEL in sheet.oddHeader.center.text
    assert "数据来源" not in values["结果"][0]  # the label is not a repeated column
    assert values["说明"][1] == ["数据", SYNTHETIC_LABEL]


def test_widths_count_chinese_characters_double():
    assert display_width("abc") == 3 and display_width("示范基地") == 8 and display_width("（合成）") == 8
    narrow = column_width("id", pd.Series(["abcd"]), None)
    wide = column_width("名称", pd.Series(["示范基地示范基地"]), None)
    assert wide == 18 and narrow == 8  # 16 columns of text + 2, at least 6 + 2


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"点我\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\r=1"])
def test_formula_like_text_stays_text_in_xlsx_and_csv(tmp_path, text):
    frame = pd.DataFrame({"基地名称": [text, "正常名称"], "得分": [1.0, 2.0]})
    out = write_tables({"结果": frame}, tmp_path / "out.xlsx")[0]
    cell = openpyxl.load_workbook(out)["结果"]["A2"]
    assert cell.value in (text, text.replace("\r", "\n"))  # without lxml, XML reads a stored CR back as LF
    assert cell.data_type == "s" and cell.quotePrefix
    check_workbook(out, notes=None)
    csv = write_tables({"结果": frame}, tmp_path / "out.csv")[0]
    back = pd.read_csv(csv, encoding="utf-8-sig", keep_default_na=False)
    assert back["基地名称"].tolist() == ["'" + text, "正常名称"]
    assert back["得分"].tolist() == [1.0, 2.0]


def test_csv_carries_the_label_as_a_column(tmp_path):
    written = write_tables(TABLES, tmp_path / "out.csv", label=SYNTHETIC_LABEL)
    first = pd.read_csv(written[0], encoding="utf-8-sig")
    assert list(first.columns)[0] == "数据来源" and (first["数据来源"] == SYNTHETIC_LABEL).all()
    assert "数据来源" not in pd.read_csv(written[1], encoding="utf-8-sig")


def test_sheet_names_are_made_valid():
    assert sheet_title("a/b:c*d?[e]") == "a_b_c_d__e_" and len(sheet_title("长" * 40)) == 31
