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
from io_inputs import VALID, YEAR, tree_hashes, write_inputs

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


def annual_book(rows: list[list[object]], *, name: str = "annual.xlsx", formats: dict[str, str] | None = None,
                before: list[str] = (), hidden: bool = False) -> Callable[[Path], list[Path]]:
    """A case made of the valid directory with annual.csv replaced by an xlsx as Excel saves it:
    `formats` maps cell addresses to number formats, `before` names empty sheets in front of
    the data sheet, `hidden` hides the data sheet."""
    def build(tmp: Path) -> list[Path]:
        data = write_inputs(tmp / D, {"annual.csv": None})
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for title in before:
            wb.create_sheet(title)
        ws = wb.create_sheet("年度报表" if hidden else "Sheet2")
        for row in rows:
            ws.append(row)
        for cell, number_format in (formats or {}).items():
            ws[cell].number_format = number_format
        if hidden:
            wb.create_sheet("Sheet1").append(["备注"])
            ws.sheet_state = "hidden"
        wb.save(data / name)
        return [data]
    return build


def encrypted(tmp: Path) -> list[Path]:
    """The valid workbook saved with an open password (Excel's agile encryption)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = workbook(VALID["annual.csv"])(tmp)[0]
    target = tmp / "加密.xlsx"
    with plain.open("rb") as source, target.open("wb") as out:
        OOXMLFile(source).encrypt("1234", out)
    plain.unlink()
    return [target]


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
def _hide(paths: list[Path], sheet: str) -> list[Path]:
    wb = openpyxl.load_workbook(paths[0])
    wb[sheet].sheet_state = "hidden"
    wb.save(paths[0])
    return paths


def _two_sheets(tmp: Path) -> list[Path]:
    data = write_inputs(tmp / D, {"annual.csv": None})
    xlsx(data / "annual.xlsx", {"2023": csv_rows(annual("B0001,2023,500,400,65,否")),
                                "2024": csv_rows(annual("B0001,2024,520,450,70,否"))})
    return [data]


HEAD = ["基地或申报对象编号", "年份", SALES, "从业人员数（人）", "建成区面积（公顷）", "产业集聚区增加值增速（%）"]
EMPLOYEES, LAND, VA_GROWTH = HEAD[3], HEAD[4], HEAD[5]
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
    # --- issue 11: xlsx as Excel/WPS save it
    Case("formula-without-cached-value", annual_book([HEAD, ["B0001", 2023, 500, 12000, 850, 6.1],
                                                      ["B0001", 2024, "=C2*1.05", 12500, 850, 5.9]]),
        [(f"{D}/annual.xlsx", "Sheet2", 3, SALES, Rule.FORMULA, "=C2*1.05")],
        "单元格 C3 公式未计算：请在 Excel/WPS 中打开并保存后再导入"),
    Case("percent-format-on-revenue", annual_book([HEAD, ["B0001", 2023, 5, 12000, 850, 6.1]], formats={"C2": "0%"}),
        [(f"{D}/annual.xlsx", "Sheet2", 2, SALES, Rule.TYPE, "500%")], "单元格设为百分比格式（显示 500%），但本列不是百分比（亿元）"),
    Case("hidden-data-sheet", annual_book([HEAD, ["B0001", 2023, 500, 12000, 850, 6.1]], hidden=True),
        [(f"{D}/annual.xlsx", "年度报表", None, None, Rule.TABLE, None)], "工作表已隐藏，未读取：请在 Excel/WPS 中取消隐藏"),
    Case("hidden-sheet-in-workbook", lambda tmp: _hide(workbook(VALID["annual.csv"])(tmp), "年度报表"),
        [("填报.xlsx", "年度报表", None, None, Rule.TABLE, None)], "工作表已隐藏"),
    Case("two-data-sheets", _two_sheets,
        [(f"{D}/annual.xlsx", None, None, None, Rule.TABLE, None)], "工作簿有多个含数据的工作表（「2023」、「2024」）"),
    Case("encrypted-workbook", encrypted,
        [("加密.xlsx", None, None, None, Rule.FILE, None)], "文件已加密（设有打开密码）"),
    Case("xls-renamed-to-xlsx", directory({"benchmarks.xlsx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)}),
        [(f"{D}/benchmarks.xlsx", None, None, None, Rule.FILE, None)], "实为旧版 Excel 97-2003（.xls）格式"),
    # --- issue 11: growth rates typed as fractions
    Case("gdp-growth-as-fractions", directory({"gdp_growth.csv": "authority,year,gdp_growth\n江苏省,2024,0.058\n四川省,2024,0.057\n"}),
        [(f"{D}/gdp_growth.csv", None, None, "gdp_growth", Rule.UNIT, "最大值 0.058")], "疑似以小数填报百分比"),
    Case("one-growth-as-fraction", annual_book([HEAD, ["B0001", 2023, 500, 12000, 850, 6.1],
                                                ["B0001", 2024, 520, 12500, 850, 0.058]]),
        [(f"{D}/annual.xlsx", "Sheet2", 3, VA_GROWTH, Rule.UNIT, "0.058")], "疑似以小数填报百分比（0.058 应填 5.8"),
    # --- issue 11: unit slips that stay within the allowed range
    Case("employees-in-wan-ren", annual_book([HEAD, ["B0001", 2022, 480, 12000, 850, 6.1], ["B0001", 2023, 500, 12400, 850, 6.1],
                                              ["B0001", 2024, 520, 1.25, 850, 5.9]]),
        [(f"{D}/annual.xlsx", "Sheet2", 4, EMPLOYEES, Rule.YEAR_ON_YEAR, "1.25")],
        "是本单位其他年份（中位数 12000人）的 1/9600，疑似按万人填报，应以人为单位"),
    Case("land-in-square-km", annual_book([HEAD, ["B0001", 2022, 480, 12000, 850, 6.1], ["B0001", 2023, 500, 12400, 8.5, 6.1],
                                           ["B0001", 2024, 520, 12500, 860, 5.9]]),
        [(f"{D}/annual.xlsx", "Sheet2", 3, LAND, Rule.YEAR_ON_YEAR, "8.5")], "疑似按平方公里填报，应以公顷为单位"),
    Case("revenue-in-wan-yuan-within-range", annual_book([HEAD, ["B0001", 2022, 8.2, 12000, 850, 6.1],
                                                          ["B0001", 2023, 85000, 12400, 850, 6.1], ["B0001", 2024, 8.9, 12500, 860, 5.9]]),
        [(f"{D}/annual.xlsx", "Sheet2", 3, SALES, Rule.YEAR_ON_YEAR, "85000")], "疑似按万元填报，应以亿元为单位"),
    # --- issue 11: benchmarks
    Case("benchmark-zero-inf-huge", directory({"benchmarks.csv": (
        "细分行业,指标编号,年份,基准值\n钢铁,I04,2024,0\n钢铁,I19,2024,inf\n钢铁,I20,2024,1e308\n钢铁,I10,2024,12\n")}),
        [(f"{D}/benchmarks.csv", None, 2, "基准值", Rule.PLAUSIBLE, "0"),
         (f"{D}/benchmarks.csv", None, 3, "基准值", Rule.TYPE, "inf"),
         (f"{D}/benchmarks.csv", None, 4, "基准值", Rule.PLAUSIBLE, "1e+308")],
        "须为正数，且应在 0.5～2000 之间（指标编号为 I04 时的合理范围）"),
    Case("huge-number-in-xlsx", annual_book([HEAD, ["B0001", 2023, 1e308, 12000, 850, 6.1]]),
        [(f"{D}/annual.xlsx", "Sheet2", 2, SALES, Rule.RANGE, "1e+308")], "应不大于 100000亿元"),
    # --- issue 11: expert scores for codes experts do not score
    Case("expert-score-unknown-and-quantitative", directory({"expert_scores.csv": (
        "unit_id,year,indicator_id,expert_id,score\nB0001,2024,I06,E01,80\nB0001,2024,I99,E01,75\nB0001,2024,I04,E01,70\n")}),
        [(f"{D}/expert_scores.csv", None, 3, "indicator_id", Rule.INDICATOR, "I99"),
         (f"{D}/expert_scores.csv", None, 4, "indicator_id", Rule.INDICATOR, "I04")], "指标体系（版本 2023-draft.1）中没有专家评分指标 I99"),
    # --- issue 11: better messages
    Case("traditional-characters", directory({"bases.csv": VALID["bases.csv"].replace("东部", "東部")}),
        [(f"{D}/bases.csv", None, 2, "region", Rule.CATEGORY, "東部")], "是否应为「东部」？"),
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
    before = tree_hashes(tmp_path)
    report = validate_paths(paths, year=YEAR)
    got = [_located(p, tmp_path) for p in report.problems]
    expected = [(f, s, r, c, str(rule), None if v is None else str(v)) for f, s, r, c, rule, v in case.expected]
    assert got == expected
    assert case.message in report.problems[0].message
    assert tree_hashes(tmp_path) == before  # inputs are only read


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


# --- issue 11: inputs that must be read right (the corrected value is asserted) -------------
READ_RIGHT = {
    "percent-formatted-share-and-growth": (
        annual_book([HEAD[:3] + [QMS, VA_GROWTH], ["B0001", 2023, 500, 0.718, 0.058], ["B0001", 2024, 520, 0.72, 6.1]],
                    formats={"D2": "0.0%", "D3": "0%", "E2": "0.0%"}),
        {"qms_certification_rate": [71.8, 72.0], "value_added_growth": [5.8, 6.1]},
    ),
    "data-on-second-sheet-after-empty-first": (
        annual_book([HEAD, ["B0001", 2023, 500, 12000, 850, 6.1]], before=["Sheet1"]),
        {"sales_revenue": [500.0], "employees": [12000.0]},
    ),
    "year-on-year-jump-not-a-unit-slip": (  # a real but unusual jump: a warning, not an error
        annual_book([HEAD, ["B0001", 2023, 500, 12000, 850, 6.1], ["B0001", 2024, 520, 70000, 850, 5.9]]),
        {"employees": [12000.0, 70000.0]},
    ),
}


@pytest.mark.parametrize("case", list(READ_RIGHT), ids=list(READ_RIGHT))
def test_input_is_read_right(case: str, tmp_path: Path):
    build, expected = READ_RIGHT[case]
    paths = build(tmp_path)
    before = tree_hashes(tmp_path)
    report = validate_paths(paths, year=YEAR)
    assert report.ok, report.render()
    annual = report.tables["annual"].frame
    for column, values in expected.items():
        assert annual[column].tolist() == values
    assert tree_hashes(tmp_path) == before


def test_percent_formatted_cells_are_noted_in_validate(tmp_path: Path):
    build, _ = READ_RIGHT["percent-formatted-share-and-growth"]
    text = validate_paths(build(tmp_path), year=YEAR).render()
    assert "「规上企业质量管理体系贯标率（%）」有 2 个单元格设为百分比格式，已按显示的百分数读取（如第 2 行显示 71.8%，读作 71.8）" in text
    assert "「产业集聚区增加值增速（%）」有 1 个单元格设为百分比格式" in text


def test_jump_between_years_is_a_printed_warning(tmp_path: Path):
    build, _ = READ_RIGHT["year-on-year-jump-not-a-unit-slip"]
    report = validate_paths(build(tmp_path), year=YEAR)
    assert [(w.row, w.column, w.rule) for w in report.warnings] == [
        (2, EMPLOYEES, str(Rule.YEAR_ON_YEAR)), (3, EMPLOYEES, str(Rule.YEAR_ON_YEAR))]
    assert "是本单位其他年份（另一年 12000人）的 5.8 倍，请核实" in report.render()


def test_percent_typed_into_the_template_reads_as_shown(tmp_path: Path):
    """In Excel, typing 71.8% into a template cell stores 0.718 with a % format."""
    data = load_dataset(write_inputs(tmp_path / "valid"), year=YEAR)
    path = write_template(tmp_path / "模板.xlsx", data)
    wb = openpyxl.load_workbook(path)
    ws = wb["年度报表"]
    column = [c.value for c in ws[2]].index("qms_certification_rate") + 1
    ws.cell(3, column, 0.718).number_format = "0.0%"
    wb.save(path)
    assert load_dataset(path, year=YEAR).annual["qms_certification_rate"].iloc[0] == 71.8


def test_corpus_measure(capsys):
    """The figures reported for issue 11: every case is a located error or a right value."""
    tried = len(CASES) + len(READ_RIGHT)
    print(f"bad-input corpus: {tried} cases, {len(CASES)} clear located errors, {len(READ_RIGHT)} read right, "
          "silently wrong 0, tracebacks 0, inputs modified 0")
    assert tried >= 60
