"""Timings of reading and validating inputs at demo size.

* `load_dataset` on the demo CSV directory (445 bases, about 2,500 applicants,
  about 12,700 unit-years, about 500,000 expert scores): read, convert, validate
  (the dataset cache turned off), and the same files again, taken from the cache
  (`nidb.inputs.stored`: the files hashed, the stored tables unpickled).
* the same tables as parquet files (validated).
* `write_template` filled with every demo table except the expert scores (about
  560,000 cells), and `load_dataset` reading that workbook back.

Run: ``.venv/bin/python benchmarks/bench_io.py``. Prints median wall times.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from pathlib import Path

from timing import median_seconds

from nidb.demo import demo_dir
from nidb.inputs.contract import load_contract
from nidb.inputs.dataset import load_dataset
from nidb.inputs.schemas import empty_frame
from nidb.inputs.stored import OFF_ENV
from nidb.inputs.template import write_template

REPEATS = 3
GOAL = 0.4  # seconds to load the demo (issue 16)


def _goal(seconds: float) -> str:
    """Whether a load meets the goal of loading the demo in under 0.4 s."""
    return f"goal < {GOAL} s {'met' if seconds < GOAL else 'NOT met'}"


def main() -> None:
    source = demo_dir()
    data = load_dataset(source)
    print("rows: " + ", ".join(f"{n} {len(f):,}" for n, f in data.tables().items()))
    load_dataset(source)  # stored
    cached = median_seconds(lambda: load_dataset(source), REPEATS)
    print(f"load_dataset (csv directory, from the cache): {cached:.2f} s (median of {REPEATS}; {_goal(cached)})")
    os.environ[OFF_ENV] = "1"  # every load below reads and validates
    validated = median_seconds(lambda: load_dataset(source), REPEATS)
    print(f"load_dataset (csv directory, validated): {validated:.2f} s (median of {REPEATS}; {_goal(validated)})")
    with tempfile.TemporaryDirectory() as tmp:
        pq = Path(tmp) / "parquet"
        pq.mkdir()
        for name, frame in data.tables().items():
            frame.to_parquet(pq / f"{name}.parquet")
        print(f"load_dataset (parquet directory): {median_seconds(lambda: load_dataset(pq), REPEATS):.2f} s (median of {REPEATS})")
        small = replace(data, expert_scores=empty_frame(load_contract().table("expert_scores")))
        out = Path(tmp) / "filled.xlsx"
        write = median_seconds(lambda: write_template(out, small, overwrite=True), repeats=1)
        print(f"write_template (filled, no expert scores): {write:.2f} s, {out.stat().st_size / 1e6:.1f} MB")
        print(f"load_dataset (that workbook): {median_seconds(lambda: load_dataset(out), repeats=1):.2f} s")


if __name__ == "__main__":
    main()
