"""What every check receives (the screened data) and returns (flags, or why it did not run)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from nidb.framework import Framework, SpecialAreaThreshold, Threshold, load_framework
from nidb.indicators.values import indicator_values, table, unit_registry

KEY = ["unit_id", "year"]
#: columns of the flag frame a check returns (run.py adds the rule's id, name and group)
FLAG_COLUMNS = ["unit_id", "authority", "year", "field", "value", "expected", "score", "reason"]


@dataclass(frozen=True)
class Outcome:
    """What one rule found: its flags, or `skipped` (why it did not run), a `note` on what it left out,
    and optional detail tables."""

    flags: pd.DataFrame
    skipped: str | None = None
    note: str | None = None
    detail: dict[str, pd.DataFrame] = field(default_factory=dict)


def no_flags() -> pd.DataFrame:
    """An empty flag frame."""
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("score",) else "object") for c in FLAG_COLUMNS})


def flags(
    unit_id: Sequence[Any], year: Sequence[Any], field_: Sequence[str] | str, value: Sequence[Any],
    expected: Sequence[str] | str, score: Sequence[float], reason: Sequence[str], authority: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """A flag frame from parallel sequences (a scalar `field_` / `expected` applies to every row)."""
    n = len(reason)
    if n == 0:
        return no_flags()
    return pd.DataFrame({
        "unit_id": list(unit_id), "authority": list(authority) if authority is not None else [None] * n,
        "year": np.asarray(year, dtype="int64"), "field": [field_] * n if isinstance(field_, str) else list(field_),
        "value": list(value), "expected": [expected] * n if isinstance(expected, str) else list(expected),
        "score": np.asarray(score, dtype="float64"), "reason": list(reason),
    })


def fmt(x: float) -> str:
    """A number as the reasons show it: up to 4 significant digits, no exponent for everyday sizes."""
    if x is None or not np.isfinite(x):
        return "—"
    return f"{x:,.4g}" if abs(x) < 1e6 else f"{x:,.0f}"


@dataclass(frozen=True)
class ThresholdSpec:
    """The `>=` threshold of one quantitative indicator, general and for special-type areas."""

    indicator: str
    zh: str
    unit: str
    value: float
    special_value: float


class ScreeningContext:
    """The screened data: the reported annual forms (all years, for history), the units, the years
    whose forms are screened, the optional tables and the framework."""

    def __init__(self, data: Any, years: Iterable[int] | None = None, framework: Framework | None = None):
        self.data = data
        annual = table(data, "annual")
        self.annual = annual.sort_values(KEY, kind="stable").reset_index(drop=True)
        present = sorted(int(y) for y in self.annual["year"].dropna().unique())
        self.years = tuple(sorted(set(years))) if years is not None else tuple(present)
        self.framework = framework or load_framework()
        self.registry = unit_registry(data)
        self.official = table(data, "official_statistics")
        self.submissions = table(data, "submissions")

    @cached_property
    def in_years(self) -> np.ndarray:
        """Mask of the annual rows whose year is screened."""
        return self.annual["year"].isin(self.years).to_numpy()

    @cached_property
    def unit_ids(self) -> np.ndarray:
        """unit_id of every annual row."""
        return self.annual["unit_id"].to_numpy(dtype=object)

    @cached_property
    def unit_codes(self) -> np.ndarray:
        """An integer code per unit for every annual row (rows are sorted by unit, so codes ascend)."""
        return pd.factorize(self.annual["unit_id"])[0]

    @cached_property
    def year_values(self) -> np.ndarray:
        """year of every annual row (int64)."""
        return self.annual["year"].to_numpy(dtype="int64")

    @cached_property
    def authority(self) -> np.ndarray:
        """Recommending authority of every annual row."""
        return self.annual["unit_id"].map(self.registry["authority"]).to_numpy(dtype=object)

    def number(self, field_: str, frame: pd.DataFrame | None = None) -> np.ndarray:
        """One numeric column of the annual form (or `frame`) as float64, NaN where missing."""
        frame = self.annual if frame is None else frame
        if field_ not in frame:
            return np.full(len(frame), np.nan)
        return pd.to_numeric(frame[field_], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)

    def matrix(self, fields: Sequence[str]) -> np.ndarray:
        """The numeric columns `fields` as a rows × fields float64 array."""
        return np.column_stack([self.number(f) for f in fields]) if fields else np.empty((len(self.annual), 0))

    @cached_property
    def previous_row(self) -> np.ndarray:
        """Index of the same unit's row of the year before, −1 when that year is not in the data."""
        same = (self.unit_ids[1:] == self.unit_ids[:-1]) & (self.year_values[1:] == self.year_values[:-1] + 1)
        prev = np.full(len(self.annual), -1)
        prev[1:][same] = np.flatnonzero(same)
        return prev

    @cached_property
    def application_rows(self) -> np.ndarray:
        """Mask of applicant rows in their application year."""
        applicants = table(self.data, "applicants")
        if applicants is None or applicants.empty:
            return np.zeros(len(self.annual), dtype=bool)
        app_year = self.annual["unit_id"].map(applicants.set_index("applicant_id")["application_year"])
        return (app_year.to_numpy(dtype="float64", na_value=np.nan) == self.year_values)

    @cached_property
    def special_area(self) -> np.ndarray:
        """Whether each annual row's unit lies in a special-type area (Art. 7)."""
        return self.annual["unit_id"].map(self.registry["special_area"]).fillna(False).to_numpy(dtype=bool)

    def indicators(self, frame: pd.DataFrame | None = None) -> pd.DataFrame:
        """Indicator values of the reported forms (never the official ones), aligned to `frame`'s rows."""
        frame = self.annual if frame is None else frame
        values = indicator_values({"annual": frame}, self.framework, params={"official_prevails": False})
        return values.reindex(pd.MultiIndex.from_frame(frame[KEY]))

    @cached_property
    def reported_indicators(self) -> pd.DataFrame:
        """`indicators()` of the annual form, computed once."""
        return self.indicators()

    def threshold(self, indicator: str) -> ThresholdSpec:
        """The `>=` threshold of a quantitative indicator (the method file was checked against them)."""
        ind = self.framework.indicator(indicator)
        cond = ind.condition
        assert isinstance(cond, (Threshold, SpecialAreaThreshold))
        special = cond.special_area_value if isinstance(cond, SpecialAreaThreshold) else cond.value
        return ThresholdSpec(indicator, ind.short or ind.zh, ind.unit or "", float(cond.value), float(special))
