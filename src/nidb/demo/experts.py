"""Synthetic expert scores (long form) for the qualitative indicators.

Each unit-year is scored by a panel of 5-7 experts drawn from a pool; every panel
member scores all qualitative indicators of that unit (the 15 common ones plus the
qualitative feature indicators of its area). An expert has a persistent severity
(some score low, some high), so inter-rater agreement is realistic but not perfect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nidb.demo.profile import FEATURE_QUALITATIVE, QUALITATIVE_INDICATORS

EXPERT_POOL = 60
PANEL_SIZES = (5, 6, 7)
SCORE_CENTRE = 72.0  # score of an average unit from an average expert
SCORE_PER_SD = 9.0  # score points per standard deviation of the latent dimension
EXPERT_SEVERITY_SD = 5.0
UNIT_INDICATOR_SD = 3.0  # indicator-specific merit of a unit beyond its dimension
RATING_NOISE_SD = 7.5

# latent dimension behind each qualitative indicator (feature indicators load on q)
INDICATOR_DIMENSION: dict[str, str] = {
    "I06": "_scale", "I12": "_innovation", "I13": "_innovation", "I16": "_digital", "I17": "_digital",
    "I18": "_digital", "I21": "_green", "I22": "_green", "I23": "_ecosystem", "I24": "_ecosystem",
    "I25": "_ecosystem", "I26": "_ecosystem", "I27": "_ecosystem", "I28": "_openness", "I29": "_openness",
    **{f: "_q" for ids in FEATURE_QUALITATIVE.values() for f in ids},
}


def expert_scores_table(unit_years: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Scores for the given unit-years (columns unit_id, year, feature_area and the latents)."""
    n = len(unit_years)
    lists = pd.Series({area: QUALITATIVE_INDICATORS + ids for area, ids in FEATURE_QUALITATIVE.items()})
    indicator_lists = unit_years["feature_area"].map(lists)
    common = pd.Series([QUALITATIVE_INDICATORS] * n, index=unit_years.index)
    indicator_lists = indicator_lists.where(indicator_lists.notna(), common)
    per_uy = indicator_lists.str.len().to_numpy()
    uy_of_item = np.repeat(np.arange(n), per_uy)
    indicator = indicator_lists.explode().to_numpy(dtype=object)

    # latent merit per (unit-year, indicator)
    dims = pd.Series(indicator).map(INDICATOR_DIMENSION).to_numpy(dtype=object)
    latent = np.zeros(len(indicator))
    for dim in np.unique(dims):
        sel = dims == dim
        latent[sel] = unit_years[dim].to_numpy(dtype=float)[uy_of_item[sel]]
    year_form = rng.normal(0.0, 0.25, n)[uy_of_item]
    merit = (SCORE_CENTRE + SCORE_PER_SD * (latent + year_form)
             + rng.normal(0.0, UNIT_INDICATOR_SD, len(indicator)))

    # panels: 5-7 distinct experts per unit-year
    panel_size = rng.choice(np.array(PANEL_SIZES), size=n)
    ranked = np.argsort(rng.random((n, EXPERT_POOL)), axis=1)[:, : max(PANEL_SIZES)]
    severity = rng.normal(0.0, EXPERT_SEVERITY_SD, EXPERT_POOL)
    k_of_item = panel_size[uy_of_item]
    item_of_row = np.repeat(np.arange(len(indicator)), k_of_item)
    seat = np.arange(len(item_of_row)) - np.repeat(np.cumsum(k_of_item) - k_of_item, k_of_item)
    expert = ranked[uy_of_item[item_of_row], seat]
    score = merit[item_of_row] + severity[expert] + rng.normal(0.0, RATING_NOISE_SD, len(item_of_row))
    uy_of_row = uy_of_item[item_of_row]
    return pd.DataFrame({
        "unit_id": unit_years["unit_id"].to_numpy()[uy_of_row],
        "year": unit_years["year"].to_numpy()[uy_of_row],
        "indicator_id": indicator[item_of_row],
        "expert_id": np.char.add("E", np.char.zfill((expert + 1).astype(str), 3)),
        "score": np.clip(np.round(score), 0.0, 100.0),
    })
