"""Timings of the annual evaluation and the lifecycle over a panel of years.

Two synthetic panels (seeded, deterministic; heavy-tailed indicator values, 5 %
missing, rare compliance events, bases announced over 15 years):

* 450 bases × 6 years (the size of the real programme), and
* 10,000 zones × 10 years (a stress size).

For each panel it prints the median wall and CPU time of repeated runs (and the
machine's load average, since the CPU time is the steadier figure on a shared host):

* ``panel``: ``evaluate_panel`` — year by year: who is rated (lifecycle rules), the
  engine (JRC treatment, min-max, weights, aggregation, ranks), stars, special
  evaluations; then the status and events tables. Inputs are the prepared indicator
  and expert tables (reading and validating files is benchmarked in bench_io.py);
* ``lifecycle``: ``base_status`` alone, given the stars;
* ``experts``: ``aggregate_scores`` (trimmed mean) and ``reliability`` on the long
  expert table (15 qualitative indicators × 6 experts per base-year).

and the peak memory of one panel run (``tracemalloc`` peak of Python allocations,
and the process's maximum resident set size). Goals: < 0.2 s for 450 × 6; < 3 s and
< 1 GB for 10,000 × 10.

Run: ``.venv/bin/python benchmarks/bench_evaluation.py``.
"""

from __future__ import annotations

import os
import resource
import statistics
import time
import tracemalloc

import numpy as np
import pandas as pd

from nidb.evaluation.annual import evaluate_panel
from nidb.evaluation.experts import aggregate_scores, reliability
from nidb.evaluation.lifecycle import LifecycleRules, base_status
from nidb.evaluation.method import load_evaluation_method
from nidb.framework import load_framework
from nidb.inputs.contract import load_contract

SEED = 20231
EXPERTS_PER_CELL = 6


def _time(fn, repeat: int) -> tuple[float, float]:
    """Median wall time and median CPU time of the process (the latter is less sensitive
    to other processes on a shared machine)."""
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def _peak_mib(fn) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def synthetic_panel(n_bases: int, n_years: int, seed: int = SEED) -> dict[str, pd.DataFrame]:
    """Registry, annual compliance columns, wide indicator and expert tables, long expert table."""
    rng = np.random.default_rng(seed)
    fw = load_framework()
    contract = load_contract()
    years = np.arange(2025 - n_years + 1, 2026)
    ids = np.char.add("B", np.char.zfill(np.arange(1, n_bases + 1).astype(str), 5))
    announced = rng.integers(years[0] - 12, years[-1], n_bases)
    bases = pd.DataFrame(
        {
            "base_id": pd.array(ids, dtype="string"),
            "name": pd.array(np.char.add("合成基地", ids), dtype="string"),
            "authority": pd.array(rng.choice(contract.vocabulary("authorities"), n_bases), dtype="string"),
            "region": pd.array(rng.choice(contract.vocabulary("regions"), n_bases), dtype="string"),
            "domain": pd.array(rng.choice(contract.vocabulary("domains"), n_bases), dtype="string"),
            "batch": pd.array(announced - announced.min() + 1, dtype="Int64"),
            "year_announced": pd.array(announced, dtype="Int64"),
        }
    )
    unit = np.repeat(ids, len(years))
    year = np.tile(years, n_bases)
    n = len(unit)
    env = np.where(rng.random(n) < 0.002, "Ⅱ级", "无")
    safety = np.where(rng.random(n) < 0.002, "重大", "无")
    annual = pd.DataFrame(
        {
            "unit_id": pd.array(unit, dtype="string"),
            "year": year,
            "env_incident_level": pd.array(env, dtype="string"),
            "safety_accident_level": pd.array(safety, dtype="string"),
            "unrectified_inspection": pd.array(rng.random(n) < 0.001, dtype="boolean"),
            "fraud_found": pd.array(rng.random(n) < 0.0005, dtype="boolean"),
        }
    )
    index = pd.MultiIndex.from_arrays([pd.array(unit, dtype="string"), year], names=["unit_id", "year"])
    latent = rng.normal(size=n)
    quant_ids = [i.id for i in fw.quantitative]
    qual_ids = [i.id for i in fw.qualitative]
    quant = rng.lognormal(mean=1.0 + 0.5 * latent[:, None], sigma=0.8, size=(n, len(quant_ids)))
    quant[rng.random(quant.shape) < 0.05] = np.nan
    indicators = pd.DataFrame(quant, index=index, columns=quant_ids)
    # long expert table: 6 experts per base-year-indicator, drawn from a pool of 60
    cells = n * len(qual_ids)
    merit = 72 + 9 * np.repeat(latent, len(qual_ids)) + rng.normal(0, 3, cells)
    score = np.clip(np.round(np.repeat(merit, EXPERTS_PER_CELL) + rng.normal(0, 6, cells * EXPERTS_PER_CELL)), 0, 100)
    expert_scores = pd.DataFrame(
        {
            "unit_id": pd.array(np.repeat(unit, len(qual_ids) * EXPERTS_PER_CELL), dtype="string"),
            "year": np.repeat(year, len(qual_ids) * EXPERTS_PER_CELL),
            "indicator_id": pd.array(np.tile(np.repeat(qual_ids, EXPERTS_PER_CELL), n), dtype="string"),
            "expert_id": pd.array(
                np.char.add("E", rng.integers(0, 60, cells * EXPERTS_PER_CELL).astype(str)), dtype="string"
            ),
            "score": score,
        }
    )
    experts = pd.DataFrame(
        merit.reshape(n, len(qual_ids)), index=index, columns=qual_ids
    )
    return {
        "bases": bases,
        "annual": annual,
        "indicators": indicators,
        "experts": experts,
        "expert_scores": expert_scores,
        "years": list(map(int, years)),
    }


def bench(n_bases: int, n_years: int, repeat: int) -> None:
    fw = load_framework()
    method = load_evaluation_method(framework=fw)
    rules = LifecycleRules()
    p = synthetic_panel(n_bases, n_years)

    def panel():
        return evaluate_panel(
            p["indicators"], p["experts"], p["bases"], p["annual"], None, fw, method, rules, p["years"]
        )

    t_panel = _time(panel, repeat)
    result = panel()
    stars = result.lifecycle.status.loc[result.lifecycle.status["evaluated"], ["base_id", "year", "stars"]]
    t_life = _time(lambda: base_status(p["bases"], stars, p["annual"], pd.DataFrame(), rules, p["years"]), repeat)
    t_agg = _time(lambda: aggregate_scores(p["expert_scores"]), max(1, repeat // 2))
    t_rel = _time(lambda: reliability(p["expert_scores"]), max(1, repeat // 2))
    peak = _peak_mib(panel)
    peak_experts = _peak_mib(lambda: aggregate_scores(p["expert_scores"]))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rated = int(result.lifecycle.status["evaluated"].sum())
    n_scores = len(p["expert_scores"])
    print(f"{n_bases:>6} bases × {n_years:>2} years ({rated} rated base-years, {n_scores:,} expert scores)")
    print("   median of repeated runs          wall s    CPU s")
    for label, (wall, cpu) in (
        ("panel (evaluation + lifecycle)", t_panel),
        ("lifecycle alone (base_status)", t_life),
        ("expert trimmed mean", t_agg),
        ("expert reliability (ICC, W)", t_rel),
    ):
        print(f"   {label:<32}{wall:7.3f}  {cpu:7.3f}")
    print(f"   tracemalloc peak: panel {peak:.1f} MiB, expert trimmed mean {peak_experts:.1f} MiB")
    print(f"   process max RSS so far {rss:.1f} MiB (includes the synthetic tables)")

def main() -> None:
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    bench(450, 6, repeat=5)
    bench(10_000, 10, repeat=3)


if __name__ == "__main__":
    main()
