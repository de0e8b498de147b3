"""Run every benchmarks/bench_*.py script in turn and print its figures."""

from __future__ import annotations

import runpy
import sys
import time
from pathlib import Path

import nidb.cli  # noqa: F401 - the settings a `nidb` process starts with (Arrow's allocator) hold here too


def main(names: list[str]) -> None:
    """Run the named benchmark scripts (all when none is named)."""
    here = Path(__file__).parent
    sys.path.insert(0, str(here))  # scripts import the shared helpers as `timing`
    scripts = sorted(here.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if any(n in s.stem for n in names)]
    for script in scripts:
        print(f"== {script.stem} ==", flush=True)
        start = time.perf_counter()
        runpy.run_path(str(script), run_name="__main__")
        print(f"   ({script.stem} took {time.perf_counter() - start:.1f} s in all)\n", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
