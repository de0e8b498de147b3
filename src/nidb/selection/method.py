"""The selection method: a validated YAML recipe (format and defaults: docs/selection.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nidb.evaluation.experts import AGGREGATION_METHODS
from nidb.evaluation.lifecycle import LifecycleRules, load_rules
from nidb.framework import Framework, check_parameters, load_framework
from nidb.indicators.values import LOCAL_GDP_LEVELS
from nidb.inputs.contract import load_contract
from nidb.inputs.open_lists import OpenLists, load_open_lists, packaged_open_lists
from nidb.keypath import KeyPathReader
from nidb.yamlfile import check_kind, read_yaml

DEFAULT_METHOD_PATH = Path(__file__).parent.parent / "methods" / "selection-default.yaml"
RULE_MODES = ("all", "k_per_dimension")
ORDER_FLAGS = ("pilot_tasks", "special_areas")
#: Art. 7 「在同等条件下予以优先支持」: the flags break ties of the indicator keys, or come first
PRIORITY = ("tie_breaker", "first_key")

_TOP = {
    "kind", "name", "description", "framework", "parameters", "data_lag", "special_area_relaxation", "quantitative_rule",
    "qualitative_rule", "features_required", "veto", "listing_required", "ordering", "priority", "sweep",
    "lifecycle_rules", "local_gdp_level", "open_lists",
}
_QUANT = {"mode", "k"}
_QUAL = {"mode", "k", "pass_mark", "aggregation", "trim_min_experts", "trim_count"}
_VETO = {"years", "env_incident_levels", "safety_accident_levels"}
_SWEEP = {"span", "points", "bootstrap", "confidence", "seed", "grid_points"}


@dataclass(frozen=True)
class Rule:
    """How many conditions must pass: all, or at least k per dimension."""

    mode: str = "all"
    k: int = 1


@dataclass(frozen=True)
class QualitativeRule(Rule):
    pass_mark: float = 60.0
    aggregation: str = "trimmed_mean"
    trim_min_experts: int = 5
    trim_count: int = 1


@dataclass(frozen=True)
class Veto:
    years: int = 3
    env_incident_levels: tuple[str, ...] = ("Ⅱ级", "Ⅰ级")
    safety_accident_levels: tuple[str, ...] = ("重大", "特别重大")


@dataclass(frozen=True)
class SweepSpec:
    span: float = 0.5
    points: int = 201
    bootstrap: int = 1000
    confidence: float = 0.95
    seed: int = 20231
    grid_points: int = 41


@dataclass(frozen=True)
class SelectionMethod:
    """Every choice the selection makes, with the framework it applies to."""

    name: str
    description: str
    framework: Framework
    parameters: tuple[tuple[str, Any], ...]
    data_lag: int
    special_area_relaxation: bool
    quantitative_rule: Rule
    qualitative_rule: QualitativeRule
    features_required: bool
    veto: Veto
    listing_required: bool
    ordering: tuple[str, ...]
    priority: str
    sweep: SweepSpec
    lifecycle_rules: LifecycleRules = LifecycleRules()
    local_gdp_level: str = "city"  # #2 「当地」: city where the table has its row, else province
    open_lists: OpenLists = field(default_factory=packaged_open_lists)  # Art. 7 special areas and pilot tasks
    source: str = ""

    @property
    def params(self) -> dict[str, Any]:
        """Framework parameter overrides as a dict."""
        return dict(self.parameters)

    def as_record(self) -> dict[str, Any]:
        """The method's choices as plain values (for manifests and output sheets)."""
        return {
            "name": self.name, "framework": self.framework.path, "framework_version": self.framework.version,
            "parameters": self.params, "data_lag": self.data_lag,
            "special_area_relaxation": self.special_area_relaxation,
            "quantitative_rule": vars(self.quantitative_rule), "qualitative_rule": vars(self.qualitative_rule),
            "features_required": self.features_required, "veto": vars(self.veto),
            "listing_required": self.listing_required, "ordering": list(self.ordering), "priority": self.priority,
            "local_gdp_level": self.local_gdp_level, "open_lists": list(self.open_lists.sources),
            "sweep": vars(self.sweep),
        }


class _Reader(KeyPathReader):
    absent_mapping_is_empty = True

    def levels(self, value: Any, path: str, vocabulary: tuple[str, ...]) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(path, "应为列表")
        for i, v in enumerate(value):
            self.choice(v, f"{path}[{i}]", vocabulary)
        return tuple(value)


def parse_selection_method(raw: Any, source: str = "selection.yaml") -> SelectionMethod:
    """Validate a parsed method document; omitted keys take the documented defaults."""
    r = _Reader(source)
    if not isinstance(raw, dict):
        raise r.fail("（顶层）", "应为键值映射")
    check_kind(raw, "selection", source)
    raw = r.mapping(raw, "", _TOP)
    fw_path = raw.get("framework")
    framework = load_framework(None if fw_path is None else Path(source).parent / fw_path)
    params = raw.get("parameters") or {}
    if not isinstance(params, dict):
        raise r.fail("parameters", "应为键值映射")
    check_parameters(framework, params, source)

    q = r.mapping(raw.get("quantitative_rule"), "quantitative_rule", _QUANT)
    quant = Rule(
        mode=r.choice(q.get("mode", "all"), "quantitative_rule.mode", RULE_MODES),
        k=r.integer(q.get("k", 1), "quantitative_rule.k", 1),
    )
    ql = r.mapping(raw.get("qualitative_rule"), "qualitative_rule", _QUAL)
    qual = QualitativeRule(
        mode=r.choice(ql.get("mode", "all"), "qualitative_rule.mode", RULE_MODES),
        k=r.integer(ql.get("k", 1), "qualitative_rule.k", 1),
        pass_mark=r.number(ql.get("pass_mark", 60), "qualitative_rule.pass_mark", 0, 100),
        aggregation=r.choice(ql.get("aggregation", "trimmed_mean"), "qualitative_rule.aggregation", AGGREGATION_METHODS),
        trim_min_experts=r.integer(ql.get("trim_min_experts", 5), "qualitative_rule.trim_min_experts", 1),
        trim_count=r.integer(ql.get("trim_count", 1), "qualitative_rule.trim_count", 0),
    )
    if qual.trim_min_experts < 2 * qual.trim_count + 1:
        raise r.fail("qualitative_rule.trim_min_experts", "须不少于 2×trim_count+1")

    contract = load_contract()
    v = r.mapping(raw.get("veto"), "veto", _VETO)
    defaults = Veto()
    veto = Veto(
        years=r.integer(v.get("years", defaults.years), "veto.years", 1),
        env_incident_levels=r.levels(v.get("env_incident_levels", list(defaults.env_incident_levels)),
                                     "veto.env_incident_levels", contract.vocabulary("env_incident_levels")),
        safety_accident_levels=r.levels(v.get("safety_accident_levels", list(defaults.safety_accident_levels)),
                                        "veto.safety_accident_levels", contract.vocabulary("safety_accident_levels")),
    )

    ordering_raw = raw.get("ordering", list(ORDER_FLAGS) + ["I01"])
    if not isinstance(ordering_raw, list):
        raise r.fail("ordering", "应为列表")
    quant_ids = tuple(i.id for i in framework.quantitative)
    for i, key in enumerate(ordering_raw):
        r.choice(key, f"ordering[{i}]", ORDER_FLAGS + quant_ids)

    s = r.mapping(raw.get("sweep"), "sweep", _SWEEP)
    sd = SweepSpec()
    sweep = SweepSpec(
        span=r.number(s.get("span", sd.span), "sweep.span", 0.01, 0.99),
        points=r.integer(s.get("points", sd.points), "sweep.points", 3),
        bootstrap=r.integer(s.get("bootstrap", sd.bootstrap), "sweep.bootstrap", 0),
        confidence=r.number(s.get("confidence", sd.confidence), "sweep.confidence", 0.5, 0.999),
        seed=r.integer(s.get("seed", sd.seed), "sweep.seed", 0),
        grid_points=r.integer(s.get("grid_points", sd.grid_points), "sweep.grid_points", 3),
    )
    return SelectionMethod(
        name=str(raw.get("name", Path(source).stem)),
        description=str(raw.get("description", "")),
        framework=framework,
        parameters=tuple(params.items()),
        data_lag=r.integer(raw.get("data_lag", 0), "data_lag", 0),
        special_area_relaxation=r.flag(raw.get("special_area_relaxation", True), "special_area_relaxation"),
        quantitative_rule=quant,
        qualitative_rule=qual,
        features_required=r.flag(raw.get("features_required", True), "features_required"),
        veto=veto,
        listing_required=r.flag(raw.get("listing_required", True), "listing_required"),
        ordering=tuple(ordering_raw),
        priority=r.choice(raw.get("priority", "tie_breaker"), "priority", PRIORITY),
        sweep=sweep,
        lifecycle_rules=load_rules(None if raw.get("lifecycle_rules") is None
                                   else Path(source).parent / raw["lifecycle_rules"]),
        local_gdp_level=r.choice(raw.get("local_gdp_level", "city"), "local_gdp_level", LOCAL_GDP_LEVELS),
        open_lists=load_open_lists(None if raw.get("open_lists") is None else Path(source).parent / raw["open_lists"]),
        source=source,
    )


def load_selection_method(path: str | Path | None = None) -> SelectionMethod:
    """Load and validate a selection method file; the packaged default when no path is given."""
    path = Path(path) if path is not None else DEFAULT_METHOD_PATH
    raw = read_yaml(path)
    return parse_selection_method(raw, source=str(path))
