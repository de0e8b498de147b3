"""Recall, precision and timing of the submission integrity screening (`nidb screen`).

On the demo (示例数据（合成）) with its planted anomalies (nidb.demo.anomalies; the answer key is
`planted_anomalies()`, never read by the screening):

* recall and precision per rule, and the false-flag rate on clean forms (goal: recall ≥ 0.9 for
  every rule at a false-flag rate ≤ 2 % of clean forms); the same on the clean demo before planting;
* wall time of `screen` (every rule, every year) on the 445 bases × 6 years (2,670 forms; goal
  < 1 s) and on all 12,710 forms of bases and applicants; the method and framework files are read
  once beforehand (reading the YAML is a fixed cost, printed separately).

Run: ``.venv/bin/python benchmarks/bench_screening.py``. Prints median wall times.
"""

from __future__ import annotations

import time

import pandas as pd
from timing import median_seconds

from nidb.demo import demo_tables, planted_anomalies
from nidb.demo.recall import recall_precision
from nidb.demo.writer import clean_tables
from nidb.framework import load_framework
from nidb.indicators.values import unit_registry
from nidb.screening import load_screening_method, screen

REPEATS = 5


def _screened(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    registry = unit_registry(tables)
    annual = tables["annual"]
    return annual[["unit_id", "year"]].assign(authority=annual["unit_id"].map(registry["authority"]))


def main() -> None:
    """Print the recall/precision table and the timings."""
    start = time.perf_counter()
    framework = load_framework()
    method = load_screening_method(framework=framework)
    print(f"reading framework + screening method: {time.perf_counter() - start:.2f} s (once)")
    tables, planted = demo_tables(), planted_anomalies()
    result = screen(tables, method, framework=framework)
    scores = recall_precision(result.flags, planted, _screened(tables), [r.id for r in method.rules])
    with pd.option_context("display.width", 160, "display.float_format", "{:.3f}".format):
        print("planted demo (unit-years; benford: authority-years):")
        print(scores.to_string(index=False))
    flagged_any = result.priority.merge(planted[["unit_id", "year"]].drop_duplicates(), how="left", indicator=True)
    print(f"forms screened {result.screened}, flagged {len(result.priority)} "
          f"({(flagged_any['_merge'] == 'both').sum()} of them planted or used by the planting)")
    clean = clean_tables()
    honest = screen(clean, method, framework=framework)
    print(f"clean demo: {len(honest.priority)} of {honest.screened} forms flagged "
          f"({len(honest.priority) / honest.screened:.2%}); rules not run: "
          + "、".join(honest.rules.loc[~honest.rules["ran"], "rule"]))

    bases = dict(tables)
    bases["annual"] = tables["annual"][tables["annual"]["unit_id"].str.startswith("B")].reset_index(drop=True)
    n_bases = bases["annual"]["unit_id"].nunique()
    t = median_seconds(lambda: screen(bases, method, framework=framework), REPEATS, warmup=True)
    print(f"screen {n_bases} bases × 6 years ({len(bases['annual'])} forms), all rules: {t * 1000:.0f} ms (goal < 1 s)")
    t = median_seconds(lambda: screen(tables, method, framework=framework), REPEATS, warmup=True)
    print(f"screen all {len(tables['annual'])} forms (bases and applicants), all rules: {t * 1000:.0f} ms")
    t = median_seconds(lambda: screen(tables, method, years=2025, framework=framework), REPEATS, warmup=True)
    print(f"screen the forms of 2025 only (history from earlier years): {t * 1000:.0f} ms")


if __name__ == "__main__":
    main()
