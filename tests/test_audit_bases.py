"""The audit on the bases' evaluation (demo data) and the `nidb audit` command."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner
from workbook_check import check_workbook

from nidb.audit.choices import load_audit_spec
from nidb.audit.subject import bases_subject
from nidb.audit.uncertainty import prepare
from nidb.cli import app
from nidb.demo import demo_dir
from nidb.evaluation.annual import run_panel
from nidb.evaluation.lifecycle import load_rules
from nidb.evaluation.method import load_evaluation_method
from nidb.framework import load_framework
from nidb.inputs.dataset import load_dataset

YEAR = 2024
SMALL = """
base_method: evaluation-default
seed: 3
runs: 40
chunk_size: 16
sobol: {base_samples: 16, bootstrap: 20}
choices:
  weights: {kind: weights, relative: 0.25, zh: 权重}
  normalisation:
    kind: discrete
    parameter: normalise
    zh: 标准化
    levels: [{label: minmax, method: minmax, low: 1, high: 100}, {label: rank, method: rank}]
  star_quotas:
    kind: uniform
    zh: 五星比例
    parameter: stars.levels.5.top_share
    low: 0.06
    high: 0.10
"""


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(demo_dir())


def test_nominal_audit_run_is_the_evaluation(dataset, tmp_path):
    path = tmp_path / "audit.yaml"
    path.write_text(SMALL, encoding="utf-8")
    subject = bases_subject(dataset, YEAR, synthetic=True)
    problem = prepare(subject, load_audit_spec(path))
    framework = load_framework()
    method = load_evaluation_method(framework=framework)
    years = sorted(y for y in dataset.annual["year"].dropna().unique() if y <= YEAR)
    results = run_panel(dataset, framework, method, load_rules(), years).evaluations[YEAR].results
    results = results.set_index("unit_id").reindex(problem.units.astype("string"))
    np.testing.assert_array_equal(problem.nominal_ranks, results["rank"].to_numpy(dtype=float))
    np.testing.assert_array_equal(problem.nominal_stars, results["stars"].fillna(0).to_numpy(dtype=int))


def test_cli_writes_tables_workbook_and_manifest(tmp_path):
    method = tmp_path / "audit.yaml"
    method.write_text(SMALL, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["audit", "--year", str(YEAR), "--method", str(method), "--runs", "30", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("units", "star_shares", "star_transitions", "overall", "sobol", "replications", "correlations", "groups",
                 "loadings", "effective_weights", "leave_one_out"):
        assert (out / f"{name}.parquet").is_file() and (out / f"{name}.csv").is_file()
    units = pd.read_parquet(out / "units.parquet")
    assert units[[f"p_star_{s}" for s in range(1, 6)]].sum(axis=1).to_numpy() == pytest.approx(1.0)
    assert (units["data_source"] == "示例数据（合成）").all()
    assert len(pd.read_parquet(out / "replications.parquet")) == 30
    check_workbook(out / "audit.xlsx")
    book = pd.read_excel(out / "audit.xlsx", sheet_name=None, engine="openpyxl")
    assert list(book)[:3] == ["说明", "名次与星级稳健性", "星级占比分布"]
    assert "示例数据（合成）" in book["说明"].to_string()
    assert "五星概率" in book["名次与星级稳健性"].columns
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["synthetic_data"] is True and manifest["settings"]["runs"] == 30
    assert len(manifest["base_method_sha256"]) == 64 and "bases.csv" in manifest["inputs"]


def test_cli_rejects_a_bad_run_count(tmp_path):
    result = CliRunner().invoke(app, ["audit", "--year", str(YEAR), "--runs", "0", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "--runs" in result.output


def test_cli_without_sobol_writes_no_sobol_table(tmp_path):
    method = tmp_path / "audit.yaml"
    method.write_text(SMALL, encoding="utf-8")
    out = tmp_path / "out"
    args = ["audit", "--year", str(YEAR), "--method", str(method), "--runs", "20", "--no-sobol", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (out / "units.parquet").is_file() and not (out / "sobol.parquet").exists()


def test_cli_names_a_year_without_data(tmp_path):
    result = CliRunner().invoke(app, ["audit", "--year", "2031", "--runs", "10", "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "2031" in result.output and "Traceback" not in result.output
