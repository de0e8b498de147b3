"""Columnar reading of csv and parquet files with pyarrow: no per-cell Python.

The grid of a file is read as Arrow string columns (a parquet column of another
type is cast to its text: ``3.0`` → ``"3"``, shortest round-trip for floats), cells
are stripped and blank cells become missing, all in Arrow compute. The result is the
same grid the row-wise readers build (header row, data rows numbered as a
spreadsheet shows them, empty rows and empty unnamed columns dropped), held in
pandas ``string`` columns that `readers.parse_table` converts without touching
each cell. A csv file this path cannot take exactly as the row-wise reader would
(blank lines, ragged rows, not UTF-8) returns ``None`` and the caller reads it
row-wise, so the located error messages stay the same.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_BOM = b"\xef\xbb\xbf"


# Bytes that may begin or end a cell that stripping changes: ASCII whitespace and separators, and
# any byte of a multi-byte UTF-8 character (full-width spaces among them; checked the slow way).
_EDGE_BYTES = np.zeros(256, dtype=bool)
_EDGE_BYTES[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
_EDGE_BYTES[128:] = True


def _plain_edges(column: pa.ChunkedArray) -> bool:
    """True when no cell is missing or empty and none begins or ends with a byte of
    `_EDGE_BYTES`, so that stripping changes nothing (read off the Arrow buffers)."""
    for chunk in column.chunks:
        if not len(chunk):
            continue
        if chunk.null_count:
            return False
        _, offsets, data = chunk.buffers()
        ends = np.frombuffer(offsets, dtype=np.int64)[chunk.offset: chunk.offset + len(chunk) + 1]
        first, last = ends[:-1], ends[1:] - 1  # byte positions of each cell's first and last byte
        if data is None or bool((last < first).any()):  # an empty cell
            return False
        cell_bytes = np.frombuffer(data, dtype=np.uint8)
        if _EDGE_BYTES[cell_bytes[first]].any() or _EDGE_BYTES[cell_bytes[last]].any():
            return False
    return True


def _trimmed(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Cells as stripped text, blank (empty or only whitespace) cells missing."""
    if pa.types.is_floating(column.type):  # NaN is a missing value, as in the row-wise reader
        column = pc.if_else(pc.is_nan(column), pa.scalar(None, column.type), column)
    if not pa.types.is_large_string(column.type):  # pandas' Arrow strings are large strings
        column = pc.cast(column, pa.large_string())
    if _plain_edges(column):  # most id and number columns: nothing to strip
        return column
    stripped = pc.utf8_trim_whitespace(column)
    blank = pc.equal(stripped, "")
    if not pc.any(blank).as_py():
        return stripped
    return pc.if_else(blank, pa.scalar(None, pa.large_string()), stripped)


def grid_frame(columns: list[pa.ChunkedArray], header: list[object]) -> tuple[tuple[str, ...], pd.DataFrame]:
    """The header and the data cells of a grid given as columns (the header not included).

    Columns with neither header nor data and rows without any value are dropped;
    the index is the spreadsheet row number (header = 1).
    """
    texts = [_trimmed(c) for c in columns]
    names = tuple("" if h is None else str(h).strip() for h in header)
    keep = [i for i, t in enumerate(texts) if names[i] or t.null_count < len(t)]
    n = len(texts[0]) if texts else 0
    index = pd.RangeIndex(2, n + 2)
    if any(texts[i].null_count for i in keep):  # some rows may be empty: keep those with a value
        filled = pa.array([False] * n, pa.bool_()) if n else pa.array([], pa.bool_())
        for i in keep:
            filled = pc.or_(filled, pc.is_valid(texts[i]))
        rows = pc.indices_nonzero(filled)
        if len(rows) < n:
            texts = [t.take(rows) if i in keep else t for i, t in enumerate(texts)]
            index = index[rows.to_numpy()]
    cells = pd.DataFrame(
        {i: pd.Series(pd.arrays.ArrowStringArray(texts[i]), index=index, copy=False) for i in keep},
        columns=keep,
    )
    return tuple(names[i] for i in keep), cells


def read_csv_grid(path: Path, data: bytes) -> tuple[tuple[str, ...], pd.DataFrame] | None:
    """The grid of a csv file's bytes, or ``None`` when the row-wise reader must take it."""
    from pyarrow import csv

    if data.startswith(_BOM):
        data = data[len(_BOM):]
    if not data or data.isspace() or data.startswith((b"\n", b"\r\n")):
        return None
    try:
        table = csv.read_csv(
            pa.BufferReader(data),
            read_options=csv.ReadOptions(autogenerate_column_names=True),
            # a line break inside a quoted cell needs the serial parser; without quotes, blocks go in
            # parallel. A blank line is a row (of one empty cell): it keeps the row numbers below it,
            # and in a file of several columns it stops this reader, so the row-wise reader takes it.
            parse_options=csv.ParseOptions(newlines_in_values=b'"' in data, ignore_empty_lines=False),
            convert_options=csv.ConvertOptions(
                column_types=_all_strings(data), strings_can_be_null=False, quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if table.num_rows == 0:
        return None
    header = table.slice(0, 1).to_pylist()[0]
    body = table.slice(1)
    return grid_frame([body.column(i) for i in range(body.num_columns)], [header[k] for k in table.column_names])


def _all_strings(data: bytes) -> dict[str, pa.DataType]:
    """Column types for every column of the first line: all text (cells as written)."""
    import csv as pycsv
    import io

    end = data.find(b"\n")
    first = data[: end if end >= 0 else len(data)].decode("utf-8", errors="replace")
    width = len(next(pycsv.reader(io.StringIO(first)), []))
    return {f"f{i}": pa.string() for i in range(max(width, 1))}


def parquet_grid(table: pa.Table) -> tuple[tuple[str, ...], pd.DataFrame]:
    """The grid of a parquet table: its column names as the header, its values as text."""
    return grid_frame([table.column(i) for i in range(table.num_columns)], list(table.column_names))


def cast_numbers(text: pd.Series) -> pd.Series | None:
    """Numbers of a text column when Arrow parses every cell as written, else ``None``."""
    if not isinstance(text.array, pd.arrays.ArrowStringArray):
        return None
    try:
        values = pc.cast(pa.array(text.array), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return pd.Series(values.to_numpy(zero_copy_only=False), index=text.index, dtype="float64")
