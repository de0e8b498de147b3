"""The data contract: every input table, its columns, rules and vocabularies.

`tables.yaml` next to this module is the single source of truth; `load_contract`
reads and validates it into frozen dataclasses. A malformed file raises
`ConfigError` naming the file and the key path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from nidb.inputs.open_lists import CONTRACT_LISTS, OpenLists, packaged_open_lists
from nidb.keypath import KeyPathReader
from nidb.yamlfile import read_yaml

CONTRACT_PATH = Path(__file__).with_name("tables.yaml")

DTYPES = ("string", "integer", "number", "boolean", "category", "list")

_TOP_KEYS = {"version", "tables", "vocabularies"}
_TABLE_KEYS = {"zh", "file", "key", "optional", "description", "columns"}
_COLUMN_KEYS = {
    "zh", "unit", "dtype", "required", "unique", "min", "max", "pattern", "example",
    "values", "values_ref", "not_above", "max_year_offset", "foreign_key", "typical", "typical_by", "slip_units",
    "aliases",
}


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an input table and its rules."""

    name: str
    zh: str
    dtype: str
    unit: str | None = None
    required: bool = False
    unique: bool = False
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    example: tuple[str, ...] = ()  # values matching `pattern`, shown to the user
    values: tuple[str, ...] | None = None  # allowed values (category and list items)
    values_ref: str | None = None  # vocabulary the values came from
    not_above: str | None = None  # another column of the same table
    max_year_offset: int | None = None
    foreign_key: tuple[str, ...] = ()  # "table.column" targets; a value must be in one of them
    typical: tuple[float, float] | None = None  # the range real values lie in (plausibility, not validity)
    typical_by: tuple[str, tuple[tuple[str, tuple[float, float]], ...]] | None = None  # (column, value -> range)
    slip_units: tuple[tuple[str, float], ...] = ()  # a unit often typed instead, and value-in-it / true value
    aliases: tuple[str, ...] = ()  # former names / headers of the column, accepted when reading
    open_hint: str | None = None  # values_ref is an open list: how to extend it (said with an unknown value)

    @property
    def growth(self) -> bool:
        """A percentage that may be negative: a growth rate."""
        return self.unit == "%" and self.min is not None and self.min < 0

    @property
    def header(self) -> str:
        """The Chinese header as the template writes it: label with the unit in full-width brackets."""
        return f"{self.zh}（{self.unit}）" if self.unit else self.zh


@dataclass(frozen=True)
class TableSpec:
    """One input table: names, key and columns."""

    name: str
    zh: str
    file: str
    key: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    optional: bool = False
    description: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        """Canonical column names in contract order."""
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> ColumnSpec:
        """The column with this canonical name."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


@dataclass(frozen=True)
class Contract:
    """The whole data contract."""

    version: int
    tables: tuple[TableSpec, ...]
    vocabularies: tuple[tuple[str, tuple[str, ...]], ...]
    source: str = "tables.yaml"

    @property
    def table_names(self) -> tuple[str, ...]:
        """Table names in contract order."""
        return tuple(t.name for t in self.tables)

    def table(self, name: str) -> TableSpec:
        """The table with this canonical name."""
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)

    def vocabulary(self, name: str) -> tuple[str, ...]:
        """The values of one named vocabulary."""
        return dict(self.vocabularies)[name]


class _Reader(KeyPathReader):
    """Helpers that raise ConfigError with the file name and key path."""

    def texts(self, value: Any, path: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(path, "应为非空列表")
        items = tuple(self.text(str(v) if isinstance(v, (int, float)) else v, f"{path}[{i}]") for i, v in enumerate(value))
        if len(set(items)) != len(items):
            raise self.fail(path, "列表中有重复项")
        return items


def _column(r: _Reader, name: str, raw: Any, path: str, vocab: dict[str, tuple[str, ...]],
            open_lists: OpenLists) -> ColumnSpec:
    raw = r.mapping(raw, path, _COLUMN_KEYS)
    dtype = r.text(raw.get("dtype"), f"{path}.dtype")
    if dtype not in DTYPES:
        raise r.fail(f"{path}.dtype", f"未知类型 {dtype!r}，可用：{', '.join(DTYPES)}")
    values = None
    values_ref = raw.get("values_ref")
    if "values" in raw and values_ref is not None:
        raise r.fail(path, "values 与 values_ref 只能给一个")
    if values_ref is not None:
        values_ref = r.text(values_ref, f"{path}.values_ref")
        if values_ref not in vocab:
            raise r.fail(f"{path}.values_ref", f"未知词表 {values_ref!r}")
        values = vocab[values_ref]
    elif "values" in raw:
        values = r.texts(raw["values"], f"{path}.values")
    if dtype in ("category", "list") and values is None:
        raise r.fail(path, f"类型 {dtype} 需要 values 或 values_ref")
    if dtype not in ("category", "list") and values is not None:
        raise r.fail(path, f"类型 {dtype} 不能有取值列表")
    unit = raw.get("unit")
    lo = r.number(raw["min"], f"{path}.min") if "min" in raw else None
    hi = r.number(raw["max"], f"{path}.max") if "max" in raw else None
    if (lo is not None or hi is not None) and dtype not in ("number", "integer"):
        raise r.fail(path, "min / max 只适用于 number 或 integer")
    if lo is not None and hi is not None and lo > hi:
        raise r.fail(path, f"min（{lo}）大于 max（{hi}）")
    pattern = raw.get("pattern")
    if pattern is not None:
        pattern = r.text(pattern, f"{path}.pattern")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise r.fail(f"{path}.pattern", f"正则表达式无效：{exc}") from None
    example: tuple[str, ...] = ()
    if "example" in raw:
        if pattern is None:
            raise r.fail(f"{path}.example", "example 只适用于有 pattern 的列")
        example = tuple(e.strip() for e in r.text(str(raw["example"]), f"{path}.example").split("、"))
        for value in example:
            if not re.fullmatch(pattern, value):
                raise r.fail(f"{path}.example", f"示例 {value!r} 不符合 pattern {pattern!r}")
    offset = raw.get("max_year_offset")
    if offset is not None and (isinstance(offset, bool) or not isinstance(offset, int)):
        raise r.fail(f"{path}.max_year_offset", f"应为整数，实为 {offset!r}")
    if offset is not None and dtype != "integer":
        raise r.fail(path, "max_year_offset 只适用于 integer")
    typical = _range(r, raw["typical"], f"{path}.typical") if "typical" in raw else None
    typical_by = None
    if "typical_by" in raw:
        by = r.mapping(raw["typical_by"], f"{path}.typical_by")
        if len(by) != 1:
            raise r.fail(f"{path}.typical_by", "应只给一列：{列名: {取值: [下限, 上限]}}")
        (other, ranges), = by.items()
        ranges = r.mapping(ranges, f"{path}.typical_by.{other}")
        typical_by = (str(other), tuple(
            (str(k), _range(r, v, f"{path}.typical_by.{other}.{k}")) for k, v in ranges.items()
        ))
    slips = r.mapping(raw.get("slip_units", {}), f"{path}.slip_units")
    slip_units = tuple((str(u), r.number(f, f"{path}.slip_units.{u}")) for u, f in slips.items())
    if (typical or typical_by or slip_units) and dtype != "number":
        raise r.fail(path, "typical / typical_by / slip_units 只适用于 number")
    if unit == "%" and lo is not None and lo < 0 and typical is None:
        raise r.fail(f"{path}.typical", "增速列（可为负的百分比）须给出 typical（常见区间），用于识别以小数填报的百分比")
    fk = raw.get("foreign_key", ())
    fk = (fk,) if isinstance(fk, str) else tuple(r.texts(fk, f"{path}.foreign_key")) if fk else ()
    return ColumnSpec(
        name=name,
        zh=r.text(raw.get("zh"), f"{path}.zh"),
        dtype=dtype,
        unit=r.text(unit, f"{path}.unit") if unit is not None else None,
        required=r.flag(raw.get("required", False), f"{path}.required"),
        unique=r.flag(raw.get("unique", False), f"{path}.unique"),
        min=lo,
        max=hi,
        pattern=pattern,
        example=example,
        values=values,
        values_ref=values_ref,
        not_above=r.text(raw["not_above"], f"{path}.not_above") if "not_above" in raw else None,
        max_year_offset=offset,
        foreign_key=fk,
        typical=typical,
        typical_by=typical_by,
        slip_units=slip_units,
        aliases=r.texts(raw["aliases"], f"{path}.aliases") if "aliases" in raw else (),
        open_hint=open_lists.hint(values_ref) if values_ref in CONTRACT_LISTS else None,
    )


def _range(r: _Reader, raw: Any, path: str) -> tuple[float, float]:
    """A [low, high] pair of numbers with low < high."""
    if not isinstance(raw, list) or len(raw) != 2:
        raise r.fail(path, f"应为 [下限, 上限]，实为 {raw!r}")
    lo, hi = (r.number(v, f"{path}[{i}]") for i, v in enumerate(raw))
    if not lo < hi:
        raise r.fail(path, f"下限（{lo}）应小于上限（{hi}）")
    return lo, hi


def _table(r: _Reader, name: str, raw: Any, vocab: dict[str, tuple[str, ...]], open_lists: OpenLists) -> TableSpec:
    path = f"tables.{name}"
    raw = r.mapping(raw, path, _TABLE_KEYS)
    cols_raw = r.mapping(raw.get("columns"), f"{path}.columns")
    if not cols_raw:
        raise r.fail(f"{path}.columns", "至少需要一列")
    columns = tuple(_column(r, str(c), spec, f"{path}.columns.{c}", vocab, open_lists) for c, spec in cols_raw.items())
    names = {c.name for c in columns}
    headers: dict[str, str] = {}
    for col in columns:
        for label in {col.zh, col.header, *col.aliases}:
            if label in headers and headers[label] != col.name:
                raise r.fail(f"{path}.columns.{col.name}.zh", f"中文表头与列 {headers[label]} 重复")
            headers[label] = col.name
        for alias in col.aliases:
            if alias in names:
                raise r.fail(f"{path}.columns.{col.name}.aliases", f"别名 {alias!r} 是本表另一列的列名")
        if col.not_above is not None:
            target = col.not_above
            if target not in names or next(c for c in columns if c.name == target).dtype != "number":
                raise r.fail(f"{path}.columns.{col.name}.not_above", f"应为本表的数值列，实为 {target!r}")
    key = tuple(r.texts(raw.get("key"), f"{path}.key"))
    for k in key:
        if k not in names:
            raise r.fail(f"{path}.key", f"键列 {k!r} 不在 columns 中")
    return TableSpec(
        name=name,
        zh=r.text(raw.get("zh"), f"{path}.zh"),
        file=r.text(raw.get("file"), f"{path}.file"),
        key=key,
        columns=columns,
        optional=r.flag(raw.get("optional", False), f"{path}.optional"),
        description=" ".join(str(raw.get("description", "")).split()),
    )


def parse_contract(raw: Any, source: str = "tables.yaml", open_lists: OpenLists | None = None) -> Contract:
    """Validate a parsed YAML document and build the contract; the vocabularies of `open_lists`
    (`CONTRACT_LISTS`; default: the packaged open lists) join the file's own."""
    open_lists = open_lists or packaged_open_lists()
    r = _Reader(source)
    raw = r.mapping(raw, "（顶层）", _TOP_KEYS)
    version = raw.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise r.fail("version", f"应为整数，实为 {version!r}")
    vocab_raw = r.mapping(raw.get("vocabularies"), "vocabularies")
    vocab = {str(k): r.texts(v, f"vocabularies.{k}") for k, v in vocab_raw.items()}
    for name in CONTRACT_LISTS:
        if name in vocab:
            raise r.fail(f"vocabularies.{name}", f"{name} 是开放列表，取值在 {open_lists.sources[0]} 中")
        vocab[name] = open_lists.get(name).values
    tables_raw = r.mapping(raw.get("tables"), "tables")
    if not tables_raw:
        raise r.fail("tables", "至少需要一张表")
    tables = tuple(_table(r, str(n), spec, vocab, open_lists) for n, spec in tables_raw.items())
    columns_by_table = {t.name: set(t.column_names) for t in tables}
    for field, values in (("file", [t.file for t in tables]), ("zh", [t.zh for t in tables])):
        dupes = sorted({v for v in values if values.count(v) > 1})
        if dupes:
            raise r.fail(f"tables.*.{field}", f"多张表使用同一名称 {dupes[0]!r}")
    for table in tables:
        for col in table.columns:
            for target in col.foreign_key:
                t_name, _, c_name = target.partition(".")
                if c_name not in columns_by_table.get(t_name, set()):
                    raise r.fail(f"tables.{table.name}.columns.{col.name}.foreign_key", f"引用的列 {target!r} 不存在")
    return Contract(version=version, tables=tables, vocabularies=tuple(vocab.items()), source=source)


def read_contract(path: Path, open_lists: OpenLists | None = None) -> Contract:
    """Read and validate a contract file, its open-list vocabularies from `open_lists`
    (default: the packaged open lists)."""
    raw = read_yaml(path)
    return parse_contract(raw, source=str(path), open_lists=open_lists)


def load_contract(open_lists: OpenLists | None = None) -> Contract:
    """The packaged data contract (read once per set of open lists; default: the packaged lists)."""
    return _packaged_contract(open_lists)  # one cache key for load_contract() and load_contract(None)


@lru_cache(maxsize=4)
def _packaged_contract(open_lists: OpenLists | None) -> Contract:
    return read_contract(CONTRACT_PATH, open_lists)
