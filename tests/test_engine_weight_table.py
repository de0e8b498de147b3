"""Weights as a table (code, level, weight): the same results as the mapping form wherever
weights are given, and every problem reported at the cell or key path the user wrote."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from nidb.cli import app
from nidb.engine import load_method, method_from_mapping, read_table_framework, run
from nidb.errors import ConfigError
from nidb.reference import ASEM_DIR

pytestmark = pytest.mark.skipif(not ASEM_DIR.exists(), reason="ASEM example data not available")

#: node weights at three levels of the ASEM framework (indicator, pillar, sub-index)
WEIGHTS = {"LPI": 3.0, "Physical": 2.0, "Sust": 0.5}
ROWS = [("LPI", 1, 3), ("Physical", 2, 2), ("Sust", 3, 0.5)]


@pytest.fixture(scope="module")
def asem():
    return read_table_framework(ASEM_DIR / "ASEM_iData.csv", ASEM_DIR / "ASEM_iMeta.csv")


@pytest.fixture(scope="module")
def expected(asem):
    return run(asem.data, asem.hierarchy, method_from_mapping({"weights": WEIGHTS}))


def write_csv(path: Path, rows, header=("节点代码", "层级", "权重")) -> Path:
    lines = [",".join(header)] + [",".join(map(str, r)) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_xlsx(path: Path, rows, header=("code", "level", "weight"), sheet="Sheet1") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


def assert_same(result, expected) -> None:
    pd.testing.assert_frame_equal(result.scores, expected.scores)
    pd.testing.assert_frame_equal(result.ranks, expected.ranks)
    pd.testing.assert_series_equal(result.weights, expected.weights)


def test_the_table_changes_the_weights_it_lists(expected, asem):
    nominal = run(asem.data, asem.hierarchy, method_from_mapping({}))
    changed = expected.weights[expected.weights != nominal.weights]
    assert changed.to_dict() == WEIGHTS


def test_a_csv_xlsx_or_yaml_table_gives_the_mapping_form_results(tmp_path, asem, expected):
    csv = write_csv(tmp_path / "权重.csv", ROWS)
    xlsx = write_xlsx(tmp_path / "权重.xlsx", ROWS)
    rows = [{"code": c, "level": lv, "weight": w} for c, lv, w in ROWS]
    for weights in (str(csv), str(xlsx), rows, {"scheme": "framework", "table": str(csv)}):
        assert_same(run(asem.data, asem.hierarchy, method_from_mapping({"weights": weights})), expected)


def test_a_table_path_is_read_beside_the_method_file(tmp_path, asem, expected, monkeypatch):
    folder = tmp_path / "方法"
    folder.mkdir()
    write_csv(folder / "权重.csv", ROWS)
    (folder / "m.yaml").write_text("kind: engine\nweights: 权重.csv\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # not the method's folder
    assert_same(run(asem.data, asem.hierarchy, load_method(folder / "m.yaml")), expected)


def test_the_level_column_is_optional_and_other_columns_are_ignored(tmp_path, asem, expected):
    path = write_csv(tmp_path / "w.csv", [(c, "x", w) for c, _, w in ROWS], header=("code", "上级", "weight"))
    assert_same(run(asem.data, asem.hierarchy, method_from_mapping({"weights": str(path)})), expected)


def test_nidb_score_takes_a_weights_table_and_its_own_weights_sheet_back(tmp_path, asem):
    data, meta = ASEM_DIR / "ASEM_iData.csv", ASEM_DIR / "ASEM_iMeta.csv"
    table = write_xlsx(tmp_path / "w.xlsx", ROWS)
    runner = CliRunner()
    out = runner.invoke(app, ["score", "--data", str(data), "--meta", str(meta), "--weights", str(table),
                              "--out", str(tmp_path / "a.xlsx")])
    assert out.exit_code == 0, out.output
    scores = pd.read_excel(tmp_path / "a.xlsx", sheet_name="得分", engine="openpyxl")
    mapping = method_from_mapping({"weights": WEIGHTS})
    expected = run(asem.data, asem.hierarchy, mapping).long(asem.hierarchy)
    np.testing.assert_allclose(scores["得分"].to_numpy(), expected["score"].to_numpy(), rtol=1e-14, equal_nan=True)  # xlsx keeps 15 digits
    # the 权重 sheet written by nidb score (节点代码, 上级, 权重, 占总指数份额) is a weights table
    again = runner.invoke(app, ["score", "--data", str(data), "--meta", str(meta), "--weights",
                                str(tmp_path / "a.xlsx"), "--out", str(tmp_path / "b.xlsx")])
    assert again.exit_code == 0, again.output
    pd.testing.assert_frame_equal(pd.read_excel(tmp_path / "b.xlsx", sheet_name="得分", engine="openpyxl"), scores)


def test_an_evaluation_method_takes_a_weights_table(tmp_path):
    from nidb.evaluation.annual import evaluation_hierarchy
    from nidb.evaluation.method import DEFAULT_METHOD_PATH, load_evaluation_method
    from nidb.framework import load_framework

    fw = load_framework()
    write_csv(tmp_path / "维度权重.csv", [("D2", 2, 2), ("D4", 2, 2)])
    text = DEFAULT_METHOD_PATH.read_text(encoding="utf-8").replace("  scheme: framework\n", "  table: 维度权重.csv\n")
    (tmp_path / "e.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "m.yaml").write_text(text.replace("  table: 维度权重.csv\n", "  D2: 2\n  D4: 2\n"), encoding="utf-8")
    table, mapping = (load_evaluation_method(tmp_path / name, fw) for name in ("e.yaml", "m.yaml"))
    h = evaluation_hierarchy(fw, table)
    assert table.engine.weights.by_level(h) == mapping.engine.weights.by_level(h)
    assert table.engine.weights.by_level(h).levels[2].values == {"D2": 2.0, "D4": 2.0}


def test_an_audit_base_method_reads_its_table(tmp_path, expected):
    from nidb.audit.choices import load_audit_spec
    from nidb.audit.subject import asem_subject
    from nidb.audit.uncertainty import prepare

    shutil.copy(ASEM_DIR.parent.parent / "methods" / "asem-coinr-example.yaml", tmp_path / "base.yaml")
    write_csv(tmp_path / "w.csv", ROWS)
    base = (tmp_path / "base.yaml").read_text(encoding="utf-8")
    (tmp_path / "base.yaml").write_text(base + "\nweights: w.csv\n", encoding="utf-8")
    spec = load_audit_spec(ASEM_DIR.parent.parent / "methods" / "audit-asem.yaml")
    problem = prepare(asem_subject(ASEM_DIR, tmp_path / "base.yaml"), spec)
    weights = pd.Series(problem.weights, index=problem.hierarchy.weighted_codes)
    assert weights[list(WEIGHTS)].to_dict() == WEIGHTS


@pytest.mark.parametrize(
    "rows, header, located",
    [
        ([("LPI", 1, "abc")], None, "w.csv，第 2 行，列「权重」，值「abc」：权重应为有限数值"),
        ([("LPI", 1, 1), ("Physical", 2, -1)], None, "w.csv，第 3 行，列「权重」，值「-1」：权重不能为负"),
        ([("LPI", 1, 1), ("LPI", 1, 2)], None, "w.csv，第 3 行，列「节点代码」，值「LPI」：节点「LPI」已在第 2 行给出"),
        ([("LPI", 1.5, 1)], None, "w.csv，第 2 行，列「层级」，值「1.5」：层级应为正整数"),
        ([("LPI", 1, "")], None, "w.csv，第 2 行，列「权重」：缺少权重"),
        ([("LPI", 1)], ("节点代码", "层级"), "w.csv，第 1 行：缺少权重列"),
        ([("LPI", 1, 2), ("LPI", 1, 2)], ("code", "代码", "weight"), "w.csv，第 1 行，列「代码」：「code」与「代码」是同一列"),
    ],
)
def test_a_bad_cell_is_reported_where_the_user_sees_it(tmp_path, rows, header, located):
    path = write_csv(tmp_path / "w.csv", rows, header=header or ("节点代码", "层级", "权重"))
    with pytest.raises(ConfigError) as error:
        method_from_mapping({"weights": str(path)})
    assert str(error.value).startswith(str(tmp_path / located.split("：")[0]))
    assert located in str(error.value)


@pytest.mark.parametrize(
    "rows, located",
    [
        ([("LPI", 1, 1), ("Nope", 1, 2)], "第 3 行，列「code」：框架中没有这个可加权的节点「Nope」"),
        ([("Index", 4, 1)], "第 2 行，列「code」：框架中没有这个可加权的节点「Index」"),
        ([("LPI", 1, 1), ("Physical", 1, 2)], "第 3 行，列「level」：节点「Physical」在框架中是第 2 层，表中写的是第 1 层"),
    ],
)
def test_a_table_that_does_not_fit_the_framework_names_the_row(tmp_path, asem, rows, located):
    path = write_xlsx(tmp_path / "w.xlsx", rows, sheet="权重")
    method = method_from_mapping({"weights": str(path)}, source="m.yaml")
    with pytest.raises(ConfigError) as error:
        run(asem.data, asem.hierarchy, method)
    assert str(error.value).startswith(f"{path}，工作表「权重」，{located}")


def test_a_workbook_with_several_sheets_needs_one_named_weights(tmp_path):
    path = write_xlsx(tmp_path / "w.xlsx", ROWS)
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("other").append(["x"])
    wb.save(path)
    with pytest.raises(ConfigError, match="有名为「权重」的工作表（现有：Sheet1、other）"):
        method_from_mapping({"weights": str(path)})


@pytest.mark.parametrize(
    "weights, located",
    [
        ([{"code": "LPI", "level": 1, "weight": "x"}], "m.yaml：weights[0].weight：权重应为非负的有限数值"),
        ([{"code": "LPI", "weight": 1}, {"code": "LPI", "weight": 2}], "m.yaml：weights[1].code：节点「LPI」已在 weights[0] 给出"),
        ([{"code": "LPI", "weight": 1, "lvl": 1}], "m.yaml：weights[0].lvl：未知键"),
        ([{"level": 1, "weight": 1}], "m.yaml：weights[0].code：缺少必需的键"),
        ({"table": [{"code": "LPI", "level": 0, "weight": 1}]}, "m.yaml：weights.table[0].level：层级应为正整数"),
        ({"scheme": "equal", "table": [{"code": "LPI", "weight": 1}]}, "m.yaml：weights.table：节点权重只能与 framework 方案合用"),
        ("w.txt", "w.txt：权重表应为 .csv 或 .xlsx 文件"),
        ("missing.csv", "missing.csv：文件不存在"),
    ],
)
def test_a_bad_table_in_the_method_names_the_key_path(weights, located):
    with pytest.raises(ConfigError) as error:
        method_from_mapping({"weights": weights}, source="m.yaml")
    assert str(error.value).startswith(located)


def test_rows_in_the_yaml_that_do_not_fit_the_framework_name_the_key_path(asem):
    method = method_from_mapping({"weights": [{"code": "LPI", "level": 2, "weight": 1}]}, source="m.yaml")
    with pytest.raises(ConfigError, match=r"^m\.yaml：weights\[0\]\.level：节点「LPI」在框架中是第 1 层，表中写的是第 2 层$"):
        run(asem.data, asem.hierarchy, method)
