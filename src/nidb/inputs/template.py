"""The xlsx collection workbook: one sheet per contract table, ready to fill in.

Layout (documented on the 说明 sheet and in docs/data-contract.md): row 1 holds
the Chinese header with unit, row 2 the canonical English name, data start on
row 3. Each header cell carries a comment with the column's rule; required
headers are shaded. Categorical and yes/no columns get drop-down lists; the
vocabularies live on the hidden 选项 sheet.

A filled template reads back to the same frames. Numbers keep Excel's precision,
15 significant digits (openpyxl writes 16): a value that needs all 17 digits of a
double may come back in its last digit changed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from nidb.errors import NidbError
from nidb.inputs.contract import ColumnSpec, Contract, TableSpec, load_contract
from nidb.inputs.contract.describe import DTYPE_ZH, rule_text
from nidb.inputs.dataset import Dataset
from nidb.inputs.readers import INSTRUCTIONS_SHEET, LISTS_SHEET
from nidb.inputs.schemas import LIST_SEPARATOR
from nidb.output import reproducible_xlsx

FIRST_DATA_ROW = 3
VALIDATED_ROWS = 5000  # drop-downs and number checks cover this many empty data rows below the filled ones

_REQUIRED_FILL = PatternFill("solid", fgColor="F8CBAD")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_NAME_FONT = Font(italic=True, color="808080", size=9)

_INSTRUCTIONS = [
    "国家新型工业化产业示范基地评价工作台（nidb）数据采集模板",
    "",
    "填写说明：",
    "1. 每张表一个工作表，工作表名称不要修改；本“说明”工作表和隐藏的“选项”工作表不会被读取。",
    "2. 第 1 行是中文表头（括号内为计量单位），第 2 行是规范列名（英文），请勿修改或删除这两行；数据从第 3 行开始填写，每行一条记录。",
    "3. 橙色表头为必填列，蓝色表头为可空列；把鼠标停在表头单元格上可看到该列的填写规则（类型、单位、取值范围等）。",
    "4. 金额按表头所示单位填报（如“亿元”），不要按元或万元填报；百分比填百分数（65% 填 65，不填 0.65）。",
    "5. 单选列请从下拉列表中选择；“是/否”列填“是”或“否”；多选列（如“特殊类型地区”）各项之间用“;”或“、”分隔。",
    "6. 没有数据的单元格请留空，不要填 0、“无数据”或“-”：留空表示缺失，填 0 表示数值为零。",
    "7. 年度报表每个基地（或申报对象）每年一行；编号须与“示范基地名录”或“申报对象名单”中的编号一致。",
    "8. 填好后运行 `nidb validate 本文件.xlsx` 检查：程序会列出每个问题所在的工作表、行号（与 Excel 行号一致）、列和违反的规则。程序不会修改本文件。",
    "",
    "各表各列的填写规则：",
]


def _lists_sheet(wb: Workbook, contract: Contract) -> dict[str, str]:
    """Write the vocabularies on the hidden lists sheet; vocabulary -> range formula."""
    ws = wb.create_sheet(LISTS_SHEET)
    ws.sheet_state = "hidden"
    ranges = {}
    vocabularies = dict(contract.vocabularies)
    for table in contract.tables:  # inline `values` become vocabularies named table.column
        for col in table.columns:
            if col.values is not None and col.values_ref is None:
                vocabularies[f"{table.name}.{col.name}"] = col.values
    for j, (name, values) in enumerate(vocabularies.items(), start=1):
        letter = get_column_letter(j)
        ws.cell(row=1, column=j, value=name)
        for i, value in enumerate(values, start=2):
            ws.cell(row=i, column=j, value=value)
        ranges[name] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
    return ranges


def _validation(col: ColumnSpec, table: TableSpec, ranges: dict[str, str]) -> DataValidation | None:
    """The Excel data validation of one column, or None when Excel cannot express it."""
    title = col.header[:32]
    if col.dtype == "category":
        dv = DataValidation(type="list", formula1=ranges[col.values_ref or f"{table.name}.{col.name}"])
        dv.error = "请从下拉列表中选择"
    elif col.dtype == "boolean":
        dv = DataValidation(type="list", formula1='"是,否"')
        dv.error = "请填“是”或“否”"
    elif col.dtype in ("number", "integer") and (col.min is not None or col.max is not None):
        kind = "whole" if col.dtype == "integer" else "decimal"
        if col.min is not None and col.max is not None:
            dv = DataValidation(type=kind, operator="between", formula1=_excel_num(col.min), formula2=_excel_num(col.max))
        elif col.min is not None:
            dv = DataValidation(type=kind, operator="greaterThanOrEqual", formula1=_excel_num(col.min))
        else:
            dv = DataValidation(type=kind, operator="lessThanOrEqual", formula1=_excel_num(col.max))
        dv.error = rule_text(col, table)[:255]
    else:
        return None
    dv.errorTitle = title
    dv.showErrorMessage = True
    dv.allow_blank = True
    return dv


def _excel_num(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def _table_sheet(wb: Workbook, table: TableSpec, ranges: dict[str, str], filled: int) -> Worksheet:
    ws = wb.create_sheet(table.zh)
    last = FIRST_DATA_ROW + filled + VALIDATED_ROWS - 1
    for j, col in enumerate(table.columns, start=1):
        head = ws.cell(row=1, column=j, value=col.header)
        head.font = Font(bold=True)
        head.fill = _REQUIRED_FILL if col.required else _HEADER_FILL
        head.alignment = Alignment(wrap_text=True, vertical="center")
        comment = Comment(f"{col.name}\n{rule_text(col, table)}", "nidb")
        comment.width, comment.height = 320, 140
        head.comment = comment
        ws.cell(row=2, column=j, value=col.name).font = _NAME_FONT
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = max(12, min(40, 2 * len(col.header) + 2))
        dv = _validation(col, table, ranges)
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last}")
    ws.row_dimensions[1].height = 36
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=1)
    return ws


def _instructions_sheet(wb: Workbook, contract: Contract) -> None:
    ws = wb.active
    ws.title = INSTRUCTIONS_SHEET
    for i, line in enumerate(_INSTRUCTIONS, start=1):
        ws.cell(row=i, column=1, value=line)
    ws["A1"].font = Font(bold=True, size=14)
    row = len(_INSTRUCTIONS) + 1
    for j, title in enumerate(["工作表", "中文表头", "规范列名", "类型", "单位", "规则"], start=1):
        ws.cell(row=row, column=j, value=title).font = Font(bold=True)
    for table in contract.tables:
        for col in table.columns:
            row += 1
            values = [table.zh, col.header, col.name, DTYPE_ZH[col.dtype], col.unit or "", rule_text(col, table)]
            for j, value in enumerate(values, start=1):
                ws.cell(row=row, column=j, value=value)
    for letter, width in zip("ABCDEF", (16, 34, 30, 8, 12, 90)):
        ws.column_dimensions[letter].width = width


def _cell_values(frame: pd.DataFrame, table: TableSpec) -> list[list[object]]:
    """Rows of Python cell values in contract column order (booleans as 是/否, lists with 、)."""
    out = pd.DataFrame(index=frame.index)
    for col in table.columns:
        s = frame[col.name]
        if col.dtype == "boolean":
            s = s.astype(object).map({True: "是", False: "否"})
        elif col.dtype == "list":
            s = s.str.replace(LIST_SEPARATOR, "、", regex=False)
        out[col.name] = s.astype(object).where(s.notna(), None)
    return out.values.tolist()


def write_template(out: Path | str, data: Dataset | None = None, *, overwrite: bool = False) -> Path:
    """Write the collection workbook to `out` (.xlsx); with `data`, fill its rows in.

    Refuses to replace an existing file unless `overwrite` is set.
    """
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise NidbError(f"模板文件名应以 .xlsx 结尾：{out}")
    if out.exists() and not overwrite:
        raise NidbError(f"文件已存在，未覆盖：{out}（如需覆盖请加 --force）")
    if not out.parent.is_dir():
        raise NidbError(f"目录不存在：{out.parent}")
    contract = load_contract()
    wb = Workbook()
    _instructions_sheet(wb, contract)
    ranges = _lists_sheet(wb, contract)
    for table in contract.tables:
        rows = _cell_values(data.table(table.name), table) if data is not None else []
        ws = _table_sheet(wb, table, ranges, len(rows))
        for i, values in enumerate(rows, start=FIRST_DATA_ROW):
            for j, value in enumerate(values, start=1):
                if value is not None:
                    ws.cell(row=i, column=j, value=value)
    lists = wb[LISTS_SHEET]
    wb.move_sheet(lists, offset=len(wb.sheetnames) - 1 - wb.index(lists))
    wb.save(out)
    return reproducible_xlsx(out)
