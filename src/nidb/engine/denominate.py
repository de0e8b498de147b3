"""Denomination: divide extensive indicators by a unit-level denominator (GDP, area, …)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nidb.engine.framework_table import Hierarchy


def denominate(values: pd.DataFrame, data: pd.DataFrame, hierarchy: Hierarchy) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Divide each indicator that has a ``denominator`` in the framework by that data column.

    ``values`` holds the indicator columns (rows aligned with ``data``). A missing or zero
    denominator gives a missing value, never a division by zero; both are counted in the
    report (one row per denominated indicator: ``code, denominator, missing_denominator,
    zero_denominator``). Indicators without a denominator are returned unchanged.
    """
    spec = hierarchy.nodes.loc[hierarchy.indicators, "denominator"].dropna()
    out = values.copy()
    if spec.empty:
        return out, pd.DataFrame(columns=["code", "denominator", "missing_denominator", "zero_denominator"])
    denominators = data[spec.to_numpy()].to_numpy(dtype=float)
    zero = denominators == 0
    missing = np.isnan(denominators)
    safe = np.where(zero, np.nan, denominators)
    out[spec.index.tolist()] = values[spec.index.tolist()].to_numpy(dtype=float) / safe
    report = pd.DataFrame(
        {
            "code": spec.index,
            "denominator": spec.to_numpy(),
            "missing_denominator": missing.sum(axis=0),
            "zero_denominator": zero.sum(axis=0),
        }
    )
    return out, report
