"""`nidb select` and `nidb sweep` end to end on a small hand-made data directory."""

from __future__ import annotations

import pandas as pd
import pytest
from selection_data import annual_rows, applicant, dataset
from typer.testing import CliRunner
from workbook_check import check_workbook

from nidb.cli import app
from nidb.inputs.contract import load_contract

runner = CliRunner()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("data")
    frames = dataset(
        [applicant("A0001"), applicant("A0002", special_areas="革命老区"), applicant("A0003")],
        annual_rows("A0001")
        + annual_rows("A0002", sales_revenue=200.0, leading_industry_revenue=120.0, rd_expenditure=6.0,
                      above_scale_revenue=180.0, high_value_patents=540.0)
        + annual_rows("A0003", sales_revenue=250.0, leading_industry_revenue=150.0, rd_expenditure=7.0,
                      above_scale_revenue=180.0, high_value_patents=540.0),
    )
    for table in load_contract().tables:
        frame = frames.get(table.name, pd.DataFrame(columns=list(table.column_names)))
        frame.to_csv(out / f"{table.file}.csv", index=False)
    return out


def test_select_xlsx(data_dir, tmp_path):
    out = tmp_path / "sel.xlsx"
    res = runner.invoke(app, ["select", "--year", "2024", "--data", str(data_dir), "--out", str(out)])
    assert res.exit_code == 0, res.output
    check_workbook(out)
    sheets = pd.read_excel(out, sheet_name=None, engine="openpyxl")
    assert list(sheets) == ["遴选结果", "条件判定", "条件汇总", "说明"]
    summary = sheets["遴选结果"].set_index("申报对象编号")
    assert summary.loc["A0001", "总体结论"] == "通过" and summary.loc["A0002", "总体结论"] == "通过"
    assert summary.loc["A0003", "总体结论"] == "未通过" and summary.loc["A0003", "未通过的条件"] == "I01"
    # Art. 7 「同等条件下」: the special-type area only breaks ties, so A0001 (larger on the indicator keys) leads
    assert summary.loc["A0001", "排序"] == 1 and summary.loc["A0002", "排序"] == 2
    reasons = sheets["条件判定"].set_index(["申报对象编号", "条件编号"])["理由"]
    assert reasons[("A0003", "I01")] == "销售收入 250 亿元 < 300 亿元"
    assert "数据来源" not in sheets["遴选结果"]  # not demo data


def test_sweep_csv(data_dir, tmp_path):
    out = tmp_path / "sweep.csv"
    res = runner.invoke(app, ["sweep", "--year", "2024", "--data", str(data_dir), "--out", str(out)])
    assert res.exit_code == 0, res.output
    curves = pd.read_csv(out, encoding="utf-8-sig")
    assert len(curves) == 14 * 201
    assert {"单独通过率", "联合通过率", "单独通过率下限", "联合通过率上限"} <= set(curves.columns)
    for name in ("约束条件", "特殊地区放宽", "双因素网格", "说明"):
        assert (tmp_path / f"sweep-{name}.csv").is_file()
    relax = pd.read_csv(tmp_path / "sweep-特殊地区放宽.csv", encoding="utf-8-sig").set_index("条件编号")
    assert relax.loc["I01", "因放宽而通过数"] == 1


def test_user_errors_without_traceback(data_dir, tmp_path):
    res = runner.invoke(app, ["select", "--year", "2019", "--data", str(data_dir), "--out", str(tmp_path / "x.csv")])
    assert res.exit_code == 1 and "申报年份 2019 没有申报对象" in res.output
    assert not (tmp_path / "x.csv").exists()
    res = runner.invoke(app, ["select", "--year", "2024", "--data", str(data_dir), "--out", str(tmp_path / "x.txt")])
    assert res.exit_code == 1 and ".csv 或 .xlsx" in res.output
    bad = tmp_path / "m.yaml"
    bad.write_text("quantitative_rule: {mode: most}\n", encoding="utf-8")
    res = runner.invoke(app, ["select", "--year", "2024", "--data", str(data_dir), "--method", str(bad),
                              "--out", str(tmp_path / "y.csv")])
    assert res.exit_code == 1 and "quantitative_rule.mode" in res.output and "Traceback" not in res.output


def test_same_inputs_give_identical_files(data_dir, tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        res = runner.invoke(app, ["sweep", "--year", "2024", "--data", str(data_dir), "--out",
                                  str(tmp_path / name / "s.csv")])
        assert res.exit_code == 0, res.output
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert len(files) == 5
    for f in files:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
