"""Cases planted in the demo so that the report shows each rule of the measures at work.

Drawn from their own random stream (the other tables do not move when these change):

- 工业总产值 on the annual form (#5 uses it; a share of forms leave it empty, so the
  fallback to sales revenue shows in the reasons);
- a few base-years without an annual form (Art. 19: not rated), among them a strong base
  whose expert scores are still on file and weak bases whose run of low years goes on;
- a fraud finding at a base recommended by a 计划单列市 (Art. 25: its province is suspended);
- a renaming that changes the leading industry (Art. 22: refused).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: 工业总产值 ÷ 销售收入 of a cluster (output is close to, mostly a little below, sales)
OUTPUT_TO_SALES = (0.85, 1.02)
#: share of annual forms that leave 工业总产值 empty
OUTPUT_MISSING = 0.15
#: base-years whose annual form is withheld: weak bases (low latent quality) and strong ones
NO_FORM_WEAK, NO_FORM_STRONG = 4, 2
NO_FORM_YEARS = (2022, 2024)
#: the fraud case: a base recommended by this 计划单列市, found in this year
FRAUD_AUTHORITY, FRAUD_YEAR = "深圳市", 2024
#: the refused renaming's year
REFUSED_RENAME_YEAR = 2025


def gross_output(annual: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
    """工业总产值 (亿元) per annual row: sales revenue times a cluster factor, sometimes empty."""
    factor = pd.Series(rng.uniform(*OUTPUT_TO_SALES, annual["unit_id"].nunique()),
                       index=np.sort(annual["unit_id"].unique()))
    out = annual["sales_revenue"] * annual["unit_id"].map(factor).to_numpy() * rng.uniform(0.98, 1.02, len(annual))
    return out.round(2).mask(rng.random(len(annual)) < OUTPUT_MISSING)


def withheld_forms(annual: pd.DataFrame, bases: pd.DataFrame, rng: np.random.Generator) -> pd.Index:
    """Rows of `annual` (index labels) of the base-years whose form is withheld."""
    old = bases[bases["year_announced"] < NO_FORM_YEARS[0] - 1].sort_values("_q")
    weak = old["base_id"].to_numpy()[: len(old) // 10]
    strong = old["base_id"].to_numpy()[-len(old) // 10:]
    picked = np.concatenate([rng.choice(weak, NO_FORM_WEAK, replace=False),
                             rng.choice(strong, NO_FORM_STRONG, replace=False)])
    years = rng.integers(NO_FORM_YEARS[0], NO_FORM_YEARS[1] + 1, len(picked))
    keys = pd.MultiIndex.from_arrays([picked, years])
    rows = pd.MultiIndex.from_frame(annual[["unit_id", "year"]]).get_indexer(keys)
    return annual.index[rows[rows >= 0]]


def plant_fraud(annual: pd.DataFrame, bases: pd.DataFrame) -> pd.DataFrame:
    """Set `fraud_found` at one base of `FRAUD_AUTHORITY` in `FRAUD_YEAR`: its strongest base, which
    still holds the title then (a weak one may have lost it already)."""
    mine = bases[(bases["authority"] == FRAUD_AUTHORITY) & (bases["year_announced"] < FRAUD_YEAR)]
    base = mine.sort_values(["_q", "base_id"])["base_id"].iloc[-1]
    hit = (annual["unit_id"] == base) & (annual["year"] == FRAUD_YEAR)
    out = annual.copy()
    out["fraud_found"] = out["fraud_found"].astype("boolean").mask(hit.to_numpy(), True)
    return out


def refused_rename(bases: pd.DataFrame, renames: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The renamings with change flags, plus one whose leading industry changed (refused)."""
    renamed = set(renames["base_id"])
    pool = np.sort(bases.loc[~bases["base_id"].isin(renamed) & (bases["year_announced"] < REFUSED_RENAME_YEAR),
                             "base_id"].to_numpy())
    base = bases.set_index("base_id").loc[rng.choice(pool)]
    row = pd.DataFrame({
        "base_id": [base.name], "year": [REFUSED_RENAME_YEAR], "old_name": [base["name"]],
        "new_name": [str(base["name"]).replace("（", "新区（", 1)], "reason": ["所在开发区调整，主导产业改为新兴产业"],
        "leading_industry_changed": [True], "boundary_changed": [False],
    })
    kept = renames.assign(leading_industry_changed=False, boundary_changed=False)
    return pd.concat([kept, row], ignore_index=True)
