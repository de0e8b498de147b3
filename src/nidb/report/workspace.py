"""Where report pages are written and how a finished build replaces the previous one."""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from nidb.errors import InputError, NidbError, Problem
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


STAGING_PATTERNS = (".build-*", ".site-*")


def check_writable(out: Path) -> None:
    """Fail with one line, before any work, when `out` (or, before it exists, the folder that
    would hold it) cannot be written."""
    probe_dir = out
    while not probe_dir.exists():
        probe_dir = probe_dir.parent
    try:
        if not probe_dir.is_dir():
            raise NotADirectoryError(20, "不是目录", str(probe_dir))
        with tempfile.NamedTemporaryFile(dir=probe_dir, prefix=".nidb-probe-"):
            pass
    except OSError as exc:
        raise NidbError(f"输出目录不可写：{out}（{exc.strerror or exc}）") from None


def clean_leftovers(out: Path) -> list[Path]:
    """Remove what an interrupted run left in `out`: staging folders, and kept previous versions
    (put back where the new version never arrived). Returns the paths handled."""
    handled = []
    for pattern in STAGING_PATTERNS:
        for path in out.glob(pattern):
            shutil.rmtree(path, ignore_errors=True)
            handled.append(path)
    for backup in out.glob(".*.previous-*"):
        target = out / backup.name[1:].rsplit(".previous-", 1)[0]
        if target.exists():
            shutil.rmtree(backup, ignore_errors=True)
        else:
            backup.rename(target)
        handled.append(backup)
    return handled


@contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Hold the folder `out` (created if needed) for one run: locked against a second nidb,
    and cleaned of what an interrupted run left.

    The lock is an exclusive `flock` on the folder itself (no lock file is left behind);
    the operating system releases it when the process ends, however it ends."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NidbError(f"输出目录不可写：{out}（{exc.strerror or exc}）") from None
    fd = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise NidbError(f"另一个 nidb 正在写入此目录：{out}（请等它结束后再运行）") from None
    try:
        clean_leftovers(out)
        yield
    finally:
        os.close(fd)
