"""Hand-made canonical frames for selection tests: one applicant that passes everything, to vary."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nidb.inputs.contract import load_contract

YEARS = (2022, 2023, 2024)
QUALITATIVE = ["I06", "I12", "I13", "I16", "I17", "I18", "I21", "I22", "I23", "I24", "I25", "I26", "I27", "I28", "I29"]

GOOD = {
    "sales_revenue": 400.0, "leading_industry_revenue": 250.0, "value_added": 100.0, "value_added_growth": 8.0,
    "employees": 20000.0, "land_area": 500.0, "rd_expenditure": 12.0, "above_scale_revenue": 300.0,
    "above_scale_firms": 200.0, "high_value_patents": 900.0, "national_rd_institutions": 1.0,
    "provincial_rd_institutions": 3.0, "standards_count": 50.0, "qms_certification_rate": 70.0,
    "digital_rd_tool_rate": 80.0, "nc_key_process_rate": 60.0, "industrial_value_added": 80.0,
    "energy_consumption": 40.0, "water_use": 800.0, "env_incident_level": "无", "safety_accident_level": "无",
}
# external benchmarks for the peer-relative indicators: GOOD passes each
BENCHMARKS = {"I04": 40.0, "I10": 30.0, "I19": 0.6, "I20": 12.0}


def applicant(aid: str = "A0001", **kw) -> dict:
    row = {
        "applicant_id": aid, "name": f"测试申报对象{aid}", "authority": "江苏省", "region": "东部", "domain": "装备工业",
        "industry": "汽车", "feature_area": None, "leading_industry": "汽车", "zone_code": "G111001",
        "provincial_recognition": False, "special_areas": None, "pilot_tasks": None, "application_year": 2024,
        "dc_size_class": None, "city": None,
    }
    row.update(kw)
    return row


def annual_rows(aid: str = "A0001", years=YEARS, **kw) -> list[dict]:
    """GOOD rows for each year; keyword values override every year, or {year: value} per year."""
    rows = []
    for y in years:
        row = {"unit_id": aid, "year": y, **GOOD}
        for k, v in kw.items():
            row[k] = v.get(y, row.get(k)) if isinstance(v, dict) else v
        rows.append(row)
    return rows


def _typed(rows: list[dict], table: str) -> pd.DataFrame:
    spec = load_contract().table(table)
    frame = pd.DataFrame(rows).reindex(columns=list(spec.column_names))
    for col in spec.columns:
        if col.dtype == "number":
            frame[col.name] = frame[col.name].astype("float64")
        elif col.dtype == "integer":
            frame[col.name] = frame[col.name].astype("Int64")
        elif col.dtype == "boolean":
            frame[col.name] = frame[col.name].astype("boolean")
        else:
            frame[col.name] = frame[col.name].astype("string")
    return frame


def dataset(applicants: list[dict], annual: list[dict], *, scores: float | dict | None = 70.0,
            gdp: float = 5.0, benchmarks: dict | None = None,
            gdp_rows: list[dict] | None = None) -> dict[str, pd.DataFrame]:
    """Canonical frames; `scores` gives every qualitative indicator that score from 3 experts
    ({indicator_id: score} to vary; None for no expert scores). GDP growth `gdp` for every
    authority 2019–2025, or the rows `gdp_rows` ({area, year, gdp_growth}) instead."""
    authorities = sorted({a["authority"] for a in applicants})
    if gdp_rows is None:
        gdp_rows = [{"area": a, "year": y, "gdp_growth": gdp} for a in authorities for y in range(2019, 2026)]
    bench = benchmarks if benchmarks is not None else BENCHMARKS
    industries = sorted({a["industry"] for a in applicants})
    bench_rows = [{"industry": i, "indicator_id": k, "year": y, "benchmark": v}
                  for i in industries for k, v in bench.items() for y in YEARS]
    score_rows = []
    if scores is not None:
        per = scores if isinstance(scores, dict) else {}
        default = scores if not isinstance(scores, dict) else 70.0
        for a in applicants:
            for ind in QUALITATIVE + ["F06b", "F06c", "F14a"] + [f"F{i:02d}" for i in (1, 2, 3, 4, 5, 8, 9, 10, 11, 13, 15, 16, 20, 21, 22)]:
                for e in ("E01", "E02", "E03"):
                    score_rows.append({"unit_id": a["applicant_id"], "year": a["application_year"], "indicator_id": ind,
                                       "expert_id": e, "score": per.get(ind, default)})
    return {
        "applicants": _typed(applicants, "applicants"),
        "annual": _typed(annual, "annual"),
        "gdp_growth": _typed(gdp_rows, "gdp_growth"),
        "benchmarks": _typed(bench_rows, "benchmarks") if bench_rows else _typed([], "benchmarks"),
        "expert_scores": _typed(score_rows, "expert_scores"),
    }


def verdict(result, aid: str, cid: str) -> pd.Series:
    """The verdict row of one applicant and condition."""
    v = result.verdicts
    row = v[(v["applicant_id"] == aid) & (v["condition_id"] == cid)]
    assert len(row) == 1, (aid, cid, len(row))
    return row.iloc[0]


def overall(result, aid: str) -> str:
    s = result.summary
    return s.loc[s["applicant_id"] == aid, "overall"].iloc[0]


__all__ = ["GOOD", "BENCHMARKS", "applicant", "annual_rows", "dataset", "verdict", "overall", "np"]
