"""The chapter list of the annual report (`chapters.yaml`) and which chapters can be built."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from nidb.errors import ConfigError

CHAPTERS_FILE = "chapters.yaml"


@dataclass(frozen=True)
class Chapter:
    """One report chapter: its notebook template and the modules its engine needs."""

    key: str
    notebook: str
    title: str
    requires: tuple[str, ...]


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
        if not isinstance(item, dict) or set(item) != {"key", "notebook", "title", "requires"}:
            raise ConfigError(f"{where} 须且只须含 key、notebook、title、requires")
        if not str(item["notebook"]).endswith(".ipynb"):
            raise ConfigError(f"{where}.notebook 须为 .ipynb 文件名")
        if not isinstance(item["requires"], list):
            raise ConfigError(f"{where}.requires 须为模块名列表")
        chapters.append(
            Chapter(str(item["key"]), str(item["notebook"]), str(item["title"]),
                    tuple(str(m) for m in item["requires"]))
        )
    keys = [c.key for c in chapters]
    if len(set(keys)) != len(keys):
        raise ConfigError(f"{source}: chapters[].key 重复")
    return tuple(chapters)


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def available_chapters(
    chapters: tuple[Chapter, ...] | None = None, templates: Path | None = None
) -> tuple[list[Chapter], list[Chapter]]:
    """(chapters that can be built, chapters skipped for a missing notebook or engine)."""
    templates = templates or notebooks_dir()
    ready, skipped = [], []
    for chapter in chapters or load_chapters():
        ok = (templates / chapter.notebook).is_file() and all(map(_importable, chapter.requires))
        (ready if ok else skipped).append(chapter)
    return ready, skipped
