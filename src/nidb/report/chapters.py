"""The chapter list of the annual report (`chapters.yaml`) and which chapters can be built."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Callable

import yaml

from nidb.errors import ConfigError

CHAPTERS_FILE = "chapters.yaml"
#: kinds of method file a chapter's `method` parameter takes; `nidb report --method` is an evaluation method
METHOD_KINDS = ("evaluation", "selection")


@dataclass(frozen=True)
class Chapter:
    """One report chapter: its notebook template, the modules its engine needs, its data needs."""

    key: str
    notebook: str
    title: str
    requires: tuple[str, ...]
    needs: tuple[str, ...] = ()
    method: str = "evaluation"  # the kind of method file its `method` parameter takes


def _has_applicants(dataset: Any, year: int) -> str | None:
    years = dataset.applicants["application_year"].dropna().astype(int)
    if (years == year).any():
        return None
    have = "、".join(map(str, sorted(years.unique()))) or "无"
    return f"{year} 年没有申报对象（有申报对象的年份：{have}）"


#: Data conditions a chapter may need: name -> check(dataset, year) returning None or the reason it fails.
NEEDS: dict[str, Callable[[Any, int], str | None]] = {"applicants": _has_applicants}


def repo_root() -> Path:
    """The source checkout holding notebooks/, _quarto.yml and reports/."""
    return Path(__file__).resolve().parents[3]


def notebooks_dir() -> Path:
    """The directory of the notebook templates."""
    return repo_root() / "notebooks"


def load_chapters(path: Path | None = None) -> tuple[Chapter, ...]:
    """Read and validate the chapter list; `ConfigError` names the file and key path."""
    source = path or Path(str(resources.files("nidb.report") / CHAPTERS_FILE))
    raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not isinstance(raw.get("chapters"), list):
        raise ConfigError(f"{source}: 顶层须为含 chapters 列表的映射")
    chapters = []
    for i, item in enumerate(raw["chapters"]):
        where = f"{source}: chapters[{i}]"
        if not isinstance(item, dict) or not {"key", "notebook", "title", "requires"} <= set(item) <= {
            "key", "notebook", "title", "requires", "needs", "method"
        }:
            raise ConfigError(f"{where} 须含 key、notebook、title、requires，可选 needs、method，不得有其他键")
        if item.get("method", "evaluation") not in METHOD_KINDS:
            raise ConfigError(f"{where}.method 须为 {'、'.join(METHOD_KINDS)} 之一；实际为 {item['method']!r}")
        if not str(item["notebook"]).endswith(".ipynb"):
            raise ConfigError(f"{where}.notebook 须为 .ipynb 文件名")
        if not isinstance(item["requires"], list):
            raise ConfigError(f"{where}.requires 须为模块名列表")
        needs = item.get("needs", [])
        unknown = [n for n in needs if n not in NEEDS] if isinstance(needs, list) else needs
        if unknown:
            raise ConfigError(f"{where}.needs 须为以下名称的列表：{'、'.join(NEEDS)}；实际为 {unknown}")
        chapters.append(
            Chapter(str(item["key"]), str(item["notebook"]), str(item["title"]),
                    tuple(str(m) for m in item["requires"]), tuple(needs), str(item.get("method", "evaluation")))
        )
    keys = [c.key for c in chapters]
    if len(set(keys)) != len(keys):
        raise ConfigError(f"{source}: chapters[].key 重复")
    return tuple(chapters)


def importable(module: str) -> bool:
    """True when `module` (and its parent packages) can be imported."""
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def unmet_needs(chapter: Chapter, dataset: Any, year: int) -> str | None:
    """Why `chapter` cannot be built for `year` from `dataset` (None when every need holds)."""
    reasons = [reason for need in chapter.needs if (reason := NEEDS[need](dataset, year))]
    return "；".join(reasons) or None


def available_chapters(
    chapters: tuple[Chapter, ...] | None = None, templates: Path | None = None
) -> tuple[list[Chapter], list[Chapter]]:
    """(chapters that can be built, chapters skipped for a missing notebook or engine)."""
    templates = templates or notebooks_dir()
    ready, skipped = [], []
    for chapter in chapters or load_chapters():
        ok = (templates / chapter.notebook).is_file() and all(map(importable, chapter.requires))
        (ready if ok else skipped).append(chapter)
    return ready, skipped
