"""The validated input tables of one evaluation, with canonical names and dtypes."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd

from nidb.contract import load_contract
from nidb.errors import InputError
from nidb.schemas import empty_frame
from nidb.validation import validate_paths


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


def load_dataset(path: Path | str, *, year: int | None = None) -> Dataset:
    """Read and validate a dataset: a directory with one file per table, or one workbook.

    A directory holds files named after each table's `file` key (or its Chinese
    name) with suffix .csv, .xlsx or .parquet; a workbook holds one sheet per
    table named by the table's Chinese or canonical name. `year` is the current
    year for the no-future-year rule (default: today's). Raises `InputError`
    listing every problem.
    """
    report = validate_paths([path], year=year, complete=True)
    if not report.ok:
        raise InputError(list(report.problems))
    contract = load_contract()
    frames = {
        name: report.tables[name].frame.reset_index(drop=True) if name in report.tables
        else empty_frame(contract.table(name))
        for name in TABLE_NAMES
    }
    return Dataset(**frames, files=report.files)
