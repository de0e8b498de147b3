"""Start-up and whole-process timings: what a user waits for at the command line.

* ``python -X importtime``: total import time of the modules each command needs
  (the sum of every module's own time, as the interpreter reports it).
* Whole ``nidb`` processes on the demo data (cached beforehand): ``--help``,
  ``validate`` (always reads and checks every file), ``select --year 2024``,
  ``evaluate --year 2025`` (the validated dataset taken from nidb's cache after the
  first run, and again with that cache turned off); and ``score`` on
  COINr's ASEM example, beside ``Rscript`` running COINr's example pipeline when R
  with COINr is installed (it is not needed otherwise).

Run: ``.venv/bin/python benchmarks/bench_startup.py``. Prints medians of repeated
runs, wall and CPU time (user + system); the machine's load is printed too, since a
busy machine stretches every figure (the wall times far more than the CPU times).
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nidb.demo import demo_dir
from nidb.inputs.stored import OFF_ENV
from nidb.reference import ASEM_DIR

REPEATS = 5  # this machine's wall times vary by ±30 % from run to run: the median of five, and the fastest
MODULES = ("nidb.cli", "nidb.inputs.validation", "nidb.engine", "nidb.selection.export", "nidb.evaluation.export")
_SCRIPT = Path(sys.executable).with_name("nidb")
NIDB = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "nidb.cli"]
COINR = """suppressMessages(library(COINr))
coin <- build_example_coin(up_to = "new_coin", quietly = TRUE)
coin <- Denominate(coin, dset = "Raw")
coin <- Impute(coin, dset = "Denominated", f_i = "i_mean_grp", use_group = "GDPpc_group")
coin <- Screen(coin, dset = "Imputed", unit_screen = "byNA", dat_thresh = 0.66)
coin <- Treat(coin, dset = "Screened")
coin <- Normalise(coin, dset = "Treated")
coin <- Aggregate(coin, dset = "Normalised")
write.csv(get_results(coin, dset = "Aggregated"), "{out}")
"""


def import_seconds(module: str) -> float:
    """Sum of the own import times ``-X importtime`` reports for importing ``module``."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"],
                          capture_output=True, text=True, check=True)
    total_us = 0
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            own = line.split(":", 1)[1].split("|")[0].strip()
            if own.isdigit():
                total_us += int(own)
    return total_us / 1e6


def wall(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """Median and fastest wall time, and median CPU time (user + system, which a busy machine
    stretches far less) of whole processes running ``command`` (each must succeed)."""
    subprocess.run(command, capture_output=True, check=True, env=env)  # warm: bytecode, dataset cache
    times, cpu = [], []
    for _ in range(REPEATS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, env=env)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(times), min(times), statistics.median(cpu)


def _print(label: str, median: float, fastest: float, cpu: float) -> None:
    print(f"{label:34s}: {median:5.2f} s per whole process (fastest {fastest:4.2f} s), "
          f"{cpu:5.2f} s CPU (medians of {REPEATS})")


def main() -> None:
    print(f"load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    for module in MODULES:
        print(f"import {module:28s}: {import_seconds(module):5.2f} s (-X importtime total)")
    data = demo_dir()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        commands = {
            "nidb --help": NIDB + ["--help"],
            "nidb validate (demo)": NIDB + ["validate", str(data), "--year", "2025"],
            "nidb select --year 2024": NIDB + ["select", "--year", "2024", "--out", str(out / "select.csv"), "--force"],
            "nidb evaluate --year 2025": NIDB + ["evaluate", "--year", "2025", "--out", str(out / "evaluate.csv"), "--force"],
            "nidb score (ASEM, COINr example)": NIDB + [
                "score", "--data", str(ASEM_DIR / "ASEM_iData.csv"), "--meta", str(ASEM_DIR / "ASEM_iMeta.csv"),
                "--method", "asem-coinr-example", "--out", str(out / "score.csv"), "--force",
            ],
        }
        for label, command in commands.items():
            _print(label, *wall(command))
        no_cache = {**os.environ, OFF_ENV: "1"}  # the dataset read and validated in every process
        for label in ("nidb select --year 2024", "nidb evaluate --year 2025"):
            _print(label + " (no cache)", *wall(commands[label], no_cache))
        rscript = shutil.which("Rscript")
        if rscript is None:
            print("Rscript + COINr (ASEM example)    : Rscript not installed here, not measured")
            return
        script = out / "coinr.R"
        script.write_text(COINR.format(out=out / "coinr.csv"), encoding="utf-8")
        try:
            _print("Rscript + COINr (ASEM example)", *wall([rscript, str(script)]))
        except subprocess.CalledProcessError:
            print("Rscript + COINr (ASEM example)    : COINr not installed for this R, not measured")


if __name__ == "__main__":
    main()
