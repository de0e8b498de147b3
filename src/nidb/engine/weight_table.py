"""Weights given as a table: one row per node with its code, level and weight.

A method's ``weights`` may name a csv or xlsx file (``weights: 权重.csv``, a path
relative to the method file), hold the rows themselves (``weights: [{code: D2,
level: 2, weight: 2}, …]``) or give either under ``weights.table`` beside a scheme.
``nidb score --weights`` takes the same file. A table is the mapping form
``weights: {D2: 2, …}`` written as rows: listed nodes take the weight, every other
node keeps the method's rule, and the results are the same.

Columns, matched like the data contract's headers (spaces and case ignored): ``code``
(节点代码, 代码, iCode), ``weight`` (权重, Weight) and, optionally, ``level`` (层级,
Level); other columns (names, parents, shares, e.g. the 权重 sheet that ``nidb score``
writes) are ignored. In a workbook the sheet 权重 is read when there is one, else the
only data sheet. The level, when given, must be the node's level in the framework: it
guards against a code that names a node at another level than the author meant.
Every problem is reported at the cell as the user sees it (file, sheet, row, column
header) or, for rows in the YAML, at the key path.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from nidb.errors import ConfigError

SUFFIXES = (".csv", ".xlsx")
SHEET = "权重"
HEADERS = {
    "code": ("code", "节点代码", "代码", "icode", "node"),
    "level": ("level", "层级", "层"),
    "weight": ("weight", "权重"),
}
ROW_KEYS = ("code", "level", "weight")


class WeightTableError(ConfigError):
    """A problem located in a weights table (its file cell or its YAML key path)."""


@dataclass(frozen=True)
class WeightRow:
    """One node's weight as given, with where each of its cells is, for error messages."""

    code: str
    weight: float
    level: int | None = None
    where: Mapping[str, str] = field(default_factory=dict, compare=False)  # field → location text

    def error(self, column: str, message: str) -> WeightTableError:
        """The error for this row's ``column`` (code, level or weight)."""
        return WeightTableError(f"{self.where.get(column, '')}：{message}")


def _label(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def _where(file: str, sheet: str | None = None, row: int | None = None, column: str | None = None) -> str:
    """A cell's location in the wording of the input checks: file, sheet, row, column header."""
    parts = [file]
    if sheet:
        parts.append(f"工作表「{sheet}」")
    if row is not None:
        parts.append(f"第 {row} 行")
    if column:
        parts.append(f"列「{column}」")
    return "，".join(parts)


def _cell_problem(file: str, sheet: str | None, row: int | None, column: str | None, value: Any, message: str) -> str:
    """Location, value and message of a problem in a table file."""
    shown = "" if value is None else f"，值「{value}」"
    return f"{_where(file, sheet, row, column)}{shown}：{message}"


def _present(value: Any) -> Any:
    """A cell's value, None when empty (None, NaN or pandas' missing value)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _number(value: Any) -> float | None:
    """A cell as a finite number, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    try:
        number = float(unicodedata.normalize("NFKC", str(value)).strip().replace(",", ""))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _code(value: Any) -> str:
    """A code cell as text (a whole number read from a workbook as 3.0 reads as 3)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFKC", str(value)).strip()


def _pick_sheet(path: Path, sheets: list) -> Any:
    visible = [s for s in sheets if not s.hidden and not s.empty]
    named = [s for s in visible if s.sheet == SHEET]
    if named:
        return named[0]
    if len(visible) == 1:
        return visible[0]
    names = "、".join(str(s.sheet) for s in visible) or "无"
    message = f"工作簿应只有一个数据工作表，或有名为「{SHEET}」的工作表（现有：{names}）"
    raise WeightTableError(_cell_problem(str(path), None, None, None, None, message))


def read_weight_table(path: str | Path) -> tuple[WeightRow, ...]:
    """The rows of a weights table file (csv or xlsx), each cell checked; errors name the cell."""
    from nidb.inputs.readers import ReadError, read_sheets

    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        message = f"权重表应为 .csv 或 .xlsx 文件，实际为「{path.suffix or '无扩展名'}」"
        raise WeightTableError(_cell_problem(str(path), None, None, None, None, message))
    if not path.is_file():
        raise WeightTableError(_cell_problem(str(path), None, None, None, None, "文件不存在"))
    try:
        raw = _pick_sheet(path, read_sheets(path))
    except ReadError as exc:
        raise WeightTableError(str(exc.problem)) from None
    file, sheet = str(path), raw.sheet
    positions: dict[str, int] = {}
    for pos, header in enumerate(raw.header):
        name = next((k for k, labels in HEADERS.items() if _label(header) in labels), None)
        if name is None:
            continue
        if name in positions:
            message = f"「{raw.header[positions[name]]}」与「{header}」是同一列（{name}），只能有一列"
            raise WeightTableError(_cell_problem(file, sheet, 1, header, None, message))
        positions[name] = pos
    for name in ("code", "weight"):
        if name not in positions:
            accepted = "、".join(HEADERS[name])
            message = f"缺少{'节点代码' if name == 'code' else '权重'}列（表头可写：{accepted}）"
            raise WeightTableError(_cell_problem(file, sheet, 1, None, None, message))
    rows: list[WeightRow] = []
    first_row: dict[str, int] = {}
    for number, cells in raw.cells.iterrows():
        where = {
            name: _where(file, sheet, int(number), raw.header[pos])
            for name, pos in positions.items()
        }
        values = {name: _present(cells.get(pos)) for name, pos in positions.items()}

        def fail(name: str, message: str) -> WeightTableError:
            value = values.get(name)
            return WeightTableError(
                _cell_problem(file, sheet, int(number), raw.header[positions[name]], None if value is None else value, message)
            )

        if values["code"] is None:
            raise fail("code", "缺少节点代码")
        code = _code(values["code"])
        if code in first_row:
            raise fail("code", f"节点「{code}」已在第 {first_row[code]} 行给出")
        first_row[code] = int(number)
        if values["weight"] is None:
            raise fail("weight", "缺少权重")
        weight = _number(values["weight"])
        if weight is None:
            raise fail("weight", "权重应为有限数值")
        if weight < 0:
            raise fail("weight", "权重不能为负")
        level = None
        if values.get("level") is not None:
            number_level = _number(values["level"])
            if number_level is None or not number_level.is_integer() or number_level < 1:
                raise fail("level", "层级应为正整数（1 = 指标）")
            level = int(number_level)
        rows.append(WeightRow(code=code, weight=weight, level=level, where=where))
    if not rows:
        raise WeightTableError(_cell_problem(file, sheet, None, None, None, "权重表没有数据行"))
    return tuple(rows)


def rows_from_list(items: Any, path: str, source: str) -> tuple[WeightRow, ...]:
    """Rows written in the YAML (a list of ``{code, level, weight}``); errors name the key path."""

    def fail(key: str, message: str) -> WeightTableError:
        return WeightTableError(f"{source}：{key}：{message}")

    if not isinstance(items, list) or not items:
        raise fail(path, "应为非空列表，每项为 {code: 节点代码, level: 层级, weight: 权重}")
    rows: list[WeightRow] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        key = f"{path}[{i}]"
        if not isinstance(item, Mapping):
            raise fail(key, "应为映射 {code: 节点代码, level: 层级, weight: 权重}")
        unknown = sorted(set(map(str, item)) - set(ROW_KEYS))
        if unknown:
            raise fail(f"{key}.{unknown[0]}", f"未知键，可用的键：{', '.join(ROW_KEYS)}")
        for name in ("code", "weight"):
            if item.get(name) is None:
                raise fail(f"{key}.{name}", "缺少必需的键")
        code = _code(item["code"])
        if code in seen:
            raise fail(f"{key}.code", f"节点「{code}」已在 {path}[{seen[code]}] 给出")
        seen[code] = i
        weight = item["weight"]
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight < 0:
            raise fail(f"{key}.weight", f"权重应为非负的有限数值，实为 {weight!r}")
        level = item.get("level")
        if level is not None and (isinstance(level, bool) or not isinstance(level, int) or level < 1):
            raise fail(f"{key}.level", f"层级应为正整数（1 = 指标），实为 {level!r}")
        where = {name: f"{source}：{key}.{name}" for name in ROW_KEYS}
        rows.append(WeightRow(code=code, weight=float(weight), level=level, where=where))
    return tuple(rows)


def table_rows(value: Any, path: str, source: str) -> tuple[WeightRow, ...]:
    """A table given in a method: a file path (text) or the rows (a list)."""
    if isinstance(value, (str, Path)):
        return read_weight_table(value)
    return rows_from_list(value, path, source)


def anchor_tables(raw: Any, folder: str | Path) -> Any:
    """A method mapping whose weights-table path, if relative, is made relative to ``folder``
    (the method file's folder), so that the method reads the same file wherever it runs."""
    if not isinstance(raw, Mapping):
        return raw
    weights = raw.get("weights")
    if isinstance(weights, str) and not Path(weights).is_absolute():
        return {**raw, "weights": str(Path(folder) / weights)}
    if isinstance(weights, Mapping) and isinstance(weights.get("table"), str) and not Path(weights["table"]).is_absolute():
        return {**raw, "weights": {**weights, "table": str(Path(folder) / weights["table"])}}
    return raw
