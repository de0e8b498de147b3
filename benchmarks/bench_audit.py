"""Design audit benchmark: Monte Carlo replications per second and peak memory.

1. ASEM (51 countries, 49 indicators): N = 1,000 replications over five uncertain
   choices (weights, imputation, outlier treatment, normalisation, aggregation).
2. The bases' evaluation on the demo data (示例数据（合成）, latest year): 10,000
   replications over the nine choices of audit-default.yaml; goal < 5 s on 2 cores.

Preparation (nominal run and the precomputed normalised matrices) is timed apart from
the replications. Peak memory is the tracemalloc peak of the replications (numpy
reports its buffers to tracemalloc), measured in a separate run from the timing. The
load average is printed first: on a loaded machine wall times overstate the cost.
"""

from __future__ import annotations

import os
import resource
import time
import tracemalloc

import numpy as np

from nidb.audit.choices import METHODS_DIR, load_audit_spec
from nidb.audit.subject import asem_subject, bases_subject
from nidb.audit.uncertainty import monte_carlo, prepare
from nidb.reference import ASEM_DIR

ASEM = ASEM_DIR


def timed(label: str, problem, runs: int, seed: int, chunk: int, workers: int = 1, client=None) -> float:
    """Wall time of one Monte Carlo run; the CPU time of this process is printed beside it
    (on a shared, loaded machine it shows the work done apart from waiting)."""
    start, cpu = time.perf_counter(), time.process_time()
    monte_carlo(problem, runs, seed, chunk, client=client, workers=workers)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"   {label}: {runs:,} replications in {seconds:.2f} s wall ({cpu:.2f} s CPU in this process) "
          f"= {runs / seconds:,.0f} replications/s", flush=True)
    return seconds


def peak(problem, runs: int, seed: int, chunk: int) -> float:
    tracemalloc.start()
    monte_carlo(problem, runs, seed, chunk)
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top / 2**20


def main() -> None:
    print(f"   cores available: {os.cpu_count()}; load average: {os.getloadavg()[0]:.1f}")
    if ASEM.exists():
        spec = load_audit_spec(METHODS_DIR / "audit-asem.yaml")
        start = time.perf_counter()
        problem = prepare(asem_subject(ASEM, spec.base_method), spec)
        print(f"== ASEM: {len(problem.units)} units × {len(problem.hierarchy.indicators)} indicators, "
              f"{len(spec.choices)} choices, {problem.variants.shape[0]} pipeline variants "
              f"(prepared in {time.perf_counter() - start:.2f} s)")
        timed("1 thread", problem, 1000, spec.seed, spec.chunk_size)
        print(f"   peak memory of the replications: {peak(problem, 1000, spec.seed, spec.chunk_size):.0f} MiB")

    from nidb.demo import demo_dir
    from nidb.inputs.dataset import load_dataset

    dataset = load_dataset(demo_dir())
    year = int(dataset.annual["year"].max())
    spec = load_audit_spec()
    start = time.perf_counter()
    problem = prepare(bases_subject(dataset, year, synthetic=True), spec)
    print(f"== bases {year} (示例数据（合成）): {len(problem.units)} units × {len(problem.hierarchy.indicators)} indicators, "
          f"{len(spec.choices)} choices, {problem.variants.shape[0]} pipeline variants "
          f"(prepared in {time.perf_counter() - start:.2f} s)")
    one = timed("1 thread ", problem, 10_000, spec.seed, spec.chunk_size)
    two = timed("2 threads", problem, 10_000, spec.seed, spec.chunk_size, workers=2)
    print(f"   goal < 5 s on 2 cores: {'met' if min(one, two) < 5 else 'NOT met'} ({min(one, two):.2f} s)")
    print(f"   peak memory of the replications: {peak(problem, 10_000, spec.seed, spec.chunk_size):.0f} MiB")

    from dask.distributed import Client, LocalCluster

    local = monte_carlo(problem, 10_000, spec.seed, spec.chunk_size)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        timed("Dask LocalCluster, 2 worker processes", problem, 10_000, spec.seed, spec.chunk_size, client=client)
        remote = monte_carlo(problem, 10_000, spec.seed, spec.chunk_size, client=client)
    same = np.array_equal(local.ranks, remote.ranks, equal_nan=True) and np.array_equal(local.stars, remote.stars)
    print(f"   Dask results identical to the local run: {same}")
    print(f"   process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
