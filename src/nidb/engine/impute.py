"""Missing-data policies: none, mean, median, group mean, group median — with counts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nidb.errors import ConfigError

IMPUTATIONS = ("none", "mean", "median", "group_mean", "group_median")


def impute(
    values: pd.DataFrame, method: str = "none", groups: pd.Series | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fill missing indicator values by ``method``; return the filled frame and a report.

    ``mean`` / ``median`` use the indicator's statistic over all units; ``group_mean`` /
    ``group_median`` use it within the unit's group (``groups``, aligned with ``values``),
    as COINr's ``i_mean_grp``: a unit whose group is missing, or whose group has no
    value for the indicator, stays missing. The report has one row per indicator:
    ``code, missing_before, imputed, missing_after``.
    """
    if method not in IMPUTATIONS:
        raise ConfigError(f"impute.method：取值「{method}」无效，可选：{', '.join(IMPUTATIONS)}")
    before = values.isna().sum()
    if method == "none":
        filled = values.copy()
    elif method in ("mean", "median"):
        filled = values.fillna(getattr(values, method)())
    else:
        if groups is None:
            raise ConfigError(f"impute.group：方法「{method}」需要指定分组列")
        stat = "mean" if method == "group_mean" else "median"
        key = pd.Series(groups.to_numpy(), index=values.index)
        filled = values.fillna(values.groupby(key, dropna=True).transform(stat))
    after = filled.isna().sum()
    report = pd.DataFrame(
        {
            "code": values.columns,
            "missing_before": before.to_numpy(dtype=np.int64),
            "imputed": (before - after).to_numpy(dtype=np.int64),
            "missing_after": after.to_numpy(dtype=np.int64),
        }
    )
    return filled, report
