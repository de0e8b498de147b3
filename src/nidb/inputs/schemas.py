"""The checks of the data contract, vectorised over each column, and the translation
of their failure cases into located `Problem`s.

The checks run on a table whose cells the readers have already converted to the
canonical dtypes; its index holds the spreadsheet row numbers, so a failure case
points at the row as the user sees it.
"""

from __future__ import annotations

import datetime
import difflib
import unicodedata
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from nidb.errors import Problem
from nidb.inputs.contract import ColumnSpec, TableSpec, load_contract
from nidb.inputs.traditional import to_simplified

CANONICAL_DTYPES: dict[str, object] = {
    "string": pd.StringDtype(),
    "category": pd.StringDtype(),
    "list": pd.StringDtype(),
    "number": "float64",
    "integer": pd.Int64Dtype(),
    "boolean": pd.BooleanDtype(),
}

LIST_SEPARATOR = ";"

# Units whose values a user may type in 元 or 万元 instead: a value above the
# column maximum that fits once divided by one of these factors is flagged as a
# unit slip rather than a plain range error.
_MONEY_FACTORS = {"亿元": {"万元": 1e4, "元": 1e8}}


class Rule(StrEnum):
    """The rule a problem breaks, as printed to the user."""

    FILE = "文件可读"
    TABLE = "表齐全"
    UNKNOWN_COLUMN = "未知列"
    MISSING_COLUMN = "缺少列"
    DUPLICATE_COLUMN = "重复列"
    TYPE = "数据类型"
    REQUIRED = "必填"
    RANGE = "取值范围"
    UNIT = "单位合理性"
    CATEGORY = "可选值"
    PATTERN = "编号格式"
    DUPLICATE = "重复记录"
    FOREIGN_KEY = "编号存在"
    NOT_ABOVE = "不超过总量"
    FUTURE_YEAR = "未来年份"
    FORMULA = "公式已计算"
    PLAUSIBLE = "数值合理性"
    YEAR_ON_YEAR = "逐年一致"
    INDICATOR = "指标编号"


@dataclass(frozen=True)
class TableFrame:
    """One table as read and converted: canonical columns, indexed by spreadsheet row."""

    table: TableSpec
    file: str
    sheet: str | None
    frame: pd.DataFrame  # canonical names and dtypes; index = row number as the spreadsheet shows it
    text: pd.DataFrame  # the cells as written (strings), same index and columns
    headers: Mapping[str, str]  # canonical name -> header as written in the file
    notes: tuple[str, ...] = ()  # how cells were read when that is not obvious (e.g. %-formatted cells)


def current_year() -> int:
    """The calendar year today (the default reference for `max_year_offset`)."""
    return datetime.date.today().year


def empty_frame(table: TableSpec) -> pd.DataFrame:
    """An empty frame with the table's canonical columns and dtypes."""
    return pd.DataFrame({c.name: pd.Series(dtype=CANONICAL_DTYPES[c.dtype]) for c in table.columns})


def _share_column(col: ColumnSpec) -> bool:
    return col.unit == "%" and col.min == 0 and col.max == 100


def _not_fractions(s: pd.Series) -> bool:
    """False when every value of a percentage column lies in [0, 1] and some lie strictly inside."""
    s = s.dropna()
    return not (len(s) > 0 and bool((s <= 1).all()) and bool(((s > 0) & (s < 1)).any()))


def _isin(s: pd.Series, values: Collection[str]) -> pd.Series:
    """``s.isin(values)``; for an Arrow string column in one Arrow call (pandas converts each
    of the values to an Arrow scalar in Python, slow for the thousands of keys a foreign key has)."""
    if not (isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow"):
        return s.isin(values)
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = pa.array(s.array)
    found = pc.is_in(cells, value_set=pa.array([str(v) for v in values], type=cells.type))
    return pd.Series(found.fill_null(False).to_numpy(zero_copy_only=False), index=s.index)


def _matches(s: pd.Series, pattern: str) -> pd.Series:
    """Whether each cell matches ``pattern`` in full; each distinct value is tested once
    (an id column repeats a few thousand values over hundreds of thousands of rows)."""
    distinct = pd.Series(s.dropna().unique(), dtype=s.dtype)
    bad = distinct[~distinct.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)]
    if bad.empty:
        return pd.Series(True, index=s.index)
    return ~_isin(s, frozenset(bad)).fillna(False)


def _items_allowed(values: tuple[str, ...]) -> Callable[[pd.Series], pd.Series]:
    allowed = set(values)

    def check(s: pd.Series) -> pd.Series:
        items = s.str.split(LIST_SEPARATOR).explode()
        ok = items.isin(allowed) | items.isna()
        return ok.groupby(level=0).all().reindex(s.index, fill_value=True)

    return check


def _column_failures(
    col: ColumnSpec, s: pd.Series, year: int, references: Mapping[str, frozenset[str]]
) -> list[tuple[str, pd.Series | None]]:
    """(check, mask of failing rows) of one column's value checks; a mask of ``None``
    marks a whole-column check that failed. Missing values pass every value check."""
    present = s.notna().to_numpy()
    out: list[tuple[str, pd.Series | None]] = []

    def fails(name: str, ok: pd.Series) -> None:
        bad = present & ~ok.fillna(True).to_numpy(dtype=bool)
        if bad.any():
            out.append((name, bad))

    if col.min is not None:
        fails("min", s >= col.min)
    if col.max is not None:
        fails("max", s <= col.max)
    if col.max_year_offset is not None:
        fails("future_year", s <= year + col.max_year_offset)
    if col.pattern is not None:
        fails("pattern", _matches(s, col.pattern))
    if col.values is not None and col.dtype == "category":
        fails("category", _isin(s, col.values))
    if col.values is not None and col.dtype == "list":
        fails("category", _items_allowed(col.values)(s))
    if col.foreign_key and all(t in references for t in col.foreign_key):
        fails("foreign_key", _isin(s, frozenset().union(*(references[t] for t in col.foreign_key))))
    if _share_column(col) and not _not_fractions(s):
        out.append(("share_fraction", None))
    return out


def failure_cases(
    tf: TableFrame,
    *,
    year: int | None = None,
    references: Mapping[str, frozenset[str]] | None = None,
) -> pd.DataFrame:
    """Every failed check of one converted table, one row per failing cell: ``check``,
    ``column`` (canonical name), ``index`` (spreadsheet row; missing for a whole-column
    check) and ``failure_case`` (the value).

    The checks of the contract, each one vectorised over the column: required
    (``not_nullable``), unique (``field_uniqueness``), min, max, future_year,
    pattern, category (list items too), foreign_key (only when its targets are in
    `references`), share_fraction (a percentage column filled with fractions),
    ``not_above:<column>`` across columns and the key (``multiple_fields_uniqueness``).
    `year` is the current year for `max_year_offset` (default: today's year).
    """
    year = current_year() if year is None else year
    references = references or {}
    frame, table = tf.frame, tf.table
    rows = frame.index.to_numpy()
    parts: list[pd.DataFrame] = []

    def add(check: str, column: str | None, mask: object) -> None:
        if mask is None:
            parts.append(pd.DataFrame({"check": [check], "column": [column], "index": [pd.NA], "failure_case": [False]}))
            return
        picked = frame[column] if column in frame.columns else pd.Series(pd.NA, index=frame.index)
        parts.append(pd.DataFrame({
            "check": check, "column": column, "index": rows[mask],
            "failure_case": picked.to_numpy(dtype=object)[mask],
        }))

    for col in table.columns:
        s = frame[col.name]
        missing = s.isna().to_numpy()
        if col.required and missing.any():
            add("not_nullable", col.name, missing)
        if col.unique and (col.name,) != table.key:
            dup = (s.duplicated(keep=False) & s.notna()).to_numpy()
            if dup.any():
                add("field_uniqueness", col.name, dup)
        for check, mask in _column_failures(col, s, year, references):
            add(check, col.name, mask)
    for col in table.columns:
        if col.not_above is not None:
            a, b = frame[col.name], frame[col.not_above]
            over = (a > b).fillna(False).to_numpy(dtype=bool)
            if over.any():
                add(f"not_above:{col.name}", None, over)
    if table.key:
        dup = frame.duplicated(list(table.key), keep=False).to_numpy()
        if dup.any():
            add("multiple_fields_uniqueness", None, dup)
    if not parts:
        return pd.DataFrame(columns=["check", "column", "index", "failure_case"])
    return pd.concat(parts, ignore_index=True)


def fmt_number(value: object) -> str:
    """A number as the user wrote it: plain below 1e15, scientific notation above (1e+308)."""
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e15 else f"{value:.6g}"
    return str(value)


def _range_problem(col: ColumnSpec, value: float) -> tuple[Rule, str]:
    """Rule and message for a value above the column maximum."""
    unit = col.unit or ""
    for wrong_unit, factor in _MONEY_FACTORS.get(unit, {}).items():
        if (col.min is None or value / factor >= col.min) and value / factor <= col.max:
            return Rule.UNIT, f"数值远超合理上限 {fmt_number(col.max)}{unit}，疑似按{wrong_unit}填报，应以{unit}为单位"
    if _share_column(col):
        return Rule.RANGE, "百分比应在 0～100 之间"
    return Rule.RANGE, f"应不大于 {fmt_number(col.max)}{unit}"


def _message(col: ColumnSpec, check: str, value: object, year: int) -> tuple[Rule, str]:
    unit = col.unit or ""
    if check == "not_nullable":
        return Rule.REQUIRED, "必填项为空"
    if check == "min":
        if _share_column(col):
            return Rule.RANGE, "百分比应在 0～100 之间"
        return Rule.RANGE, f"应不小于 {fmt_number(col.min)}{unit}"
    if check == "max":
        return _range_problem(col, float(value))
    if check == "future_year":
        return Rule.FUTURE_YEAR, f"年份晚于当前年份 {year + (col.max_year_offset or 0)}"
    if check == "pattern":
        return Rule.PATTERN, f"格式不符（应形如 {'、'.join(col.example)}）" if col.example else f"格式不符（应匹配 {col.pattern}）"
    if check == "category":
        return Rule.CATEGORY, _category_message(col, value)
    if check == "foreign_key":
        return Rule.FOREIGN_KEY, f"编号在{'和'.join(_table_zh(t) for t in col.foreign_key)}中不存在"
    if check == "share_fraction":
        return Rule.UNIT, "本列所有数值都不超过 1，疑似按小数填报百分比（例如 0.65 应填 65）"
    if check == "field_uniqueness":
        return Rule.DUPLICATE, "值重复"
    return Rule.TYPE, f"未通过检查 {check}"


def _table_zh(target: str) -> str:
    """The Chinese name of the table of a "table.column" target."""
    name = target.split(".")[0]
    contract = load_contract()
    return contract.table(name).zh if name in contract.table_names else name


def _category_message(col: ColumnSpec, value: object) -> str:
    """Not an allowed value: the choices when few, else the count, and the closest choice."""
    choices = col.values or ()
    shown = "、".join(choices)
    message = f"不是可选值（可选：{shown}）" if len(shown) <= 60 else f"不是可选值（共 {len(choices)} 项可选，见模板的下拉列表）"
    items = str(value).split(LIST_SEPARATOR) if col.dtype == "list" else [str(value)]
    unknown = [item for item in items if item not in choices]
    close = [_closest(item, choices) for item in unknown]
    close = [m for m in close if m is not None]
    if col.dtype == "list" and unknown:
        message = f"「{'、'.join(unknown)}」{message}"
    message += f"；是否应为「{'、'.join(close)}」？" if close else ""
    return message + (f"；{col.open_hint}" if col.open_hint else "")


def _closest(value: str, choices: tuple[str, ...]) -> str | None:
    """The choice a value was probably meant to be: its simplified form when that is a choice
    (東部 -> 东部), else the closest-looking choice."""
    simplified = to_simplified(unicodedata.normalize("NFKC", value)).strip()
    if simplified in choices:
        return simplified
    close = difflib.get_close_matches(simplified, choices, n=1, cutoff=0.5)
    return close[0] if close else None


def _problem(tf: TableFrame, col: str, row: object, rule: Rule, message: str, value: object = None) -> Problem:
    row_no = None if row is None or pd.isna(row) else int(row)
    if value is None and row_no is not None and row_no in tf.text.index:
        value = tf.text.at[row_no, col]
        value = None if pd.isna(value) else value
    return Problem(
        file=tf.file, sheet=tf.sheet, row=row_no, column=tf.headers.get(col, col),
        rule=str(rule), message=message, value=value,
    )


def _key_problems(tf: TableFrame, rows: list[int]) -> list[Problem]:
    key = list(tf.table.key)
    # a row with an empty key cell is reported as a missing required value, not as a duplicate
    dupes = tf.frame.loc[sorted(set(rows)), key].dropna()
    if dupes.empty:
        return []
    shown = dupes.astype("string").agg(" / ".join, axis=1)
    labels = "、".join(tf.headers.get(k, k) for k in key)
    problems = []
    for value, index in shown.groupby(shown, sort=False).groups.items():
        if len(index) < 2:
            continue
        where = "、".join(str(r) for r in index)
        problems += [
            _problem(tf, key[0], r, Rule.DUPLICATE, f"（{labels}）重复出现于第 {where} 行", value=value)
            for r in index
        ]
    return problems


def failure_problems(tf: TableFrame, failure_cases: pd.DataFrame, year: int) -> list[Problem]:
    """Located problems from the failure cases of one table (:func:`failure_cases`)."""
    problems: list[Problem] = []
    fc = failure_cases
    dup = fc[fc["check"] == "multiple_fields_uniqueness"]
    if len(dup):
        problems += _key_problems(tf, [int(i) for i in dup["index"].dropna()])
    frame_level = fc["check"].str.startswith("not_above:")
    for (check, row), _ in fc[frame_level].groupby(["check", "index"], sort=False):
        col = tf.table.column(check.split(":", 1)[1])
        target = tf.table.column(col.not_above)
        problems.append(_problem(
            tf, col.name, row, Rule.NOT_ABOVE,
            f"大于「{tf.headers.get(target.name, target.header)}」（{fmt_number(tf.frame.at[int(row), target.name])}）",
        ))
    rest = fc[(fc["check"] != "multiple_fields_uniqueness") & ~frame_level]
    for rec in rest.itertuples(index=False):
        if rec.column not in tf.headers:
            continue  # a column the reader already reported (missing or unknown)
        col = tf.table.column(rec.column)
        rule, message = _message(col, rec.check, rec.failure_case, year)
        value = f"最大值 {fmt_number(tf.frame[col.name].max())}" if rec.check == "share_fraction" else None
        problems.append(_problem(tf, col.name, rec.index, rule, message, value))
    return problems


def check_table(
    tf: TableFrame,
    *,
    year: int | None = None,
    references: Mapping[str, frozenset[str]] | None = None,
    skip: frozenset[tuple[int | None, str | None]] = frozenset(),
) -> list[Problem]:
    """Validate one converted table; `skip` holds (row, column header) cells already reported."""
    year = current_year() if year is None else year
    cases = failure_cases(tf, year=year, references=references)
    if cases.empty:
        return []
    return [p for p in failure_problems(tf, cases, year) if (p.row, p.column) not in skip]
