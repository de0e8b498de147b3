"""Synthetic demo data (示例数据（合成）): deterministic contract tables from a seed.

`write_demo(out_dir, seed)` writes one CSV per contract table plus a README;
`demo_dir()` returns the cached default demo directory; `demo_tables(seed)` returns
the frames without writing them; `planted_anomalies(seed)` the list of the anomalies
planted for the screening (written beside the demo as answer-key/planted-anomalies.csv).
"""

from nidb.demo.cache import demo_dir
from nidb.demo.writer import (
    DEFAULT_SEED,
    GENERATOR_VERSION,
    SYNTHETIC_LABEL,
    demo_tables,
    planted_anomalies,
    write_demo,
)

__all__ = ["DEFAULT_SEED", "GENERATOR_VERSION", "SYNTHETIC_LABEL", "demo_dir", "demo_tables", "planted_anomalies", "write_demo"]
