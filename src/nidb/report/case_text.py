"""The staff-written text of a typical case (典型经验): one Markdown file per base in ``data/cases/``.

A file holds an optional front matter (``theme:`` overrides the theme the catalogue derives),
a reference block nidb wrote from the data (ignored when read), and the four headed sections
the staff write: 背景, 主要做法, 取得成效, 经验启示. A section still holding 「（待填写）」 or
empty is not written yet; the catalogue lists the cases whose text is incomplete.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from nidb.errors import NidbError

STAFF_SECTIONS = ("背景", "主要做法", "取得成效", "经验启示")
TODO = "（待填写）"
_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
_SECTION = re.compile(r"^## +(.+?) *$", re.MULTILINE)


@dataclass(frozen=True)
class StaffText:
    """What the staff wrote for one case."""

    path: Path | None = None
    theme: str | None = None
    sections: dict[str, str] = field(default_factory=dict)  # heading -> Markdown, in file order

    @property
    def missing(self) -> list[str]:
        """The staff sections not written yet."""
        return [s for s in STAFF_SECTIONS if not self.sections.get(s, "").strip() or TODO in self.sections[s]]

    @property
    def complete(self) -> bool:
        """Every staff section is written."""
        return not self.missing


def read_staff_text(path: Path) -> StaffText:
    """Parse one case file; a front matter that is not YAML is an error naming the file."""
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    theme = None
    front = _FRONT.match(text)
    if front:
        try:
            meta = yaml.safe_load(front.group(1)) or {}
        except yaml.YAMLError as error:
            raise NidbError(f"{path}：文件开头的 YAML 前言无法解析（{error.problem}）") from None
        if not isinstance(meta, dict):
            raise NidbError(f"{path}：文件开头的 YAML 前言应为「键: 值」形式")
        theme = str(meta["theme"]).strip() if meta.get("theme") else None
        text = text[front.end():]
    heads = list(_SECTION.finditer(text))
    sections = {
        m.group(1): text[m.end():heads[i + 1].start() if i + 1 < len(heads) else len(text)].strip()
        for i, m in enumerate(heads)
    }
    if not heads and text.strip():  # a free narrative without the headings: kept whole as 经验
        sections = {"典型经验": re.sub(r"^#[^\n]*\n", "", text.strip()).strip()}
    return StaffText(path=path, theme=theme, sections=sections)


def staff_texts(base_ids: list[str], folders: list[Path]) -> dict[str, StaffText]:
    """The staff text of each base that has a file, first folder first."""
    found = {}
    for base_id in base_ids:
        for folder in folders:
            path = folder / f"{base_id}.md"
            if path.is_file():
                found[base_id] = read_staff_text(path)
                break
    return found


def skeleton(name: str, year: int, theme: str, facts: list[str]) -> str:
    """A case file to be filled in: the derived theme, the data facts as a reference block, and
    the four staff sections marked 「（待填写）」."""
    themes = "、".join(dict.fromkeys(THEME_NAMES))
    lines = [
        "---",
        f"theme: {theme}  # 案例主题；按规则推导，可改为：{themes}，或删去此行",
        "---",
        "",
        f"# {name}（{year} 年五星级示范基地）",
        "",
        "<!-- 以下数据由 nidb 生成，仅供撰写参考；案例页中的数据由程序生成，不读取本段。 -->",
        "",
        *[f"> {fact}" for fact in facts],
        "",
    ]
    hints = {
        "背景": "区位、建设历程、主导产业与产业链布局、龙头企业。",
        "主要做法": "3–5 条，一是……二是……，每条一句加粗的要点加两三句具体平台、项目或政策。",
        "取得成效": "销售收入、主导产业占比、研发投入、平台与荣誉等，与上年比较。",
        "经验启示": "可复制推广的要点，不写基地名称。",
    }
    for section in STAFF_SECTIONS:
        lines += [f"## {section}", "", f"{TODO}{hints[section]}", ""]
    return "\n".join(lines)


#: the themes of the catalogue, in the order of the dimensions they come from (see `nidb.report.cases`)
THEME_NAMES = ("规模效益与稳链强链", "创新驱动", "数字化转型", "绿色低碳", "产业生态与融通发展", "开放合作")
