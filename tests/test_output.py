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
