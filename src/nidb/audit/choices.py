"""The uncertain choices of a method, declared in YAML, and their mapping from [0, 1).

An audit file (e.g. ``src/nidb/methods/audit-default.yaml``) lists the choices to vary,
each with its distribution. Every choice consumes a block of columns of a design
matrix ``U`` with values in [0, 1): a Monte Carlo design draws ``U`` from a seeded
generator, a Sobol design takes it from SALib's Saltelli/Sobol sequence, and one
decoder maps both to method parameters, so the two analyses vary exactly the same
things. The mapping (documented in docs/audit.md):

* ``weights`` — one column per weighted node; weight × (1 + a·(2u − 1)), i.e. a factor
  uniform on [1 − a, 1 + a] with ``a`` the relative noise of the node's level.
* ``discrete`` — one column; level ``j`` when u falls in the j-th interval of the
  cumulative probabilities (equal by default: ``j = floor(u·k)``).
* ``uniform`` — one column per range; ``low + u·(high − low)``; with ``grid: g`` the
  value is snapped to the g equally spaced points from low to high (``floor(u·g)``),
  needed when the choice changes the normalised data and each value is precomputed.
  Star criteria ranges may not overlap across star levels, so every draw keeps the
  rule monotone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nidb.errors import ConfigError
from nidb.evaluation.stars import CRITERIA as STAR_CRITERIA
from nidb.evaluation.stars import StarRule
from nidb.yamlfile import check_kind, read_yaml

KINDS = ("weights", "discrete", "uniform")
METHODS_DIR = Path(__file__).resolve().parent.parent / "methods"


@dataclass(frozen=True)
class Choice:
    """One uncertain choice.

    ``target`` says where the value goes, derived from the parameter path: ``weights``
    (the weight vector), ``aggregation`` (path ``aggregate``), ``stars`` (uniform on
    paths ``stars.levels.<star>.<criterion>``, or discrete on ``stars``: whole star
    rules; applied in the batch kernel) or ``pipeline``
    (any other method parameter: it changes the normalised data and each of its values
    is precomputed once).
    """

    name: str
    kind: str
    target: str
    parameters: tuple[str, ...] = ()  # dotted paths in the method (one per range for uniform)
    levels: tuple = ()  # discrete levels (values as in the method file)
    probabilities: tuple[float, ...] = ()
    ranges: tuple[tuple[float, float], ...] = ()  # uniform: one (low, high) per parameter
    grid: int | None = None
    relative: tuple[float, ...] = ()  # weights: noise per framework level (1 = indicators)
    zh: str = ""

    @property
    def width(self) -> int:
        """Columns of the design this choice consumes (weights: set by the framework)."""
        if self.kind == "uniform":
            return len(self.ranges)
        return 1

    def labels(self) -> list[str]:
        """Short text label of each discrete level."""
        return [level_label(v) for v in self.levels]


def target_of(path: str) -> str:
    """Where a method parameter is applied: aggregation, stars or the data pipeline."""
    head = path.split(".")[0]
    return {"aggregate": "aggregation", "stars": "stars"}.get(head, "pipeline")


def level_label(value: object) -> str:
    """Text label of a level: its ``label`` or ``method`` key for a mapping, else the value."""
    if isinstance(value, Mapping):
        if "label" in value:
            return str(value["label"])
        return json.dumps(dict(value), ensure_ascii=False, sort_keys=True)
    return str(value)


def level_value(value: object) -> object:
    """A level as applied to the method: a mapping without its display ``label``."""
    if isinstance(value, Mapping):
        return {k: v for k, v in value.items() if k != "label"}
    return value


@dataclass(frozen=True)
class AuditSpec:
    """A validated audit file."""

    source: str
    base_method: str | None
    stars: StarRule | None  # used when the base method has no star rule (e.g. ASEM)
    seed: int
    runs: int
    chunk_size: int
    sobol_base_samples: int
    sobol_resamples: int
    sobol_confidence: float
    choices: tuple[Choice, ...]


def _err(source: str, key: str, message: str) -> ConfigError:
    return ConfigError(f"{source}，{key}：{message}")


def _number(source: str, key: str, value: object, *, positive: bool = False, integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
        raise _err(source, key, f"应为数值，实际为「{value}」")
    if integer and int(value) != value:
        raise _err(source, key, f"应为整数，实际为「{value}」")
    if positive and value <= 0:
        raise _err(source, key, f"应大于 0，实际为「{value}」")
    return int(value) if integer else float(value)


def _parse_choice(source: str, name: str, raw: object) -> Choice:
    key = f"choices.{name}"
    if not isinstance(raw, Mapping):
        raise _err(source, key, "应为映射（kind、target 等键）")
    allowed = {"kind", "parameter", "levels", "probabilities", "ranges", "low", "high", "grid", "relative", "zh", "doc"}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise _err(source, key, f"未知的键：{', '.join(unknown)}")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise _err(source, f"{key}.kind", f"取值「{kind}」无效，可选：{', '.join(KINDS)}")
    zh = str(raw.get("zh", name))
    if kind == "weights":
        rel = raw.get("relative", 0.25)
        rel = rel if isinstance(rel, list) else [rel]
        values = tuple(_number(source, f"{key}.relative", v) for v in rel)
        if any(not 0 <= v < 1 for v in values):
            raise _err(source, f"{key}.relative", "相对扰动幅度应在 [0, 1) 之间（权重须保持为正）")
        return Choice(name=name, kind=kind, target="weights", relative=values, zh=zh)
    paths = raw.get("parameter")
    paths = paths if isinstance(paths, list) else [paths]
    if not paths or not all(isinstance(p, str) and p for p in paths):
        raise _err(source, f"{key}.parameter", "应给出方法文件中的参数路径（如 impute、normalise、aggregate、stars.levels.5.top_share）")
    if any(p.split(".")[0] == "weights" for p in paths):
        raise _err(source, f"{key}.parameter", "审计按方法的名义权重计算，不能以 parameter 改变权重"
                   "（否则该选择不起作用）；权重的不确定性请用 kind: weights（relative: 相对扰动幅度）表示")
    targets = {target_of(p) for p in paths}
    if len(targets) > 1:
        raise _err(source, f"{key}.parameter", "一个选择的各参数须属于同一类（数据处理、加总或星级）")
    target = targets.pop()
    if target == "stars" and kind == "uniform":
        for p in paths:
            parts = p.split(".")
            if len(parts) != 4 or parts[1] != "levels" or parts[2] not in {"2", "3", "4", "5"} or parts[3] not in STAR_CRITERIA:
                raise _err(source, f"{key}.parameter", f"星级参数路径应为 stars.levels.<2–5>.<{'|'.join(STAR_CRITERIA)}>，实际为「{p}」")
    if kind == "discrete":
        if len(paths) != 1:
            raise _err(source, f"{key}.parameter", "离散选择只能设置一个参数")
        if target == "stars" and paths[0] != "stars":
            raise _err(source, f"{key}.parameter", "离散的星级选择须替换整个星级规则（parameter: stars）")
        levels = raw.get("levels")
        if not isinstance(levels, list) or len(levels) < 2:
            raise _err(source, f"{key}.levels", "离散选择至少需要两个取值")
        if target == "stars":
            for i, level in enumerate(levels):
                StarRule.from_mapping(level_value(level), source=source, path=f"{key}.levels[{i}]")
        probs = raw.get("probabilities")
        if probs is None:
            probs = [1.0 / len(levels)] * len(levels)
        if not isinstance(probs, list) or len(probs) != len(levels):
            raise _err(source, f"{key}.probabilities", "概率个数应与取值个数相同")
        probs = [_number(source, f"{key}.probabilities", p) for p in probs]
        if any(p < 0 for p in probs) or abs(sum(probs) - 1.0) > 1e-9:
            raise _err(source, f"{key}.probabilities", f"概率应非负且总和为 1，实际总和为 {sum(probs):g}")
        return Choice(name, kind, target, tuple(paths), tuple(levels), tuple(probs), zh=zh)
    if target == "aggregation":
        raise _err(source, f"{key}.kind", "加总方法只能是离散选择")
    if "ranges" in raw:
        ranges_raw = raw["ranges"]
        if not isinstance(ranges_raw, list) or not ranges_raw:
            raise _err(source, f"{key}.ranges", "应为 [下限, 上限] 的列表")
    else:
        ranges_raw = [[raw.get("low"), raw.get("high")]]
    if len(ranges_raw) != len(paths):
        raise _err(source, f"{key}.ranges", f"区间个数（{len(ranges_raw)}）应与参数个数（{len(paths)}）相同")
    ranges = []
    for i, pair in enumerate(ranges_raw):
        if not isinstance(pair, list) or len(pair) != 2:
            raise _err(source, f"{key}.ranges[{i}]", "应为 [下限, 上限]")
        low = _number(source, f"{key}.ranges[{i}]", pair[0])
        high = _number(source, f"{key}.ranges[{i}]", pair[1])
        if not low < high:
            raise _err(source, f"{key}.ranges[{i}]", f"下限 {low:g} 应小于上限 {high:g}")
        ranges.append((low, high))
    grid = raw.get("grid")
    if grid is not None:
        grid = _number(source, f"{key}.grid", grid, integer=True)
        if grid < 2:
            raise _err(source, f"{key}.grid", "网格点数至少为 2")
    if target == "pipeline" and (grid is None or len(ranges) != 1):
        raise _err(source, f"{key}.grid", "改变数据处理的连续选择须为单个区间并给出网格点数 grid（每个取值预先计算一次）")
    return Choice(name, kind, target, tuple(paths), ranges=tuple(ranges), grid=grid, zh=zh)


def _check_monotone(source: str, key: str, paths: list[str], ranges: list[tuple[float, float]]) -> None:
    """Ranges of one star criterion must not overlap across star levels (over all choices),
    so that every draw keeps the rule monotone (a higher star never easier to reach)."""
    by_criterion: dict[str, list[tuple[int, tuple[float, float]]]] = {}
    for p, rng in zip(paths, ranges):
        _, _, star, criterion = p.split(".")
        by_criterion.setdefault(criterion, []).append((int(star), rng))
    for criterion, items in by_criterion.items():
        items.sort(reverse=True)  # 5 stars first
        for (hi, r_hi), (lo, r_lo) in zip(items, items[1:]):
            ok = r_hi[1] <= r_lo[0] if criterion == "top_share" else r_lo[1] <= r_hi[0]
            if not ok:
                raise _err(source, f"{key}.ranges", f"{criterion} 在 {hi} 星与 {lo} 星的区间重叠，抽样可能使星级规则不单调")


def load_audit_spec(path: str | Path | None = None) -> AuditSpec:
    """Read and validate an audit file (default: the package's ``audit-default.yaml``)."""
    path = Path(path) if path is not None else METHODS_DIR / "audit-default.yaml"
    source = str(path)
    raw = read_yaml(path)
    if not isinstance(raw, Mapping):
        raise _err(source, "<根>", "应为映射")
    check_kind(raw, "audit", source)
    allowed = {"kind", "version", "base_method", "stars", "seed", "runs", "chunk_size", "sobol", "choices", "doc"}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise _err(source, "<根>", f"未知的键：{', '.join(unknown)}")
    if raw.get("version", 1) != 1:
        raise _err(source, "version", f"不支持的审计文件版本「{raw.get('version')}」（当前为 1）")
    seed = _number(source, "seed", raw.get("seed", 20231), integer=True)
    runs = _number(source, "runs", raw.get("runs", 1000), integer=True, positive=True)
    chunk = _number(source, "chunk_size", raw.get("chunk_size", 500), integer=True, positive=True)
    sobol = raw.get("sobol", {}) or {}
    if not isinstance(sobol, Mapping):
        raise _err(source, "sobol", "应为映射")
    n_base = _number(source, "sobol.base_samples", sobol.get("base_samples", 256), integer=True, positive=True)
    if n_base & (n_base - 1):
        raise _err(source, "sobol.base_samples", f"应为 2 的幂（Sobol 序列的平衡性要求），实际为 {n_base}")
    resamples = _number(source, "sobol.bootstrap", sobol.get("bootstrap", 1000), integer=True, positive=True)
    conf = _number(source, "sobol.confidence", sobol.get("confidence", 0.95))
    if not 0 < conf < 1:
        raise _err(source, "sobol.confidence", "置信水平应在 (0, 1) 之间")
    choices_raw = raw.get("choices")
    if not isinstance(choices_raw, Mapping) or not choices_raw:
        raise _err(source, "choices", "至少需要声明一个不确定选择")
    choices = tuple(_parse_choice(source, str(name), spec) for name, spec in choices_raw.items())
    if sum(c.kind == "weights" for c in choices) > 1:
        raise _err(source, "choices", "权重扰动只能声明一次")
    if sum(c.target == "aggregation" for c in choices) > 1:
        raise _err(source, "choices", "加总方法只能由一个选择声明")
    paths = [p for c in choices for p in c.parameters]
    repeated = sorted({p for p in paths if paths.count(p) > 1})
    if repeated:
        raise _err(source, "choices", f"同一参数被多个选择声明：{', '.join(repeated)}")
    if any(c.target == "stars" and c.kind == "discrete" for c in choices) and sum(c.target == "stars" for c in choices) > 1:
        raise _err(source, "choices", "替换整个星级规则的离散选择不能与星级条件的连续选择同时声明")
    star_paths = [(p, r) for c in choices if c.target == "stars" for p, r in zip(c.parameters, c.ranges)]
    _check_monotone(source, "choices", [p for p, _ in star_paths], [r for _, r in star_paths])
    stars_raw = raw.get("stars")
    stars = None if stars_raw is None else StarRule.from_mapping(stars_raw, source=source, path="stars")
    base = raw.get("base_method")
    return AuditSpec(
        source=source,
        base_method=None if base is None else str(base),
        stars=stars,
        seed=seed,
        runs=runs,
        chunk_size=chunk,
        sobol_base_samples=n_base,
        sobol_resamples=resamples,
        sobol_confidence=conf,
        choices=choices,
    )


def design_width(choices: tuple[Choice, ...], n_weighted: int) -> list[int]:
    """Columns of the design consumed by each choice, in order."""
    return [n_weighted if c.kind == "weights" else c.width for c in choices]


def level_index(u: np.ndarray, choice: Choice) -> np.ndarray:
    """Index of the level (discrete) or grid point (uniform with ``grid``) per design row,
    from the choice's block (R, 1) of the design."""
    u = np.clip(np.asarray(u, dtype=float)[:, 0], 0.0, np.nextafter(1.0, 0.0))
    if choice.kind == "discrete":
        edges = np.cumsum(choice.probabilities)[:-1]
        return np.searchsorted(edges, u, side="right")
    return np.floor(u * choice.grid).astype(int)


def decode(u: np.ndarray, choice: Choice, weight_levels: np.ndarray | None = None) -> np.ndarray:
    """Map a block of the design (R, width) in [0, 1) to the choice's values.

    weights: multiplicative factors (R, n_weighted), ``weight_levels`` giving the framework
    level of each weighted node; discrete: level indices (R,); uniform: values
    (R, n_ranges).
    """
    u = np.clip(np.asarray(u, dtype=float), 0.0, np.nextafter(1.0, 0.0))
    if choice.kind == "weights":
        rel = np.asarray(choice.relative)
        amplitude = rel[np.minimum(weight_levels - 1, len(rel) - 1)]
        return 1.0 + amplitude * (2.0 * u - 1.0)
    if choice.kind == "discrete":
        return level_index(u, choice)
    lows = np.array([r[0] for r in choice.ranges])
    highs = np.array([r[1] for r in choice.ranges])
    if choice.grid is not None:
        u = level_index(u, choice)[:, None] / (choice.grid - 1)
    return lows + u * (highs - lows)
