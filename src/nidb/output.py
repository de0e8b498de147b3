"""Result files of the command-line jobs: the synthetic-data label, and csv/xlsx tables with
Chinese headers written all-or-nothing."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import zipfile
from datetime import datetime, timezone
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from nidb.errors import NidbError

SYNTHETIC_LABEL = "示例数据（合成）"
FORMATS = (".csv", ".xlsx")


def check_out(out: str | Path, *, inputs: Iterable[str | Path | None] = (), overwrite: bool = True,
              folder: bool = False) -> Path:
    """The output path, checked before any work is done: a .csv or .xlsx (or, with `folder`, a
    directory) in an existing folder, that is none of `inputs` and not inside an input
    directory, and that does not exist yet unless `overwrite` (the command line's --force)."""
    out = Path(out)
    if not folder and out.suffix.lower() not in FORMATS:
        raise NidbError(f"输出文件须为 .csv 或 .xlsx：{out}")
    if not out.parent.exists():
        raise NidbError(f"输出目录不存在：{out.parent}")
    target = out.resolve()
    for given in inputs:
        if given is None:
            continue
        source = Path(given).resolve()
        if target == source:
            raise NidbError(f"输出路径就是输入{'目录' if source.is_dir() else '文件'}，拒绝覆盖：{out}")
        if source.is_dir() and source in target.parents:
            raise NidbError(f"输出路径位于数据目录 {given} 之内，拒绝写入（输入文件不可被改动）：{out}")
    if not overwrite and out.exists() and (not folder or any(out.iterdir())):
        raise NidbError(f"{'目录' if folder else '文件'}已存在，未覆盖：{out}（如需覆盖请加 --force）")
    return out


def build_moment() -> tuple[datetime, str]:
    """The time a build records, and which clock it comes from: SOURCE_DATE_EPOCH when set
    (reproducible builds), else this machine's clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc), "取自 SOURCE_DATE_EPOCH"
    return datetime.now(tz=timezone.utc).replace(microsecond=0), "本机时钟"


_CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def reproducible_xlsx(path: Path) -> Path:
    """With SOURCE_DATE_EPOCH set, give a written xlsx that build time instead of the wall
    clock (document properties and zip entry times), so that reruns are byte-identical."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return path
    moment = datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    date_time = max(moment.timetuple()[:6], (1980, 1, 1, 0, 0, 0))
    with zipfile.ZipFile(path) as archive:
        entries = [(info, archive.read(info)) for info in archive.infolist()]
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".nidb-", suffix=".xlsx", delete=False) as handle:
        staged = Path(handle.name)
    with zipfile.ZipFile(staged, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = _CORE_DATES.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=date_time)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            archive.writestr(fixed, data)
    staged.replace(path)
    return path


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
            staged.append((reproducible_xlsx(path), out))
        else:
            for i, (sheet, frame) in enumerate(tables.items()):
                name = out.name if i == 0 else f"{out.stem}-{sheet}.csv"
                path = Path(tmp) / name
                frame.to_csv(path, index=False, encoding="utf-8-sig")
                staged.append((path, out.with_name(name)))
        for source, target in staged:
            shutil.move(source, target)
    return [target for _, target in staged]
