"""A hierarchical indicator framework (indicator → … → index) as validated arrays.

A framework is a tree of nodes. Level 1 holds the indicators; every node of level
``k`` has exactly one parent at level ``k + 1``; the top level holds the root(s).
It can be built from any list of node records (:func:`hierarchy_from_records`) or
from a COINr-style metadata table (:func:`hierarchy_from_meta`, columns ``Level,
iCode, iName, Direction, Weight, Parent, Type, Denominator, Target``), and read with
its data table from two CSV files (:func:`read_table_framework`, as in the ASEM
example of COINr).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from nidb.errors import ConfigError, InputError, Problem

NODE_COLUMNS = ("code", "name", "level", "parent", "weight", "direction", "denominator", "target")

# COINr iMeta column -> canonical node column
_META_COLUMNS = {
    "iCode": "code",
    "iName": "name",
    "Level": "level",
    "Parent": "parent",
    "Weight": "weight",
    "Direction": "direction",
    "Denominator": "denominator",
    "Target": "target",
    "Type": "type",
}
_NODE_TYPES = ("Indicator", "Aggregate")
_UNIT_ID = "uCode"
_UNIT_NAME = "uName"


@dataclass(frozen=True)
class Hierarchy:
    """A validated framework tree.

    ``nodes`` is indexed by code (levels ascending, input order within a level) with
    columns ``name, level, parent, weight, direction, denominator, target``.
    ``groups`` and ``denominators`` name the unit-level grouping and denominator
    columns expected in the data table; ``unit_id`` names the unit key column.
    """

    nodes: pd.DataFrame
    unit_id: str = _UNIT_ID
    unit_name: str | None = None
    groups: tuple[str, ...] = ()
    denominators: tuple[str, ...] = ()
    source: str = "<framework>"

    @cached_property
    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Codes, levels and parents as arrays, read once: the derived lists and matrices
        below are asked for many times per engine run, and the nodes do not change."""
        return self.nodes.index.to_numpy(), self.nodes["level"].to_numpy(), self.nodes["parent"].to_numpy()

    @cached_property
    def levels(self) -> tuple[int, ...]:
        """Levels present, ascending (1 = indicators)."""
        return tuple(sorted(int(v) for v in self.nodes["level"].unique()))

    @property
    def top_level(self) -> int:
        return self.levels[-1]

    @property
    def indicators(self) -> list[str]:
        """Indicator (level-1) codes in framework order."""
        return self.codes_at(1)

    def codes_at(self, level: int) -> list[str]:
        """Codes of the nodes at ``level`` in framework order."""
        codes, levels, _ = self._arrays
        return codes[levels == level].tolist()

    @property
    def weighted_codes(self) -> list[str]:
        """Every node that has a parent (all but the top level), level by level.

        This order indexes a flat weight vector: position ``i`` holds the weight of
        ``weighted_codes[i]`` relative to its siblings.
        """
        codes, levels, _ = self._arrays
        return codes[levels < self.top_level].tolist()

    def level_slice(self, level: int) -> slice:
        """Positions of the nodes of ``level`` inside :attr:`weighted_codes`."""
        _, levels, _ = self._arrays
        start = int(np.sum(levels < level))
        return slice(start, start + int(np.sum(levels == level)))

    def membership(self, level: int) -> np.ndarray:
        """0/1 matrix (nodes at ``level``) × (nodes at ``level + 1``): child → parent."""
        codes, levels, parent = self._arrays
        column = {code: j for j, code in enumerate(codes[levels == level + 1].tolist())}
        child_parent = parent[levels == level]
        m = np.zeros((len(child_parent), len(column)))
        m[np.arange(len(child_parent)), np.array([column.get(p, -1) for p in child_parent], dtype=np.intp)] = 1.0
        return m

    def attribute_at(self, level: int, column: str) -> np.ndarray:
        """Column ``column`` of :attr:`nodes` for the nodes at ``level``, in framework order."""
        _, levels, _ = self._arrays
        return self.nodes[column].to_numpy()[levels == level]

    def children(self, code: str) -> list[str]:
        """Codes of the direct children of ``code``."""
        return self.nodes.index[self.nodes["parent"] == code].tolist()

    @property
    def directions(self) -> np.ndarray:
        """Direction (+1 / −1) of each indicator, in :attr:`indicators` order."""
        return self.attribute_at(1, "direction").astype(float)

    @property
    def nominal_weights(self) -> np.ndarray:
        """Framework weights as a flat vector over :attr:`weighted_codes`."""
        return self.nodes.loc[self.weighted_codes, "weight"].to_numpy(dtype=float)


def _text(value) -> str | None:
    """A stripped string, or None for a missing / blank cell."""
    if value is None or pd.isna(value) or str(value).strip() == "":
        return None
    return str(value).strip()


def _problem(source: str, key: str, message: str) -> ConfigError:
    return ConfigError(f"{source}，{key}：{message}")


def hierarchy_from_records(
    records: Iterable[Mapping],
    *,
    source: str = "<framework>",
    unit_id: str = _UNIT_ID,
    unit_name: str | None = None,
    groups: Iterable[str] = (),
    denominators: Iterable[str] = (),
) -> Hierarchy:
    """Validate node records and build a :class:`Hierarchy`.

    Each record needs ``code``, ``level`` and (below the top level) ``parent``; ``name``,
    ``weight`` (default 1), ``direction`` (default 1), ``denominator`` and ``target``
    are optional. Raises :class:`ConfigError` naming ``source`` and the node for:
    duplicate codes, unknown (dangling) parents, parent cycles, a parent not exactly
    one level up, an aggregate without children, a direction other than ±1, or a
    negative / non-finite weight.
    """
    frame = pd.DataFrame([dict(r) for r in records])
    if frame.empty:
        raise _problem(source, "nodes", "框架中没有任何节点")
    for column in NODE_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    if frame["code"].isna().any():
        raise _problem(source, "code", "存在缺少代码（code）的节点")
    frame["code"] = frame["code"].astype(str).str.strip()
    duplicated = frame["code"][frame["code"].duplicated()].unique().tolist()
    if duplicated:
        raise _problem(source, "code", f"节点代码重复：{', '.join(duplicated)}")

    frame["parent"] = pd.Series([_text(p) for p in frame["parent"]], index=frame.index, dtype=object)
    codes = set(frame["code"])
    dangling = frame.loc[frame["parent"].notna() & ~frame["parent"].isin(codes), ["code", "parent"]]
    if not dangling.empty:
        pairs = "; ".join(f"{c} → {p}" for c, p in dangling.itertuples(index=False))
        raise _problem(source, "parent", f"上级节点不存在（悬空引用）：{pairs}")

    # cycles: follow parent links from every node; a path longer than the node count loops
    parent_of = dict(zip(frame["code"], frame["parent"]))
    for start in frame["code"]:
        seen = [start]
        node = parent_of[start]
        while node is not None:
            if node in seen:
                loop = " → ".join(seen[seen.index(node):] + [node])
                raise _problem(source, "parent", f"上级关系存在循环：{loop}")
            seen.append(node)
            node = parent_of[node]

    level = pd.to_numeric(frame["level"], errors="coerce")
    if level.isna().any() or (level != level.round()).any() or (level < 1).any():
        bad = frame.loc[level.isna() | (level != level.round()) | (level < 1), "code"].tolist()
        raise _problem(source, "level", f"层级必须是不小于 1 的整数：{', '.join(bad)}")
    frame["level"] = level.astype(int)
    level_of = dict(zip(frame["code"], frame["level"]))
    top = int(frame["level"].max())
    if (frame["level"] == 1).sum() == 0:
        raise _problem(source, "level", "没有第 1 层（指标）节点")
    for code, par, lev in zip(frame["code"], frame["parent"], frame["level"]):
        if par is None and lev != top:
            raise _problem(source, f"{code}.parent", f"第 {lev} 层节点缺少上级（只有最高层第 {top} 层可以没有上级）")
        if par is not None and level_of[par] != lev + 1:
            raise _problem(
                source, f"{code}.parent", f"上级「{par}」位于第 {level_of[par]} 层，应为第 {lev + 1} 层"
            )
    has_children = set(frame["parent"].dropna())
    childless = frame.loc[(frame["level"] > 1) & ~frame["code"].isin(has_children), "code"].tolist()
    if childless:
        raise _problem(source, "parent", f"汇总节点没有下级：{', '.join(childless)}")

    weight = pd.to_numeric(frame["weight"], errors="coerce")
    weight = weight.where(frame["weight"].notna(), 1.0)
    if weight.isna().any() or ~np.isfinite(weight).all() or (weight < 0).any():
        bad = frame.loc[weight.isna() | ~np.isfinite(weight.fillna(0)) | (weight < 0), "code"].tolist()
        raise _problem(source, "weight", f"权重必须是非负有限数：{', '.join(bad)}")
    frame["weight"] = weight.astype(float)
    direction = pd.to_numeric(frame["direction"], errors="coerce")
    direction = direction.where(frame["direction"].notna(), 1.0)
    if not direction.isin([1.0, -1.0]).all():
        bad = frame.loc[~direction.isin([1.0, -1.0]), "code"].tolist()
        raise _problem(source, "direction", f"方向只能是 1 或 -1：{', '.join(bad)}")
    frame["direction"] = direction.astype(float)
    frame["target"] = pd.to_numeric(frame["target"], errors="coerce").astype(float)
    frame["denominator"] = pd.Series([_text(v) for v in frame["denominator"]], index=frame.index, dtype=object)
    frame["name"] = [_text(n) or c for n, c in zip(frame["name"], frame["code"])]
    frame["_order"] = np.arange(len(frame))
    nodes = (
        frame.sort_values(["level", "_order"], kind="stable")
        .set_index("code")[[c for c in NODE_COLUMNS if c != "code"]]
    )
    nodes.index.name = "code"
    return Hierarchy(
        nodes=nodes,
        unit_id=unit_id,
        unit_name=unit_name,
        groups=tuple(groups),
        denominators=tuple(denominators),
        source=source,
    )


def hierarchy_from_meta(meta: pd.DataFrame, *, source: str = "<iMeta>") -> Hierarchy:
    """Build a :class:`Hierarchy` from a COINr-style metadata table.

    Rows of ``Type`` Indicator / Aggregate are framework nodes; ``Group`` rows name
    grouping columns and ``Denominator`` rows name denominator columns of the data.
    """
    missing = [c for c in ("iCode", "Level", "Parent", "Type") if c not in meta.columns]
    if missing:
        raise _problem(source, "columns", f"缺少列：{', '.join(missing)}")
    table = meta.rename(columns=_META_COLUMNS)
    kinds = table["type"].astype(str)
    unknown = sorted(set(kinds) - {*_NODE_TYPES, "Group", "Denominator", "Other"})
    if unknown:
        raise _problem(source, "Type", f"未知的类型：{', '.join(unknown)}")
    node_rows = table[kinds.isin(_NODE_TYPES)]
    records = node_rows[[c for c in NODE_COLUMNS if c in node_rows.columns]].to_dict("records")
    return hierarchy_from_records(
        records,
        source=source,
        unit_id=_UNIT_ID,
        unit_name=_UNIT_NAME,
        groups=table.loc[kinds == "Group", "code"].astype(str).tolist(),
        denominators=table.loc[kinds == "Denominator", "code"].astype(str).tolist(),
    )


@dataclass(frozen=True)
class TableFramework:
    """A data table (one row per unit) with the framework read from its metadata table."""

    data: pd.DataFrame
    hierarchy: Hierarchy


def check_data(data: pd.DataFrame, hierarchy: Hierarchy, *, source: str = "<data>") -> None:
    """Raise :class:`ConfigError` when ``data`` lacks a column the framework needs."""
    needed = [hierarchy.unit_id, *hierarchy.indicators]
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise _problem(source, "columns", f"数据表缺少列：{', '.join(missing)}")
    if data[hierarchy.unit_id].duplicated().any():
        dup = data.loc[data[hierarchy.unit_id].duplicated(), hierarchy.unit_id].astype(str).tolist()
        raise _problem(source, hierarchy.unit_id, f"单位代码重复：{', '.join(dup)}")
    indicators = data[hierarchy.indicators]
    non_numeric = [c for c, dtype in indicators.dtypes.items() if not pd.api.types.is_numeric_dtype(dtype)]
    if non_numeric:
        raise _problem(source, "columns", f"指标列必须是数值：{', '.join(non_numeric)}")
    inf = np.isinf(indicators.to_numpy(dtype=float, na_value=np.nan)).any(axis=0)
    infinite = [c for c, bad in zip(hierarchy.indicators, inf) if bad]
    if infinite:
        raise _problem(source, "columns", f"指标列含无穷大值（请留空表示缺失）：{', '.join(infinite)}")
    denominators = hierarchy.nodes["denominator"].dropna().unique().tolist()
    absent = [d for d in denominators if d not in data.columns]
    if absent:
        raise _problem(source, "Denominator", f"数据表缺少分母列：{', '.join(absent)}")


def read_table_framework(data_path: str | Path, meta_path: str | Path) -> TableFramework:
    """Read a data CSV and its COINr-style metadata CSV into a checked :class:`TableFramework`."""
    data_path, meta_path = Path(data_path), Path(meta_path)
    for path in (meta_path, data_path):
        if not path.is_file():
            raise InputError([Problem(file=str(path), rule="exists", message="文件不存在")])
    meta = pd.read_csv(meta_path)
    hierarchy = hierarchy_from_meta(meta, source=str(meta_path))
    data = pd.read_csv(data_path)
    check_data(data, hierarchy, source=str(data_path))
    return TableFramework(data=data, hierarchy=hierarchy)
