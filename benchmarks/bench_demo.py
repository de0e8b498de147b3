"""Timings of the synthetic demo generator.

* `demo_tables`: generating all contract tables in memory (445 bases, about 2,500
  applicants, about 12,700 unit-years, about 500,000 expert scores).
* `write_demo`: generating and writing the CSV files and the README.
* `demo_dir` on a warm cache: the lookup every later command pays.

Run: ``.venv/bin/python benchmarks/bench_demo.py``. Prints the median wall time of
repeated runs, row counts and the size on disk.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from timing import median_seconds

from nidb.demo import demo_dir, demo_tables, write_demo

REPEATS = 3



def main() -> None:
    tables = demo_tables()
    rows = ", ".join(f"{name} {len(frame):,}" for name, frame in tables.items())
    print(f"rows: {rows}")
    print(f"demo_tables (generate in memory): {median_seconds(demo_tables, REPEATS):.2f} s (median of {REPEATS})")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "demo"
        print(f"write_demo (generate + write CSV): {median_seconds(lambda: write_demo(out), REPEATS):.2f} s (median of {REPEATS})")
        size = sum(p.stat().st_size for p in out.iterdir())
        print(f"size on disk: {size / 1e6:.1f} MB in {len(list(out.iterdir()))} files")
        os.environ["NIDB_CACHE_DIR"] = tmp
        cold = median_seconds(demo_dir, repeats=1)
        warm = median_seconds(demo_dir, repeats=10)
        print(f"demo_dir: cold {cold:.2f} s, warm {warm * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
