"""The 2018 China development-zone catalogue (《中国开发区审核公告目录》2018 年版), used for Art. 6.

The CSV and its provenance note (`dev_zone_catalogue_2018.md`) are packaged beside this
module; values are kept exactly as in the source, anomalies included (the note lists them).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

CATALOGUE_PATH = Path(__file__).with_name("dev_zone_catalogue_2018.csv")
COLUMNS = ["seq", "code", "name", "province", "locality", "approval_level", "zone_type", "approved", "area_ha",
           "leading_industries"]


@dataclass(frozen=True)
class CatalogueMatch:
    """The catalogue rows found for one code or name.

    ``rows`` is empty when nothing matched; ``ambiguous`` is true when more than one row
    matched (the 2018 catalogue prints code S377018 twice), and ``message`` says so in Chinese.
    """

    query: str
    rows: pd.DataFrame

    @property
    def found(self) -> bool:
        return len(self.rows) > 0

    @property
    def ambiguous(self) -> bool:
        return len(self.rows) > 1

    @property
    def message(self) -> str:
        if not self.found:
            return f"「{self.query}」不在 2018 年版《中国开发区审核公告目录》中"
        if self.ambiguous:
            names = "、".join(self.rows["name"])
            return f"「{self.query}」在 2018 年版目录中对应 {len(self.rows)} 个开发区：{names}（目录原文如此）"
        row = self.rows.iloc[0]
        return f"「{self.query}」为 2018 年版目录所列开发区：{row['name']}（{row['code']}，{row['approval_level']}批准）"


@lru_cache(maxsize=1)
def load_catalogue() -> pd.DataFrame:
    """The whole catalogue, 2,543 rows, columns as in the packaged CSV (area in 公顷)."""
    frame = pd.read_csv(CATALOGUE_PATH, dtype="string", encoding="utf-8")
    frame["seq"] = frame["seq"].astype("Int64")
    frame["area_ha"] = frame["area_ha"].astype("float64")
    return frame[COLUMNS]


def lookup_code(code: str) -> CatalogueMatch:
    """The catalogue rows with this zone code (e.g. ``G111001``)."""
    cat = load_catalogue()
    code = code.strip().upper()
    return CatalogueMatch(code, cat[cat["code"] == code].reset_index(drop=True))


def lookup_name(name: str) -> CatalogueMatch:
    """The catalogue rows with exactly this zone name (surrounding spaces ignored)."""
    cat = load_catalogue()
    name = name.strip()
    return CatalogueMatch(name, cat[cat["name"] == name].reset_index(drop=True))


def listed_codes(codes: pd.Series) -> pd.Series:
    """Vectorised membership: true where the code is in the catalogue, NA where the code is missing."""
    known = pd.Index(load_catalogue()["code"]).unique()
    codes = codes.astype("string").str.strip().str.upper()
    listed = pd.Series(known.get_indexer(codes) >= 0, index=codes.index)  # isin loops over the 2,543 codes in Python
    return listed.astype("boolean").mask(codes.isna())
