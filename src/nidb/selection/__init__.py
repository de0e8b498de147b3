"""Selection (遴选认定): verdicts per applicant and condition, overall rule, Art. 7 ordering.

`select(data, year, method)` returns a `SelectionResult`; `load_selection_method(path)`
reads a method YAML (docs/selection.md).
"""

from nidb.selection.method import DEFAULT_METHOD_PATH, SelectionMethod, load_selection_method, parse_selection_method
from nidb.selection.verdicts import QuantitativeChecks, SelectionResult, select

__all__ = [
    "DEFAULT_METHOD_PATH", "QuantitativeChecks", "SelectionMethod", "SelectionResult", "load_selection_method",
    "parse_selection_method", "select",
]
