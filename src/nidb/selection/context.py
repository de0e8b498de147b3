"""Everything one selection round needs, aligned to the applicants of the application year."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from nidb.errors import NidbError
from nidb.expert import aggregate_scores
from nidb.framework import Measure
from nidb.indicators import local_gdp_growth, measure_values, peer_positions, resolved_parameters, table, unit_registry
from nidb.selection.method import SelectionMethod


@dataclass(frozen=True, eq=False)
class Context:
    """Applicants of one application year, their data and the method."""

    method: SelectionMethod
    year: int  # application year
    data_year: int  # year of the annual form assessed
    units: pd.Index  # applicant ids, in registry order
    registry: pd.DataFrame  # aligned to units
    annual: pd.DataFrame  # all annual rows of the applicants, index (unit_id, year)
    gdp: pd.Series  # local GDP growth, index (unit_id, year)
    positions: pd.DataFrame  # peer positions at data_year, index (indicator_id, unit_id)
    expert: pd.DataFrame  # aggregated expert scores at the application year, index (unit_id, indicator_id)

    @property
    def n(self) -> int:
        return len(self.units)

    @cached_property
    def params(self) -> dict[str, Any]:
        return resolved_parameters(self.method.framework, self.method.params)

    @cached_property
    def special_area(self) -> np.ndarray:
        """Applicants in a special-type area (Art. 7), whether or not the method relaxes thresholds."""
        return self.registry["special_area"].fillna(False).to_numpy(dtype=bool)

    @cached_property
    def _forms(self) -> dict[int, pd.DataFrame]:
        return {}

    def annual_at(self, year: int) -> pd.DataFrame:
        """The annual form of `year`, one row per applicant (all-missing where none was filed)."""
        if year not in self._forms:
            try:
                rows = self.annual.xs(year, level="year")
            except KeyError:
                rows = self.annual.iloc[:0].droplevel("year")
            self._forms[year] = rows.reindex(self.units)
        return self._forms[year]

    def measure(self, measure: Measure, year: int) -> np.ndarray:
        """A formula evaluated on the annual form of `year` (float, NaN where missing)."""
        return measure_values(measure, self.annual_at(year), self.method.framework, self.params).to_numpy("float64")

    def window(self, years: int) -> list[int]:
        """The last `years` years, ending with the data year, ascending."""
        return list(range(self.data_year - years + 1, self.data_year + 1))

    def gdp_at(self, year: int) -> np.ndarray:
        keys = pd.MultiIndex.from_arrays([self.units, np.full(self.n, year)], names=["unit_id", "year"])
        return self.gdp.reindex(keys).to_numpy("float64")

    def position(self, indicator_id: str, column: str) -> pd.Series:
        """One column of the peer standing of an indicator, aligned to the applicants."""
        try:
            rows = self.positions.xs(indicator_id, level="indicator_id")[column]
        except KeyError:
            return pd.Series(np.nan, index=self.units)
        return rows.reindex(self.units)

    @cached_property
    def _expert_wide(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        score = self.expert["score"].unstack("indicator_id").reindex(self.units)
        experts = self.expert["n_experts"].unstack("indicator_id").reindex(self.units)
        return score, experts

    def expert_score(self, condition_id: str) -> tuple[np.ndarray, np.ndarray]:
        """Aggregated expert score and number of experts for a qualitative condition."""
        score, experts = self._expert_wide
        if condition_id not in score:
            return np.full(self.n, np.nan), np.zeros(self.n, dtype=int)
        return score[condition_id].to_numpy("float64"), experts[condition_id].fillna(0).to_numpy("int64")


def build_context(data: Any, year: int, method: SelectionMethod) -> Context:
    """Align the applicants of application year `year` with their annual forms, references and scores."""
    applicants = table(data, "applicants")
    if applicants is None or applicants.empty:
        raise NidbError("数据中没有申报对象名单（applicants）")
    ids = applicants.loc[applicants["application_year"] == year, "applicant_id"].astype("string")
    if ids.empty:
        years = sorted(int(y) for y in applicants["application_year"].dropna().unique())
        raise NidbError(f"申报年份 {year} 没有申报对象；数据中的申报年份：{'、'.join(map(str, years)) or '无'}")
    units = pd.Index(ids.to_numpy(), name="unit_id")
    registry = unit_registry(data).reindex(units)
    annual = table(data, "annual")
    mine = annual[annual["unit_id"].isin(units)].copy()
    mine["year"] = mine["year"].astype("int64")
    mine = mine.set_index(["unit_id", "year"]).sort_index()
    gdp = local_gdp_growth(data)
    gdp.index = gdp.index.set_levels(gdp.index.levels[1].astype("int64"), level="year")
    data_year = year - method.data_lag
    positions = peer_positions(data, method.framework, year=data_year, params=method.params)
    positions = positions.set_index(["indicator_id", "unit_id"]).sort_index()
    scores = table(data, "expert_scores")
    q = method.qualitative_rule
    if scores is not None and not scores.empty:
        scores = scores[(scores["year"] == year) & scores["unit_id"].isin(units)]
    if scores is None or scores.empty:
        expert = pd.DataFrame(
            {"score": pd.Series(dtype="float64"), "n_experts": pd.Series(dtype="int64")},
            index=pd.MultiIndex.from_arrays([[], []], names=["unit_id", "indicator_id"]),
        )
    else:
        agg = aggregate_scores(scores, q.aggregation, q.trim_min_experts, q.trim_count)
        expert = agg.set_index(["unit_id", "indicator_id"])[["score", "n_experts"]].sort_index()
    return Context(method, year, data_year, units, registry, mine, gdp, positions, expert)
