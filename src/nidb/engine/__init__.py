"""The generic composite-indicator engine: (data, framework, method) → normalised values, scores, ranks.

See ``docs/engine.md`` for the method recipe format and the default of every step.
"""

from nidb.engine.framework_table import (
    Hierarchy,
    TableFramework,
    hierarchy_from_meta,
    hierarchy_from_records,
    read_table_framework,
)
from nidb.engine.method import Method, load_method, method_from_mapping, packaged_method
from nidb.engine.rank import rank_units
from nidb.engine.run import (
    EngineResult,
    Prepared,
    normalise_indicators,
    prepare_indicators,
    resolve_weights,
    run,
    score_batch,
)

__all__ = [
    "EngineResult",
    "Hierarchy",
    "Method",
    "Prepared",
    "TableFramework",
    "hierarchy_from_meta",
    "hierarchy_from_records",
    "load_method",
    "method_from_mapping",
    "normalise_indicators",
    "packaged_method",
    "prepare_indicators",
    "rank_units",
    "read_table_framework",
    "resolve_weights",
    "run",
    "score_batch",
]
