"""Art. 10: values from statistical agencies and functional departments prevail over self-reported ones."""

from __future__ import annotations

import pandas as pd

KEY = ["unit_id", "year"]


def official_fields(official: pd.DataFrame | None, annual: pd.DataFrame) -> list[str]:
    """The value columns of the official table that the annual form also has (not the keys or `source`)."""
    if official is None:
        return []
    return [c for c in official.columns if c not in (*KEY, "source") and c in annual.columns]


def with_official_values(annual: pd.DataFrame, official: pd.DataFrame | None) -> pd.DataFrame:
    """The annual form with every value given in the official table put in place of the reported one.

    Rows, row order and columns of `annual` are kept; a value missing from the official table leaves
    the reported value (or its absence) unchanged. The input frames are not modified.
    """
    fields = official_fields(official, annual)
    if official is None or official.empty or not fields:
        return annual
    lookup = official.drop_duplicates(KEY, keep="last").set_index(KEY)[fields]
    keys = pd.MultiIndex.from_frame(annual[KEY].astype({"year": "Int64"}))
    lookup.index = lookup.index.set_levels(lookup.index.levels[1].astype("Int64"), level=1)
    aligned = lookup.reindex(keys)
    out = annual.copy()
    for field in fields:
        given = aligned[field].notna().to_numpy()
        if given.any():
            values = out[field].to_numpy(dtype="float64", na_value=float("nan")).copy()
            values[given] = aligned[field].to_numpy(dtype="float64", na_value=float("nan"))[given]
            out[field] = values
    return out
