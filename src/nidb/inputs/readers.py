"""Readers for input tables in csv, xlsx and parquet files.

A reader returns the cells of each sheet as written (`RawSheet`), indexed by the
row number a spreadsheet shows (header row = 1). `parse_table` then matches the
headers against a contract table (Chinese header with unit, Chinese label, or
canonical English name) and converts the cells to the canonical dtypes,
reporting every header or cell it cannot accept. Input files are only read.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

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


class ReadError(Exception):
    """A file that cannot be read at all; carries the located problem."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


def _file_problem(path: Path, message: str) -> ReadError:
    return ReadError(Problem(file=str(path), rule=str(Rule.FILE), message=message))


def _sheet(file: Path, name: str | None, table: pd.DataFrame) -> RawSheet:
    """Build a RawSheet from a grid of cell values whose first row is the header."""
    table = table.astype(object)
    table.columns = range(table.shape[1])
    table.index = range(1, len(table) + 1)
    blank = table.isna() | table.apply(lambda c: c.astype("string").str.strip().eq("").fillna(False).astype(bool))
    table = table.where(~blank, None)
    header = tuple("" if v is None else str(v).strip() for v in table.iloc[0]) if len(table) else ()
    cells = table.iloc[1:]
    # columns with neither header nor data are layout, not content
    keep = [i for i in cells.columns if header[i] or cells[i].notna().any()]
    cells = cells[keep]
    cells = cells[cells.notna().any(axis=1)]
    return RawSheet(file=str(file), sheet=name, header=tuple(header[i] for i in keep), cells=cells)


def read_csv(path: Path) -> list[RawSheet]:
    """Read a UTF-8 csv file (with or without BOM); blank lines keep their row numbers."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise _file_problem(path, "文件不是 UTF-8 编码，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”") from None
    except OSError as exc:
        raise _file_problem(path, f"无法读取文件：{exc.strerror}") from None
    if not text.strip():
        raise _file_problem(path, "文件为空，缺少表头行")
    grid = read_csv_grid(path, text.encode("utf-8"))
    if grid is not None:
        return [RawSheet(file=str(path), sheet=None, header=grid[0], cells=grid[1])]
    try:
        table = pd.read_csv(
            io.StringIO(text), header=None, dtype=str, keep_default_na=False, skip_blank_lines=False,
        )
    except pd.errors.ParserError:  # rows longer than the header: the csv module takes ragged rows
        rows = list(csv.reader(io.StringIO(text)))
        width = max(len(r) for r in rows)
        table = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)
    return [_sheet(path, None, table)]


def read_xlsx(path: Path) -> list[RawSheet]:
    """Read every visible data sheet of an xlsx workbook (not the instructions sheet)."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise _file_problem(path, f"无法作为 xlsx 工作簿打开（{type(exc).__name__}）") from None
    try:
        sheets = []
        for ws in wb.worksheets:
            if ws.sheet_state != "visible" or ws.title == INSTRUCTIONS_SHEET:
                continue
            sheets.append(_sheet(path, ws.title, pd.DataFrame(list(ws.iter_rows(values_only=True)), dtype=object)))
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
    return [RawSheet(file=str(path), sheet=None, header=header, cells=cells)]


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
        for label in (col.name, col.zh, col.header):
            lookup[normalise_label(label)] = col.name
    return lookup


def _with_template_row(raw: RawSheet, names: list[str | None]) -> RawSheet:
    """Drop the template's second header row (canonical names) when it is there."""
    if raw.header_rows != 1 or not len(raw.cells) or raw.cells.index[0] != 2:
        return raw
    second = raw.cells.iloc[0]
    present = [(str(v).strip(), n) for v, n in zip(second, names) if v is not None]
    if present and all(v == n for v, n in present) and len(present) == sum(n is not None for n in names):
        return RawSheet(raw.file, raw.sheet, raw.header, raw.cells.iloc[1:], header_rows=2)
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
    """A cell value as a spreadsheet shows it: whole floats without the trailing ".0"."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _text(cells: pd.Series) -> pd.Series:
    """Cells as stripped strings, NA when empty."""
    if pd.api.types.infer_dtype(cells, skipna=True) not in ("string", "empty"):
        cells = cells.map(_shown)
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
        bad = text.notna() & values.isna()
        return values, bad
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
    if text.strip() in _MISSING_MARKERS:
        return f"{message}；没有数据请留空（空单元格即缺失值）"
    if col.dtype in ("number", "integer") and re.search(r"[%％]\s*$", text):
        return f"{message}，不要带 % 号（65% 填 65）"
    if col.dtype in ("number", "integer") and re.search(r"\d\s*[^\d\s.,+\-eE]+\s*$", text):
        return f"{message}，只填数字，单位以表头为准" + (f"（{col.unit}）" if col.unit else "")
    return message


def parse_table(raw: RawSheet, table: TableSpec) -> tuple[TableFrame, list[Problem]]:
    """Match headers and convert cells; return the table and every header or type problem."""
    positions, problems = match_headers(raw, table)
    raw = _with_template_row(raw, [positions.get(p) for p in raw.cells.columns])
    index = raw.cells.index
    column_of = {name: pos for pos, name in positions.items()}
    frame, text = {}, {}
    for col in table.columns:
        pos = column_of.get(col.name)
        if pos is None:  # a column the file does not have: all missing
            text[col.name] = pd.Series(pd.NA, index=index, dtype="string")
            frame[col.name] = pd.Series(None, index=index, dtype=CANONICAL_DTYPES[col.dtype])
            continue
        text[col.name] = _text(raw.cells[pos])
        frame[col.name], bad = convert_column(text[col.name], col)
        header = raw.header[raw.cells.columns.get_loc(pos)]
        problems += [
            Problem(file=raw.file, sheet=raw.sheet, row=int(row), column=header, rule=str(Rule.TYPE),
                    message=type_message(col, text[col.name].at[row]), value=text[col.name].at[row])
            for row in bad[bad].index
        ]
    headers = {name: raw.header[raw.cells.columns.get_loc(p)] for p, name in positions.items()}
    tf = TableFrame(
        table=table, file=raw.file, sheet=raw.sheet,
        frame=pd.DataFrame(frame, index=index), text=pd.DataFrame(text, index=index), headers=headers,
    )
    return tf, problems
