"""Special evaluations (Art. 20 「针对创新能力、绿色发展、数字转型等开展专项评价」).

Each special evaluation is a sub-index over a set of indicators — by default one
dimension's indicators (innovation D2, green development D4, digital
transformation D3) — computed from the same normalised indicator scores and
weights as the annual evaluation, with the method's dimension-level aggregation.
It is declared in the ``special`` section of an evaluation method::

    special:
      top_n: 20
      evaluations:
        - {id: innovation, zh: 创新能力专项评价, dimension: D2}
        - {id: green, zh: 绿色发展专项评价, indicators: [I05, I19, I20, I21, I22]}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from nidb.engine import EngineResult, Hierarchy
from nidb.engine.aggregate import aggregate_level
from nidb.engine.method import AggregateSpec
from nidb.engine.rank import rank_units
from nidb.errors import ConfigError

SPECIAL_COLUMNS = ["unit_id", "year", "special_id", "special", "score", "rank", "top"]


@dataclass(frozen=True)
class SpecialEvaluation:
    """One special evaluation: an id, its Chinese name, and a dimension or an indicator list."""

    id: str
    zh: str
    dimension: str | None = None
    indicators: tuple[str, ...] = ()


def parse_special(raw: Any, source: str = "<method>") -> tuple[tuple[SpecialEvaluation, ...], int]:
    """Validate the ``special`` section: (evaluations, top_n)."""

    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(f"{source}，键 {key}：{message}")

    if raw is None:
        return (), 20
    if not isinstance(raw, Mapping) or set(raw) - {"top_n", "evaluations"}:
        raise fail("special", "应为映射，键为 top_n、evaluations")
    top_n = raw.get("top_n", 20)
    if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1:
        raise fail("special.top_n", f"应为正整数，实际为「{top_n}」")
    items = raw.get("evaluations") or []
    if not isinstance(items, list):
        raise fail("special.evaluations", "应为列表")
    out = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        key = f"special.evaluations[{i}]"
        if not isinstance(item, Mapping) or set(item) - {"id", "zh", "dimension", "indicators"}:
            raise fail(key, "应为映射，键为 id、zh、dimension 或 indicators")
        if not isinstance(item.get("id"), str) or not isinstance(item.get("zh"), str):
            raise fail(key, "须给出字符串 id 与 zh")
        if item["id"] in seen:
            raise fail(f"{key}.id", f"专项评价编号「{item['id']}」重复")
        seen.add(item["id"])
        has_dim, has_ind = "dimension" in item, "indicators" in item
        if has_dim == has_ind:
            raise fail(key, "dimension 与 indicators 须且只须给出其一")
        if has_ind and (not isinstance(item["indicators"], list) or not item["indicators"]):
            raise fail(f"{key}.indicators", "应为非空的指标编号列表")
        out.append(
            SpecialEvaluation(
                id=item["id"],
                zh=item["zh"],
                dimension=str(item["dimension"]) if has_dim else None,
                indicators=tuple(str(c) for c in item.get("indicators", ())),
            )
        )
    return tuple(out), top_n


def special_scores(
    result: EngineResult,
    hierarchy: Hierarchy,
    specials: tuple[SpecialEvaluation, ...],
    aggregate: AggregateSpec,
    year: int,
    *,
    top_n: int,
    source: str = "<method>",
) -> pd.DataFrame:
    """Sub-index, rank (1 best, ties share the best rank) and top-list flag per unit and special evaluation.

    ``aggregate`` is the evaluation method's aggregation (its dimension level is used).

    All special evaluations are one aggregation: an indicator × special-evaluation
    membership matrix over the normalised scores, with the indicators' weights. Rows
    come in method order of the special evaluations, units in engine order.
    """
    if not specials:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in SPECIAL_COLUMNS})
    codes = list(result.normalised.columns)  # the hierarchy's indicators, in order
    parents = hierarchy.nodes.loc[codes, "parent"].to_numpy()
    membership = np.zeros((len(codes), len(specials)))
    for j, spec in enumerate(specials):
        covered = parents == spec.dimension if spec.dimension is not None else np.isin(codes, spec.indicators)
        unknown = sorted(set(spec.indicators) - set(codes))
        if not covered.any() or unknown:
            what = spec.dimension if spec.dimension is not None else ", ".join(unknown or spec.indicators)
            raise ConfigError(f"{source}，键 special（{spec.id}）：框架中没有「{what}」的指标")
        membership[covered, j] = 1.0
    rule = aggregate.for_level(2)
    values = result.normalised[codes].to_numpy(dtype="float64")
    weights = result.weights[codes].to_numpy(dtype="float64")
    score = aggregate_level(values, weights, membership, rule.method, rule.power, aggregate.zeros)
    rank = rank_units(score)
    n_units, n_special = score.shape
    flat_rank = rank.T.ravel()
    unit_row, special_row = np.tile(np.arange(n_units), n_special), np.repeat(np.arange(n_special), n_units)
    return pd.DataFrame(
        {
            "unit_id": result.normalised.index.astype("string").array.take(unit_row),
            "year": np.int64(year),
            "special_id": pd.array([s.id for s in specials], dtype="string").take(special_row),
            "special": pd.array([s.zh for s in specials], dtype="string").take(special_row),
            "score": score.T.ravel(),
            "rank": pd.array(flat_rank, dtype="Float64").astype("Int64"),
            "top": flat_rank <= top_n,
        }
    )


def top_lists(special: pd.DataFrame) -> pd.DataFrame:
    """The top list of every special evaluation and year (the rows flagged ``top``), best first."""
    top = special[special["top"].astype(bool)]
    return top.sort_values(["year", "special_id", "rank", "unit_id"], ignore_index=True)
