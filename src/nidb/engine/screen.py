"""Unit screening by data availability and by zeros (COINr ``Screen()``).

Per unit, over the indicators (COINr ``get_data_avail``): ``n_missing`` and
``n_zero`` (values equal to 0 among the values present), ``availability`` = share of
indicators with a value (COINr ``Dat_Avail``) and ``non_zero`` = share of the values
present that are not 0 (COINr ``Non_Zero``, "as a percentage of non-NA values").
A unit is flagged ``low_availability`` below ``min_availability`` (COINr
``dat_thresh``) and ``low_nonzero`` below ``min_nonzero`` (COINr ``nonzero_thresh``,
``LowNonZero``); it is screened out when any threshold that is set flags it —
COINr's ``byNA`` (only ``min_availability``), ``byzeros`` (only ``min_nonzero``) and
``byNAandzeros`` (both).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def availability(values: pd.DataFrame) -> pd.Series:
    """Share of indicators with a value, per unit (row)."""
    return values.notna().mean(axis=1)


def screen_table(
    values: pd.DataFrame, min_availability: float | None = None, min_nonzero: float | None = None
) -> pd.DataFrame:
    """One row per unit: ``n_missing, n_zero, availability, non_zero, low_availability,
    low_nonzero, included`` (flags are False for a threshold that is not set)."""
    x = values.to_numpy(dtype=float)
    present = ~np.isnan(x)
    n_present = present.sum(axis=1)
    n_zero = (x == 0).sum(axis=1)
    avail = n_present / x.shape[1] if x.shape[1] else np.ones(len(x))
    with np.errstate(invalid="ignore", divide="ignore"):
        non_zero = np.where(n_present > 0, 1.0 - n_zero / n_present, np.nan)
    low_avail = avail < min_availability if min_availability is not None else np.zeros(len(x), dtype=bool)
    low_nonzero = (
        ~(non_zero >= min_nonzero) if min_nonzero is not None else np.zeros(len(x), dtype=bool)
    )
    return pd.DataFrame(
        {
            "n_missing": x.shape[1] - n_present,
            "n_zero": n_zero,
            "availability": avail,
            "non_zero": non_zero,
            "low_availability": low_avail,
            "low_nonzero": low_nonzero,
            "included": ~(low_avail | low_nonzero),
        },
        index=values.index,
    )


def screen_units(
    values: pd.DataFrame, min_availability: float | None, min_nonzero: float | None = None
) -> np.ndarray:
    """Boolean mask of units kept (all kept when neither threshold is set)."""
    return screen_table(values, min_availability, min_nonzero)["included"].to_numpy()
