"""Recall and precision of the screening on the anomalies planted in the demo.

A flag is counted as right when it falls on a planted form of its own rule (recall) or on any form the
planting changed or used (precision: a form doctored for one rule may rightly break another; both forms
of a copied pair count). The false-flag rate is the share of clean forms (never touched by the
planting) that the rule flags. Benford is judged per recommending authority and year.
"""

from __future__ import annotations

import pandas as pd

KEY = ["unit_id", "year"]


def recall_precision(flags: pd.DataFrame, planted: pd.DataFrame, screened: pd.DataFrame,
                     rules: list[str]) -> pd.DataFrame:
    """One row per rule: planted, flagged, found, recall, precision, false flags and their rate.

    ``flags``: `ScreeningResult.flags`; ``planted``: `planted_anomalies()`; ``screened``: the annual
    rows screened (``unit_id``, ``year``, ``authority``); ``rules``: the rule ids to report.
    """
    screened = screened[[*KEY, "authority"]].astype({"year": "int64"})
    planted = planted.astype({"year": "int64"})
    touched = pd.concat([planted[KEY].dropna(),
                         planted.dropna(subset=["involved"]).assign(unit_id=lambda f: f["involved"])[KEY]])
    touched_keys = set(map(tuple, touched.drop_duplicates().to_numpy()))
    n_clean = len(screened) - sum(1 for k in map(tuple, screened[KEY].to_numpy()) if k in touched_keys)
    rows = []
    for rule in rules:
        mine = flags[flags["rule"] == rule]
        if rule == "benford":
            key, universe = ["authority", "year"], screened[["authority", "year"]].drop_duplicates()
            target = set(map(tuple, planted.loc[planted["anomaly"] == rule, key].drop_duplicates().to_numpy()))
            right = target
            clean = len(universe) - len(target)
        else:
            key = KEY
            target = set(map(tuple, planted.loc[planted["anomaly"] == rule, key].drop_duplicates().to_numpy()))
            right, clean = touched_keys, n_clean
        found = set(map(tuple, mine[key].dropna().astype({"year": "int64"}).drop_duplicates().to_numpy()))
        false = len(found - right)
        rows.append({
            "rule": rule, "planted": len(target), "flagged": len(found), "found": len(found & target),
            "recall": len(found & target) / len(target) if target else float("nan"),
            "precision": (len(found) - false) / len(found) if found else float("nan"),
            "false_flags": false, "false_flag_rate": false / clean if clean else float("nan"),
        })
    return pd.DataFrame(rows)
