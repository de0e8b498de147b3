"""`nidb validate` and `nidb template` from the command line: exit codes, output, nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from io_inputs import VALID, YEAR, tree_hashes, write_inputs
from typer.testing import CliRunner

from nidb.cli import app

runner = CliRunner()


def test_valid_inputs_exit_0_with_a_chinese_summary(tmp_path: Path):
    data = write_inputs(tmp_path / "data")
    before = tree_hashes(tmp_path)
    result = runner.invoke(app, ["validate", str(data), "--year", str(YEAR)])
    assert result.exit_code == 0, result.output
    assert "已读取 5 个文件、5 张表" in result.output and "年度报表 4 行" in result.output
    assert "校验通过" in result.output
    assert tree_hashes(tmp_path) == before


def test_bad_inputs_exit_1_listing_every_problem_and_write_nothing(tmp_path: Path):
    annual = VALID["annual.csv"].replace("B0002,2024,80,60,55.5,否", "B0099,2024,80,90,55.5,否")
    data = write_inputs(tmp_path / "data", {"annual.csv": annual, "gdp_growth.csv": None})
    before = tree_hashes(tmp_path)
    result = runner.invoke(app, ["validate", str(data), "--year", str(YEAR)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "校验未通过，共 3 个问题：" in lines
    annual_path = data / "annual.csv"
    assert f"1. {annual_path}，第 4 行，列「基地或申报对象编号」，值「B0099」：编号在示范基地名录和申报对象名单中不存在（规则：编号存在）" in lines
    assert (f"2. {annual_path}，第 4 行，列「主导产业销售收入（亿元）」，值「90」："
            "大于「产业集聚区销售收入（亿元）」（80）（规则：不超过总量）") in lines
    assert lines[-1].startswith(f"3. {data}：缺少必需的表「地区生产总值增速」")
    assert "Traceback" not in result.output
    assert tree_hashes(tmp_path) == before


def test_several_paths_and_a_missing_one(tmp_path: Path):
    data = write_inputs(tmp_path / "data")
    result = runner.invoke(app, ["validate", str(data / "annual.csv"), str(tmp_path / "nope.xlsx")])
    assert result.exit_code == 1
    assert f"{tmp_path / 'nope.xlsx'}：文件或目录不存在（规则：文件可读）" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_template_command_writes_once_and_refuses_to_overwrite(tmp_path: Path):
    out = tmp_path / "采集模板.xlsx"
    first = runner.invoke(app, ["template", str(out)])
    assert first.exit_code == 0 and out.exists()
    digest = tree_hashes(tmp_path)
    second = runner.invoke(app, ["template", str(out)])
    assert second.exit_code == 1
    assert "文件已存在" in second.output and "Traceback" not in second.output
    assert tree_hashes(tmp_path) == digest
    assert runner.invoke(app, ["template", str(out), "--force"]).exit_code == 0


def test_console_process_exit_codes_without_traceback(tmp_path: Path):
    data = write_inputs(tmp_path / "data", {"annual.csv": VALID["annual.csv"].replace("55.5", "155.5")})
    before = tree_hashes(tmp_path)
    command = [sys.executable, "-m", "nidb.cli", "validate", str(data), "--year", str(YEAR)]
    bad = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, check=False)
    assert bad.returncode == 1
    assert "第 4 行，列「规上企业质量管理体系贯标率（%）」，值「155.5」：百分比应在 0～100 之间（规则：取值范围）" in bad.stdout
    assert "Traceback" not in bad.stdout + bad.stderr
    assert tree_hashes(tmp_path) == before
    (data / "annual.csv").write_text(VALID["annual.csv"], encoding="utf-8")
    good = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, check=False)
    assert good.returncode == 0 and "校验通过" in good.stdout
