"""Art. 25 in selection: a fraud finding at a base suspends its province's next batch.

「如存在弄虚作假，直接取消示范基地称号，并暂停所在省（区、市）下一批的申报工作」: the
applicants of that province (authorities mapped by the lifecycle rules' ``suspension_province``)
in the first application round after the fraud year get the overall verdict
暂停申报（第二十五条）, with a reason naming the base and the year.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from nidb.evaluation.lifecycle import LifecycleRules, province_of
from nidb.indicators.values import table


def suspended_rounds(data: Any, rules: LifecycleRules) -> pd.DataFrame:
    """One row per fraud finding at a base: ``province, application_year, base_id, year, reason``.

    ``application_year`` is the first application year of the applicants table after the fraud
    year (the next batch); findings before a base's announcement (+ ``compliance_from_offset``)
    do not count. Empty when ``fraud_suspends_next_batch`` is off or nothing was found.
    """
    columns = ["province", "application_year", "base_id", "year", "reason"]
    bases, annual, applicants = table(data, "bases"), table(data, "annual"), table(data, "applicants")
    if not rules.fraud_suspends_next_batch or bases is None or annual is None or applicants is None:
        return pd.DataFrame(columns=columns)
    if "fraud_found" not in annual:
        return pd.DataFrame(columns=columns)
    fraud = annual.loc[annual["fraud_found"].astype("boolean").fillna(False).to_numpy(bool), ["unit_id", "year"]]
    reg = bases.set_index(bases["base_id"].astype("string"))
    fraud = fraud[fraud["unit_id"].astype("string").isin(reg.index)]
    announced = reg["year_announced"].astype("int64").reindex(fraud["unit_id"].astype("string")).to_numpy()
    fraud = fraud[fraud["year"].astype("int64").to_numpy() >= announced + rules.compliance_from_offset]
    if fraud.empty:
        return pd.DataFrame(columns=columns)
    rounds = np.sort(applicants["application_year"].dropna().astype("int64").unique())
    years = fraud["year"].astype("int64").to_numpy()
    at = np.searchsorted(rounds, years, side="right")
    authority = reg["authority"].reindex(fraud["unit_id"].astype("string")).astype("string").reset_index(drop=True)
    out = pd.DataFrame({
        "province": province_of(authority, rules).to_numpy(),
        "application_year": pd.array(np.where(at < len(rounds), rounds[np.minimum(at, len(rounds) - 1)], -1)),
        "base_id": fraud["unit_id"].astype("string").to_numpy(),
        "year": years,
        "authority": authority.to_numpy(),
    })
    out = out[out["application_year"] >= 0]
    out["reason"] = (
        "示范基地 " + out["base_id"] + "（" + out["authority"] + "推荐）" + out["year"].astype("string")
        + " 年查实弄虚作假，暂停" + out["province"] + "下一批申报（第二十五条）"
    )
    return out[columns].reset_index(drop=True)


def suspended_applicants(
    registry: pd.DataFrame, year: int, rounds: pd.DataFrame, rules: LifecycleRules
) -> tuple[np.ndarray, pd.Series]:
    """Which applicants of application year ``year`` are suspended, and why (NA where not)."""
    mine = rounds[rounds["application_year"] == year]
    province = province_of(registry["authority"].astype("string"), rules).reset_index(drop=True)
    why = province.map(mine.groupby("province")["reason"].agg("；".join)).astype("string")
    return why.notna().to_numpy(), why
