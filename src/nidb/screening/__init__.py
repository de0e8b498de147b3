"""Submission integrity screening (Art. 10, Art. 25): flags for people, never a rating.

`screen(data, method, years=...)` runs the rules of a screening method file
(`methods/screening-default.yaml`, format in docs/screening.md) over the reported annual forms;
`load_screening_method(path)` reads and validates such a file.
"""

from nidb.screening.method import ScreeningMethod, ScreeningRule, load_screening_method, parse_screening_method
from nidb.screening.run import NOTICE, ScreeningResult, screen

__all__ = ["NOTICE", "ScreeningMethod", "ScreeningResult", "ScreeningRule", "load_screening_method",
           "parse_screening_method", "screen"]
