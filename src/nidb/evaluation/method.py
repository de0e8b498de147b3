"""An evaluation method (one YAML file): the generic engine recipe plus the expert rule,
peer-relative scoring, framework parameters, the star rule and the special evaluations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nidb.engine import Method, method_from_mapping
from nidb.engine.weight_table import anchor_tables
from nidb.errors import ConfigError
from nidb.evaluation.experts import AGGREGATION_METHODS
from nidb.evaluation.special import SpecialEvaluation, parse_special
from nidb.evaluation.stars import StarRule
from nidb.framework import Framework, check_parameters
from nidb.yamlfile import check_kind, read_yaml

DEFAULT_METHOD_PATH = Path(__file__).parent.parent / "methods" / "evaluation-default.yaml"
#: the keys an evaluation method adds to the engine recipe (the rest goes to the engine)
EVALUATION_KEYS = ("kind", "experts", "peer_relative", "parameters", "stars", "special", "rating_data")
PEER_RELATIVE = ("standing", "value")


@dataclass(frozen=True)
class ExpertSpec:
    """How the expert scores of one cell become one score (see ``nidb.evaluation.experts.aggregate_scores``)."""

    method: str = "trimmed_mean"
    trim_min_experts: int = 5
    trim_count: int = 1


@dataclass(frozen=True)
class RatingData:
    """What a base-year needs to be rated (Art. 19 「参加评价须提交…示范基地年度报表」, Art. 20
    「定量和定性相结合」): the annual form, and at least ``min_quantitative_coverage`` of the
    quantitative indicators computable from it."""

    annual_form_required: bool = True
    min_quantitative_coverage: float = 0.8


@dataclass(frozen=True)
class EvaluationMethod:
    """A validated evaluation method: engine recipe, expert rule, star rule, special evaluations."""

    engine: Method
    stars: StarRule
    experts: ExpertSpec = ExpertSpec()
    peer_relative: str = "standing"
    parameters: Mapping[str, Any] = field(default_factory=dict)
    special: tuple[SpecialEvaluation, ...] = ()
    top_n: int = 20
    rating_data: RatingData = RatingData()
    name: str = "evaluation"
    source: str = "<method>"


def load_evaluation_method(path: str | Path | None = None, framework: Framework | None = None) -> EvaluationMethod:
    """Read and validate an evaluation method YAML (the packaged default when ``path`` is None)."""
    path = Path(path) if path is not None else DEFAULT_METHOD_PATH
    raw = anchor_tables(read_yaml(path), path.parent)
    return evaluation_method_from_mapping(raw, source=str(path), framework=framework)


def evaluation_method_from_mapping(
    raw: Any, *, source: str = "<method>", framework: Framework | None = None
) -> EvaluationMethod:
    """Validate a parsed evaluation method; ``ConfigError`` names the file and key path."""

    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(f"{source}，键 {key}：{message}")

    if not isinstance(raw, Mapping):
        raise fail("(根)", "应为映射（键: 值）")
    check_kind(dict(raw), "evaluation", source)
    engine_part = {k: v for k, v in raw.items() if k not in EVALUATION_KEYS}
    engine = method_from_mapping(engine_part, source=source)
    if "stars" not in raw:
        raise fail("stars", "评价方法必须给出星级规则")
    stars = StarRule.from_mapping(raw["stars"], source=source, path="stars")

    exp = raw.get("experts") or {}
    if not isinstance(exp, Mapping) or set(exp) - {"method", "trim_min_experts", "trim_count"}:
        raise fail("experts", "应为映射，键为 method、trim_min_experts、trim_count")
    experts = ExpertSpec(**{**ExpertSpec().__dict__, **exp})
    if experts.method not in AGGREGATION_METHODS:
        raise fail("experts.method", f"取值「{experts.method}」无效，可选：{', '.join(AGGREGATION_METHODS)}")
    for key in ("trim_min_experts", "trim_count"):
        value = getattr(experts, key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise fail(f"experts.{key}", f"应为非负整数，实际为「{value}」")
    if experts.trim_min_experts < 2 * experts.trim_count + 1:
        raise fail("experts.trim_min_experts", "须不少于 2×trim_count+1")

    peer = raw.get("peer_relative", "standing")
    if peer not in PEER_RELATIVE:
        raise fail("peer_relative", f"取值「{peer}」无效，可选：{', '.join(PEER_RELATIVE)}")
    params = raw.get("parameters") or {}
    if not isinstance(params, Mapping):
        raise fail("parameters", "应为映射：框架参数名 → 取值")
    if framework is not None and params:
        check_parameters(framework, dict(params), source)
    special, top_n = parse_special(raw.get("special"), source=source)
    rd = raw.get("rating_data") or {}
    if not isinstance(rd, Mapping) or set(rd) - {"annual_form_required", "min_quantitative_coverage"}:
        raise fail("rating_data", "应为映射，键为 annual_form_required、min_quantitative_coverage")
    rating_data = RatingData(**{**RatingData().__dict__, **rd})
    if not isinstance(rating_data.annual_form_required, bool):
        raise fail("rating_data.annual_form_required", f"应为 true 或 false，实际为「{rating_data.annual_form_required}」")
    coverage = rating_data.min_quantitative_coverage
    if isinstance(coverage, bool) or not isinstance(coverage, (int, float)) or not 0 <= coverage <= 1:
        raise fail("rating_data.min_quantitative_coverage", f"应为 0–1 之间的数，实际为「{coverage}」")
    name = raw.get("name", "evaluation")
    return EvaluationMethod(
        engine=engine,
        stars=stars,
        experts=experts,
        peer_relative=peer,
        parameters=dict(params),
        special=special,
        top_n=top_n,
        rating_data=rating_data,
        name=str(name),
        source=source,
    )
