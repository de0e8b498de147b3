"""Breakdowns of the bases by province (所在省), region and domain, with small cells withheld."""

from __future__ import annotations

import pandas as pd

from nidb.report import aggregates
from nidb.report.maps import province_of, provinces

PROVINCE = "所在省（区、市）"


def with_province(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a registry-like frame with a ``province`` column derived from ``authority``."""
    return frame.assign(province=province_of(frame["authority"]))


def province_counts(bases: pd.DataFrame) -> pd.DataFrame:
    """Bases per province, every one of the 31 provinces listed (0 where none), most first.

    Columns: 所在省（区、市）, 区域, 示范基地（个）, 占比（%）.
    """
    located = with_province(bases)
    counts = located["province"].value_counts()
    region = located.groupby("province")["region"].agg(lambda s: s.mode().iloc[0])
    names = [p.name for p in provinces(mainland_only=True)]
    table = pd.DataFrame({PROVINCE: names})
    table["区域"] = table[PROVINCE].map(region).fillna("—")
    table["示范基地（个）"] = table[PROVINCE].map(counts).fillna(0).astype(int)
    total = int(table["示范基地（个）"].sum())
    table["占比（%）"] = 100.0 * table["示范基地（个）"] / total if total else float("nan")
    return table.sort_values(["示范基地（个）", PROVINCE], ascending=[False, True], kind="stable").reset_index(drop=True)


def province_stars(status: pd.DataFrame, year: int, min_cell_size: int) -> pd.DataFrame:
    """Rated bases, five-star and 4★+ bases and the 4★+ share per province in `year`.

    Columns: 所在省（区、市）, 参评（个）, 五星（个）, 四星及以上（个）, 四星及以上占比（%）
    (a float; NaN where fewer than `min_cell_size` bases were rated), withheld.
    Every mainland province is listed.
    """
    rated = with_province(status[(status["year"] == year) & status["evaluated"]])
    grouped = rated.groupby("province")["stars"]
    names = [p.name for p in provinces(mainland_only=True)]
    table = pd.DataFrame({PROVINCE: names})
    table["参评（个）"] = table[PROVINCE].map(grouped.size()).fillna(0).astype(int)
    table["五星（个）"] = table[PROVINCE].map(grouped.apply(lambda s: int((s == 5).sum()))).fillna(0).astype(int)
    table["四星及以上（个）"] = table[PROVINCE].map(grouped.apply(lambda s: int((s >= 4).sum()))).fillna(0).astype(int)
    table["withheld"] = table["参评（个）"] < min_cell_size
    share = 100.0 * table["四星及以上（个）"] / table["参评（个）"].where(table["参评（个）"] > 0)
    table["四星及以上占比（%）"] = share.where(~table["withheld"])
    return table.sort_values(["参评（个）", PROVINCE], ascending=[False, True], kind="stable").reset_index(drop=True)


def province_aggregate(annual: pd.DataFrame, bases: pd.DataFrame, year: int, key: str, min_cell_size: int) -> pd.DataFrame:
    """One aggregate per province in `year` (`nidb.report.aggregates.by_group`), every province listed."""
    located = with_province(bases)
    table = aggregates.by_group(annual, located, year, "province", aggregates.BY_KEY[key], min_cell_size)
    names = pd.DataFrame({"province": [p.name for p in provinces(mainland_only=True)]})
    table = names.merge(table, on="province", how="left")
    table["填报基地（个）"] = table["填报基地（个）"].fillna(0).astype(int)
    table["withheld"] = table["填报基地（个）"].between(1, min_cell_size - 1)
    return table.rename(columns={"province": PROVINCE})
