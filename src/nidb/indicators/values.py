"""Indicator values per unit-year from the canonical tables, driven by the framework's formulas.

Public API (used by selection and evaluation; peer standings are in `nidb.indicators.peers`):

- `unit_registry(data)`: one row per unit (base or applicant) with its registry attributes.
- `indicator_values(data, framework, year=...)`: wide frame, index ``(unit_id, year)``, one
  float column per quantitative indicator id (``I01`` … ``I20``, 14 columns) in the spec's
  units; NaN where an input is missing (never zero).
- `feature_values(data, framework, year=...)`: the same for the measures of the quantitative
  feature sub-conditions (``F06a``, ``F07a1`` …, ``F18L``, ``F18S``).
- `measure_values` / `measure_array`: one formula on an annual frame (series / float array).
- `gdp_lookup(data)`, `local_gdp(...)`, `local_gdp_growth(data, level=...)`: the reference of #2 —
  the GDP growth of the unit's city (所在地市) where the table has a row for it, else of its
  recommending authority (province level).
- `missing_summary(values)`: missing counts per column.

``data`` is a `nidb.inputs.dataset.Dataset` or any mapping / object exposing the contract tables
(``annual``, ``bases``, ``applicants``, ``gdp_growth``, ``benchmarks``) as frames.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from nidb.framework import (
    Choose,
    EachOfLastYears,
    Field,
    Framework,
    Measure,
    Ratio,
    SpecialAreaThreshold,
    Sum,
    Threshold,
    check_parameters,
    load_framework,
    walk,
)
from nidb.inputs.official import with_official_values

KEY = ["unit_id", "year"]
REGISTRY_COLUMNS = [
    "name", "authority", "city", "region", "domain", "industry", "feature_area", "leading_industry", "zone_code",
    "provincial_recognition", "special_areas", "pilot_tasks", "dc_size_class",
]
#: label of the pooled group used when a peer group is too small
POOLED_GROUP = "全体"
#: parameter peer_population → registry kind
POPULATION_KIND = {"bases": "base", "applicants": "applicant"}


def table(data: Any, name: str) -> pd.DataFrame | None:
    """One contract table from a Dataset, a mapping of frames, or an object with attributes."""
    if isinstance(data, Mapping):
        return data.get(name)
    return getattr(data, name, None)


def resolved_parameters(framework: Framework, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The framework's parameter defaults updated with validated overrides."""
    values = framework.parameter_defaults()
    if params:
        values.update(check_parameters(framework, dict(params), "参数"))
    return values


def unit_registry(data: Any) -> pd.DataFrame:
    """Bases and applicants in one frame, index ``unit_id``, with ``kind`` = base | applicant.

    ``special_area`` (boolean) says whether the unit lies in a special-type area (Art. 7).
    """
    parts = []
    for name, id_col, kind in (("bases", "base_id", "base"), ("applicants", "applicant_id", "applicant")):
        frame = table(data, name)
        if frame is None or frame.empty:
            continue
        part = frame.rename(columns={id_col: "unit_id"}).reindex(columns=["unit_id", *REGISTRY_COLUMNS])
        part.insert(1, "kind", kind)
        parts.append(part)
    if not parts:
        reg = pd.DataFrame(columns=["unit_id", "kind", *REGISTRY_COLUMNS])
    else:
        reg = pd.concat(parts, ignore_index=True)
    reg = reg.astype({c: "string" for c in reg.columns if c != "provincial_recognition"})
    reg["special_area"] = reg["special_areas"].fillna("").str.len().gt(0).astype("boolean")
    return reg.set_index("unit_id")


def _annual(data: Any, year: int | Iterable[int] | None, params: Mapping[str, Any]) -> pd.DataFrame:
    """The annual rows of `year`, with official values in place when `official_prevails` (Art. 10)."""
    annual = table(data, "annual")
    if annual is None:
        raise ValueError("数据中没有年度报表（annual）")
    if year is not None:
        years = [year] if isinstance(year, (int, np.integer)) else list(year)
        annual = annual[annual["year"].isin(years)]
    if params.get("official_prevails", True):
        annual = with_official_values(annual, table(data, "official_statistics"))
    return annual


def _number(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A column as float64 (NaN where missing or not a number; all NaN when the column is absent)."""
    if column not in frame:
        return np.full(len(frame), np.nan)
    values = frame[column]
    if values.dtype != "float64":
        values = pd.to_numeric(values, errors="coerce")
    return values.to_numpy(dtype="float64", na_value=np.nan)


def measure_array(measure: Measure, frame: pd.DataFrame, framework: Framework, params: Mapping[str, Any]) -> np.ndarray:
    """`measure_values` as a plain float64 array aligned to the frame's rows."""
    if isinstance(measure, Field):
        return _number(frame, measure.name)
    if isinstance(measure, Ratio):
        denominator = _number(frame, framework.resolve(measure.denominator, dict(params)))
        numerator = _number(frame, measure.numerator)
        if measure.fallback is not None and framework.resolve(measure.fallback_enabled, dict(params)):
            numerator = np.where(np.isnan(numerator), _number(frame, measure.fallback), numerator)
        return (numerator / np.where(denominator != 0, denominator, np.nan)) * measure.scale
    if isinstance(measure, Sum):
        return sum((_number(frame, t) for t in measure.terms[1:]), _number(frame, measure.terms[0]))
    if isinstance(measure, Choose):
        if measure.flag in frame:
            flag = frame[measure.flag].astype("boolean")
        else:
            flag = pd.Series(pd.NA, index=frame.index, dtype="boolean")
        if_true, if_false = _number(frame, measure.if_true), _number(frame, measure.if_false)
        return np.where(flag.notna().to_numpy(), np.where(flag.fillna(False).to_numpy(bool), if_true, if_false), np.nan)
    raise TypeError(measure)


def measure_values(measure: Measure, frame: pd.DataFrame, framework: Framework, params: Mapping[str, Any]) -> pd.Series:
    """Evaluate one formula row-wise on an annual frame (float64 on the frame's index, NaN when an
    input is missing)."""
    return pd.Series(measure_array(measure, frame, framework, params), index=frame.index, dtype="float64")


def indicator_values(
    data: Any,
    framework: Framework | None = None,
    *,
    year: int | Iterable[int] | None = None,
    params: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Quantitative indicator values, wide: index ``(unit_id, year)``, one column per indicator id.

    Values are in the units of the framework (亿元, %, 万元/人 …). #2 is the value-added growth
    itself (its condition compares it with `local_gdp_growth`); #9 is national + provincial
    R&D institutions. A missing input gives NaN, never zero.
    """
    fw = framework or load_framework()
    p = resolved_parameters(fw, params)
    annual = _annual(data, year, p)
    out = pd.DataFrame(
        {ind.id: measure_array(ind.formula, annual, fw, p) for ind in fw.quantitative},
        index=pd.MultiIndex.from_frame(annual[KEY]),
    )
    out.columns.name = "indicator_id"
    return out.sort_index()


def feature_leaves(framework: Framework) -> dict[str, tuple[Any, Measure]]:
    """The quantitative feature sub-conditions that have a measure, by id: (condition, measure)."""
    leaves = {}
    for feature in framework.features:
        for node in walk(feature.condition):
            if isinstance(node, (Threshold, SpecialAreaThreshold, EachOfLastYears)) and node.measure is not None:
                leaves[node.id] = (node, node.measure)
    return leaves


def feature_values(
    data: Any,
    framework: Framework | None = None,
    *,
    year: int | Iterable[int] | None = None,
    params: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Measures of the quantitative feature sub-conditions, wide, index ``(unit_id, year)``.

    One column per sub-condition id (e.g. ``F12a`` external-network coverage %, ``F18L`` the
    PUE that applies to a large data centre: the design PUE when it has operated < 1 year).
    Columns apply only to units of the feature's area; other units are simply NaN there.
    """
    fw = framework or load_framework()
    p = resolved_parameters(fw, params)
    annual = _annual(data, year, p)
    out = pd.DataFrame(
        {cid: measure_array(m, annual, fw, p) for cid, (_, m) in feature_leaves(fw).items()},
        index=pd.MultiIndex.from_frame(annual[KEY]),
    )
    out.columns.name = "condition_id"
    return out.sort_index()


#: `local_gdp_level` (selection method): which area's GDP growth is 「当地」 for #2
LOCAL_GDP_LEVELS = ("city", "province")


def gdp_lookup(data: Any) -> pd.Series:
    """GDP growth (%) of table ``gdp_growth`` by area and year: index ``(area, year)`` (string,
    int64), float values; empty when the table is absent or empty."""
    gdp = table(data, "gdp_growth")
    index = pd.MultiIndex.from_arrays([pd.Index([], dtype="string"), pd.Index([], dtype="int64")],
                                      names=["area", "year"])
    if gdp is None or gdp.empty:
        return pd.Series([], index=index, dtype="float64", name="gdp_growth")
    area = gdp["area"]
    keep = area.notna().to_numpy() & gdp["year"].notna().to_numpy()
    index = pd.MultiIndex.from_arrays([area[keep].astype("string").to_numpy(),
                                       gdp["year"][keep].astype("int64").to_numpy()], names=["area", "year"])
    return pd.Series(gdp["gdp_growth"][keep].astype("float64").to_numpy(), index=index, name="gdp_growth")


def local_gdp(lookup: pd.Series, authority: pd.Series | np.ndarray, city: pd.Series | np.ndarray,
              years: np.ndarray, level: str = "city") -> tuple[np.ndarray, np.ndarray]:
    """GDP growth that is 「当地」 for each unit-year, and whether it is the city's.

    ``level="city"``: the row of the unit's city (所在地市) where the table has one for that
    year, else the row of its recommending authority; ``"province"``: always the authority's.
    NaN where the chosen area has no row (never a silent pass).
    """
    if level not in LOCAL_GDP_LEVELS:
        raise ValueError(f"local_gdp_level: {level!r}")
    years = np.asarray(years, dtype="int64")

    def rows(area: pd.Series | np.ndarray) -> np.ndarray:
        keys = pd.MultiIndex.from_arrays([pd.array(np.asarray(area, dtype=object), dtype="string"), years])
        return lookup.reindex(keys).to_numpy("float64")

    province = rows(authority)
    if level == "province":
        return province, np.zeros(len(province), dtype=bool)
    own_city = rows(city)
    is_city = ~np.isnan(own_city)
    return np.where(is_city, own_city, province), is_city


def local_gdp_growth(data: Any, registry: pd.DataFrame | None = None, level: str = "city") -> pd.DataFrame:
    """The reference of #2 per unit-year of `annual` (index ``(unit_id, year)``): ``gdp_growth`` (%),
    ``level`` (city | province) and ``area`` whose row was used (`local_gdp`); ``registry``:
    `unit_registry(data)` when already at hand."""
    annual = table(data, "annual")[KEY]
    reg = registry if registry is not None else unit_registry(data)
    authority = annual["unit_id"].map(reg["authority"]).astype("string")
    city = annual["unit_id"].map(reg["city"]).astype("string")
    values, is_city = local_gdp(gdp_lookup(data), authority, city, annual["year"].astype("int64").to_numpy(), level)
    out = pd.DataFrame({
        "gdp_growth": values,
        "level": np.where(is_city, "city", "province"),
        "area": np.where(is_city, city.to_numpy(dtype=object, na_value=None), authority.to_numpy(dtype=object, na_value=None)),
    }, index=pd.MultiIndex.from_frame(annual))
    return out.astype({"level": "string", "area": "string"}).sort_index()


def missing_summary(values: pd.DataFrame) -> pd.DataFrame:
    """Per column of a wide indicator frame: unit-years, missing count and missing share (%)."""
    n = len(values)
    missing = values.isna().sum()
    return pd.DataFrame({
        "unit_years": n,
        "missing": missing.astype("int64"),
        "missing_pct": (missing / n * 100 if n else missing * np.nan).astype("float64"),
    }, index=values.columns)
