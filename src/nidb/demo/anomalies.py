"""Documented anomalies planted on the clean synthetic demo, one set per screening rule.

`plant_anomalies(tables, seed)` returns the tables with the anomalies in place, the two optional
tables of the screening (`official_statistics`: statistical-bureau values for half the base-years of
2023–2025; `submissions`: earlier versions of a few forms, with small honest corrections), and the
list of what was planted. The list is written beside the demo (answer-key/planted-anomalies.csv) for
measuring the screening's recall and precision; the screening never reads it.

Each kind touches different units (a unit is used by one kind only). Anomalies that change a level
are planted in the unit's last reported year, so that the next year's form stays clean; spikes (the
jumps) are planted in a middle year and come back the year after. Every planted value still passes
the validation rules of the data contract, including the unit-slip rule against the unit's own years:
a planted value that would read as a unit slip is put back (the screening reviews doctored forms; a
unit slip is an input error that stops loading).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from nidb.framework import load_framework
from nidb.inputs.contract import load_contract
from nidb.inputs.plausibility import own_year_ratios, slip_suspected

STREAM = 1014  # the anomalies draw from their own random stream: the clean demo is unchanged by them
PER_RULE = 12  # unit-years planted per unit-level rule
BUNCHING_PER_YEAR = 8  # applicants pushed just above each tested threshold, per application year
BUNCHING_INDICATORS = ("I01", "I05", "I07", "I11")
BUNCHING_ABOVE = 0.004  # how far above the threshold they land (relative)
BENFORD_AUTHORITIES = 3  # authorities whose forms of the last year are fabricated
BENFORD_FIELDS = ("sales_revenue", "leading_industry_revenue", "value_added", "rd_expenditure", "above_scale_revenue",
                  "industrial_value_added", "energy_consumption", "water_use", "employees", "land_area",
                  "high_value_patents")
HEAPING_FIELDS = ("sales_revenue", "leading_industry_revenue", "value_added", "rd_expenditure", "above_scale_revenue",
                  "industrial_value_added", "energy_consumption")
COPY_FIELDS = ("sales_revenue", "leading_industry_revenue", "value_added", "value_added_growth", "employees",
               "land_area", "rd_expenditure", "above_scale_revenue", "high_value_patents", "qms_certification_rate",
               "digital_rd_tool_rate", "nc_key_process_rate", "industrial_value_added", "energy_consumption",
               "water_use")
OFFICIAL_FIELDS = ("sales_revenue", "value_added", "industrial_value_added", "employees")
OFFICIAL_YEARS = (2023, 2024, 2025)
OFFICIAL_SHARE = 0.5
OFFICIAL_SOURCES = ("统计局", "税务局", "统计局、工业和信息化主管部门")
REVISION_SHARE = 0.04  # unit-years of 2024–2025 with an earlier version carrying small honest corrections


@dataclass(frozen=True)
class Planted:
    """The demo tables with the anomalies in place, and the list of what was planted."""

    tables: dict[str, pd.DataFrame]
    planted: pd.DataFrame


class _Planter:
    """Picks unused units and records each planted change."""

    def __init__(self, annual: pd.DataFrame, bases: pd.DataFrame, applicants: pd.DataFrame, rng: np.random.Generator):
        self.annual = annual
        self.rng = rng
        self.used: set[str] = set()
        self.records: list[dict] = []
        self.authority = pd.concat([bases.set_index("base_id")["authority"],
                                    applicants.set_index("applicant_id")["authority"]])
        self.special = pd.concat([bases.set_index("base_id")["special_areas"],
                                  applicants.set_index("applicant_id")["special_areas"]]).notna()
        last = annual.groupby("unit_id")["year"].transform("max")
        first = annual.groupby("unit_id")["year"].transform("min")
        self.is_last = (annual["year"] == last).to_numpy()
        self.is_middle = ((annual["year"] > first) & (annual["year"] < last)).to_numpy()
        self.has_previous = (annual["year"] > first).to_numpy()
        self.is_base = annual["unit_id"].str.startswith("B").to_numpy(dtype=bool)
        app_year = annual["unit_id"].map(applicants.set_index("applicant_id")["application_year"])
        self.is_application = (app_year.to_numpy(dtype="float64", na_value=np.nan) == annual["year"].to_numpy())

    def value(self, field: str) -> np.ndarray:
        return self.annual[field].to_numpy(dtype="float64", na_value=np.nan)

    def pick(self, eligible: np.ndarray, n: int) -> np.ndarray:
        """n rows among `eligible`, one per unit, of units not used yet."""
        units = self.annual["unit_id"].to_numpy(dtype=object)
        free = np.flatnonzero(eligible & ~np.isin(units, list(self.used)))
        free = free[~pd.Series(units[free]).duplicated().to_numpy()]
        rows = np.sort(self.rng.choice(free, size=min(n, len(free)), replace=False))
        self.used.update(units[rows])
        return rows

    def set(self, rule: str, rows: np.ndarray, field: str, new: np.ndarray, what: str, involved: list | None = None):
        old = self.value(field)[rows]
        self.annual.loc[rows, field] = new
        for k, row in enumerate(rows):
            self.records.append({
                "anomaly": rule, "unit_id": self.annual.at[row, "unit_id"],
                "authority": self.authority[self.annual.at[row, "unit_id"]], "year": int(self.annual.at[row, "year"]),
                "field": field, "original": old[k], "planted": new[k],
                "involved": None if involved is None else involved[k], "description": what,
            })


def _round2(x: np.ndarray) -> np.ndarray:
    return np.round(x, 2)


def _ceil2(x: np.ndarray) -> np.ndarray:
    return np.ceil(x * 100 - 1e-9) / 100


def _consistency(p: _Planter) -> None:
    sales, va = p.value("sales_revenue"), p.value("value_added")
    present = lambda *fs: np.logical_and.reduce([np.isfinite(p.value(f)) for f in fs])  # noqa: E731
    rows = p.pick(p.is_last & present("industrial_value_added", "value_added", "sales_revenue"), PER_RULE)
    p.set("iva_within_va", rows, "industrial_value_added",
          _round2(np.minimum(va[rows] * p.rng.uniform(1.05, 1.4, len(rows)), sales[rows])),
          "工业增加值改为高于产业集聚区增加值")
    rows = p.pick(p.is_last & present("rd_expenditure", "sales_revenue"), PER_RULE)
    p.set("rd_share_of_revenue", rows, "rd_expenditure", _round2(sales[rows] * p.rng.uniform(0.22, 0.4, len(rows))),
          "研发经费改为销售收入的 22%–40%")
    above = p.value("above_scale_revenue")
    rows = p.pick(p.is_last & present("above_scale_revenue", "above_scale_firms") & (above < 4000), PER_RULE)
    p.set("above_scale_firm_revenue", rows, "above_scale_firms",
          np.ceil(above[rows] / p.rng.uniform(0.05, 0.18, len(rows))), "规上企业数改为户均收入不足 2000 万元")
    growth = p.value("value_added_growth")
    prev_va = p.annual.groupby("unit_id")["value_added"].shift().to_numpy(dtype="float64", na_value=np.nan)
    rows = p.pick(p.is_last & p.has_previous & present("value_added_growth", "value_added") & np.isfinite(prev_va),
                  PER_RULE)
    shift = p.rng.uniform(6, 15, len(rows)) * p.rng.choice([-1, 1], len(rows))
    p.set("growth_vs_levels", rows, "value_added_growth", np.round(growth[rows] + shift, 1),
          "增加值增速改动 6–15 个百分点，与前后两年增加值不符")


def _jumps(p: _Planter) -> None:
    for field, factor, what in (("sales_revenue", 1.0, "销售收入"), ("land_area", -1.0, "建成区面积"),
                                ("high_value_patents", 1.0, "高价值发明专利数")):
        x = p.value(field)
        n = PER_RULE // 3
        rows = p.pick(p.is_middle & p.is_base & np.isfinite(x), n)
        multiple = p.rng.uniform(2.0, 3.0, len(rows)) ** factor
        new = np.round(x[rows] * multiple, 0 if field == "high_value_patents" else 1 if field == "land_area" else 2)
        p.set("jumps", rows, field, new, f"{what}单年改为原值的 {'1/' if factor < 0 else ''}2–3 倍，次年照旧")


def _bunching(p: _Planter, applicants_years: list[int]) -> None:
    fw = load_framework()
    sales, land, rd = p.value("sales_revenue"), p.value("land_area"), p.value("rd_expenditure")
    # #5 divides 工业总产值 where the form has it, sales revenue otherwise (land_output_fallback)
    gross = p.value("gross_output")
    output = np.where(np.isfinite(gross), gross, sales)
    general = ~p.special.reindex(p.annual["unit_id"]).fillna(False).to_numpy(dtype=bool)
    for indicator in BUNCHING_INDICATORS:
        threshold = float(fw.indicator(indicator).condition.value)
        value = {"I01": sales, "I05": output * 1e4 / land, "I07": rd / sales * 100,
                 "I11": p.value("qms_certification_rate")}[indicator]
        for year in applicants_years:
            near = (value >= 0.85 * threshold) & (value < threshold)
            rows = p.pick(p.is_application & general & (p.annual["year"] == year).to_numpy() & near
                          & np.isfinite(sales), BUNCHING_PER_YEAR)
            target = threshold * (1 + p.rng.uniform(0.0, BUNCHING_ABOVE, len(rows)))
            what = f"{indicator} 由门槛下方 15% 以内推到门槛 {threshold:g} 之上 {BUNCHING_ABOVE:.1%} 以内"
            if indicator == "I01":
                p.set("bunching", rows, "sales_revenue", _ceil2(target), what)
            elif indicator == "I05":
                p.set("bunching", rows, "land_area", np.floor(output[rows] * 1e4 / target * 10) / 10, what)
            elif indicator == "I07":
                p.set("bunching", rows, "rd_expenditure", _ceil2(target * sales[rows] / 100), what)
            else:
                p.set("bunching", rows, "qms_certification_rate", np.ceil(target * 10 - 1e-9) / 10, what)


def _benford(p: _Planter) -> None:
    last_year = int(p.annual["year"].max())
    in_year = (p.annual["year"] == last_year).to_numpy()
    authority = p.annual["unit_id"].map(p.authority).to_numpy(dtype=object)
    numbers = pd.Series(np.isfinite(np.column_stack([p.value(f) for f in BENFORD_FIELDS])).sum(axis=1)[in_year])
    per_authority = numbers.groupby(authority[in_year]).sum()
    candidates = per_authority[per_authority >= 450].index.to_numpy()
    chosen = p.rng.choice(candidates, size=BENFORD_AUTHORITIES, replace=False)
    units = p.annual["unit_id"].to_numpy(dtype=object)
    rows = np.flatnonzero(in_year & np.isin(authority, chosen) & ~np.isin(units, list(p.used)))
    p.used.update(units[rows])
    for field in BENFORD_FIELDS:
        x = p.value(field)[rows]
        ok = np.isfinite(x) & (x > 0)
        exponent = np.floor(np.log10(np.where(ok, x, 1.0)))
        mantissa = np.where(ok, x, 1.0) / 10.0**exponent
        digit = p.rng.integers(1, 10, len(rows))
        decimals = 0 if field in ("employees", "high_value_patents") else 1 if field in ("land_area", "water_use") else 2
        new = np.where(ok, np.round((digit + mantissa % 1) * 10.0**exponent, decimals), x)
        if field == "land_area":
            new = np.maximum(new, 1.0)
        p.set("benford", rows[ok], field, new[ok], "推荐单位当年全部报表的数值首位数字被随机改写（编造数据）")


def _heaping(p: _Planter) -> None:
    values = np.column_stack([p.value(f) for f in HEAPING_FIELDS])
    eligible = (np.isfinite(values) & (values >= 10)).sum(axis=1) >= 5
    rows = p.pick(p.is_last & eligible, PER_RULE)
    for j, field in enumerate(HEAPING_FIELDS):
        x = values[rows, j]
        ok = np.isfinite(x) & (x >= 10)
        unit = 10.0 ** (np.floor(np.log10(np.where(ok, x, 1.0))) - 1)
        p.set("heaping", rows[ok], field, (np.round(x / unit) * unit)[ok], "销售收入等金额取整到两位有效数字")


def _copies(p: _Planter) -> None:
    last_year = int(p.annual["year"].max())
    prev = p.annual.set_index(["unit_id", "year"])
    rows = p.pick(p.is_last & p.is_base & (p.annual["year"] == last_year).to_numpy(), PER_RULE)
    for field in COPY_FIELDS:
        before = prev[field].reindex(pd.MultiIndex.from_arrays(
            [p.annual["unit_id"].to_numpy()[rows], np.full(len(rows), last_year - 1)])).to_numpy(dtype="float64")
        ok = np.isfinite(before)
        p.set("copies_across_years", rows[ok], field, before[ok], "本年报表照抄上年报表")
    in_year = p.is_base & (p.annual["year"] == last_year).to_numpy()
    targets = p.pick(in_year, PER_RULE)
    sources = p.pick(in_year, PER_RULE)
    source_ids = list(p.annual["unit_id"].to_numpy()[sources])
    for field in COPY_FIELDS:
        new = p.value(field)[sources]
        if field == "qms_certification_rate":
            new = np.round(new * 0.99, 1)  # near-identical: one field slightly changed
        ok = np.isfinite(new)
        p.set("copies_across_units", targets[ok], field, new[ok], "本年报表抄自另一基地同年报表（个别数值略改）",
              involved=[s for s, k in zip(source_ids, ok) if k])


def _official(p: _Planter) -> pd.DataFrame:
    years = p.annual["year"].to_numpy()
    covered = p.is_base & np.isin(years, OFFICIAL_YEARS) & (p.rng.random(len(p.annual)) < OFFICIAL_SHARE)
    units = p.annual["unit_id"].to_numpy(dtype=object)
    covered &= ~np.isin(units, list(p.used))  # forms changed by other anomalies carry no official row
    official = p.annual.loc[covered, ["unit_id", "year", *OFFICIAL_FIELDS]].reset_index(drop=True)
    official.insert(2, "source", p.rng.choice(OFFICIAL_SOURCES, len(official)))
    # the planted cases: the form overstates sales revenue against the statistical bureau
    sales = official["sales_revenue"].to_numpy(dtype="float64")
    ok = np.flatnonzero(np.isfinite(sales) & ~official["unit_id"].duplicated().to_numpy())
    pick = np.sort(p.rng.choice(ok, size=PER_RULE, replace=False))
    truth = _round2(sales[pick] / p.rng.uniform(1.08, 1.35, len(pick)))
    official.loc[pick, "sales_revenue"] = truth
    for i, row in enumerate(pick):
        unit = official.at[row, "unit_id"]
        p.used.add(unit)
        p.records.append({"anomaly": "official_discrepancy", "unit_id": unit, "authority": p.authority[unit],
                          "year": int(official.at[row, "year"]), "field": "sales_revenue", "original": truth[i],
                          "planted": sales[row], "involved": None,
                          "description": "自报销售收入比统计部门数据高 8%–35%"})
    return official


def _submissions(p: _Planter, fields: tuple[str, ...]) -> pd.DataFrame:
    years = p.annual["year"].to_numpy()
    units = p.annual["unit_id"].to_numpy(dtype=object)
    honest = (np.isin(years, (2024, 2025)) & (p.rng.random(len(p.annual)) < REVISION_SHARE)
              & ~np.isin(units, list(p.used)))
    rows = np.flatnonzero(honest)
    earlier = pd.DataFrame({"unit_id": units[rows], "year": years[rows], "version": 1})
    for field in fields:
        earlier[field] = np.nan
    # small honest corrections: one or two fields differ by 0.2 %–2 %
    for k, row in enumerate(rows):
        for field in p.rng.choice(fields, size=p.rng.integers(1, 3), replace=False):
            x = p.value(field)[row]
            if np.isfinite(x):
                earlier.at[k, field] = np.round(x * (1 + p.rng.choice([-1, 1]) * p.rng.uniform(0.002, 0.02)), 1)
    # the planted cases: an earlier version below the sales threshold, raised above it in the final form
    threshold = float(load_framework().indicator("I01").condition.value)
    sales = p.value("sales_revenue")
    general = ~p.special.reindex(p.annual["unit_id"]).fillna(False).to_numpy(dtype=bool)
    chosen = p.pick(p.is_application & general & (sales >= threshold) & (sales < 1.08 * threshold), PER_RULE)
    before = _round2(threshold * p.rng.uniform(0.9, 0.98, len(chosen)))
    raised = pd.DataFrame({"unit_id": units[chosen], "year": years[chosen], "version": 1,
                           "sales_revenue": before})
    for k, row in enumerate(chosen):
        p.records.append({"anomaly": "revisions", "unit_id": units[row], "authority": p.authority[units[row]],
                          "year": int(years[row]), "field": "sales_revenue", "original": before[k],
                          "planted": sales[row], "involved": None,
                          "description": "首版销售收入低于 300 亿元门槛，修改后的终版高于门槛"})
    out = pd.concat([earlier, raised], ignore_index=True).reindex(columns=["unit_id", "year", "version", *fields])
    days = p.rng.integers(0, 60, len(out))
    out.insert(3, "submitted_on", [f"{y + 1}-03-{1 + d % 28:02d}" if d < 28 else f"{y + 1}-04-{1 + d % 28:02d}"
                                   for y, d in zip(out["year"], days)])
    return out.sort_values(["unit_id", "year"], kind="stable").reset_index(drop=True)


def _within_contract(annual: pd.DataFrame) -> None:
    """Keep every value inside the contract's ranges and `not_above` rules (a planted value, like a real
    doctored one, must still pass validation); clean values already do and are unchanged."""
    table = load_contract().table("annual")
    for col in table.columns:
        if col.dtype != "number":
            continue
        x = annual[col.name].to_numpy(dtype="float64", na_value=np.nan)
        x = np.clip(x, col.min if col.min is not None else -np.inf, col.max if col.max is not None else np.inf)
        if col.not_above is not None:
            ceiling = annual[col.not_above].to_numpy(dtype="float64", na_value=np.nan)
            x = np.where(x > ceiling, ceiling, x)  # NaN on either side: unchanged
        annual[col.name] = x


def _no_unit_slips(p: _Planter) -> None:
    """Put back every planted value of a unit that the loader would refuse as a unit slip (a ratio to
    the unit's other years near a power of ten), and drop them from the list, until none is left."""
    table = load_contract().table("annual")
    while True:
        planted = {r["unit_id"] for r in p.records}
        slipped = set()
        for col in table.columns:
            if col.slip_units:
                ratio, _, _ = own_year_ratios(p.annual[col.name].astype("float64"), p.annual["unit_id"])
                rows = [r for r, q in ratio.items() if slip_suspected(float(q), col)]
                slipped |= set(p.annual.loc[rows, "unit_id"]) & planted
        if not slipped:
            return
        kept = []
        for record in reversed(p.records):  # the last change first: a cell planted twice ends at its original
            if record["unit_id"] in slipped:
                row = (p.annual["unit_id"] == record["unit_id"]) & (p.annual["year"] == record["year"])
                p.annual.loc[row, record["field"]] = record["original"]
            else:
                kept.append(record)
        p.records = kept[::-1]


def plant_anomalies(tables: dict[str, pd.DataFrame], seed: int) -> Planted:
    """The demo tables with the anomalies planted (new frames; `tables` is not modified)."""
    rng = np.random.default_rng([seed, STREAM])
    annual = tables["annual"].copy().reset_index(drop=True)
    p = _Planter(annual, tables["bases"], tables["applicants"], rng)
    applicant_years = sorted(tables["applicants"]["application_year"].dropna().astype(int).unique())
    _bunching(p, applicant_years)
    _consistency(p)
    _jumps(p)
    _benford(p)
    _heaping(p)
    _copies(p)
    _within_contract(p.annual)
    _no_unit_slips(p)
    official = _official(p)
    submissions = _submissions(p, OFFICIAL_FIELDS + ("rd_expenditure", "land_area"))
    planted = pd.DataFrame.from_records(p.records)
    out = dict(tables)
    contract = load_contract()
    out.update(annual=p.annual,
               official_statistics=official.reindex(columns=contract.table("official_statistics").column_names),
               submissions=submissions.reindex(columns=contract.table("submissions").column_names))
    return Planted(out, planted)
