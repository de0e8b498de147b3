"""Wall times of the report pipeline on the demo data (示例数据（合成）).

Prints:

* ``report``: the whole ``nidb report --out <tmp>`` (all chapters, case catalogue, data
  appendix, manifest, site render: Quarto when installed, else the HTML preview), run as
  the command a user types, so it includes interpreter and kernel start-up;
* ``profiles parallel``: ``nidb profiles --all`` — every base's feedback profile from one
  computed table, figures blitted, split over worker processes (goal: all ~450 in
  < 120 s);
* ``profiles sequential papermill``: the base-profile notebook executed with papermill
  once per base, one after the other (the naive design). Running it for all ~450 bases
  takes far too long for a benchmark, so it is timed on a sample of bases (``--sample``,
  default 6) and the per-base mean is multiplied by the number of bases; the printed
  ratio (goal ≥ 5×) compares that estimate with the parallel run.

The report is also timed in CPU seconds (user + system of the command and its children:
kernels, workers), which the other jobs on a shared machine disturb much less than the wall
time. Goal: ``nidb report`` under 60 s wall on an unloaded 2-core machine.

Run: ``.venv/bin/python benchmarks/bench_report.py [--sample N] [--skip-report]``.

Measured for issue 12 (the report as a publication: 总体发展情况, province maps, 主要结论,
问题与建议, methodology in words), same 2-core machine shared with up to 8 other jobs:

=========================================  ==========  ===============  ============
``nidb report`` on the demo data            wall        CPU (user)       load average
=========================================  ==========  ===============  ============
before (main 773d26e)                       147.3 s     80.7 s           about 7
after (issue 12, before rebasing)           402.2 s     85.5 s           about 18
=========================================  ==========  ===============  ============

The wall times were taken while up to eight other jobs shared the two cores (load 7 and 18)
and say little; the CPU time grew by about 6 % (the province maps parse the boundary
GeoJSON once per chapter that draws them, about 3 s). On this machine at load about 3 the
same report took 52 s before the change (docs/report.md), so about 55 s is expected after
it; an unloaded re-measurement is still to be done.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NIDB = str(Path(sys.executable).with_name("nidb"))


def timed_command(args: list[str]) -> float:
    """Wall time of one command; its output is discarded, a failure stops the benchmark."""
    return timed_command_cpu(args)[0]


def timed_command_cpu(args: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one command and the processes it waited for."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def sequential_papermill(base_ids: list[str], out: Path) -> float:
    """Seconds to run the profile notebook once per base with papermill's Python API."""
    from nidb.report.execute import NotebookJob, execute_notebook, kernel_name

    kernel = kernel_name()
    start = time.perf_counter()
    for base_id in base_ids:
        execute_notebook(NotebookJob(ROOT / "notebooks" / "profile.ipynb", out / f"{base_id}.ipynb",
                                     {"base_id": base_id}), kernel)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=6, help="bases in the sequential papermill sample")
    parser.add_argument("--skip-report", action="store_true", help="time only the profiles")
    options = parser.parse_args()

    from nidb.demo import demo_dir
    from nidb.inputs.dataset import load_dataset

    bases = sorted(load_dataset(demo_dir()).bases["base_id"].astype(str))
    print(f"demo data: {len(bases)} bases, {os.cpu_count()} CPU cores")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        if not options.skip_report:
            seconds, cpu = timed_command_cpu([NIDB, "report", "--out", str(out / "reports")])
            load = os.getloadavg()[0]
            print(f"report (nidb report, all chapters + cases + site): {seconds:6.1f} s wall, {cpu:6.1f} s CPU "
                  f"(load average {load:.1f})")
        parallel = timed_command([NIDB, "profiles", "--all", "--out", str(out / "reports")])
        pages = len(list((out / "reports" / "profiles").glob("*/B*.qmd")))
        print(f"profiles parallel (nidb profiles --all, {pages} pages): {parallel:6.1f} s")
        sample = bases[:: max(1, len(bases) // options.sample)][: options.sample]
        seq = sequential_papermill(sample, out / "papermill")
        per_base = seq / len(sample)
        estimate = per_base * len(bases)
        print(f"profiles sequential papermill: {per_base:6.2f} s per base ({len(sample)} timed) "
              f"-> {estimate:7.1f} s for {len(bases)} bases (estimated)")
        print(f"speed-up of the parallel design: {estimate / parallel:5.1f}x")


if __name__ == "__main__":
    main()
