"""Result files: all-or-nothing writes, output checks, synthetic labelling."""

from __future__ import annotations

import pandas as pd
import pytest

from nidb.errors import NidbError
from nidb.output import SYNTHETIC_LABEL, labelled, write_tables

TABLES = {"结果": pd.DataFrame({"编号": ["B0001"], "得分": [71.5]}), "说明": pd.DataFrame({"项目": ["数据"]})}


def test_csv_output_writes_one_file_per_table_with_bom(tmp_path):
    written = write_tables(TABLES, tmp_path / "out.csv")
    assert [p.name for p in written] == ["out.csv", "out-说明.csv"]
    assert (tmp_path / "out.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert pd.read_csv(tmp_path / "out.csv", encoding="utf-8-sig")["得分"].tolist() == [71.5]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out-说明.csv", "out.csv"]


def test_xlsx_output_has_one_sheet_per_table(tmp_path):
    write_tables(TABLES, tmp_path / "out.xlsx")
    assert pd.ExcelFile(tmp_path / "out.xlsx").sheet_names == ["结果", "说明"]


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


def test_synthetic_tables_carry_the_label_first():
    out = labelled(TABLES, synthetic=True)
    assert all(list(frame.columns)[0] == "数据来源" and (frame["数据来源"] == SYNTHETIC_LABEL).all() for frame in out.values())
    assert labelled(TABLES, synthetic=False) is TABLES


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
