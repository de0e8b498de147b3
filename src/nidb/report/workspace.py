"""Where report pages are written and how a finished build replaces the previous one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd

from nidb.errors import InputError, Problem
from nidb.report.chapters import repo_root


def default_out_dir() -> Path:
    """The repo's reports/ directory (where the Quarto project expects the pages)."""
    return repo_root() / "reports"


def check_year(annual: pd.DataFrame, year: int) -> None:
    """Stop early, with the years available, when the report year has no annual data."""
    years = sorted(int(y) for y in annual["year"].dropna().unique())
    if year not in years:
        raise InputError([Problem(
            file="annual", rule="report_year", column="year", value=year,
            message=f"年度报表中没有 {year} 年的数据（已有年份：{'、'.join(map(str, years)) or '无'}）",
        )])


def latest_year(annual: pd.DataFrame) -> int:
    """The latest year with annual data (the default report year)."""
    years = annual["year"].dropna()
    if years.empty:
        raise InputError([Problem(file="annual", rule="non_empty", message="年度报表没有任何数据，无法确定报告年度")])
    return int(years.max())


def swap(staging: Path, target: Path) -> Path | None:
    """Move `staging` to `target`; return where the previous `target` was kept (or None)."""
    backup = None
    if target.exists():
        backup = target.with_name(f".{target.name}.previous-{os.getpid()}")
        if backup.exists():
            shutil.rmtree(backup)
        target.rename(backup)
    staging.rename(target)
    return backup


def restore(backup: Path | None, target: Path) -> None:
    """Undo `swap`: remove `target` and put the kept previous one back."""
    if target.exists():
        shutil.rmtree(target)
    if backup is not None:
        backup.rename(target)
