"""Measuring helpers shared by the benchmark scripts."""

from __future__ import annotations

import statistics
import time
import tracemalloc
from typing import Callable


def median_seconds(func: Callable[[], object], repeats: int = 3, warmup: bool = False) -> float:
    """Median wall time of `repeats` calls of `func`, after one untimed call when `warmup`."""
    if warmup:
        func()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_mib(func: Callable[[], object]) -> float:
    """Peak traced memory (tracemalloc, MiB) of one call of `func`."""
    tracemalloc.start()
    try:
        func()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20
