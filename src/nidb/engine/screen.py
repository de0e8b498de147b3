"""Unit screening by data availability (COINr ``Screen(unit_screen = "byNA")``)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def availability(values: pd.DataFrame) -> pd.Series:
    """Share of indicators with a value, per unit (row)."""
    return values.notna().mean(axis=1)


def screen_units(values: pd.DataFrame, min_availability: float | None) -> np.ndarray:
    """Boolean mask of units kept: availability ≥ ``min_availability`` (all kept when None)."""
    if min_availability is None:
        return np.ones(len(values), dtype=bool)
    return (availability(values) >= min_availability).to_numpy()
