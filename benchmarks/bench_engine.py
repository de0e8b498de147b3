"""Timings of the composite-indicator engine.

* ASEM (51 units × 49 indicators): the plain min-max/mean recipe and COINr's full
  example pipeline (denominate, group imputation, screening, JRC treatment).
* Synthetic 10,000 units × 29 indicators (a 29 → 6 → 1 tree, heavy-tailed values,
  5 % missing): the full pipeline, and one batch of 1,000 weight sets scored as one
  array computation (the Monte Carlo path).

Run: ``.venv/bin/python benchmarks/bench_engine.py``. Prints median wall time of
repeated runs and the peak traced memory of one run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from timing import median_seconds, peak_mib

from nidb.engine import (
    hierarchy_from_records,
    method_from_mapping,
    normalise_indicators,
    packaged_method,
    read_table_framework,
    run,
    score_batch,
)
from nidb.reference import ASEM_DIR

ASEM = ASEM_DIR
SEED = 20231


def synthetic(units: int = 10_000, indicators: int = 29, dimensions: int = 6, seed: int = SEED):
    """A heavy-tailed synthetic data set and a balanced framework (seeded, deterministic)."""
    rng = np.random.default_rng(seed)
    values = rng.lognormal(mean=1.0, sigma=1.0, size=(units, indicators))
    values[rng.random(values.shape) < 0.05] = np.nan
    codes = [f"i{j:02d}" for j in range(indicators)]
    records = [
        {"code": c, "level": 1, "parent": f"d{j % dimensions}", "direction": -1 if j % 7 == 0 else 1}
        for j, c in enumerate(codes)
    ]
    records += [{"code": f"d{k}", "level": 2, "parent": "index"} for k in range(dimensions)]
    records += [{"code": "index", "level": 3}]
    hierarchy = hierarchy_from_records(records, unit_id="unit")
    data = pd.DataFrame(values, columns=codes)
    data.insert(0, "unit", [f"u{i:05d}" for i in range(units)])
    data["group"] = rng.choice(["east", "central", "west", "northeast"], size=units)
    return data, hierarchy


def main() -> None:
    if ASEM.exists():
        tf = read_table_framework(ASEM / "ASEM_iData.csv", ASEM / "ASEM_iMeta.csv")
        for name in ("asem-minmax-mean", "asem-coinr-example"):
            method = packaged_method(name)
            t = median_seconds(lambda: run(tf.data, tf.hierarchy, method), 20, warmup=True)
            print(f"ASEM 51 × 49, {name:20s}: {t * 1000:7.1f} ms per run")

    data, hierarchy = synthetic()
    full = method_from_mapping(
        {
            "impute": {"method": "group_mean", "group": "group"},
            "treat": {"method": "jrc"},
            "normalise": {"method": "minmax"},
        }
    )
    plain = method_from_mapping({})
    for label, method in (("raw → min-max → mean", plain), ("impute + JRC treatment + min-max + mean", full)):
        t = median_seconds(lambda: run(data, hierarchy, method), 5, warmup=True)
        peak = peak_mib(lambda: run(data, hierarchy, method))
        print(f"synthetic 10,000 × 29, {label:40s}: {t * 1000:7.1f} ms per run, peak {peak:6.1f} MiB")

    normalised = normalise_indicators(data[hierarchy.indicators].to_numpy(), hierarchy, plain.normalise)
    rng = np.random.default_rng(SEED)
    weights = hierarchy.nominal_weights * rng.uniform(0.75, 1.25, size=(1_000, len(hierarchy.weighted_codes)))
    chunk = 100
    def batch() -> None:
        for start in range(0, len(weights), chunk):
            score_batch(normalised, hierarchy, weights[start:start + chunk], plain.aggregate, levels=[2, 3])
    t = median_seconds(batch, 3, warmup=True)
    peak = peak_mib(batch)
    print(
        f"synthetic 10,000 × 29, 1,000 weight sets (dimension and index scores), chunks of {chunk}: {t:6.2f} s "
        f"({1_000 / t:,.0f} replications/s), peak {peak:6.1f} MiB"
    )


if __name__ == "__main__":
    main()
