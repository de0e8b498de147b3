"""``nidb score``: the engine on a data table plus metadata table, from the command line."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner
from workbook_check import check_workbook

from nidb.cli import app
from nidb.reference import ASEM_DIR

ASEM = ASEM_DIR
pytestmark = pytest.mark.skipif(not ASEM.exists(), reason="ASEM reference data not available")
ARGS = ["score", "--data", str(ASEM / "ASEM_iData.csv"), "--meta", str(ASEM / "ASEM_iMeta.csv")]


def test_score_writes_a_workbook_with_published_coinr_values(tmp_path):
    out = tmp_path / "asem.xlsx"
    result = CliRunner().invoke(app, [*ARGS, "--method", "asem-coinr-example", "--out", str(out)])
    assert result.exit_code == 0, result.output
    check_workbook(out, notes=None)
    sheets = pd.read_excel(out, sheet_name=None, engine="openpyxl")
    assert list(sheets) == ["得分", "权重", "插补", "异常值处理"]
    scores = sheets["得分"]
    che = scores[(scores["单位代码"] == "CHE") & (scores["节点代码"] == "Index")].iloc[0]
    assert abs(che["得分"] - 68.38) <= 0.005 and che["排名"] == 1  # COINr vignette("results")
    # 63 empty indicator cells in ASEM_iData plus Elec and Gas of the unit without an Energy denominator
    assert sheets["插补"]["插补数"].sum() == 63 + 2


def test_score_csv_with_default_method(tmp_path):
    out = tmp_path / "s.csv"
    result = CliRunner().invoke(app, [*ARGS, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "s-权重.csv").exists()
    table = pd.read_csv(out)
    assert len(table) == 51 * 60 and set(table["层级"]) == {1, 2, 3, 4}


def test_unknown_method_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(app, [*ARGS, "--method", "nope", "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 1
    assert "找不到方法「nope」" in result.output and "asem-coinr-example" in result.output
