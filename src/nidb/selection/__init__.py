"""Selection (遴选认定): verdicts per applicant and condition, overall rule, Art. 7 ordering.

`select(data, year, method)` returns a `SelectionResult`; `load_selection_method(path)`
reads a method YAML (docs/selection.md). `prepare(data)` builds the method-independent
`SelectionData` once; pass it to `select` when selecting several times on one dataset.
"""

from nidb.selection.context import SelectionData, prepare
from nidb.selection.method import (
    DEFAULT_METHOD_PATH,
    SelectionMethod,
    load_selection_method,
    parse_selection_method,
)
from nidb.selection.verdicts import QuantitativeChecks, SelectionResult, select

__all__ = [
    "DEFAULT_METHOD_PATH", "QuantitativeChecks", "SelectionData", "SelectionMethod", "SelectionResult",
    "load_selection_method", "parse_selection_method", "prepare", "select",
]
