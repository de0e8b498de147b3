"""Result files of the command-line jobs: the synthetic-data label, and csv/xlsx tables with
Chinese headers written all-or-nothing — workbooks formatted for reading and printing, no text
cell that a spreadsheet would run as a formula."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nidb.errors import NidbError

SYNTHETIC_LABEL = "示例数据（合成）"
FORMATS = (".csv", ".xlsx")


def check_out(out: str | Path, *, inputs: Iterable[str | Path | None] = (), overwrite: bool = True,
              folder: bool = False) -> Path:
    """The output path, checked before any work is done: a .csv or .xlsx (or, with `folder`, a
    directory) in an existing folder, that is none of `inputs` and not inside an input
    directory, and that does not exist yet unless `overwrite` (the command line's --force)."""
    out = Path(out)
    if not folder and out.suffix.lower() not in FORMATS:
        raise NidbError(f"输出文件须为 .csv 或 .xlsx：{out}")
    if not out.parent.exists():
        raise NidbError(f"输出目录不存在：{out.parent}")
    target = out.resolve()
    for given in inputs:
        if given is None:
            continue
        source = Path(given).resolve()
        if target == source:
            raise NidbError(f"输出路径就是输入{'目录' if source.is_dir() else '文件'}，拒绝覆盖：{out}")
        if source.is_dir() and source in target.parents:
            raise NidbError(f"输出路径位于数据目录 {given} 之内，拒绝写入（输入文件不可被改动）：{out}")
    if not overwrite and out.exists() and (not folder or any(out.iterdir())):
        raise NidbError(f"{'目录' if folder else '文件'}已存在，未覆盖：{out}（如需覆盖请加 --force）")
    return out


def build_moment() -> tuple[datetime, str]:
    """The time a build records, and which clock it comes from: SOURCE_DATE_EPOCH when set
    (reproducible builds), else this machine's clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc), "取自 SOURCE_DATE_EPOCH"
    return datetime.now(tz=timezone.utc).replace(microsecond=0), "本机时钟"


_CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def reproducible_xlsx(path: Path) -> Path:
    """With SOURCE_DATE_EPOCH set, give a written xlsx that build time instead of the wall
    clock (document properties and zip entry times), so that reruns are byte-identical."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return path
    moment = datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    date_time = max(moment.timetuple()[:6], (1980, 1, 1, 0, 0, 0))
    with zipfile.ZipFile(path) as archive:
        entries = [(info, archive.read(info)) for info in archive.infolist()]
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".nidb-", suffix=".xlsx", delete=False) as handle:
        staged = Path(handle.name)
    with zipfile.ZipFile(staged, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = _CORE_DATES.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=date_time)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            archive.writestr(fixed, data)
    staged.replace(path)
    return path


def write_tables(tables: dict[str, pd.DataFrame], out: str | Path, *, label: str | None = None) -> list[Path]:
    """Write tables; xlsx: one formatted sheet per table (see `write_workbook`). csv: the first
    table to `out`, each other to `<stem>-<sheet>.csv` beside it (see `write_csv`).

    `label` (e.g. the synthetic-data label) goes into each sheet's printed header and the 说明
    sheet of a workbook, and into a first column 数据来源 of each csv (a csv has no header).
    Files are written in a temporary folder beside `out` and moved into place only when all
    are complete, so a failure leaves no half-written result."""
    out = check_out(out)
    with tempfile.TemporaryDirectory(prefix=".nidb-", dir=out.parent) as tmp:
        staged: list[tuple[Path, Path]] = []
        if out.suffix.lower() == ".xlsx":
            path = Path(tmp) / out.name
            write_workbook(with_notes(tables, label), path, label=label)
            staged.append((reproducible_xlsx(path), out))
        else:
            for i, (sheet, frame) in enumerate(_sourced(tables, label).items()):
                name = out.name if i == 0 else f"{out.stem}-{sheet}.csv"
                path = Path(tmp) / name
                write_csv(frame, path)
                staged.append((path, out.with_name(name)))
        for source, target in staged:
            shutil.move(source, target)
    return [target for _, target in staged]


def _sourced(tables: dict[str, pd.DataFrame], label: str | None) -> dict[str, pd.DataFrame]:
    """With a label, every csv table but 说明 starts with a column 数据来源 holding it."""
    if not label:
        return tables
    return {name: frame if name == NOTES_SHEET else frame.assign(**{SOURCE_COLUMN: label})[[SOURCE_COLUMN, *frame.columns]]
            for name, frame in tables.items()}


# ---------------------------------------------------------------- cells a spreadsheet must not run
#: first characters that make Excel, WPS or LibreOffice read a typed or imported text as a formula
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would take `text` for a formula if it were typed or imported as is."""
    return text.startswith(FORMULA_TRIGGERS)


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every formula-like text cell prefixed by an apostrophe (OWASP CSV injection
    rule), so that opening the csv in Excel/WPS shows the text instead of running it."""
    text = [c for c in frame.columns if frame[c].dtype == object or isinstance(frame[c].dtype, pd.StringDtype)]
    if not text:
        return frame
    safe = frame.copy()
    for column in text:
        values = safe[column]
        risky = _formula_like(values)
        if risky.any():
            safe[column] = values.astype(object).where(~risky, "'" + values.astype(str))
    return safe


def _formula_like(values: pd.Series) -> np.ndarray:
    """Per cell, whether it is a text that `is_formula_like` (False for missing and non-text cells)."""
    if isinstance(values.dtype, pd.StringDtype):  # one vectorised pass over the column
        return values.str.startswith(FORMULA_TRIGGERS).to_numpy(dtype=bool, na_value=False)
    return np.array([isinstance(v, str) and is_formula_like(v) for v in values.to_numpy()], dtype=bool)


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write one table as csv in UTF-8 with BOM (Excel shows the Chinese headers) and CRLF line
    ends (RFC 4180: a field holding CR or LF is quoted), formula-like text neutralised (`csv_safe`)."""
    path = Path(path)
    csv_safe(frame).to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return path


# ---------------------------------------------------------------- workbooks
NOTES_SHEET = "说明"
SOURCE_COLUMN = "数据来源"
INTEGER = "0"  # years, ranks, counts of rows
COUNT = "#,##0"
DECIMAL = "#,##0.00"
PERCENT = "0.0%"
_SHARE_WORDS = ("率", "占比", "份额", "比例", "share", "rate")
_PLAIN_INTEGER_WORDS = ("年", "序", "排", "名次", "位次", "编号", "代码", "星", "year", "rank", "_id")
_MIN_WIDTH, _MAX_WIDTH, _HEADER_WRAP = 6, 42, 24  # longer text wraps within the column
_WIDTH_SAMPLE = 2000


def display_width(text: str) -> int:
    """Columns `text` takes in a spreadsheet: East Asian wide and full-width characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def number_format(header: str, values: pd.Series) -> str | None:
    """The number format of a column: shares in [0, 1] as %, integer-valued years/ranks/ids as
    plain integers, other integers with thousands separators, other numbers with two decimals;
    None for a text column. A header that already names its unit as % keeps the numbers as typed."""
    numbers = pd.to_numeric(values, errors="coerce") if values.dtype == object else values
    if values.dtype == bool or not pd.api.types.is_numeric_dtype(numbers):
        return None
    present = numbers.dropna()
    if values.dtype == object and len(present) < values.notna().sum():
        return None  # mixed text and numbers: the numbers get the default format cell by cell
    header_l = str(header).lower()
    if len(present) and (present == present.round()).all():
        return INTEGER if any(w in header_l for w in _PLAIN_INTEGER_WORDS) else COUNT
    if "%" not in header_l and "％" not in header_l and any(w in header_l for w in _SHARE_WORDS) \
            and len(present) and present.between(0, 1).all():
        return PERCENT
    return DECIMAL


def _shown(value: Any, fmt: str | None) -> str:
    if isinstance(value, str):
        return value
    if fmt == PERCENT:
        return f"{value:.1%}"
    if fmt == DECIMAL:
        return f"{value:,.2f}"
    if fmt == COUNT:
        return f"{value:,.0f}"
    return str(value)


def column_width(header: str, values: pd.Series, fmt: str | None) -> float:
    """Width of a column fitted to its header and (a sample of) its values, CJK counted double;
    long headers wrap instead of widening the column."""
    sample = values.iloc[:_WIDTH_SAMPLE].dropna()
    widest = max((display_width(_shown(v, fmt)) for v in sample.unique()), default=0) if len(sample) else 0
    head = min(display_width(str(header)), max(_HEADER_WRAP, widest))
    return float(min(_MAX_WIDTH, max(_MIN_WIDTH, widest, head) + 2))


def with_notes(tables: dict[str, pd.DataFrame], label: str | None) -> dict[str, pd.DataFrame]:
    """The tables with a 说明 sheet naming `label` (added when the caller gave none)."""
    if not label or NOTES_SHEET in tables:
        return tables
    return {**tables, NOTES_SHEET: pd.DataFrame({"项目": ["数据"], "内容": [label]})}


def sheet_title(name: str) -> str:
    """A valid Excel sheet name: no []:*?/\\ characters, at most 31 characters."""
    return re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "Sheet"


def write_workbook(tables: dict[str, pd.DataFrame], path: str | Path, *, label: str | None = None,
                   titles: dict[str, str] | None = None) -> Path:
    """Write `tables` as one xlsx sheet each, formatted for reading and printing.

    Numbers stay numbers with a number format (`number_format`), text stays text (formula-like
    text is stored as a string with Excel's quote prefix, never as a formula); the header row
    is bold, frozen and filtered; widths fit the content; pages print landscape, one page wide,
    header row repeated, with `label` and the sheet's title (`titles`, default its name) in
    the page header and page numbers in the footer."""
    from openpyxl import Workbook

    path = Path(path)
    book = Workbook(write_only=True)
    for name, frame in tables.items():
        _write_sheet(book, sheet_title(name), frame, label, (titles or {}).get(name, name))
    book.properties.creator = "nidb"
    book.save(path)
    return path


def _write_sheet(book: Any, title: str, frame: pd.DataFrame, label: str | None, caption: str) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    columns = [str(c) for c in frame.columns]
    formats = [number_format(c, frame.iloc[:, i]) for i, c in enumerate(columns)]
    for i, column in enumerate(columns):
        letter = get_column_letter(i + 1)
        sheet.column_dimensions[letter].width = column_width(column, frame.iloc[:, i], formats[i])
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = "9"  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.oddHeader.center.text = f"{caption}（{label}）" if label else caption
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    if columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(frame) + 1}"

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE5F0")
    rule = Border(bottom=Side(style="thin", color="808080"))
    wrap = Alignment(wrap_text=True, vertical="center", horizontal="center")
    long_text = Alignment(wrap_text=True, vertical="top")
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, _clean(column))
        cell.font, cell.fill, cell.border, cell.alignment = bold, fill, rule, wrap
        header.append(cell)
    sheet.append(header)
    for row in frame.itertuples(index=False, name=None):
        sheet.append([_cell(sheet, value, fmt, WriteOnlyCell, long_text) for value, fmt in zip(row, formats)])


def _clean(text: str) -> str:
    return _ILLEGAL_XML.sub("\ufffd", text)


def _cell(sheet: Any, value: Any, fmt: str | None, make: Any, wrap: Any = None) -> Any:
    """One cell value: None for missing, numbers with `fmt`, formula-like text as a quoted string,
    text wider than a column can be wrapped (`wrap`)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return "是" if value else "否"
    if isinstance(value, (int, float, np.integer, np.floating)):
        if isinstance(value, (float, np.floating)) and not np.isfinite(value):
            return None if np.isnan(value) else str(value)
        cell = make(sheet, value.item() if isinstance(value, np.generic) else value)
        cell.number_format = fmt or (DECIMAL if isinstance(value, (float, np.floating)) else COUNT)
        return cell
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    text = _clean(str(value))
    formula_like, wide = is_formula_like(text), wrap is not None and len(text) * 2 > _MAX_WIDTH
    if not formula_like and not (wide and display_width(text) > _MAX_WIDTH):
        return text
    cell = make(sheet, text)
    if formula_like:
        cell.data_type = "s"
        cell.quotePrefix = True
    if wide:
        cell.alignment = wrap
    return cell
