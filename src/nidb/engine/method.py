"""An evaluation method as a YAML recipe: parsed, validated, with documented defaults.

Every key is optional; an omitted step takes its default (see ``docs/engine.md``)::

    name: asem-coinr-example
    denominate: true                      # default false
    impute: {method: group_mean, group: EurAsia_group}   # default none
    screen: {min_availability: 0.9, min_nonzero: 0.05,   # default: no screening
             stage: after_imputation}
    treat: {method: jrc, skew_threshold: 2, kurtosis_threshold: 3.5,
            winsorise_max: 5, log: log_ct}                # default method none
    normalise: {method: minmax, low: 0, high: 100}        # default minmax 0–100
    weights: {scheme: framework, levels: {1: {scheme: entropy}}}  # default framework
    weights: {D2: 2, D4: 2}               # node weights at any level (the rest: framework)
    aggregate: {method: arithmetic, min_availability: null,
                levels: {4: {method: geometric}}}         # default arithmetic, no threshold

Unknown keys and invalid values raise :class:`ConfigError` naming the file and the
key path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nidb.engine.aggregate import AGGREGATIONS, ZERO_POLICIES
from nidb.engine.impute import IMPUTATIONS
from nidb.engine.normalise import NORMALISATIONS, TIES
from nidb.engine.treat import LOG_VARIANTS, TreatSpec
from nidb.engine.weight_table import WeightRow, anchor_tables, table_rows
from nidb.engine.weights import SCHEMES, ahp_weights
from nidb.errors import ConfigError
from nidb.keypath import KeyPathReader
from nidb.yamlfile import check_kind, read_yaml

if TYPE_CHECKING:
    from nidb.engine.framework_table import Hierarchy

SCREEN_STAGES = ("before_imputation", "after_imputation")
TREATMENTS = ("none", "jrc")
NORMALISE_PARAMS = {
    "minmax": ("low", "high"),
    "zscore": ("mean", "sd"),
    "goalposts": ("goalposts", "truncate", "scale"),
    "distance_to_target": ("targets", "cap", "scale"),
    "percentile_rank": ("ties", "scale"),
    "rank": ("ties",),
    "efficacy": ("base", "span", "bounds"),
}


@dataclass(frozen=True)
class ImputeSpec:
    method: str = "none"
    group: str | None = None


@dataclass(frozen=True)
class ScreenSpec:
    min_availability: float | None = None
    stage: str = "before_imputation"
    min_nonzero: float | None = None  # COINr nonzero_thresh (share of non-zero values present)


@dataclass(frozen=True)
class NormaliseSpec:
    method: str = "minmax"
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LevelWeights:
    scheme: str = "framework"
    values: Mapping[str, float] = field(default_factory=dict)
    matrices: Mapping[str, Mapping] = field(default_factory=dict)


@dataclass(frozen=True)
class WeightsSpec:
    """Weights rule per level; ``values`` holds node weights given without a level
    (``weights: {D2: 2}``) and ``table`` the rows of a weights table (``weights: 权重.csv``),
    both placed on their level by :meth:`by_level`."""

    scheme: str = "framework"
    levels: Mapping[int, LevelWeights] = field(default_factory=dict)
    values: Mapping[str, float] = field(default_factory=dict)
    table: tuple[WeightRow, ...] = ()

    def for_level(self, level: int) -> LevelWeights:
        """Weights rule of the nodes at ``level`` (within their parents)."""
        return self.levels.get(level, LevelWeights(scheme=self.scheme))

    def with_table(self, rows: tuple[WeightRow, ...]) -> WeightsSpec:
        """The same rule with a weights table added (``nidb score --weights``)."""
        if self.table:
            raise rows[0].error("code", "方法文件已给出权重表，不能再给一个")
        return replace(self, table=tuple(rows))

    def by_level(self, hierarchy: Hierarchy) -> WeightsSpec:
        """The same weights in the levels form: each node weight of ``values`` or of the
        table becomes a ``manual`` value of its level (``weights: {D2: 2}`` ≡
        ``weights.levels.2.D2: 2`` ≡ a table row ``D2, 2, 2``)."""
        if not self.values and not self.table:
            return self
        weighted = set(hierarchy.weighted_codes)
        given = [(code, weight, None) for code, weight in self.values.items()]
        given += [(row.code, row.weight, row) for row in self.table]
        levels = dict(self.levels)
        for code, weight, row in given:

            def fail(message: str, column: str = "code", row=row, code=code) -> ConfigError:
                return row.error(column, message) if row else ConfigError(f"weights.values.{code}：{message}")

            if code not in weighted:
                raise fail(f"框架中没有这个可加权的节点「{code}」（可加权的为各层有上级的节点）")
            level = int(hierarchy.nodes.at[code, "level"])
            if row is not None and row.level is not None and row.level != level:
                raise fail(f"节点「{code}」在框架中是第 {level} 层，表中写的是第 {row.level} 层", "level")
            if row is not None and code in self.values:
                raise fail(f"节点「{code}」的权重已在 weights 中直接给出")
            rule = levels.get(level, LevelWeights(scheme=self.scheme))
            if rule.scheme not in ("framework", "manual"):
                raise fail(f"第 {level} 层的权重方案为 {rule.scheme}，不能再给单个节点的权重")
            if code in rule.values:
                raise fail(f"已在 weights.levels.{level} 中给出")
            levels[level] = LevelWeights(scheme="manual", values={**rule.values, code: weight})
        return WeightsSpec(scheme=self.scheme, levels=levels)


@dataclass(frozen=True)
class LevelAggregation:
    method: str = "arithmetic"
    power: float = 1.0


@dataclass(frozen=True)
class AggregateSpec:
    method: str = "arithmetic"
    power: float = 1.0
    zeros: str = "error"
    min_availability: float | None = None
    levels: Mapping[int, LevelAggregation] = field(default_factory=dict)

    def for_level(self, level: int) -> LevelAggregation:
        """Aggregation producing the nodes of ``level`` (≥ 2)."""
        return self.levels.get(level, LevelAggregation(self.method, self.power))


@dataclass(frozen=True)
class Method:
    """A complete, validated evaluation method."""

    name: str = "default"
    description: str = ""
    denominate: bool = False
    impute: ImputeSpec = ImputeSpec()
    screen: ScreenSpec = ScreenSpec()
    treat: TreatSpec | None = None
    normalise: NormaliseSpec = NormaliseSpec()
    weights: WeightsSpec = WeightsSpec()
    aggregate: AggregateSpec = AggregateSpec()
    source: str = "<method>"


class _Reader(KeyPathReader):
    """Key-path aware access to a mapping, raising ConfigError with file and key path."""

    absent_mapping_is_empty = True

    def entries(self, value: Any, path: str) -> dict:
        """A mapping with free keys (codes, levels); empty when absent."""
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail(path, "应为映射（键: 值）")
        return dict(value)

    def level(self, key: Any, path: str) -> int:
        if isinstance(key, bool) or not isinstance(key, int) or key < 1:
            raise self.fail(path, f"层级键应为正整数，实际为「{key}」")
        return key


def _normalise(r: _Reader, raw: Any) -> NormaliseSpec:
    base = r.mapping(raw, "normalise", ("method", *sorted({p for ps in NORMALISE_PARAMS.values() for p in ps})))
    method = r.choice(base.pop("method", "minmax"), "normalise.method", NORMALISATIONS)
    allowed = NORMALISE_PARAMS[method]
    for key in base:
        if key not in allowed:
            raise r.fail(f"normalise.{key}", f"方法 {method} 不使用这个参数；可用：{', '.join(allowed) or '无'}")
    params: dict[str, Any] = {}
    for key, value in base.items():
        path = f"normalise.{key}"
        if key in ("truncate", "cap"):
            params[key] = r.flag(value, path)
        elif key == "ties":
            params[key] = r.choice(value, path, TIES)
        elif key in ("goalposts", "bounds"):
            pairs = r.entries(value, path)
            for code, pair in pairs.items():
                if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                    raise r.fail(f"{path}.{code}", "应为两个数 [下限, 上限]")
                a, b = (r.number(v, f"{path}.{code}") for v in pair)
                if a == b:
                    raise r.fail(f"{path}.{code}", "两个界值不能相等")
                pairs[code] = (a, b)
            params[key] = pairs
        elif key == "targets":
            targets = r.entries(value, path)
            params[key] = {c: r.number(v, f"{path}.{c}") for c, v in targets.items()}
        else:
            params[key] = r.number(value, path, low=0.0 if key in ("sd", "span", "scale") else None)
    if method == "minmax" and params.get("low", 0.0) >= params.get("high", 100.0):
        raise r.fail("normalise.high", "上限必须大于下限")
    if method in ("zscore",) and params.get("sd", 1.0) <= 0 or method == "efficacy" and params.get("span", 40.0) <= 0:
        raise r.fail("normalise", "尺度参数（sd / span）必须大于 0")
    return NormaliseSpec(method=method, params=params)


def _pairwise(r: _Reader, rows: list, path: str) -> list[list[float]]:
    """A pairwise matrix whose entries are numbers or Saaty fractions written as "1/3"."""
    out = []
    for i, row in enumerate(rows):
        if not isinstance(row, list):
            raise r.fail(f"{path}[{i}]", "每一行应为数值列表")
        values = []
        for j, cell in enumerate(row):
            try:
                value = float(Fraction(cell.strip())) if isinstance(cell, str) else cell
            except (ValueError, ZeroDivisionError):
                raise r.fail(f"{path}[{i}][{j}]", f"无法解析「{cell}」（应为数值或 1/3 这样的分数）") from None
            values.append(r.number(value, f"{path}[{i}][{j}]"))
        out.append(values)
    return out


WEIGHT_FORMS = (
    "可用的写法：节点代码 → 权重（任一层，如 weights: {D2: 2, D4: 2}，或写在 weights.values 下）；"
    "权重表（weights: 权重.csv 或 .xlsx，列为 code、level、weight；或 weights: [{code: D2, level: 2, weight: 2}, …]；"
    "与 scheme 等合用时写在 weights.table 下）；"
    f"scheme: 方案（{'、'.join(SCHEMES)}）；levels: {{层级: {{代码: 权重}}}}，"
    "或 levels: {层级: {scheme: …, values: …, matrices: …}}"
)
_WEIGHT_KEYS = ("scheme", "levels", "values", "table")
_LEVEL_KEYS = ("scheme", "values", "matrices")


def _code_weights(r: _Reader, plain: dict, given: Any, path: str) -> dict[str, float]:
    """Node weights given as a plain mapping beside the keywords (`plain`, read at `path`) and
    under `values` (`given`): ``{code: weight ≥ 0}``."""
    for code, value in plain.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise r.fail(f"{path}.{code}" if path else str(code), f"未知键（节点代码的值应为权重数值）。{WEIGHT_FORMS}")
    values = r.entries(given, f"{path}.values")
    repeated = sorted(set(map(str, plain)) & set(map(str, values)))
    if repeated:
        raise r.fail(f"{path}.values.{repeated[0]}", "这个节点的权重已直接写在上一层，不能重复给出")
    out = {str(c): r.number(v, f"{path}.{c}", low=0.0) for c, v in plain.items()}
    out.update({str(c): r.number(v, f"{path}.values.{c}", low=0.0) for c, v in values.items()})
    return out


def _ahp_matrices(r: _Reader, given: Any, path: str) -> dict:
    """The judgement matrices of an ``ahp`` level, each checked for consistency."""
    matrices = {}
    given = r.entries(given, f"{path}.matrices")
    if not given:
        raise r.fail(f"{path}.matrices", "ahp 权重需要至少一个判断矩阵")
    for parent, m in given.items():
        mp = f"{path}.matrices.{parent}"
        item = r.mapping(m, mp, ("order", "matrix"))
        order = item.get("order")
        if not isinstance(order, list) or not order or not all(isinstance(c, str) for c in order):
            raise r.fail(f"{mp}.order", "应为下级节点代码的列表")
        matrix = item.get("matrix")
        if not isinstance(matrix, list) or len(matrix) != len(order):
            raise r.fail(f"{mp}.matrix", f"应为 {len(order)} 阶方阵（与 order 一致）")
        matrix = _pairwise(r, matrix, f"{mp}.matrix")
        ahp_weights(matrix, key=f"{r.source}，键 {mp}.matrix")
        matrices[str(parent)] = {"order": order, "matrix": matrix}
    return matrices


def _weights(r: _Reader, raw: Any) -> WeightsSpec:
    """The weights section in any of its forms (:data:`WEIGHT_FORMS`); node weights given
    without a level stay in ``values`` until the framework places them
    (:meth:`WeightsSpec.by_level`)."""
    if raw is None:
        return WeightsSpec()
    if isinstance(raw, str) and raw in SCHEMES:
        raise r.fail("weights", f"权重方案应写作 weights: {{scheme: {raw}}}。{WEIGHT_FORMS}")
    if isinstance(raw, (str, list)):
        return WeightsSpec(table=table_rows(raw, "weights", r.source))
    if not isinstance(raw, Mapping):
        raise r.fail("weights", f"应为键值映射、权重表文件或权重表行的列表。{WEIGHT_FORMS}")
    base = dict(raw)
    table = () if base.get("table") is None else table_rows(base["table"], "weights.table", r.source)
    plain = {k: v for k, v in base.items() if str(k) not in _WEIGHT_KEYS}
    values = _code_weights(r, plain, base.get("values"), "weights")
    scheme = r.choice(base.get("scheme", "framework"), "weights.scheme", SCHEMES)
    if scheme == "manual" and (values or table):
        scheme = "framework"  # manual = framework weights with the listed nodes changed
    elif scheme in ("manual", "ahp"):
        where = "节点权重（如 weights: {D2: 2}）" if scheme == "manual" else "weights.levels.<层级>.matrices"
        raise r.fail("weights.scheme", f"{scheme} 需要给出{where}")
    if (values or table) and scheme != "framework":
        raise r.fail("weights.table" if table else "weights.values", f"节点权重只能与 framework 方案合用（weights.scheme 为 {scheme}）；改用 levels 分层给出")
    levels: dict[int, LevelWeights] = {}
    for key, spec in r.entries(base.get("levels"), "weights.levels").items():
        path = f"weights.levels.{key}"
        level = r.level(key, path)
        entry = r.mapping(spec, path)
        extra = {k: v for k, v in entry.items() if str(k) not in _LEVEL_KEYS}
        given = _code_weights(r, extra, entry.get("values"), path)
        lscheme = r.choice(entry.get("scheme", "manual" if given else "framework"), f"{path}.scheme", SCHEMES)
        if lscheme == "manual" and not given:
            raise r.fail(f"{path}.values", "manual 权重需要至少一个节点的权重")
        if given and lscheme != "manual":
            raise r.fail(f"{path}.values", f"节点权重属于 manual 方案，这一层的方案为 {lscheme}")
        if "matrices" in entry and lscheme != "ahp":
            raise r.fail(f"{path}.matrices", f"判断矩阵属于 ahp 方案，这一层的方案为 {lscheme}")
        matrices = _ahp_matrices(r, entry.get("matrices"), path) if lscheme == "ahp" else {}
        levels[level] = LevelWeights(scheme=lscheme, values=given, matrices=matrices)
    return WeightsSpec(scheme=scheme, levels=levels, values=values, table=table)


def _aggregation(r: _Reader, entry: dict, path: str, default: LevelAggregation) -> LevelAggregation:
    method = r.choice(entry.get("method", default.method), f"{path}.method", AGGREGATIONS)
    power = r.number(entry.get("power", default.power), f"{path}.power", low=-10.0, high=10.0)
    if method != "generalised" and "power" in entry:
        raise r.fail(f"{path}.power", "只有 generalised 汇总使用 power")
    return LevelAggregation(method=method, power=power)


def _aggregate(r: _Reader, raw: Any) -> AggregateSpec:
    base = r.mapping(raw, "aggregate", ("method", "power", "zeros", "min_availability", "levels"))
    top = _aggregation(r, base, "aggregate", LevelAggregation())
    zeros = r.choice(base.get("zeros", "error"), "aggregate.zeros", ZERO_POLICIES)
    levels = {}
    for key, spec in r.entries(base.get("levels"), "aggregate.levels").items():
        path = f"aggregate.levels.{key}"
        level = r.level(key, path)
        if level < 2:
            raise r.fail(path, "汇总层级从第 2 层开始（键为被汇总得到的层级）")
        levels[level] = _aggregation(r, r.mapping(spec, path, ("method", "power")), path, LevelAggregation())
    threshold = base.get("min_availability")
    if threshold is not None:
        threshold = r.number(threshold, "aggregate.min_availability", low=0.0, high=1.0)
    return AggregateSpec(method=top.method, power=top.power, zeros=zeros, min_availability=threshold, levels=levels)


def method_from_mapping(raw: Mapping | None, *, source: str = "<method>") -> Method:
    """Validate a parsed recipe (a mapping) and return the :class:`Method`."""
    r = _Reader(source)
    check_kind(raw, "engine", source)
    top = r.mapping(
        raw,
        "",
        ("kind", "name", "description", "denominate", "impute", "screen", "treat", "normalise", "weights", "aggregate"),
    )
    imp = r.mapping(top.get("impute"), "impute", ("method", "group"))
    impute = ImputeSpec(
        method=r.choice(imp.get("method", "none"), "impute.method", IMPUTATIONS), group=imp.get("group")
    )
    if impute.method.startswith("group_") and not isinstance(impute.group, str):
        raise r.fail("impute.group", f"方法 {impute.method} 需要分组列名")
    scr = r.mapping(top.get("screen"), "screen", ("min_availability", "min_nonzero", "stage"))
    screen = ScreenSpec(
        min_availability=None
        if scr.get("min_availability") is None
        else r.number(scr["min_availability"], "screen.min_availability", low=0.0, high=1.0),
        stage=r.choice(scr.get("stage", "before_imputation"), "screen.stage", SCREEN_STAGES),
        min_nonzero=None
        if scr.get("min_nonzero") is None
        else r.number(scr["min_nonzero"], "screen.min_nonzero", low=0.0, high=1.0),
    )
    tr = r.mapping(top.get("treat"), "treat", ("method", "skew_threshold", "kurtosis_threshold", "winsorise_max", "log"))
    treat = None
    if r.choice(tr.get("method", "none"), "treat.method", TREATMENTS) == "jrc":
        winmax = tr.get("winsorise_max", 5)
        if isinstance(winmax, bool) or not isinstance(winmax, int) or winmax < 0:
            raise r.fail("treat.winsorise_max", f"应为非负整数，实际为「{winmax}」")
        treat = TreatSpec(
            skew_threshold=r.number(tr.get("skew_threshold", 2.0), "treat.skew_threshold", low=0.0),
            kurtosis_threshold=r.number(tr.get("kurtosis_threshold", 3.5), "treat.kurtosis_threshold"),
            winsorise_max=winmax,
            log=r.choice(tr.get("log", "log_ct"), "treat.log", LOG_VARIANTS),
        )
    elif len(tr) > 1:
        raise r.fail("treat", "treat.method 为 none 时不能设置其他参数")
    name = top.get("name", "default")
    if not isinstance(name, str):
        raise r.fail("name", "应为字符串")
    return Method(
        name=name,
        description=str(top.get("description", "")),
        denominate=r.flag(top.get("denominate", False), "denominate"),
        impute=impute,
        screen=screen,
        treat=treat,
        normalise=_normalise(r, top.get("normalise")),
        weights=_weights(r, top.get("weights")),
        aggregate=_aggregate(r, top.get("aggregate")),
        source=source,
    )


def load_method(path: str | Path) -> Method:
    """Read and validate a method recipe YAML file."""
    path = Path(path)
    raw = anchor_tables(read_yaml(path), path.parent)
    return method_from_mapping(raw, source=str(path))


def packaged_method(name: str) -> Method:
    """A method recipe shipped in ``nidb/methods`` (e.g. ``asem-coinr-example``)."""
    path = Path(__file__).resolve().parent.parent / "methods" / f"{name}.yaml"
    return load_method(path)
