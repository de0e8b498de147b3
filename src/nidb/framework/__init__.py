"""The indicator framework (2023 draft measures) as validated data.

`load_framework()` reads the packaged `indicators-2023.yaml`; another framework
version is another YAML file in the same format (docs/framework.md).
"""

from nidb.framework.loader import (
    DEFAULT_PATH,
    check_parameters,
    load_framework,
    parse_framework,
)
from nidb.framework.model import (
    AllOf,
    AnyOf,
    ByClass,
    Choose,
    Condition,
    Dimension,
    EachOfLastYears,
    Expert,
    Feature,
    FeatureArea,
    Field,
    Framework,
    Indicator,
    InSet,
    IsTrue,
    Measure,
    Parameter,
    ParamRef,
    PeerRelative,
    Ratio,
    SpecialAreaThreshold,
    Sum,
    Threshold,
    walk,
)

__all__ = [
    "DEFAULT_PATH", "AllOf", "AnyOf", "ByClass", "Choose", "Condition", "Dimension", "EachOfLastYears", "Expert",
    "Feature", "FeatureArea", "Field", "Framework", "Indicator", "InSet", "IsTrue", "Measure", "Parameter",
    "ParamRef", "PeerRelative", "Ratio", "SpecialAreaThreshold", "Sum", "Threshold", "check_parameters",
    "load_framework", "parse_framework", "walk",
]
