"""Readers for input tables in csv, xlsx and parquet files.

A reader returns the cells of each sheet as written (`RawSheet`), indexed by the
row number a spreadsheet shows (header row = 1). `parse_table` then matches the
headers against a contract table (Chinese header with unit, Chinese label, or
canonical English name) and converts the cells to the canonical dtypes,
reporting every header or cell it cannot accept. Input files are only read.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from nidb.errors import Problem
from nidb.inputs.columnar import cast_numbers, parquet_grid, read_csv_grid
from nidb.inputs.contract import ColumnSpec, TableSpec
from nidb.inputs.schemas import CANONICAL_DTYPES, LIST_SEPARATOR, Rule, TableFrame

SUFFIXES = (".csv", ".xlsx", ".parquet")
INSTRUCTIONS_SHEET = "说明"
LISTS_SHEET = "选项"

_TRUE = {"是", "true", "1", "1.0"}
_FALSE = {"否", "false", "0", "0.0"}
_MISSING_MARKERS = {"-", "--", "—", "/", "无", "无数据", "暂无", "缺失", "NA", "N/A", "n/a", "null", "NULL"}
_LIST_SPLIT = r"\s*[;；、]\s*"
_THOUSANDS = r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"


@dataclass(frozen=True)
class RawSheet:
    """The cells of one sheet as written: a header and data rows indexed by row number."""

    file: str
    sheet: str | None
    header: tuple[str, ...]  # one entry per column position, "" when the header cell is empty
    cells: pd.DataFrame  # object values, columns = positions, index = spreadsheet row numbers
    header_rows: int = 1  # 2 for a template sheet with the canonical-name row
    percent: frozenset[tuple[int, int]] = frozenset()  # (row, position) of %-formatted cells, read as shown (×100)
    formulas: frozenset[tuple[int, int]] = frozenset()  # (row, position) of formulas without a cached value
    hidden: bool = False  # a hidden worksheet (its cells are not read)
    stripped: bool = False  # cells are already stripped text with blank cells missing (the columnar readers)

    @property
    def empty(self) -> bool:
        """True for a sheet with neither a header nor data."""
        return not self.header and self.cells.empty


class ReadError(Exception):
    """A file that cannot be read at all; carries the located problem."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


def _file_problem(path: Path, message: str) -> ReadError:
    return ReadError(Problem(file=str(path), rule=str(Rule.FILE), message=message))


#: what `infer_dtype` says of a column without any text cell
_NO_TEXT = frozenset({"empty", "floating", "integer", "mixed-integer-float", "boolean", "datetime", "date", "time"})


def _blank_cells(column: pd.Series) -> pd.Series:
    """Missing cells, and text cells that are empty or only spaces."""
    if pd.api.types.infer_dtype(column, skipna=True) in _NO_TEXT:
        return column.isna()
    return column.isna() | column.astype("string").str.strip().eq("").fillna(False).astype(bool)


def _sheet(file: Path, name: str | None, table: pd.DataFrame, **marks: frozenset[tuple[int, int]]) -> RawSheet:
    """Build a RawSheet from a grid of cell values whose first row is the header.

    `marks` are the cell sets of `RawSheet` (percent, formulas) as (row, position)."""
    table = table.astype(object)
    table.columns = range(table.shape[1])
    table.index = range(1, len(table) + 1)
    blank = table.apply(_blank_cells)
    table = table.where(~blank, None)
    header = tuple("" if v is None else str(v).strip() for v in table.iloc[0]) if len(table) else ()
    cells = table.iloc[1:]
    # columns with neither header nor data are layout, not content
    keep = [i for i in cells.columns if header[i] or cells[i].notna().any()]
    cells = cells[keep]
    cells = cells[cells.notna().any(axis=1)]
    return RawSheet(file=str(file), sheet=name, header=tuple(header[i] for i in keep), cells=cells, **marks)


def read_csv(path: Path) -> list[RawSheet]:
    """Read a UTF-8 csv file (with or without BOM); blank lines keep their row numbers."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise _file_problem(path, f"无法读取文件：{exc.strerror}") from None
    grid = read_csv_grid(path, data)  # None for what only the row-wise reader takes (or reports)
    if grid is not None:
        return [RawSheet(file=str(path), sheet=None, header=grid[0], cells=grid[1], stripped=True)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_problem(path, "文件不是 UTF-8 编码，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”") from None
    if not text.strip():
        raise _file_problem(path, "文件为空，缺少表头行")
    try:
        table = pd.read_csv(
            io.StringIO(text), header=None, dtype=str, keep_default_na=False, skip_blank_lines=False,
        )
    except pd.errors.ParserError:  # rows longer than the header: the csv module takes ragged rows
        rows = list(csv.reader(io.StringIO(text)))
        width = max(len(r) for r in rows)
        table = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)
    return [_sheet(path, None, table)]


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PERCENT_FORMAT = re.compile(r'%(?=(?:[^"]*"[^"]*")*[^"]*$)')  # a % outside quoted literal text
FORMULA_MESSAGE = "公式未计算：请在 Excel/WPS 中打开并保存后再导入"


def _ole_problem(path: Path) -> ReadError | None:
    """An .xlsx that is an OLE container: an encrypted workbook, or an old .xls renamed."""
    with open(path, "rb") as handle:
        if handle.read(len(_OLE_MAGIC)) != _OLE_MAGIC:
            return None
        body = handle.read()
    if "EncryptedPackage".encode("utf-16-le") in body:
        return _file_problem(path, "文件已加密（设有打开密码），无法读取：请在 Excel/WPS 中取消密码后另存为 .xlsx 再导入")
    return _file_problem(path, "文件实为旧版 Excel 97-2003（.xls）格式：请在 Excel/WPS 中另存为“Excel 工作簿（*.xlsx）”")


def _percent_formatted(number_format: str | None) -> bool:
    """True for a number format that shows the value ×100 with a % sign (e.g. 0.0%)."""
    return bool(number_format) and _PERCENT_FORMAT.search(number_format.replace("\\%", "")) is not None


def _as_shown(value: float) -> float:
    """A %-formatted cell's value as the percentage Excel shows (0.718 -> 71.8)."""
    return float(f"{value * 100:.12g}")


def _xlsx_grid(ws) -> tuple[pd.DataFrame, frozenset[tuple[int, int]]]:
    """Cell values of a read-only worksheet, %-formatted numbers as shown, and where those are."""
    rows, percent = [], set()
    for i, row in enumerate(ws.iter_rows(), start=1):
        values = []
        for j, cell in enumerate(row):
            value = getattr(cell, "value", None)
            if (isinstance(value, (int, float)) and not isinstance(value, bool)
                    and _percent_formatted(getattr(cell, "number_format", None))):
                value = _as_shown(value)
                percent.add((i, j))
            values.append(value)
        rows.append(values)
    width = max(map(len, rows), default=0)  # read-only rows stop at their last cell: pad them
    return pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype=object), frozenset(percent)


_FORMULA = re.compile(rb"<(?:\w+:)?f[ >]")


def _formulas_and_errors(path: Path) -> tuple[bool, bool]:
    """Whether some worksheet of the workbook stores a formula (an <f> element), and whether
    one stores an error value such as #N/A (a cell of type t="e")."""
    formulas = errors = False
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = archive.read(name)
                formulas = formulas or _FORMULA.search(xml) is not None
                errors = errors or b't="e"' in xml
    return formulas, errors


def _formula_cells(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet title -> (row, position) -> formula text, for every formula cell of the workbook."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        return {
            ws.title: {
                (i, j): value
                for i, row in enumerate(ws.iter_rows(values_only=True), start=1)
                for j, value in enumerate(row)
                if isinstance(value, str) and value.startswith("=")
            }
            for ws in wb.worksheets
        }
    finally:
        wb.close()


def _uncached(grid: pd.DataFrame, formulas: dict[tuple[int, int], str]) -> frozenset[tuple[int, int]]:
    """Formula cells whose cached value is missing; their formula text is put in the grid."""
    missing = set()
    for (i, j), formula in formulas.items():
        if i - 1 < grid.shape[0] and j < grid.shape[1] and grid.iat[i - 1, j] is None:
            grid.iat[i - 1, j] = formula
            missing.add((i, j))
    return frozenset(missing)


#: built-in Excel number formats that show a number as a percentage (0% and 0.00%)
_PERCENT_FORMAT_IDS = frozenset({"9", "10"})


def _has_percent_styles(path: Path) -> bool:
    """True when a cell style of the workbook (xl/styles.xml, its cellXfs) shows numbers as percentages."""
    import xml.etree.ElementTree as ET

    with zipfile.ZipFile(path) as archive:
        try:
            root = ET.fromstring(archive.read("xl/styles.xml"))
        except KeyError:  # no styles part: every cell has the General format
            return False

    def local(element: ET.Element) -> str:
        return element.tag.rsplit("}", 1)[-1]

    custom = {e.get("numFmtId"): e.get("formatCode") for e in root.iter() if local(e) == "numFmt"}
    used = {xf.get("numFmtId", "0") for part in root if local(part) == "cellXfs" for xf in part if local(xf) == "xf"}
    return any(i in _PERCENT_FORMAT_IDS or _percent_formatted(custom.get(i)) for i in used)


def _calamine_sheets(path: Path) -> list[RawSheet]:
    """Every data sheet's values read by calamine (a compiled reader, ~10× faster than
    openpyxl): for workbooks without formulas, error values and percentage formats, whose
    cells are exactly their stored values."""
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    workbook = CalamineWorkbook.from_path(str(path))
    try:
        sheets = []
        for meta in workbook.sheets_metadata:
            if meta.name == INSTRUCTIONS_SHEET:
                continue
            if meta.visible != SheetVisibleEnum.Visible:
                sheets.append(RawSheet(str(path), meta.name, (), pd.DataFrame(), hidden=True))
                continue
            rows = workbook.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            sheets.append(_sheet(path, meta.name, pd.DataFrame(rows, dtype=object)))
        return sheets
    finally:
        workbook.close()


def read_xlsx(path: Path) -> list[RawSheet]:
    """Read every data sheet of an xlsx workbook (not the instructions sheet).

    Cells are read as Excel shows them: a %-formatted number as its percentage, a
    formula as its cached value (a formula never calculated is marked, not read as
    empty). Hidden sheets are returned empty with `hidden` set. A workbook without formulas,
    error values and percentage formats is read by calamine, any other by openpyxl."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException
    from python_calamine import CalamineError

    try:
        problem = _ole_problem(path)
    except OSError as exc:
        raise _file_problem(path, f"无法读取文件：{exc.strerror}") from None
    if problem is not None:
        raise problem
    try:
        has_formulas, has_errors = _formulas_and_errors(path)
        if not has_formulas and not has_errors and not _has_percent_styles(path):
            return _calamine_sheets(path)
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        formulas = _formula_cells(path) if has_formulas else {}
    except (InvalidFileException, zipfile.BadZipFile, CalamineError, OSError, KeyError, ValueError) as exc:
        raise _file_problem(path, f"无法作为 xlsx 工作簿打开（{type(exc).__name__}）") from None
    try:
        sheets = []
        for ws in wb.worksheets:
            if ws.title == INSTRUCTIONS_SHEET:
                continue
            if ws.sheet_state != "visible":
                sheets.append(RawSheet(str(path), ws.title, (), pd.DataFrame(), hidden=True))
                continue
            grid, percent = _xlsx_grid(ws)
            uncached = _uncached(grid, formulas.get(ws.title, {}))
            sheets.append(_sheet(path, ws.title, grid, percent=percent, formulas=uncached))
        return sheets
    finally:
        wb.close()


def read_parquet(path: Path) -> list[RawSheet]:
    """Read a parquet file; rows are numbered as if the header were row 1."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises many types for a damaged file
        raise _file_problem(path, f"无法作为 parquet 文件读取（{type(exc).__name__}）") from None
    header, cells = parquet_grid(table)
    return [RawSheet(file=str(path), sheet=None, header=header, cells=cells, stripped=True)]


def read_sheets(path: Path) -> list[RawSheet]:
    """The sheets of one input file, by suffix (.csv, .xlsx, .parquet)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv(path)
    if suffix == ".xlsx":
        return read_xlsx(path)
    if suffix == ".parquet":
        return read_parquet(path)
    raise _file_problem(path, f"不支持的文件类型“{path.suffix}”，请使用 .csv、.xlsx 或 .parquet")


def normalise_label(label: str) -> str:
    """Header normal form: NFKC (full-width brackets to ASCII), no spaces, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", label)).lower()


def header_lookup(table: TableSpec) -> dict[str, str]:
    """Every accepted header (normalised) -> canonical column name."""
    lookup = {}
    for col in table.columns:
        for label in (col.name, col.zh, col.header, *col.aliases):
            lookup[normalise_label(label)] = col.name
    return lookup


def _with_template_row(raw: RawSheet, names: list[str | None]) -> RawSheet:
    """Drop the template's second header row (canonical names) when it is there."""
    if raw.header_rows != 1 or not len(raw.cells) or raw.cells.index[0] != 2:
        return raw
    second = raw.cells.iloc[0]
    present = [(str(v).strip(), n) for v, n in zip(second, names) if v is not None]
    if present and all(v == n for v, n in present) and len(present) == sum(n is not None for n in names):
        return replace(raw, cells=raw.cells.iloc[1:], header_rows=2)
    return raw


def _header_problem(raw: RawSheet, header: str | None, rule: Rule, message: str) -> Problem:
    return Problem(file=raw.file, sheet=raw.sheet, row=1, column=header, rule=str(rule), message=message)


def match_headers(raw: RawSheet, table: TableSpec) -> tuple[dict[int, str], list[Problem]]:
    """Column position -> canonical name, and the header problems (unknown, duplicate, missing)."""
    lookup = header_lookup(table)
    if not any(lookup.get(normalise_label(h)) for h in raw.header):
        message = (f"第 1 行不是「{table.zh}」的表头：没有识别出任何列名（表头须在第 1 行）" if raw.header
                   else "表为空，缺少表头行")
        if len(raw.header) == 1 and re.search(r"[;\t|]", raw.header[0]):
            message += "；看起来不是用逗号分隔，请另存为“CSV UTF-8（逗号分隔）”"
        return {}, [_header_problem(raw, None, Rule.MISSING_COLUMN, message)]
    positions: dict[int, str] = {}
    seen: dict[str, str] = {}
    problems = []
    for pos, header in zip(raw.cells.columns, raw.header):
        name = lookup.get(normalise_label(header)) if header else None
        if name is None:
            shown = header or f"第 {pos + 1} 列（无表头）"
            problems.append(_header_problem(raw, shown, Rule.UNKNOWN_COLUMN, f"「{table.zh}」没有这一列"))
        elif name in seen:
            problems.append(_header_problem(raw, header, Rule.DUPLICATE_COLUMN, f"与列「{seen[name]}」是同一字段 {name}"))
        else:
            positions[pos] = name
            seen[name] = header
    missing = [c for c in table.columns if c.required and c.name not in seen]
    for col in missing:
        problems.append(_header_problem(raw, col.header, Rule.MISSING_COLUMN, f"缺少必填列（{col.name}）"))
    return positions, problems


def _shown(value: object) -> object:
    """A cell value as a spreadsheet shows it: whole floats without the trailing ".0", a
    date-time at midnight as its date (2024-05-01)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
        return value.date()
    return value


def _float_text(cells: pd.Series) -> pd.Series:
    """Numbers as `_shown` writes them, all at once (numpy's float text is Python's shortest repr)."""
    values = cells.astype("float64").to_numpy()
    whole = np.isfinite(values) & (np.abs(values) < 1e15)
    whole &= np.floor(np.where(whole, values, 0)) == np.where(whole, values, 0)
    text = np.where(whole, np.where(whole, values, 0).astype(np.int64).astype(str), values.astype(str))
    return pd.Series(text, index=cells.index, dtype="string").mask(np.isnan(values))


def _text(cells: pd.Series) -> pd.Series:
    """Cells as stripped strings, NA when empty."""
    kind = pd.api.types.infer_dtype(cells, skipna=True)
    if kind == "floating":  # (Python ints keep their own path: beyond 2**53 a float is not the number)
        cells = _float_text(cells)
    elif kind not in ("string", "empty"):
        cells = cells.map(lambda v: None if v is None else str(_shown(v)))
    s = cells.astype("string").str.strip()
    return s.mask(s == "")


def _numbers(text: pd.Series) -> pd.Series:
    """Numbers from text; cells that do not parse at once get a second try after NFKC
    (full-width digits) and removal of thousands separators."""
    values = cast_numbers(text)
    if values is not None:
        return values
    values = pd.to_numeric(text, errors="coerce").astype("float64")
    retry = text.notna() & values.isna()
    if retry.any():
        s = text[retry].str.normalize("NFKC")
        s = s.mask(s.str.fullmatch(_THOUSANDS).fillna(False), s.str.replace(",", "", regex=False))
        values[retry] = pd.to_numeric(s, errors="coerce").astype("float64")
    return values


def convert_column(text: pd.Series, col: ColumnSpec) -> tuple[pd.Series, pd.Series]:
    """Canonical values of one column and a mask of cells that could not be converted."""
    dtype = col.dtype
    if dtype == "number":
        values = _numbers(text)
        bad = text.notna() & ~np.isfinite(values)
        return values.where(~bad), bad
    if dtype == "integer":
        values = _numbers(text)
        integral = values.isna() | (values % 1 == 0)
        bad = text.notna() & (values.isna() | ~integral)
        return values.where(~bad).astype("Int64"), bad
    if dtype == "boolean":
        key = text.str.lower()
        values = pd.Series(pd.NA, index=text.index, dtype="boolean")
        values = values.mask(key.isin(_TRUE).fillna(False), True).mask(key.isin(_FALSE).fillna(False), False)
        bad = text.notna() & values.isna()
        return values, bad
    if dtype == "list":
        joined = text.str.replace(_LIST_SPLIT, LIST_SEPARATOR, regex=True).str.strip(LIST_SEPARATOR)
        joined = joined.str.replace(r";{2,}", LIST_SEPARATOR, regex=True)
        return joined.mask(joined == "").astype(CANONICAL_DTYPES["list"]), pd.Series(False, index=text.index)
    return text.astype(CANONICAL_DTYPES[dtype]), pd.Series(False, index=text.index)


_TYPE_MESSAGES = {
    "number": "应为数值",
    "integer": "应为整数",
    "boolean": "应为“是”或“否”（也可填 true/false、1/0）",
}


def type_message(col: ColumnSpec, text: str) -> str:
    """Why a cell is not of its column's type, with a hint for a unit typed into the cell."""
    message = _TYPE_MESSAGES[col.dtype]
    if col.dtype == "number" and re.fullmatch(r"[+-]?(inf|infinity|nan)", text.strip(), re.IGNORECASE):
        return f"{message}，不能为无穷大或 NaN"
    if text.strip() in _MISSING_MARKERS:
        return f"{message}；没有数据请留空（空单元格即缺失值）"
    if col.dtype in ("number", "integer") and re.search(r"[%％]\s*$", text):
        return f"{message}，不要带 % 号（65% 填 65）"
    if col.dtype in ("number", "integer") and re.search(r"\d\s*[^\d\s.,+\-eE]+\s*$", text):
        return f"{message}，只填数字，单位以表头为准" + (f"（{col.unit}）" if col.unit else "")
    return message


def _cell_address(position: int, row: int) -> str:
    """The Excel address of a cell (position 0 = column A)."""
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(position + 1)}{row}"


def _marked_cells(raw: RawSheet, pos: int, col: ColumnSpec, header: str,
                  index: pd.Index) -> tuple[list[Problem], list[int], str | None]:
    """Problems for uncalculated formulas and misplaced %-formatted cells of one column, the rows
    to leave out of type conversion, and a note when %-formatted cells were read as shown."""
    if not raw.formulas and not raw.percent:  # csv, parquet and most workbooks: nothing marked
        return [], [], None
    rows = set(index.tolist())
    problems = [
        Problem(file=raw.file, sheet=raw.sheet, row=r, column=header, rule=str(Rule.FORMULA),
                message=f"单元格 {_cell_address(pos, r)} {FORMULA_MESSAGE}", value=raw.cells.at[r, pos])
        for r, p in sorted(raw.formulas) if p == pos and r in rows
    ]
    skip = [p.row for p in problems]
    percent = sorted(r for r, p in raw.percent if p == pos and r in rows)
    if not percent:
        return problems, skip, None
    if col.unit == "%":
        first = raw.cells.at[percent[0], pos]
        return problems, skip, (
            f"「{header}」有 {len(percent)} 个单元格设为百分比格式，已按显示的百分数读取"
            f"（如第 {percent[0]} 行显示 {_shown(first)}%，读作 {_shown(first)}）"
        )
    unit = f"（{col.unit}）" if col.unit else ""
    problems += [
        Problem(file=raw.file, sheet=raw.sheet, row=r, column=header, rule=str(Rule.TYPE),
                message=f"单元格设为百分比格式（显示 {_shown(raw.cells.at[r, pos])}%），但本列不是百分比{unit}：请改为常规数字格式",
                value=f"{_shown(raw.cells.at[r, pos])}%")
        for r in percent
    ]
    return problems, skip + percent, None


def parse_table(raw: RawSheet, table: TableSpec) -> tuple[TableFrame, list[Problem]]:
    """Match headers and convert cells; return the table and every header or type problem."""
    positions, problems = match_headers(raw, table)
    raw = _with_template_row(raw, [positions.get(p) for p in raw.cells.columns])
    index = raw.cells.index
    column_of = {name: pos for pos, name in positions.items()}
    frame, text, notes = {}, {}, []
    for col in table.columns:
        pos = column_of.get(col.name)
        if pos is None:  # a column the file does not have: all missing
            text[col.name] = pd.Series(pd.NA, index=index, dtype="string")
            frame[col.name] = pd.Series(None, index=index, dtype=CANONICAL_DTYPES[col.dtype])
            continue
        header = raw.header[raw.cells.columns.get_loc(pos)]
        marked, skip, note = _marked_cells(raw, pos, col, header, index)
        problems += marked
        notes += [note] if note else []
        text[col.name] = raw.cells[pos] if raw.stripped else _text(raw.cells[pos])
        frame[col.name], bad = convert_column(text[col.name].mask(index.isin(skip)) if skip else text[col.name], col)
        problems += [
            Problem(file=raw.file, sheet=raw.sheet, row=int(row), column=header, rule=str(Rule.TYPE),
                    message=type_message(col, text[col.name].at[row]), value=text[col.name].at[row])
            for row in bad[bad].index
        ]
    headers = {name: raw.header[raw.cells.columns.get_loc(p)] for p, name in positions.items()}
    tf = TableFrame(
        table=table, file=raw.file, sheet=raw.sheet,
        frame=pd.DataFrame(frame, index=index), text=pd.DataFrame(text, index=index), headers=headers,
        notes=tuple(notes),
    )
    return tf, problems
