"""Synthetic reference tables: local GDP growth and a small set of industry benchmarks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nidb.demo.profile import AUTHORITY_REGION, NATIONAL_GDP_GROWTH, REGION_GDP_OFFSET

# Industries and years that get external benchmarks (a small optional table).
BENCHMARK_INDUSTRIES = ("钢铁", "石化化工", "有色金属")
BENCHMARK_YEARS = (2023, 2024, 2025)
# Quantile of the industry's base values taken as the benchmark: top 30 % for
# higher-is-better indicators (I04, I10), bottom 30 % for lower-is-better ones (I19, I20).
BENCHMARK_QUANTILE = {"I04": 0.70, "I10": 0.70, "I19": 0.30, "I20": 0.30}
# Hubei's 2020-2021 path stands out in the real statistics (pandemic).
SHOCKS = {("湖北省", 2020): -7.0, ("湖北省", 2021): 4.0}


def gdp_growth_table(rng: np.random.Generator) -> pd.DataFrame:
    """Local GDP growth (%) for all 37 authorities, 2015-2025."""
    authorities = np.array(list(AUTHORITY_REGION), dtype=object)
    years = np.array(list(NATIONAL_GDP_GROWTH))
    national = np.array(list(NATIONAL_GDP_GROWTH.values()))[None, :]
    offset = np.array([REGION_GDP_OFFSET[AUTHORITY_REGION[a]] for a in authorities])[:, None]
    growth = (national + offset + rng.normal(0.0, 0.6, (len(authorities), 1))
              + rng.normal(0.0, 0.5, (len(authorities), len(years))))
    shock = np.array([[SHOCKS.get((a, y), 0.0) for y in years] for a in authorities])
    return pd.DataFrame({
        "authority": np.repeat(authorities, len(years)),
        "year": np.tile(years, len(authorities)),
        "gdp_growth": np.round(growth + shock, 1).reshape(-1),
    })


def benchmarks_table(bases: pd.DataFrame, annual: pd.DataFrame) -> pd.DataFrame:
    """Benchmarks for I04, I10, I19, I20 from the bases of a few industries.

    Indicator definitions used: I04 value added / employees (万元/人); I10 standards count;
    I19 energy use / industrial value added (吨标准煤/万元); I20 water use / industrial value
    added (立方米/万元).
    """
    rows = annual.merge(bases[["base_id", "industry"]], left_on="unit_id", right_on="base_id")
    rows = rows[rows["industry"].isin(BENCHMARK_INDUSTRIES) & rows["year"].isin(BENCHMARK_YEARS)]
    values = pd.DataFrame({
        "industry": rows["industry"],
        "year": rows["year"],
        "I04": rows["value_added"] * 1e4 / rows["employees"],
        "I10": rows["standards_count"],
        "I19": rows["energy_consumption"] / rows["industrial_value_added"],
        "I20": rows["water_use"] / rows["industrial_value_added"],
    })
    long = values.melt(id_vars=["industry", "year"], var_name="indicator_id", value_name="value").dropna()
    long["q"] = long["indicator_id"].map(BENCHMARK_QUANTILE)
    table = (long.groupby(["industry", "indicator_id", "year"], sort=True)
             .apply(lambda g: g["value"].quantile(g["q"].iloc[0]), include_groups=False)
             .rename("benchmark").reset_index())
    decimals = {"I04": 1, "I10": 0, "I19": 3, "I20": 1}
    table["benchmark"] = [round(v, decimals[i]) for v, i in zip(table["benchmark"], table["indicator_id"])]
    return table
