"""Reading back a produced workbook as a user opens it: the checks every nidb xlsx must pass."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl

NUMBER_TEXT = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?%?$")
#: columns whose digits are names, not quantities (ids and codes stay text)
ID_HEADERS = ("编号", "代码", "id", "ID", "文件")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def check_workbook(path: Path, notes: str | None = "说明") -> dict[str, list[list[object]]]:
    """Assert what a reader needs of each data sheet of `path` and return the sheets' values.

    Every data sheet: a frozen header row, an autofilter over the table, a width for every
    column, landscape one-page-wide printing with the header repeated, no column whose values
    are all numbers stored as text, no formula cell, formula-like text marked as text. The
    workbook has a `notes` sheet when given."""
    book = openpyxl.load_workbook(path)
    if notes:
        assert notes in book.sheetnames, f"{path.name}: no {notes} sheet"
    values = {}
    for sheet in book.worksheets:
        rows = [[c.value for c in row] for row in sheet.iter_rows()]
        values[sheet.title] = rows
        where = f"{path.name}[{sheet.title}]"
        assert sheet.freeze_panes == "A2", f"{where}: header row not frozen"
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), f"{where}: no autofilter"
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1, where
        assert sheet.print_title_rows == "$1:$1", f"{where}: header row not repeated on printed pages"
        header = rows[0] if rows else []
        for i, name in enumerate(header, start=1):
            letter = openpyxl.utils.get_column_letter(i)
            assert sheet.column_dimensions[letter].width and sheet.column_dimensions[letter].width >= 6, \
                f"{where}: column {name} has no width"
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                assert cell.data_type != "f", f"{where}!{cell.coordinate}: a formula"
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                    assert cell.quotePrefix, f"{where}!{cell.coordinate}: formula-like text not marked as text"
        for i, name in enumerate(header):
            column = [r[i] for r in rows[1:] if r[i] is not None and r[i] != ""]
            if column and not any(word in str(name) for word in ID_HEADERS):
                assert not all(isinstance(v, str) and NUMBER_TEXT.match(v) for v in column), \
                    f"{where}: column {name} holds numbers stored as text"
    return values
