"""Timings of selection (遴选认定) and threshold sweeps on about 2,500 applicants.

The demo's applicants of all application years are pooled into one round of 2,500+
applicants (each applicant's years shifted so that its application year is 2025), on top
of the 445 bases as peers. Figures:

* verdict kernel: the 14 quantitative checks at the spec thresholds and the overall rule
  (numpy only);
* `prepare`: the one-off, method-independent preparation of the dataset and its round
  (registry, annual forms by unit and year, GDP growth, the round's applicants, catalogue
  listing, coded expert scores) — reused by every `select` and sweep on the data;
* `select` on the prepared data: everything that depends on the method — peer positions over
  all units, expert-score aggregation, every verdict, the overall rule and the order (the goal
  of < 50 ms applies here); then the same from the raw tables (prepare included), and with
  the verdict table with a Chinese reason for every applicant and condition (built lazily);
* sweep kernel: 14 conditions × 200 thresholds × 2,500 applicants, pass rates alone and
  jointly (goal < 1 s), then the same with 1,000 bootstrap draws;
* `sweep`: every sweep table (curves with intervals, binding, relaxation, 41 × 41 grid).

Run: ``.venv/bin/python benchmarks/bench_selection.py``. Prints median wall times.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from timing import median_seconds

from nidb.demo import demo_dir
from nidb.inputs.dataset import load_dataset
from nidb.selection import load_selection_method, prepare, select
from nidb.selection.status import PASS
from nidb.selection.sweep import curves, multipliers, sweep
from nidb.selection.verdicts import rule_holds

YEAR = 2025
REPEATS = 5


def pooled_round() -> dict[str, pd.DataFrame]:
    """All demo applicants as one application round in YEAR."""
    ds = load_dataset(demo_dir())
    shift = (YEAR - ds.applicants.set_index("applicant_id")["application_year"]).astype("int64")
    annual = ds.annual.copy()
    is_app = annual["unit_id"].isin(shift.index)
    annual.loc[is_app, "year"] = annual.loc[is_app, "year"] + annual.loc[is_app, "unit_id"].map(shift).astype("Int64")
    annual = annual[~is_app | (annual["year"] <= YEAR)]
    scores = ds.expert_scores.copy()
    s_app = scores["unit_id"].isin(shift.index)
    scores.loc[s_app, "year"] = scores.loc[s_app, "year"] + scores.loc[s_app, "unit_id"].map(shift).astype("Int64")
    applicants = ds.applicants.assign(application_year=pd.array([YEAR] * len(ds.applicants), dtype="Int64"))
    return {"bases": ds.bases, "applicants": applicants, "annual": annual, "expert_scores": scores,
            "gdp_growth": ds.gdp_growth, "benchmarks": ds.benchmarks}


def main() -> None:
    data = pooled_round()
    method = load_selection_method()
    result = select(data, YEAR, method)
    q = result.quantitative
    n = len(result.units)
    print(f"applicants in the round: {n:,}; eligible: {(result.summary['overall'] == '通过').sum()}")

    dims = np.array(q.dimensions)

    def kernel() -> np.ndarray:
        status = np.column_stack([c.status() for c in q.checks])
        return rule_holds(status == PASS, np.ones_like(status, bool), dims, method.quantitative_rule)

    print(f"verdict kernel (14 checks + rule, {n:,} applicants): {median_seconds(kernel, REPEATS) * 1000:.1f} ms (median of {REPEATS})")
    print(f"prepare (one-off: dataset and round, method-independent): "
          f"{median_seconds(lambda: prepare(data).round(YEAR), 3) * 1000:.0f} ms (median of 3)")
    prepared = prepare(data)
    per_call = median_seconds(lambda: select(prepared, YEAR, method), 11, warmup=True)
    print(f"select on prepared data (peer positions, expert scores, every verdict, overall, order; "
          f"reasons deferred): {per_call * 1000:.0f} ms (median of 11)")
    print(f"select from the raw tables (prepare and every cached piece built fresh): "
          f"{median_seconds(lambda: select(data, YEAR, method), 3) * 1000:.0f} ms (median of 3)")
    print(f"select on prepared data + verdict table with Chinese reasons: "
          f"{median_seconds(lambda: select(prepared, YEAR, method).verdicts, 3):.2f} s (median of 3)")

    m = multipliers(replace(method.sweep, points=200))
    print(f"sweep kernel (14 × 200 × {n:,}, alone + joint): {median_seconds(lambda: curves(q, m), REPEATS) * 1000:.0f} ms")
    print(f"sweep kernel + 1,000 bootstrap draws: {median_seconds(lambda: curves(q, m, 1000, 20231), 3):.2f} s")
    print(f"sweep (all tables, 201 points, 1,000 draws, 41 × 41 grid): {median_seconds(lambda: sweep(result), 3):.2f} s")


if __name__ == "__main__":
    main()
