"""`nidb compare`: two evaluation methods or two selection methods on the demo data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner
from workbook_check import check_workbook

from nidb.audit.compare import method_kind
from nidb.cli import app
from nidb.errors import ConfigError
from nidb.evaluation.annual import run_panel
from nidb.evaluation.compare import compare_panels, comparison_tables
from nidb.evaluation.lifecycle import load_rules
from nidb.evaluation.method import load_evaluation_method
from nidb.framework import load_framework
from nidb.inputs.dataset import load_dataset, resolve_data_dir
from nidb.selection import load_selection_method, prepare, select
from nidb.selection.compare import compare_results, selection_comparison_tables

METHODS = Path(__file__).parent.parent / "src" / "nidb" / "methods"
YEAR = 2025
runner = CliRunner()


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(resolve_data_dir(None))


@pytest.fixture(scope="module")
def panels(dataset):
    fw = load_framework()
    years = [y for y in range(2020, YEAR + 1)]
    return {
        name: run_panel(dataset, fw, load_evaluation_method(METHODS / f"{name}.yaml", fw), load_rules(), years)
        for name in ("evaluation-default", "evaluation-efficacy-bands")
    }


def test_evaluation_comparison_matches_each_panel(panels, dataset):
    a, b = panels["evaluation-default"], panels["evaluation-efficacy-bands"]
    cmp = compare_panels(a, b, dataset.bases, YEAR)
    rated_a = a.evaluations[YEAR].results.set_index("unit_id")
    rated_b = b.evaluations[YEAR].results.set_index("unit_id")
    table = cmp.bases.set_index("base_id")
    both = table.dropna(subset=["stars_a", "stars_b"])
    assert (both["stars_a"] == rated_a.loc[both.index, "stars"]).all()
    assert (both["stars_b"] == rated_b.loc[both.index, "stars"]).all()
    assert (both["star_change"] == both["stars_b"] - both["stars_a"]).all()
    changed = int((both["star_change"] != 0).sum())
    assert changed > 0, "the two shipped methods should not agree on every base"
    summary = dict(zip(cmp.summary["项目"], cmp.summary["内容"]))
    assert summary["星级变化的基地数"].startswith(f"{changed}（")
    assert int(summary["升星"]) + int(summary["降星"]) == changed
    groups = cmp.groups[cmp.groups["group_by"] == "所在区域"]
    assert groups["changed"].sum() == changed and groups["n_rated"].sum() == len(both)
    assert cmp.distribution["count_a"].tolist() == [int((rated_a["stars"] == s).sum()) for s in range(5, 0, -1)]
    assert set(comparison_tables(cmp)) == {"比较摘要", "逐基地比较", "星级分布", "分组变化"}


def test_same_method_changes_nothing(panels, dataset):
    a = panels["evaluation-default"]
    cmp = compare_panels(a, a, dataset.bases, YEAR)
    assert (cmp.bases["star_change"] == 0).all() and (cmp.bases["rank_change"] == 0).all()
    assert dict(zip(cmp.summary["项目"], cmp.summary["内容"]))["名次斯皮尔曼相关"] == "1.000"


def test_selection_comparison(dataset):
    prepared = prepare(dataset)
    a = select(prepared, YEAR, load_selection_method(METHODS / "selection-default.yaml"))
    b = select(prepared, YEAR, load_selection_method(METHODS / "selection-k-per-dimension.yaml"))
    cmp = compare_results(a, b)
    joined = cmp.applicants.set_index("applicant_id")
    assert (joined["overall_a"] == a.summary.set_index("applicant_id")["overall"]).all()
    assert (joined["overall_b"] == b.summary.set_index("applicant_id")["overall"]).all()
    # k per dimension is looser than "all": no applicant passing under A fails under B
    passed_a = joined[joined["overall_a"] == "通过"]
    assert (passed_a["overall_b"] == "通过").all()
    assert cmp.transitions.to_numpy().sum() == len(joined)
    n_changed = int((joined["overall_a"] != joined["overall_b"]).sum())
    assert n_changed > 0
    tables = selection_comparison_tables(cmp)
    assert len(tables["结论变化的申报对象"]) == n_changed


def test_method_kind(tmp_path):
    assert method_kind(METHODS / "evaluation-default.yaml") == "evaluation"
    assert method_kind(METHODS / "selection-default.yaml") == "selection"
    other = tmp_path / "audit.yaml"
    other.write_text("runs: 10\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="audit.yaml"):
        method_kind(other)


def test_cli_rejects_mixed_kinds(tmp_path):
    out = tmp_path / "x.xlsx"
    res = runner.invoke(app, ["compare", "--year", str(YEAR), "--method", str(METHODS / "selection-default.yaml"),
                              "--method", str(METHODS / "evaluation-default.yaml"), "--out", str(out)])
    assert res.exit_code == 1
    assert "类型不同" in res.output and "Traceback" not in res.output
    assert not out.exists()


def test_cli_selection_csv(tmp_path):
    out = tmp_path / "cmp.csv"
    res = runner.invoke(app, ["compare", "--year", str(YEAR), "--method", str(METHODS / "selection-default.yaml"),
                              "--method", str(METHODS / "selection-k-per-dimension.yaml"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "总体结论变化的申报对象" in res.output
    summary = pd.read_csv(out, encoding="utf-8-sig")
    assert summary["数据来源"].eq("示例数据（合成）").all()
    assert (tmp_path / "cmp-结论变化的申报对象.csv").exists()
    book = tmp_path / "cmp.xlsx"
    res = runner.invoke(app, ["compare", "--year", str(YEAR), "--method", str(METHODS / "selection-default.yaml"),
                              "--method", str(METHODS / "selection-k-per-dimension.yaml"), "--out", str(book)])
    assert res.exit_code == 0, res.output
    sheets = check_workbook(book)
    assert "示例数据（合成）" in str(sheets["说明"])
