"""Art. 8 「个别领域须满足特色指标要求」: which feature area each applicant belongs to.

The field decides: a unit whose domain or industry a feature area lists (framework
``feature_areas``) belongs to it, whether its declared 特色指标领域 is blank or not; a declared
area that contradicts its domain or industry stops with an `InputError` naming the row.
Where neither decides, the declared area counts (a declared area that only a domain can
give, e.g. 高技术转化应用 for an 装备工业 unit, is a contradiction too).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nidb.errors import InputError, Problem
from nidb.framework import Framework


def derived_areas(domain: pd.Series, industry: pd.Series, framework: Framework) -> pd.Series:
    """The feature area (Chinese name) each unit's domain or industry puts it in (NA: none)."""
    out = pd.Series(pd.NA, index=domain.index, dtype="string")
    for area in framework.feature_areas:
        hit = domain.astype("string").isin(area.domains) | industry.astype("string").isin(area.industries)
        out = out.mask(hit.fillna(False).to_numpy(bool) & out.isna().to_numpy(), area.zh)
    return out


def feature_areas(units: pd.DataFrame, framework: Framework, file: str = "applicants") -> pd.Series:
    """The feature area of each row of a registry table (columns ``domain``, ``industry``,
    ``feature_area``): derived from the field, else declared. Rows are numbered as in the file
    (header row = 1) in the `InputError` for a contradiction."""
    derived = derived_areas(units["domain"], units["industry"], framework)
    declared = units["feature_area"].astype("string")
    by_field_only = {a.zh for a in framework.feature_areas if a.domains}
    clash = (derived.notna() & declared.notna() & (derived != declared)).fillna(False)
    clash |= (derived.isna() & declared.isin(by_field_only)).fillna(False)
    if clash.any():
        rows = np.flatnonzero(clash.to_numpy(bool))
        problems = [
            Problem(
                file=file,
                rule="特色指标领域由示范领域、细分行业决定（第八条：个别领域须满足特色指标要求）",
                message=f"申报的特色指标领域「{declared.iloc[i]}」与示范领域「{units['domain'].iloc[i]}」、细分行业"
                f"「{units['industry'].iloc[i]}」不符" + (f"（应为「{derived.iloc[i]}」）" if pd.notna(derived.iloc[i]) else ""),
                row=int(i) + 2,
                column="特色指标领域",
                value=str(declared.iloc[i]),
            )
            for i in rows
        ]
        raise InputError(problems)
    return derived.fillna(declared)
