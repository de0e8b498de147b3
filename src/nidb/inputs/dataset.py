"""The validated input tables of one evaluation, with canonical names and dtypes."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd

from nidb.errors import InputError, Problem
from nidb.inputs.contract import load_contract
from nidb.inputs.open_lists import OpenLists
from nidb.inputs.schemas import current_year, empty_frame
from nidb.inputs.stored import dataset_key, load_stored, store
from nidb.inputs.validation import validate_paths
from nidb.output import SYNTHETIC_LABEL


@dataclass(frozen=True, eq=False)
class Dataset:
    """One frame per contract table (canonical English columns; optional tables may be empty).

    Dtypes: numbers float64 (NaN = missing), integers Int64, booleans boolean,
    category and string columns string, list columns a string of items joined by
    ";" (NA when none).
    """

    bases: pd.DataFrame
    applicants: pd.DataFrame
    annual: pd.DataFrame
    expert_scores: pd.DataFrame
    renames: pd.DataFrame
    official_statistics: pd.DataFrame
    submissions: pd.DataFrame
    gdp_growth: pd.DataFrame
    benchmarks: pd.DataFrame
    files: tuple[Path, ...] = ()  # the input files read, in reading order

    def table(self, name: str) -> pd.DataFrame:
        """The frame of one contract table by name."""
        if name not in TABLE_NAMES:
            raise KeyError(name)
        return getattr(self, name)

    def tables(self) -> dict[str, pd.DataFrame]:
        """All frames by table name, in contract order."""
        return {name: getattr(self, name) for name in TABLE_NAMES}


TABLE_NAMES = tuple(f.name for f in fields(Dataset) if f.name != "files")


def load_dataset(path: Path | str, *, year: int | None = None, open_lists: OpenLists | None = None) -> Dataset:
    """Read and validate a dataset: a directory with one file per table, or one workbook.

    A directory holds files named after each table's `file` key (or its Chinese
    name) with suffix .csv, .xlsx or .parquet; a workbook holds one sheet per
    table named by the table's Chinese or canonical name. `year` is the current
    year for the no-future-year rule (default: today's). `open_lists`: the open lists
    (特殊类型地区, 重要试点示范任务) in force, default the packaged ones. Raises `InputError`
    listing every problem. A dataset read before from the very same files, year and open
    lists is taken from nidb's cache (`nidb.inputs.stored`, keyed by the files' content).
    """
    year = current_year() if year is None else year
    key = dataset_key(Path(path), year, extra=repr(open_lists))
    stored = load_stored(key)
    if isinstance(stored, Dataset):
        return stored
    contract = load_contract(open_lists)
    report = validate_paths([path], year=year, complete=True, contract=contract)
    if not report.ok:
        raise InputError(list(report.problems))
    frames = {
        name: report.tables[name].frame.reset_index(drop=True) if name in report.tables
        else empty_frame(contract.table(name))
        for name in TABLE_NAMES
    }
    dataset = Dataset(**frames, files=report.files)
    store(key, dataset)
    return dataset


def resolve_data_dir(data_dir: str | Path | None) -> Path:
    """The input directory or workbook: `data_dir`, or the cached demo data when not given."""
    if data_dir is None:
        from nidb.demo import demo_dir

        return Path(demo_dir()).resolve()
    path = Path(data_dir).resolve()
    if not path.exists():
        raise InputError([Problem(file=str(path), rule="exists", message="数据目录不存在")])
    return path


def is_synthetic(data_dir: str | Path) -> bool:
    """True when `data_dir` is synthetic demo data (its README carries the 示例数据（合成） label)."""
    readme = Path(data_dir) / "README.md"
    return readme.is_file() and SYNTHETIC_LABEL in readme.read_text(encoding="utf-8", errors="replace")
