"""Open lists of the measures: vocabularies the text ends with 「等」 (Art. 7, Art. 13).

`rules/open-lists-2023.yaml` holds them with the article's words. The data contract takes
the allowed values of its open-list columns from here (`with_open_lists`); a rules file of
kind ``open_lists`` adds values to them without code changes (`load_open_lists(path)`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nidb.keypath import KeyPathReader
from nidb.yamlfile import check_kind, read_yaml

PACKAGED_PATH = Path(__file__).resolve().parent.parent / "rules" / "open-lists-2023.yaml"
#: the lists a file may hold, and whether the data contract uses each as a vocabulary
LIST_NAMES = ("special_areas", "pilot_tasks", "support_programmes")
CONTRACT_LISTS = ("special_areas", "pilot_tasks")
_LIST_KEYS = {"article", "text", "values"}


@dataclass(frozen=True)
class OpenList:
    """One open list: its values and the article that names them."""

    name: str
    article: str
    text: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class OpenLists:
    """The open lists in force, and the files they were read from (packaged first)."""

    lists: tuple[OpenList, ...]
    sources: tuple[str, ...]

    def get(self, name: str) -> OpenList:
        """The list called `name`."""
        return next(item for item in self.lists if item.name == name)

    def hint(self, name: str) -> str:
        """How to extend list `name`, for the error on a value outside it (Chinese)."""
        item = self.get(name)
        where = "、".join(Path(s).name for s in self.sources)
        text = (f"词表 {name}（{item.article}：「{item.text}」；规则文件 {where}）是开放列表：如按「等」字"
                f"应包括该项，在一份 kind: open_lists 的规则文件的 {name}.values 中加入，并由遴选方法的 "
                f"open_lists 指定该文件（nidb validate 用 --lists 文件）")
        if name == "pilot_tasks":
            other = self.get("support_programmes")
            text += f"；{other.article}所列的{'、'.join(other.values)}等支持工作（support_programmes）不是第七条的重要试点示范任务"
        return text


class _Reader(KeyPathReader):
    absent_mapping_is_empty = True

    def values(self, value: Any, path: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(path, f"应为列表，实为 {value!r}")
        items = tuple(self.text(v, f"{path}[{i}]").strip() for i, v in enumerate(value))
        for i, item in enumerate(items):
            if any(sep in item for sep in (";", "；", "、")):
                raise self.fail(f"{path}[{i}]", f"「{item}」含分隔符（; ； 、），一项一行")
        if len(set(items)) != len(items):
            raise self.fail(path, "列表中有重复项")
        return items


def parse_open_lists(raw: Any, source: str, base: OpenLists | None = None) -> OpenLists:
    """Validate an open-lists document. Without `base` it defines every list (the packaged
    file); with `base` its values are added to base's lists."""
    r = _Reader(source)
    if not isinstance(raw, dict):
        raise r.fail("（顶层）", "应为键值映射")
    check_kind(raw, "open_lists", source)
    raw = r.mapping(raw, "", {"kind", *LIST_NAMES}, required=() if base else LIST_NAMES)
    lists = []
    for name in LIST_NAMES:
        spec = r.mapping(raw.get(name), name, _LIST_KEYS, required=() if base else _LIST_KEYS)
        added = r.values(spec.get("values", []), f"{name}.values")
        if base is None:
            lists.append(OpenList(name, r.text(spec["article"], f"{name}.article"),
                                  r.text(spec["text"], f"{name}.text"), added))
            continue
        old = base.get(name)
        again = [v for v in added if v in old.values]
        if again:
            raise r.fail(f"{name}.values", f"「{again[0]}」已在{Path(base.sources[0]).name}的 {name} 中，只需列出新增项")
        lists.append(OpenList(name, old.article, old.text, old.values + added))
    if base is None:
        pilot, programmes = lists[1], lists[2]
        both = [v for v in programmes.values if v in pilot.values]
        if both:
            raise r.fail("support_programmes.values", f"「{both[0]}」也在 pilot_tasks 中：第十三条的支持工作与第七条的任务分列")
    sources = (source,) if base is None else (*base.sources, source)
    return OpenLists(tuple(lists), sources)


def packaged_open_lists() -> OpenLists:
    """The open lists of the packaged rules file."""
    return parse_open_lists(read_yaml(PACKAGED_PATH), str(PACKAGED_PATH))


def load_open_lists(path: str | Path | None = None) -> OpenLists:
    """The packaged open lists, extended by the values of the rules file `path` when given
    (the packaged file itself is the packaged lists)."""
    packaged = packaged_open_lists()
    if path is None or Path(path).resolve() == PACKAGED_PATH:
        return packaged
    return parse_open_lists(read_yaml(path), str(path), base=packaged)
