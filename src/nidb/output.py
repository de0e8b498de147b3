"""Result files of the command-line jobs: the synthetic-data label, and csv/xlsx tables with
Chinese headers written all-or-nothing."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pandas as pd

from nidb.errors import NidbError

SYNTHETIC_LABEL = "示例数据（合成）"
FORMATS = (".csv", ".xlsx")


def check_out(out: str | Path) -> Path:
    """The output path, checked before any work is done: a .csv or .xlsx in an existing folder."""
    out = Path(out)
    if out.suffix.lower() not in FORMATS:
        raise NidbError(f"输出文件须为 .csv 或 .xlsx：{out}")
    if not out.parent.exists():
        raise NidbError(f"输出目录不存在：{out.parent}")
    return out


def labelled(tables: dict[str, pd.DataFrame], synthetic: bool) -> dict[str, pd.DataFrame]:
    """With synthetic data, every table starts with a column saying so."""
    if not synthetic:
        return tables
    return {name: frame.assign(**{"数据来源": SYNTHETIC_LABEL})[["数据来源", *frame.columns]] for name, frame in tables.items()}


def write_tables(tables: dict[str, pd.DataFrame], out: str | Path) -> list[Path]:
    """Write tables; xlsx: one sheet per table. csv: the first table to `out`, each other to
    `<stem>-<sheet>.csv` beside it (UTF-8 with BOM, so that Excel shows the Chinese headers).

    Files are written in a temporary folder beside `out` and moved into place only when all
    are complete, so a failure leaves no half-written result."""
    out = check_out(out)
    with tempfile.TemporaryDirectory(prefix=".nidb-", dir=out.parent) as tmp:
        staged: list[tuple[Path, Path]] = []
        if out.suffix.lower() == ".xlsx":
            path = Path(tmp) / out.name
            with pd.ExcelWriter(path, engine="openpyxl") as writer:
                for sheet, frame in tables.items():
                    frame.to_excel(writer, sheet_name=sheet[:31], index=False)
            staged.append((path, out))
        else:
            for i, (sheet, frame) in enumerate(tables.items()):
                name = out.name if i == 0 else f"{out.stem}-{sheet}.csv"
                path = Path(tmp) / name
                frame.to_csv(path, index=False, encoding="utf-8-sig")
                staged.append((path, out.with_name(name)))
        for source, target in staged:
            shutil.move(source, target)
    return [target for _, target in staged]
