"""The screening method file: named rules, each a check kernel with its parameters.

`load_screening_method(path=None)` reads and validates a YAML file (default
`methods/screening-default.yaml`); a malformed file raises `ConfigError` naming the file and
the key path. The parameters each check accepts are in `CHECKS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nidb.framework import Framework, SpecialAreaThreshold, Threshold, load_framework
from nidb.inputs.contract import load_contract
from nidb.keypath import KeyPathReader
from nidb.yamlfile import check_kind, read_yaml

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "methods" / "screening-default.yaml"

# kind of a parameter: "number" (finite, ≥ 0), "fraction" (0 < x < 1), "count" (integer ≥ 1),
# "field" (numeric column of the annual form), "fields" (list of them), "indicators" (ids of
# quantitative indicators with a `>=` threshold condition)
CHECKS: dict[str, dict[str, tuple[str, bool]]] = {
    "ratio_bounds": {"numerator": ("field", True), "denominator": ("field", True), "scale": ("number", False),
                     "min": ("number", False), "max": ("number", False)},
    "growth_vs_levels": {"level": ("field", True), "growth": ("field", True), "tolerance_pp": ("number", True)},
    "jumps": {"fields": ("fields", True), "z": ("number", True), "min_log_change": ("number", True)},
    "bunching": {"indicators": ("indicators", True), "window": ("fraction", True), "ring": ("count", True),
                 "alpha": ("fraction", True), "min_count": ("count", True)},
    "benford": {"fields": ("fields", True), "alpha": ("fraction", True), "mad": ("fraction", True),
                "effect_size": ("fraction", True), "min_power": ("fraction", True)},
    "heaping": {"fields": ("fields", True), "significant_digits": ("count", True), "min_value": ("number", True),
                "expected_share": ("fraction", True), "min_round": ("count", True), "alpha": ("fraction", True)},
    "copies_across_years": {"fields": ("fields", True), "min_equal": ("count", True), "min_share": ("fraction", True)},
    "copies_across_units": {"fields": ("fields", True), "min_equal": ("count", True), "min_share": ("fraction", True)},
    "official_discrepancy": {"tolerance": ("fraction", True)},
    "revisions": {"indicators": ("indicators", True), "tolerance": ("fraction", True)},
}
#: group of each check, as the report names it
GROUPS = {
    "ratio_bounds": "内部一致性", "growth_vs_levels": "内部一致性", "jumps": "异常跳变", "bunching": "门槛堆积",
    "benford": "数字与取整", "heaping": "数字与取整", "copies_across_years": "复制雷同",
    "copies_across_units": "复制雷同", "official_discrepancy": "统计数据优先（第十条）", "revisions": "报表修改",
}
_RULE_KEYS = {"check", "zh", "weight"}


@dataclass(frozen=True)
class ScreeningRule:
    """One named rule: its check kernel, Chinese name, weight in the review priority and parameters."""

    id: str
    check: str
    zh: str
    weight: float
    params: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def group(self) -> str:
        """The group of checks the rule belongs to (Chinese)."""
        return GROUPS[self.check]


@dataclass(frozen=True)
class ScreeningMethod:
    """A validated screening method file."""

    name: str
    rules: tuple[ScreeningRule, ...]
    score_cap: float = 3.0
    source: str = "screening-default.yaml"

    def rule(self, rule_id: str) -> ScreeningRule:
        """The rule with this id."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def threshold_indicators(framework: Framework) -> list[str]:
    """Ids of quantitative indicators whose condition is a `>=` threshold (plain or special-area)."""
    return [ind.id for ind in framework.quantitative
            if isinstance(ind.condition, (Threshold, SpecialAreaThreshold)) and ind.condition.op == ">="]


def _param(r: KeyPathReader, kind: str, value: Any, path: str, indicators: list[str]) -> Any:
    if kind == "number":
        return r.number(value, path, low=0)
    if kind == "fraction":
        number = r.number(value, path, low=0, high=1)
        if number in (0, 1):
            raise r.fail(path, f"应在 0 与 1 之间（不含端点），实为 {value!r}")
        return number
    if kind == "count":
        return r.integer(value, path, minimum=1)
    numeric = [c.name for c in load_contract().table("annual").columns if c.dtype == "number"]
    if kind == "field":
        return r.choice(value, path, numeric)
    allowed = numeric if kind == "fields" else indicators
    if not isinstance(value, list) or not value:
        raise r.fail(path, "应为非空列表")
    return tuple(r.choice(v, f"{path}[{i}]", allowed) for i, v in enumerate(value))


def parse_screening_method(
    raw: Any, *, source: str = "screening-default.yaml", framework: Framework | None = None
) -> ScreeningMethod:
    """Validate a parsed screening method document (indicator ids against `framework`, default the packaged one)."""
    r = KeyPathReader(source)
    check_kind(raw, "screening", source)
    indicators = threshold_indicators(framework or load_framework())
    raw = r.mapping(raw, "（顶层）", {"kind", "name", "score_cap", "rules"}, {"name", "rules"})
    rules_raw = r.mapping(raw["rules"], "rules")
    if not rules_raw:
        raise r.fail("rules", "至少需要一条规则")
    rules = []
    for rule_id, spec in rules_raw.items():
        path = f"rules.{rule_id}"
        spec = r.mapping(spec, path, required={"check", "zh", "weight"})
        check = r.choice(spec["check"], f"{path}.check", list(CHECKS))
        allowed = CHECKS[check]
        spec = r.mapping(spec, path, _RULE_KEYS | set(allowed))
        missing = [k for k, (_, required) in allowed.items() if required and k not in spec]
        if missing:
            raise r.fail(f"{path}.{missing[0]}", f"检查 {check} 缺少必需的参数")
        params = {k: _param(r, allowed[k][0], v, f"{path}.{k}", indicators) for k, v in spec.items() if k not in _RULE_KEYS}
        if check == "ratio_bounds" and "min" not in params and "max" not in params:
            raise r.fail(path, "ratio_bounds 至少需要 min 或 max 之一")
        rules.append(ScreeningRule(
            id=str(rule_id), check=check, zh=r.text(spec["zh"], f"{path}.zh"),
            weight=r.number(spec["weight"], f"{path}.weight", low=0), params=params,
        ))
    cap = r.number(raw.get("score_cap", 3), "score_cap", low=1)
    return ScreeningMethod(name=r.text(raw["name"], "name"), rules=tuple(rules), score_cap=cap, source=source)


def load_screening_method(path: str | Path | None = None, *, framework: Framework | None = None) -> ScreeningMethod:
    """Read and validate a screening method file (default: the packaged screening-default.yaml)."""
    path = Path(path) if path is not None else DEFAULT_PATH
    return parse_screening_method(read_yaml(path), source=str(path), framework=framework)
