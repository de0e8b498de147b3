"""The typical-case catalogue of the annual report: one page per five-star base.

Each page is a base profile (see `nidb.report.profiles`) with, when the research staff
wrote one, the curated narrative ``<base id>.md`` from ``<data dir>/cases/`` or the
repo's ``data/cases/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from nidb.report.chapters import repo_root
from nidb.report.profiles import (
    five_star_bases,
    profile_data,
    write_index,
    write_profiles,
)

CASES_DIR = "cases"


def narrative_dirs(data_dir: Path) -> list[Path]:
    """Where curated narratives are looked for, first match wins."""
    return [data_dir / CASES_DIR, repo_root() / "data" / CASES_DIR]


def narratives(base_ids: list[str], folders: list[Path]) -> dict[str, str]:
    """The curated Markdown narrative of each base that has one."""
    found = {}
    for base_id in base_ids:
        for folder in folders:
            path = folder / f"{base_id}.md"
            if path.is_file():
                found[base_id] = path.read_text(encoding="utf-8").strip()
                break
    return found


def write_catalogue(dataset: Any, year: int, method_file: Path | None, data_dir: Path, out_dir: Path, *,
                    demo: bool, workers: int | None = None,
                    progress: Callable[[str], None] | None = None) -> int:
    """Write the five-star case pages and their listing into `out_dir`; return the number of cases."""
    data = profile_data(dataset, year, method_file)
    stars5 = five_star_bases(data)
    found = narratives(stars5, narrative_dirs(data_dir))
    out_dir.mkdir(parents=True, exist_ok=True)
    write_profiles(data, stars5, out_dir, demo=demo, workers=workers, narratives=found, progress=progress)
    write_index(
        data, stars5, out_dir, demo=demo, title=f"{year} 年五星级示范基地典型案例集",
        intro=(f"{year} 年共有 {len(stars5)} 个示范基地评为五星，以下每页介绍一个基地的评价结果、"
               f"在全部参评基地中的位置、历年星级与优势短板；其中 {len(found)} 个附有研究人员撰写的典型经验。"),
    )
    return len(stars5)
