"""The indicator framework as frozen dataclasses: dimensions, indicators, feature indicators,
their formulas (measures) and their declaration conditions (condition trees)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Union

OPS = (">=", ">", "<=", "<")
# the comparison that fails each op, for reasons such as "212.4 亿元 < 300 亿元"
NEGATED_OP = {">=": "<", ">": "≤", "<=": ">", "<": "≥"}
OP_SYMBOL = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}


@dataclass(frozen=True)
class ParamRef:
    """A reference to a named framework parameter, resolved at run time."""

    name: str


# ---------------------------------------------------------------- measures (formulas)
@dataclass(frozen=True)
class Field:
    """The value of one `annual` column."""

    name: str

    def fields(self) -> tuple[str, ...]:
        return (self.name,)


@dataclass(frozen=True)
class Ratio:
    """numerator / denominator × scale; the denominator may be a parameter naming a column.

    ``fallback`` names a column used where the numerator is missing, when ``fallback_enabled``
    (a literal or a parameter) is true: #5 uses 工业总产值, else sales revenue.
    """

    numerator: str
    denominator: str | ParamRef
    scale: float
    fallback: str | None = None
    fallback_enabled: bool | ParamRef = True

    def fields(self) -> tuple[str, ...]:
        den = () if isinstance(self.denominator, ParamRef) else (self.denominator,)
        fb = () if self.fallback is None else (self.fallback,)
        return (self.numerator, *fb, *den)


@dataclass(frozen=True)
class Sum:
    """The sum of several `annual` columns (missing if any term is missing)."""

    terms: tuple[str, ...]

    def fields(self) -> tuple[str, ...]:
        return self.terms


@dataclass(frozen=True)
class Choose:
    """`if_true` where the boolean column `flag` is true, else `if_false`."""

    flag: str
    if_true: str
    if_false: str

    def fields(self) -> tuple[str, ...]:
        return (self.flag, self.if_true, self.if_false)


Measure = Union[Field, Ratio, Sum, Choose]


# ---------------------------------------------------------------- conditions
@dataclass(frozen=True)
class Threshold:
    """measure op value."""

    id: str | None
    text: str
    op: str
    value: float
    measure: Measure | None = None  # None: the indicator's own formula
    label: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class SpecialAreaThreshold:
    """measure op value, with `special_area_value` for applicants in special-type areas (Art. 7)."""

    id: str | None
    text: str
    op: str
    value: float
    special_area_value: float
    measure: Measure | None = None
    label: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class EachOfLastYears:
    """measure op (value or the reference series) in each of the last `years` years."""

    id: str | None
    text: str
    years: int
    op: str
    value: float | None = None
    reference: str | None = None  # a reference series: "gdp_growth"
    measure: Measure | None = None
    label: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class PeerRelative:
    """Top `top_share` % of the peer group (or better than an external benchmark)."""

    id: str | None
    text: str
    group_by: str | ParamRef
    top_share: float | ParamRef
    min_group_size: int | ParamRef
    population: str | ParamRef


@dataclass(frozen=True)
class Expert:
    """A qualitative condition judged by experts."""

    id: str | None
    text: str


@dataclass(frozen=True)
class InSet:
    """The category column `field` holds one of `values`."""

    id: str | None
    text: str
    field: str
    values: tuple[str, ...]
    label: str | None = None


@dataclass(frozen=True)
class IsTrue:
    """The boolean column `field` is true."""

    id: str | None
    text: str
    field: str
    label: str | None = None


@dataclass(frozen=True)
class AnyOf:
    """At least one sub-condition holds."""

    id: str | None
    text: str
    conditions: tuple["Condition", ...]


@dataclass(frozen=True)
class AllOf:
    """Every sub-condition holds."""

    id: str | None
    text: str
    conditions: tuple["Condition", ...]


@dataclass(frozen=True)
class ByClass:
    """A different condition per value of a registry column (e.g. data-centre size class)."""

    id: str | None
    text: str
    class_field: str
    cases: tuple[tuple[str, "Condition"], ...]


Condition = Union[
    Threshold, SpecialAreaThreshold, EachOfLastYears, PeerRelative, Expert, InSet, IsTrue, AnyOf, AllOf, ByClass
]


def children(cond: Condition) -> tuple[Condition, ...]:
    """The direct sub-conditions of a condition node."""
    if isinstance(cond, (AnyOf, AllOf)):
        return cond.conditions
    if isinstance(cond, ByClass):
        return tuple(c for _, c in cond.cases)
    return ()


def walk(cond: Condition) -> Iterator[Condition]:
    """The node and all its sub-conditions, depth first."""
    yield cond
    for child in children(cond):
        yield from walk(child)


# ---------------------------------------------------------------- the framework
@dataclass(frozen=True)
class Parameter:
    """A named open point with its documented default."""

    name: str
    default: Any
    doc: str
    choices: tuple[Any, ...] | None = None
    range: tuple[float, float] | None = None  # inclusive bounds of a numeric parameter


@dataclass(frozen=True)
class Dimension:
    id: str
    zh: str
    en: str


@dataclass(frozen=True)
class Indicator:
    """One of the 29 indicators of the annex."""

    id: str
    number: int
    dimension: str
    zh: str
    en: str
    type: str  # quantitative | qualitative
    direction: str  # higher | lower
    condition: Condition
    unit: str | None = None
    formula: Measure | None = None
    short: str | None = None

    @property
    def label(self) -> str:
        """The short Chinese name used in reasons."""
        return self.short or self.zh


@dataclass(frozen=True)
class FeatureArea:
    """A field with feature conditions (Art. 8 「个别领域须满足特色指标要求」), and the domains or
    industries that make a unit belong to it (empty: only a declared area does)."""

    id: str
    zh: str
    en: str
    domains: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feature:
    """One of the 22 feature indicators, applying to one feature area."""

    id: str
    number: int
    area: str
    zh: str
    en: str
    type: str
    condition: Condition

    @property
    def label(self) -> str:
        return self.zh


@dataclass(frozen=True)
class Framework:
    """A versioned indicator system."""

    version: str
    source: tuple[tuple[str, Any], ...]
    parameters: tuple[Parameter, ...]
    dimensions: tuple[Dimension, ...]
    indicators: tuple[Indicator, ...]
    feature_areas: tuple[FeatureArea, ...]
    features: tuple[Feature, ...]
    path: str = ""

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def dimension(self, dimension_id: str) -> Dimension:
        for dim in self.dimensions:
            if dim.id == dimension_id:
                return dim
        raise KeyError(dimension_id)

    def feature_area(self, area_id: str) -> FeatureArea:
        for area in self.feature_areas:
            if area.id == area_id:
                return area
        raise KeyError(area_id)

    @property
    def quantitative(self) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.type == "quantitative")

    @property
    def qualitative(self) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.type == "qualitative")

    def features_of(self, area_zh: str) -> tuple[Feature, ...]:
        """The feature indicators of a feature area, given by its Chinese name (contract vocabulary)."""
        ids = {a.id for a in self.feature_areas if a.zh == area_zh}
        return tuple(f for f in self.features if f.area in ids)

    def parameter_defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.parameters}

    def resolve(self, value: Any, overrides: dict[str, Any] | None = None) -> Any:
        """A literal as is; a ParamRef as its override or default."""
        if not isinstance(value, ParamRef):
            return value
        if overrides and value.name in overrides:
            return overrides[value.name]
        return self.parameter_defaults()[value.name]
