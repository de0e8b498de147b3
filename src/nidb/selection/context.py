"""Everything one selection round needs, aligned to the applicants of the application year.

Two layers:

* `SelectionData` (`prepare(data)`): the pieces of a dataset that no selection method changes —
  the unit registry, the annual forms indexed by unit and year, local GDP growth, and per
  application year a `Round` (its applicants, their forms per year, catalogue listing,
  registry attributes as codes, industry benchmarks, the round's expert scores coded into
  cells). Built once and reused by every `select` call and sweep on the data.
* `Context` (`build_context`): one method applied to one round — peer positions under the
  method's peer parameters, expert scores aggregated by its rule, measures under its parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from nidb.errors import NidbError
from nidb.evaluation.experts import CodedScores
from nidb.framework import Framework, Measure, PeerRelative
from nidb.indicators.peers import PeerStanding, peer_standings
from nidb.indicators.values import (
    KEY,
    gdp_lookup,
    local_gdp,
    measure_array,
    resolved_parameters,
    table,
    unit_registry,
)
from nidb.reference.catalogue import listed_codes
from nidb.selection.areas import feature_areas
from nidb.selection.method import SelectionMethod


@dataclass(frozen=True, eq=False)
class SelectionData:
    """The method-independent pieces of a dataset, prepared once for any number of selections.

    Pieces are cached as they are first needed; the tables must not be changed afterwards.
    """

    tables: Any  # the contract tables as given (Dataset or mapping)
    registry: pd.DataFrame  # unit_registry: bases and applicants, index unit_id
    annual: pd.DataFrame  # all annual rows, index (unit_id, year int64), sorted
    gdp: pd.Series  # GDP growth by area and year (`gdp_lookup`)
    _rounds: dict[int, Round] = field(default_factory=dict, repr=False)
    _forms: dict[int, pd.DataFrame] = field(default_factory=dict, repr=False)

    @cached_property
    def benchmarks(self) -> pd.DataFrame | None:
        """External industry benchmarks (industry, indicator_id, year, benchmark); None when there are none."""
        bench = table(self.tables, "benchmarks")
        if bench is None or bench.empty:
            return None
        return bench.astype({"industry": "string", "indicator_id": "string", "benchmark": "float64"})

    def round(self, year: int) -> Round:
        """The applicants of application year `year` with their data (built on first use)."""
        if year not in self._rounds:
            self._rounds[year] = _build_round(self, year)
        return self._rounds[year]

    def form(self, year: int) -> pd.DataFrame:
        """Every unit's annual form of `year` (the peers of the peer-relative indicators)."""
        if year not in self._forms:
            try:
                rows = self.annual.xs(year, level="year", drop_level=False)
            except KeyError:
                rows = self.annual.iloc[:0]
            self._forms[year] = rows
        return self._forms[year]


def prepare(data: Any, framework: Framework | None = None) -> SelectionData:
    """Prepare a dataset (a `Dataset` or a mapping of contract tables) for selection; idempotent.

    With ``framework``, the applicants' declared feature areas are checked against their
    domain and industry (`nidb.selection.areas.feature_areas`)."""
    if isinstance(data, SelectionData):
        return data
    annual = table(data, "annual")
    if annual is None:
        raise NidbError("数据中没有年度报表（annual）")
    annual = annual.assign(year=annual["year"].astype("int64")).set_index(KEY).sort_index()
    applicants = table(data, "applicants")
    if applicants is not None and not applicants.empty and framework is not None:
        feature_areas(applicants, framework)  # a declared area that contradicts the field stops here, with its row
    return SelectionData(data, unit_registry(data), annual, gdp_lookup(data))


@dataclass(frozen=True, eq=False)
class Round:
    """The applicants of one application year and their method-independent data."""

    year: int  # application year
    units: pd.Index  # applicant ids, in registry order
    registry: pd.DataFrame  # aligned to units
    annual: pd.DataFrame  # the applicants' annual rows, index (unit_id, year)
    scores: CodedScores | None  # the round's expert scores (application year, these applicants), coded
    source: SelectionData = field(repr=False)
    _forms: dict[int, pd.DataFrame] = field(default_factory=dict, repr=False)
    _gdp: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)
    _peer_rows: dict[int, np.ndarray] = field(default_factory=dict, repr=False)
    _benchmarks: dict[tuple[str, int], np.ndarray] = field(default_factory=dict, repr=False)
    _registry_codes: dict[str, tuple[np.ndarray, dict[str, int]]] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return len(self.units)

    @cached_property
    def special_area(self) -> np.ndarray:
        """Applicants in a special-type area (Art. 7), whether or not the method relaxes thresholds."""
        return self.registry["special_area"].fillna(False).to_numpy(dtype=bool)

    def registry_is(self, column: str, value: str) -> np.ndarray:
        """Applicants whose registry text `column` equals `value` (False where missing)."""
        if column not in self._registry_codes:
            codes, labels = pd.factorize(self.registry[column].astype("string"))  # NA coded -1
            self._registry_codes[column] = (codes, {str(v): i for i, v in enumerate(labels)})
        codes, lookup = self._registry_codes[column]
        return codes == lookup.get(value, -2)

    @cached_property
    def id_order(self) -> np.ndarray:
        """Position of each applicant id in the sorted ids (the final tie-break of the order)."""
        return pd.factorize(self.units, sort=True)[0]

    @cached_property
    def listed(self) -> pd.Series:
        """Zone code in the 2018 catalogue (NA where no code), position-indexed."""
        return listed_codes(self.registry["zone_code"].astype("string").reset_index(drop=True))

    def annual_at(self, year: int) -> pd.DataFrame:
        """The annual form of `year`, one row per applicant (all-missing where none was filed)."""
        if year not in self._forms:
            try:
                rows = self.annual.xs(year, level="year")
            except KeyError:
                rows = self.annual.iloc[:0].droplevel("year")
            self._forms[year] = rows.reindex(self.units)
        return self._forms[year]

    def gdp_at(self, year: int, level: str) -> tuple[np.ndarray, np.ndarray]:
        """Local GDP growth of each applicant in `year` at `level` (`local_gdp`; NaN where the
        area has no row), and whether it is the city's."""
        if (year, level) not in self._gdp:
            reg = self.registry
            self._gdp[year, level] = local_gdp(self.source.gdp, reg["authority"], reg["city"],
                                               np.full(self.n, year), level)
        return self._gdp[year, level]

    @cached_property
    def score_rows(self) -> np.ndarray:
        """Applicant row of each unit code of `scores`."""
        return self.units.get_indexer(self.scores.books["unit_id"]) if self.scores is not None else np.zeros(0, int)

    def peer_rows(self, year: int) -> np.ndarray:
        """Row of each applicant in `source.form(year)` (-1 where it filed no form that year)."""
        if year not in self._peer_rows:
            units = self.source.form(year).index.get_level_values("unit_id")
            self._peer_rows[year] = pd.Index(units).get_indexer(self.units)
        return self._peer_rows[year]

    def benchmark(self, indicator_id: str, year: int) -> np.ndarray:
        """The industry benchmark of an indicator in `year` per applicant (NaN: none, or no form that year)."""
        key = (indicator_id, year)
        if key not in self._benchmarks:
            bench = self.source.benchmarks
            values = np.full(self.n, np.nan)
            if bench is not None:
                mine = bench[((bench["indicator_id"] == indicator_id) & (bench["year"] == year)).fillna(False)]
                by_industry = self.registry["industry"].astype("string").map(mine.set_index("industry")["benchmark"])
                values = np.where(self.peer_rows(year) >= 0, by_industry.to_numpy("float64", na_value=np.nan), np.nan)
            self._benchmarks[key] = values
        return self._benchmarks[key]


def _is_in(values: pd.Series | pd.Index, ids: pd.Index) -> np.ndarray:
    """Membership of string values in a set of ids (False for missing values), by pyarrow."""
    found = pc.is_in(pa.array(values.astype("string").array), value_set=pa.array(ids.astype("string").array))
    return found.to_numpy(zero_copy_only=False)


def _build_round(data: SelectionData, year: int) -> Round:
    applicants = table(data.tables, "applicants")
    if applicants is None or applicants.empty:
        raise NidbError("数据中没有申报对象名单（applicants）")
    ids = applicants.loc[applicants["application_year"] == year, "applicant_id"].astype("string")
    if ids.empty:
        years = sorted(int(y) for y in applicants["application_year"].dropna().unique())
        raise NidbError(f"申报年份 {year} 没有申报对象；数据中的申报年份：{'、'.join(map(str, years)) or '无'}")
    units = pd.Index(ids.to_numpy(), name="unit_id")
    registry = data.registry.reindex(units)
    annual = data.annual[_is_in(data.annual.index.get_level_values("unit_id"), units)]
    scores = table(data.tables, "expert_scores")
    if scores is not None and not scores.empty:
        scores = scores[(scores["year"] == year).fillna(False).to_numpy(bool) & _is_in(scores["unit_id"], units)]
    coded = CodedScores(scores) if scores is not None and not scores.empty else None
    return Round(year, units, registry, annual, coded, data)


@dataclass(frozen=True, eq=False)
class Context:
    """One selection method applied to one round."""

    method: SelectionMethod
    round: Round
    data_year: int  # year of the annual form assessed
    standings: dict[str, PeerStanding]  # peer standings at data_year over every unit of that year
    expert: pd.DataFrame | None  # aggregated expert scores of the round, keys coded (`CodedScores.aggregate`)
    _measures: dict[tuple[Measure, int], np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def year(self) -> int:
        return self.round.year

    @property
    def units(self) -> pd.Index:
        return self.round.units

    @property
    def registry(self) -> pd.DataFrame:
        return self.round.registry

    @property
    def n(self) -> int:
        return self.round.n

    @property
    def special_area(self) -> np.ndarray:
        return self.round.special_area

    @cached_property
    def params(self) -> dict[str, Any]:
        return resolved_parameters(self.method.framework, self.method.params)

    def annual_at(self, year: int) -> pd.DataFrame:
        return self.round.annual_at(year)

    def gdp_at(self, year: int) -> np.ndarray:
        """Local GDP growth of each applicant in `year` under the method's `local_gdp_level`."""
        return self.round.gdp_at(year, self.method.local_gdp_level)[0]

    def measure(self, measure: Measure, year: int) -> np.ndarray:
        """A formula evaluated on the annual form of `year` (float, NaN where missing)."""
        key = (measure, year)
        if key not in self._measures:
            self._measures[key] = measure_array(measure, self.annual_at(year), self.method.framework, self.params)
        return self._measures[key]

    def window(self, years: int) -> list[int]:
        """The last `years` years, ending with the data year, ascending."""
        return list(range(self.data_year - years + 1, self.data_year + 1))

    def position(self, indicator_id: str, column: str) -> np.ndarray | pd.api.extensions.ExtensionArray:
        """One attribute of the peer standing of an indicator (`PeerStanding` field or ``benchmark``),
        aligned to the applicants: NaN / NA where the applicant filed no form in the data year."""
        if column == "benchmark":
            return self.round.benchmark(indicator_id, self.data_year)
        if indicator_id not in self.standings:
            return np.full(self.n, np.nan)
        rows = self.round.peer_rows(self.data_year)
        values = getattr(self.standings[indicator_id], column)
        if isinstance(values, np.ndarray):
            return np.where(rows >= 0, values[rows], np.nan)
        return values.take(rows, allow_fill=True)

    @cached_property
    def _expert_wide(self) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
        """Indicator -> column, and (n, indicators) arrays of aggregated score and number of experts."""
        if self.round.scores is None:
            return {}, np.full((self.n, 0), np.nan), np.zeros((self.n, 0), dtype="int64")
        ids = self.round.scores.books["indicator_id"]
        codes = self.expert["indicator_id"].to_numpy()
        rows = self.round.score_rows[self.expert["unit_id"].to_numpy()]
        score = np.full((self.n, len(ids)), np.nan)
        experts = np.zeros((self.n, len(ids)), dtype="int64")
        score[rows, codes] = self.expert["score"].to_numpy("float64")
        experts[rows, codes] = self.expert["n_experts"].to_numpy("int64")
        return {str(i): j for j, i in enumerate(ids)}, score, experts

    def expert_score(self, condition_id: str) -> tuple[np.ndarray, np.ndarray]:
        """Aggregated expert score and number of experts for a qualitative condition."""
        columns, score, experts = self._expert_wide
        if condition_id not in columns:
            return np.full(self.n, np.nan), np.zeros(self.n, dtype=int)
        j = columns[condition_id]
        return score[:, j], experts[:, j]

    def _gdp_used(self, years: list[int]) -> np.ndarray:
        """(n, years): True where the city's row gives 「当地」 GDP growth."""
        return np.column_stack([self.round.gdp_at(y, self.method.local_gdp_level)[1] for y in years])

    def gdp_area_at(self, year: int) -> pd.Series:
        """Per applicant, the area whose GDP growth is 「当地」 in `year` (city or authority)."""
        used = self._gdp_used([year])[:, 0]
        city, authority = (self.registry[c].astype("string").reset_index(drop=True) for c in ("city", "authority"))
        return city.where(used, authority)

    def gdp_area(self, years: list[int]) -> pd.Series:
        """Per applicant, the area whose GDP growth is 「当地」 over `years`: the city or the
        authority name, with the years where it changes between them (「苏州市 2023–2024 年、
        江苏省 2022 年」)."""
        city = self.registry["city"].astype("string").to_numpy(dtype=object, na_value="")
        authority = self.registry["authority"].astype("string").to_numpy(dtype=object, na_value="")
        used = self._gdp_used(years)
        areas = np.where(used[:, 0], city, authority)
        mixed = used.any(axis=1) & ~used.all(axis=1) & (city != authority)  # a municipality is its own city
        for i in np.flatnonzero(mixed):  # city in some years only
            spans = {name: [y for y, u in zip(years, used[i]) if u == is_city]
                     for name, is_city in ((city[i], True), (authority[i], False))}
            areas[i] = "、".join(f"{name} {year_span(ys)}" for name, ys in spans.items())
        return pd.Series(areas, dtype="string")

    def gdp_basis(self, years: list[int]) -> pd.Series:
        """Per applicant, which level of local GDP growth #2 used over `years` and why (column
        当地GDP增速口径 of the summary)."""
        areas = self.gdp_area(years)
        used = self._gdp_used(years)
        city = self.registry["city"].astype("string").reset_index(drop=True)
        if self.method.local_gdp_level == "province":
            province = "省级：" + areas + "（local_gdp_level: province）"
        else:
            province = ("省级：" + areas + "（无" + city + "的地市数据）").fillna("省级：" + areas + "（未填所在地市）")
        basis = province.where(~used.any(axis=1), "地市级与省级：" + areas)
        return basis.where(~used.all(axis=1), "地市级：" + areas)


def year_span(years: list[int]) -> str:
    """「2022–2024 年」 for consecutive years, else 「2022、2024 年」."""
    if len(years) > 1 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]} 年"
    return "、".join(map(str, years)) + " 年"


def build_context(data: SelectionData, year: int, method: SelectionMethod) -> Context:
    """The round of application year `year` under `method`: peer positions and aggregated expert scores."""
    rnd = data.round(year)
    fw = method.framework
    data_year = year - method.data_lag
    params = resolved_parameters(fw, method.params)
    form = data.form(data_year)
    peers = [ind for ind in fw.quantitative if isinstance(ind.condition, PeerRelative)]
    values = pd.DataFrame({ind.id: measure_array(ind.formula, form, fw, params) for ind in peers},
                          index=form.index)
    standings = {s.indicator_id: s for s in peer_standings(values, data.registry, fw, method.params)}
    q = method.qualitative_rule
    expert = None if rnd.scores is None else rnd.scores.aggregate(q.aggregation, q.trim_min_experts, q.trim_count)
    return Context(method, rnd, data_year, standings, expert)
