"""The malformed-input corpus: every file is made here, in tmp_path, and each case
lists the exact problems expected — file, sheet, row as Excel shows it, column
header as written, rule, value — worked out by hand from the broken cell.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from io_inputs import VALID, YEAR, write_inputs

from nidb.errors import InputError
from nidb.inputs.dataset import load_dataset
from nidb.inputs.schemas import Rule
from nidb.inputs.template import write_template
from nidb.inputs.validation import validate_paths

ANNUAL_HEAD = VALID["annual.csv"].splitlines()[0]
SALES = "产业集聚区销售收入（亿元）"
LEADING = "主导产业销售收入（亿元）"
QMS = "规上企业质量管理体系贯标率（%）"
FRAUD = "查实弄虚作假"


def annual(*rows: str, head: str = ANNUAL_HEAD) -> str:
    return "\n".join([head, *rows]) + "\n"


def directory(changes: dict[str, str | bytes | None]) -> Callable[[Path], list[Path]]:
    """A case made of the valid dataset directory with some files changed."""
    return lambda tmp: [write_inputs(tmp / "data", changes)]


def xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def csv_rows(text: str) -> list[list[object]]:
    """CSV text as rows of cells, numbers as numbers (as Excel would store them)."""
    def cell(v: str) -> object:
        try:
            return int(v)
        except ValueError:
            try:
                return float(v)
            except ValueError:
                return v or None
    return [[cell(v) for v in line.split(",")] for line in text.splitlines()]


def workbook(broken_annual: str, extra: dict[str, list[list[object]]] | None = None) -> Callable[[Path], list[Path]]:
    """A case made of one workbook, one sheet per table named in Chinese, with the annual sheet replaced."""
    def build(tmp: Path) -> list[Path]:
        sheets = {
            "示范基地名录": csv_rows(VALID["bases.csv"]),
            "申报对象名单": csv_rows(VALID["applicants.csv"]),
            "年度报表": csv_rows(broken_annual),
            "专家评分": csv_rows(VALID["expert_scores.csv"]),
            "地区生产总值增速": csv_rows(VALID["gdp_growth.csv"]),
            **(extra or {}),
        }
        return [xlsx(tmp / "填报.xlsx", sheets)]
    return build


def template_with(column: str, index: int, value: float) -> Callable[[Path], list[Path]]:
    """A case made of a filled template with one cell of the annual frame replaced."""
    def build(tmp: Path) -> list[Path]:
        data = load_dataset(write_inputs(tmp / "valid"), year=YEAR)
        frame = data.annual.assign(**{column: data.annual[column].where(data.annual.index != index, value)})
        filled = type(data)(**{**data.tables(), "annual": frame})
        return [write_template(tmp / "模板.xlsx", filled)]
    return build


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[Path], list[Path]]
    # (file relative to tmp_path, sheet, row, column header, rule, value)
    expected: list[tuple[str, str | None, int | None, str | None, Rule, object]]
    message: str = ""  # a fragment the first problem's message must contain


D = "data"
CASES = [
    Case("revenue-in-yuan", directory({"annual.csv": annual(
        "B0001,2023,500,400,65,否", "B0001,2024,52000000000,450,70,否", "B0002,2024,80,60,55.5,否")}),
        [(f"{D}/annual.csv", None, 3, SALES, Rule.UNIT, "52000000000")], "疑似按元填报"),
    Case("revenue-in-wan-yuan", directory({"annual.csv": annual(
        "B0001,2023,5000000,400,65,否", "B0002,2024,80,60,55.5,否")}),
        [(f"{D}/annual.csv", None, 2, SALES, Rule.UNIT, "5000000")], "疑似按万元填报"),
    Case("share-as-fraction", directory({"annual.csv": annual(
        "B0001,2023,500,400,0.65,否", "B0001,2024,520,450,0.7,否", "B0002,2024,80,60,1,否")}),
        [(f"{D}/annual.csv", None, None, QMS, Rule.UNIT, "最大值 1")], "0.65 应填 65"),
    Case("share-above-100", directory({"annual.csv": annual(
        "B0001,2023,500,400,65,否", "B0001,2024,520,450,120,否")}),
        [(f"{D}/annual.csv", None, 3, QMS, Rule.RANGE, "120")], "0～100"),
    Case("negative-revenue", directory({"annual.csv": annual("B0001,2023,-5,400,65,否")}),
        [(f"{D}/annual.csv", None, 2, SALES, Rule.RANGE, "-5"),
         (f"{D}/annual.csv", None, 2, LEADING, Rule.NOT_ABOVE, "400")], "不小于 0亿元"),
    Case("leading-above-total", directory({"annual.csv": annual(
        "B0001,2023,500,400,65,否", "B0001,2024,520,600,70,否")}),
        [(f"{D}/annual.csv", None, 3, LEADING, Rule.NOT_ABOVE, "600")], f"大于「{SALES}」（520）"),
    Case("duplicate-base-year", directory({"annual.csv": annual(
        "B0001,2024,500,400,65,否", "B0002,2024,80,60,55.5,否", "B0001,2024,520,450,70,否")}),
        [(f"{D}/annual.csv", None, 2, "基地或申报对象编号", Rule.DUPLICATE, "B0001 / 2024"),
         (f"{D}/annual.csv", None, 4, "基地或申报对象编号", Rule.DUPLICATE, "B0001 / 2024")], "第 2、4 行"),
    Case("unknown-base-id", directory({"annual.csv": annual(
        "B0001,2023,500,400,65,否", "B0099,2024,80,60,55.5,否")}),
        [(f"{D}/annual.csv", None, 3, "基地或申报对象编号", Rule.FOREIGN_KEY, "B0099")], "不存在"),
    Case("future-year", directory({"annual.csv": annual("B0001,2026,500,400,65,否")}),
        [(f"{D}/annual.csv", None, 2, "年份", Rule.FUTURE_YEAR, "2026")], "2025"),
    Case("missing-required-cell", directory({"annual.csv": annual(
        "B0001,2023,500,400,65,否", "B0002,,80,60,55.5,否")}),
        [(f"{D}/annual.csv", None, 3, "年份", Rule.REQUIRED, None)], "必填"),
    Case("text-in-number", directory({"annual.csv": annual("B0001,2023,五百,400,65,否")}),
        [(f"{D}/annual.csv", None, 2, SALES, Rule.TYPE, "五百")], "数值"),
    Case("percent-sign-in-share", directory({"annual.csv": annual("B0001,2023,500,400,65%,否")}),
        [(f"{D}/annual.csv", None, 2, QMS, Rule.TYPE, "65%")], "不要带 % 号"),
    Case("unit-typed-into-cell", directory({"annual.csv": annual("B0001,2023,500亿元,400,65,否")}),
        [(f"{D}/annual.csv", None, 2, SALES, Rule.TYPE, "500亿元")], "只填数字，单位以表头为准（亿元）"),
    Case("dash-for-missing", directory({"annual.csv": annual("B0001,2023,500,400,-,否")}),
        [(f"{D}/annual.csv", None, 2, QMS, Rule.TYPE, "-")], "没有数据请留空"),
    Case("fractional-year", directory({"annual.csv": annual("B0001,2023.5,500,400,65,否")}),
        [(f"{D}/annual.csv", None, 2, "年份", Rule.TYPE, "2023.5")], "整数"),
    Case("bad-boolean", directory({"annual.csv": annual("B0001,2023,500,400,65,有")}),
        [(f"{D}/annual.csv", None, 2, FRAUD, Rule.TYPE, "有")], "是"),
    Case("unknown-column", directory({"annual.csv": annual(
        "B0001,2023,500,400,65,否,x", head=ANNUAL_HEAD + ",备注")}),
        [(f"{D}/annual.csv", None, 1, "备注", Rule.UNKNOWN_COLUMN, None)], "年度报表"),
    Case("cell-without-header", directory({"annual.csv": annual("B0001,2023,500,400,65,否,7")}),
        [(f"{D}/annual.csv", None, 1, "第 7 列（无表头）", Rule.UNKNOWN_COLUMN, None)]),
    Case("missing-required-column", directory({"annual.csv": (
        "基地或申报对象编号,产业集聚区销售收入（亿元）\nB0001,500\nB0001,520\n")}),
        [(f"{D}/annual.csv", None, 1, "年份", Rule.MISSING_COLUMN, None)], "year"),
    Case("title-row-above-header", workbook("2024年度报表\n" + VALID["annual.csv"]),
        [("填报.xlsx", "年度报表", 1, None, Rule.MISSING_COLUMN, None)], "第 1 行不是「年度报表」的表头"),
    Case("semicolon-separated-csv", directory({"gdp_growth.csv": VALID["gdp_growth.csv"].replace(",", ";")}),
        [(f"{D}/gdp_growth.csv", None, 1, None, Rule.MISSING_COLUMN, None)], "不是用逗号分隔"),
    Case("same-column-twice", directory({"annual.csv": (
        "unit_id,year,年份,sales_revenue\nB0001,2023,2023,500\n")}),
        [(f"{D}/annual.csv", None, 1, "年份", Rule.DUPLICATE_COLUMN, None)], "year"),
    Case("unknown-region", directory({"bases.csv": VALID["bases.csv"].replace("西部", "华西")}),
        [(f"{D}/bases.csv", None, 3, "region", Rule.CATEGORY, "华西")], "东北"),
    Case("unknown-list-item", directory({"bases.csv": VALID["bases.csv"].replace("民族地区", "沿海地区")}),
        [(f"{D}/bases.csv", None, 3, "special_areas", Rule.CATEGORY, "革命老区、沿海地区")],
        "「沿海地区」不是可选值（可选：革命老区、民族地区、边疆地区）"),
    Case("authority-near-miss", directory({"bases.csv": VALID["bases.csv"].replace("江苏省", "江苏")}),
        [(f"{D}/bases.csv", None, 2, "authority", Rule.CATEGORY, "江苏")], "共 37 项可选，见模板的下拉列表）；是否应为「江苏省」？"),
    Case("bad-zone-code", directory({"bases.csv": VALID["bases.csv"].replace("G320001", "X32")}),
        [(f"{D}/bases.csv", None, 2, "zone_code", Rule.PATTERN, "X32")], "格式不符（应形如 G320102）"),
    Case("duplicate-base-id", directory({"bases.csv": VALID["bases.csv"].replace("B0002,", "B0001,")}),
        [(f"{D}/annual.csv", None, 4, "基地或申报对象编号", Rule.FOREIGN_KEY, "B0002"),
         (f"{D}/bases.csv", None, 2, "base_id", Rule.DUPLICATE, "B0001"),
         (f"{D}/bases.csv", None, 3, "base_id", Rule.DUPLICATE, "B0001")]),
    Case("required-name-empty", directory({"applicants.csv": VALID["applicants.csv"].replace("示例申报-001", "")}),
        [(f"{D}/applicants.csv", None, 2, "name", Rule.REQUIRED, None)]),
    Case("expert-score-above-100", directory({"expert_scores.csv": VALID["expert_scores.csv"].replace(",75", ",750")}),
        [(f"{D}/expert_scores.csv", None, 3, "score", Rule.RANGE, "750")], "100分"),
    Case("gdp-growth-as-percent-times-100", directory({"gdp_growth.csv": VALID["gdp_growth.csv"].replace("5.7", "57")}),
        [(f"{D}/gdp_growth.csv", None, 3, "gdp_growth", Rule.RANGE, "57")]),
    Case("gbk-encoded-csv", directory({"annual.csv": VALID["annual.csv"].encode("gbk")}),
        [(f"{D}/annual.csv", None, None, None, Rule.FILE, None)], "UTF-8"),
    Case("empty-csv", directory({"expert_scores.csv": ""}),
        [(f"{D}/expert_scores.csv", None, None, None, Rule.FILE, None)], "文件为空"),
    Case("missing-table", directory({"gdp_growth.csv": None}),
        [(D, None, None, None, Rule.TABLE, None)], "地区生产总值增速"),
    Case("unrecognised-file", directory({"annual_2024.csv": VALID["annual.csv"]}),
        [(f"{D}/annual_2024.csv", None, None, None, Rule.TABLE, None)], "annual（年度报表）"),
    Case("table-given-twice", directory({"年度报表.csv": VALID["annual.csv"]}),
        [(f"{D}/年度报表.csv", None, None, None, Rule.TABLE, None)], "重复提供"),
    Case("old-xls-format", directory({"gdp_growth.csv": None, "gdp_growth.xls": b"\xd0\xcf\x11\xe0"}),
        [(f"{D}/gdp_growth.xls", None, None, None, Rule.FILE, None),
         (D, None, None, None, Rule.TABLE, None)], "不支持的文件类型“.xls”"),
    Case("not-really-xlsx", directory({"benchmarks.xlsx": "plain text"}),
        [(f"{D}/benchmarks.xlsx", None, None, None, Rule.FILE, None)], "xlsx"),
    Case("benchmark-for-absolute-indicator", directory({"benchmarks.csv": (
        "细分行业,指标编号,年份,基准值\n钢铁,I04,2024,120\n钢铁,I07,2024,2.5\n")}),
        [(f"{D}/benchmarks.csv", None, 3, "指标编号", Rule.CATEGORY, "I07")], "I04、I10、I19、I20"),
    Case("workbook-sheet-error", workbook(annual("B0001,2023,500,400,65,否", "B0001,2024,520,450,170,否")),
        [("填报.xlsx", "年度报表", 3, QMS, Rule.RANGE, "170")]),
    Case("workbook-unknown-sheet", workbook(VALID["annual.csv"], {"Sheet1": [["x"], [1]]}),
        [("填报.xlsx", "Sheet1", None, None, Rule.TABLE, None)], "无法识别的工作表"),
    Case("workbook-missing-sheet", lambda tmp: [xlsx(tmp / "填报.xlsx", {"年度报表": csv_rows(VALID["annual.csv"])})],
        [("填报.xlsx", None, None, None, Rule.TABLE, None)] * 4, "缺少必需的表"),
    # the template's second header row (canonical names) shifts data to row 3: frame index 2 is Excel row 5
    Case("template-second-header-row", template_with("leading_industry_revenue", 2, 95.0),
        [("模板.xlsx", "年度报表", 5, LEADING, Rule.NOT_ABOVE, 95)], "（80）"),
    Case("template-revenue-in-yuan", template_with("sales_revenue", 0, 5.0e10),
        [("模板.xlsx", "年度报表", 3, SALES, Rule.UNIT, 50000000000)], "疑似按元填报"),
    Case("single-files-cross-checked", lambda tmp: [
        write_inputs(tmp / D, {"annual.csv": annual("B0099,2024,80,60,55.5,否")}) / name
        for name in ("annual.csv", "bases.csv", "applicants.csv")],
        [(f"{D}/annual.csv", None, 2, "基地或申报对象编号", Rule.FOREIGN_KEY, "B0099")], "示范基地名录和申报对象名单"),
]


def _located(problem, tmp: Path) -> tuple:
    value = None if problem.value is None else str(problem.value)
    return (os.path.relpath(problem.file, tmp), problem.sheet, problem.row, problem.column, problem.rule, value)


def test_corpus_has_at_least_25_malformed_inputs():
    assert len(CASES) >= 25
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_malformed_input_is_reported_exactly(case: Case, tmp_path: Path):
    paths = case.build(tmp_path)
    report = validate_paths(paths, year=YEAR)
    got = [_located(p, tmp_path) for p in report.problems]
    expected = [(f, s, r, c, str(rule), None if v is None else str(v)) for f, s, r, c, rule, v in case.expected]
    assert got == expected
    assert case.message in report.problems[0].message


def test_single_annual_file_alone_skips_the_foreign_key_check_and_says_so(tmp_path: Path):
    path = write_inputs(tmp_path, {"annual.csv": annual("B0099,2024,80,60,55.5,否")}) / "annual.csv"
    report = validate_paths([path], year=YEAR)
    assert report.ok
    assert report.skipped == ("未提供「示范基地名录」、「申报对象名单」，「年度报表」的「基地或申报对象编号」未做编号存在检查",)
    assert "注意：未提供「示范基地名录」" in report.render()
    with_bases = validate_paths([path, path.with_name("bases.csv")], year=YEAR)
    assert with_bases.skipped == ("未提供「申报对象名单」，「年度报表」的「基地或申报对象编号」未做编号存在检查",)


def test_every_problem_is_listed_not_only_the_first(tmp_path: Path):
    data = write_inputs(tmp_path / "data", {
        "annual.csv": annual("B0001,2026,五百,400,650,有", "B0099,2024,80,90,55.5,否"),
        "bases.csv": VALID["bases.csv"].replace("东部", "华东"),
    })
    rules = [(p.row, p.column, p.rule) for p in validate_paths([data], year=YEAR).problems]
    assert rules == [  # annual.csv is read before bases.csv (directory order)
        (2, "年份", Rule.FUTURE_YEAR),
        (2, SALES, Rule.TYPE),
        (2, QMS, Rule.RANGE),
        (2, FRAUD, Rule.TYPE),
        (3, "基地或申报对象编号", Rule.FOREIGN_KEY),
        (3, LEADING, Rule.NOT_ABOVE),
        (2, "region", Rule.CATEGORY),
    ]


def test_load_dataset_raises_input_error_with_every_problem(tmp_path: Path):
    data = write_inputs(tmp_path / "data", {"annual.csv": annual("B0001,2023,五百,400,650,否")})
    with pytest.raises(InputError) as err:
        load_dataset(data, year=YEAR)
    assert [(p.row, p.column) for p in err.value.problems] == [(2, SALES), (2, QMS)]
    assert "annual.csv，第 2 行，列「产业集聚区销售收入（亿元）」，值「五百」：应为数值（规则：数据类型）" in str(err.value)
