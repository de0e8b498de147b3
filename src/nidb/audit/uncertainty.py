"""Monte Carlo uncertainty analysis of ranks and stars over a method's uncertain choices.

A :class:`Problem` is prepared once: the nominal engine run (scores, ranks, stars), the
normalised matrix of every combination of data-pipeline choices that the design uses
(imputation, outlier treatment, normalisation, …; each computed once by the engine and
reused), and the nominal weights. Replications are then evaluated in chunks as one
array computation each (:func:`evaluate`): weights as an (R, n_weighted) array,
normalised matrices gathered from the precomputed stack, aggregation level by level by
the engine's vectorised :func:`~nidb.engine.aggregate.aggregate_level`, ranks and stars
for all replications at once. The design is drawn from one seeded generator before chunking, so results do
not depend on the chunk size or on where chunks run (locally or on a Dask cluster).
"""

from __future__ import annotations

import copy
import itertools
import warnings
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from nidb.audit.batch import (
    aggregate_codes,
    gate_minimum,
    level_plan,
    rank_desc,
    root_of,
    score_levels,
)
from nidb.audit.choices import (
    AuditSpec,
    Choice,
    decode,
    design_width,
    level_index,
    level_label,
    level_value,
)
from nidb.audit.subject import Subject
from nidb.engine.framework_table import Hierarchy
from nidb.engine.method import AggregateSpec, Method, method_from_mapping
from nidb.engine.run import normalise_indicators, prepare_indicators, run
from nidb.errors import ConfigError
from nidb.evaluation.stars import StarRule, assign_stars, assign_stars_batch

if TYPE_CHECKING:
    from dask.distributed import Client

STAR_VALUES = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Problem:
    """Everything a chunk of replications needs; small enough to ship to Dask workers."""

    hierarchy: Hierarchy
    units: pd.Index
    choices: tuple[Choice, ...]
    offsets: tuple[int, ...]  # first design column of each choice
    widths: tuple[int, ...]
    weights: np.ndarray  # nominal flat weights over hierarchy.weighted_codes
    weight_levels: np.ndarray  # framework level of each weighted node
    variants: np.ndarray  # (n_variants, n_units, n_indicators), pipeline combinations in row-major order
    radices: tuple[int, ...]  # number of levels of each pipeline choice
    aggregations: tuple[AggregateSpec, ...]  # nominal first, then the aggregation choice's levels
    stars: StarRule | None
    star_rules: tuple[StarRule, ...]  # levels of a discrete choice of whole star rules (else empty)
    gate_nodes: tuple[int, ...]  # aggregate columns whose minimum the star gate checks (dimensions)
    plan: tuple  # batch.level_plan of the hierarchy
    nominal_scores: pd.DataFrame  # units × nodes: normalised indicators, then every aggregate (engine run)
    nominal_ranks: np.ndarray  # (n_units,)
    nominal_stars: np.ndarray | None  # (n_units,) int8, 0 = not rated
    source: str = "<audit>"
    base_method: Method = field(default_factory=Method)

    @property
    def n_columns(self) -> int:
        return int(sum(self.widths))


def _set_path(raw: dict, path: str, value: object) -> None:
    keys = path.split(".")
    node = raw
    for key in keys[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[keys[-1]] = copy.deepcopy(value)


def _pipeline_value(choice: Choice, index: int) -> object:
    if choice.kind == "discrete":
        return level_value(choice.levels[index])
    low, high = choice.ranges[0]
    return float(low + index * (high - low) / (choice.grid - 1))


def _radix(choice: Choice) -> int:
    return len(choice.levels) if choice.kind == "discrete" else int(choice.grid)


def pipeline_codes(u: np.ndarray, choices: tuple[Choice, ...], offsets: tuple[int, ...]) -> np.ndarray:
    """Level index of every pipeline choice per design row: (R, n_pipeline_choices)."""
    cols = [level_index(u[:, o : o + 1], c) for c, o in zip(choices, offsets) if c.target == "pipeline"]
    return np.column_stack(cols) if cols else np.zeros((len(u), 0), dtype=int)


def prepare(subject: Subject, spec: AuditSpec, *, gate_level: int = 2) -> Problem:
    """Nominal run and the precomputed normalised matrix of every combination of pipeline choices.

    Each pipeline choice replaces the value at its parameter path of the subject's base
    method mapping; the subject turns the mapping into engine input (its data step may
    depend on the method, e.g. the expert-score rule) and the engine validates and runs
    it. Data tables and pre-normalisation steps shared by several combinations are
    computed once. ``gate_level`` is the framework level whose minimum score a star
    gate (``min_dimension``) checks.
    """
    hierarchy = subject.hierarchy
    root_of(hierarchy)
    source = spec.source
    base = method_from_mapping(subject.engine_part(subject.method_raw), source=subject.method_source or f"{source}（基准方法）")
    data_cache = {subject.data_key(subject.method_raw): subject.data_for(subject.method_raw)}
    nominal = run(data_cache[subject.data_key(subject.method_raw)], hierarchy, base)
    units = nominal.scores.index
    stars = subject.stars if subject.stars is not None else spec.stars
    if stars is None and any(c.target == "stars" for c in spec.choices):
        raise ConfigError(f"{source}：声明了星级选择，但基准方法和审计文件都没有星级规则（stars）")
    widths = design_width(spec.choices, len(hierarchy.weighted_codes))
    offsets = tuple(int(x) for x in np.concatenate([[0], np.cumsum(widths)[:-1]]))
    pipeline = [c for c in spec.choices if c.target == "pipeline"]
    combos = list(itertools.product(*[range(_radix(c)) for c in pipeline]))
    matrices = []
    prepared_cache: dict[str, pd.DataFrame] = {}  # data step + pre-normalisation steps, shared
    for combo in combos:
        raw = copy.deepcopy(dict(subject.method_raw))
        for c, j in zip(pipeline, combo):
            _set_path(raw, c.parameters[0], _pipeline_value(c, j))
        label = "、".join(f"{c.name}={level_label(_pipeline_value(c, j))}" for c, j in zip(pipeline, combo))
        m = method_from_mapping(subject.engine_part(raw), source=f"{source}（{label}）")
        data_key = subject.data_key(raw)
        if data_key not in data_cache:
            data_cache[data_key] = subject.data_for(raw)
        key = repr((data_key, m.denominate, m.impute, m.screen, m.treat))
        if key not in prepared_cache:
            prepared_cache[key] = prepare_indicators(data_cache[data_key], hierarchy, m).values
        values = prepared_cache[key]
        x = normalise_indicators(values.to_numpy(dtype=float), hierarchy, m.normalise)
        x = pd.DataFrame(x, index=values.index, columns=hierarchy.indicators).reindex(units).to_numpy()
        matrices.append(x)
    variants = np.stack(matrices) if matrices else nominal.normalised.to_numpy()[None]
    aggregations = [base.aggregate]
    agg_choice = next((c for c in spec.choices if c.target == "aggregation"), None)
    if agg_choice is not None:
        for level in agg_choice.levels:
            raw = copy.deepcopy(dict(subject.method_raw))
            _set_path(raw, agg_choice.parameters[0], level_value(level))
            label = f"{source}（{agg_choice.name}={level_label(level)}）"
            aggregations.append(method_from_mapping(subject.engine_part(raw), source=label).aggregate)
    _check_positive(variants, combos, pipeline, aggregations, source)
    weighted = hierarchy.weighted_codes
    aggregates = aggregate_codes(hierarchy)
    gate_nodes = tuple(aggregates.index(c) for c in hierarchy.codes_at(gate_level)) if hierarchy.top_level > gate_level else ()
    nominal_index = nominal.scores[root_of(hierarchy)]
    nominal_stars = None
    if stars is not None:
        dims = nominal.scores[hierarchy.codes_at(gate_level)] if gate_nodes else None
        nominal_stars = assign_stars(nominal_index, dims, stars).fillna(0).to_numpy(dtype=np.int8)
    return Problem(
        hierarchy=hierarchy,
        units=units,
        choices=spec.choices,
        offsets=offsets,
        widths=tuple(widths),
        weights=nominal.weights.to_numpy(dtype=float),
        weight_levels=hierarchy.nodes.loc[weighted, "level"].to_numpy(dtype=int),
        variants=variants,
        radices=tuple(_radix(c) for c in pipeline),
        aggregations=tuple(aggregations),
        stars=stars,
        star_rules=tuple(
            StarRule.from_mapping(level_value(level), source=source, path=f"choices.{c.name}")
            for c in spec.choices
            if c.target == "stars" and c.kind == "discrete"
            for level in c.levels
        ),
        gate_nodes=gate_nodes,
        plan=level_plan(hierarchy),
        nominal_scores=nominal.scores,
        nominal_ranks=nominal.ranks[root_of(hierarchy)].to_numpy(dtype=float),
        nominal_stars=nominal_stars,
        source=source,
        base_method=base,
    )


def _check_positive(variants, combos, pipeline, aggregations, source) -> None:
    """Geometric-type aggregation needs positive values: fail before any replication runs."""
    needs = [a for a in aggregations if (a.method == "geometric" or (a.method == "generalised" and a.power <= 0)) and a.zeros == "error"]
    if not needs:
        return
    bad = np.nanmin(np.where(np.isnan(variants), np.inf, variants), axis=(1, 2)) <= 0
    if bad.any():
        combo = combos[int(np.flatnonzero(bad)[0])]
        label = "、".join(f"{c.name}={level_label(_pipeline_value(c, j))}" for c, j in zip(pipeline, combo))
        raise ConfigError(
            f"{source}：加总选择含几何平均，但数据处理组合（{label}）的标准化值有零或负值；"
            "请改用下限大于 0 的标准化（如 min-max 1–100、功效系数 60–100）"
        )


def evaluate(problem: Problem, u: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Ranks (R, n_units) float and stars (R, n_units) int8 (None without a star rule) for design rows ``u``."""
    _, ranks, stars = evaluate_scores(problem, u)
    return ranks, stars


@dataclass(frozen=True)
class Settings:
    """The settings of R replications as the batch kernel applies them (decoded values)."""

    weights: np.ndarray  # (R, n_weighted): the weights used
    aggregation: np.ndarray  # (R,) index into problem.aggregations (0 = the base method's)
    variant: np.ndarray  # (R,) row of problem.variants (the pipeline combination)
    star_rule: np.ndarray | None = None  # (R,) index into problem.star_rules, for a discrete choice of rules
    star_values: Mapping[tuple[int, str], np.ndarray] = field(default_factory=dict)  # (star, criterion) → (R,)


def decode_settings(problem: Problem, u: np.ndarray) -> Settings:
    """The settings of design rows ``u`` (R, n_columns) in [0, 1)."""
    r = len(u)
    weights = np.broadcast_to(problem.weights, (r, problem.weights.size))
    which = np.zeros(r, dtype=int)
    star_values: dict[tuple[int, str], np.ndarray] = {}
    rule_of = None
    for c, o, w in zip(problem.choices, problem.offsets, problem.widths):
        block = u[:, o : o + w]
        if c.target == "weights":
            weights = weights * decode(block, c, problem.weight_levels)
        elif c.target == "aggregation":
            which = 1 + decode(block, c)
        elif c.target == "stars" and c.kind == "discrete":
            rule_of = decode(block, c)
        elif c.target == "stars":
            values = decode(block, c)
            for j, path in enumerate(c.parameters):
                _, _, star, criterion = path.split(".")
                star_values[(int(star), criterion)] = values[:, j]
    if any(c.target == "pipeline" for c in problem.choices):
        rows = np.ravel_multi_index(tuple(pipeline_codes(u, problem.choices, problem.offsets).T), problem.radices)
    else:
        rows = np.zeros(r, dtype=int)
    return Settings(weights=weights, aggregation=which, variant=rows, star_rule=rule_of, star_values=star_values)


def evaluate_scores(problem: Problem, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Index scores (R, n_units), ranks and stars (as :func:`evaluate`) for design rows ``u``."""
    return evaluate_settings(problem, decode_settings(problem, u))


def evaluate_settings(problem: Problem, settings: Settings) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Index scores (R, n_units), ranks and stars (as :func:`evaluate`) under decoded ``settings``."""
    scores = score_levels(
        problem.variants, problem.hierarchy, settings.weights, problem.aggregations, settings.aggregation,
        settings.variant, problem.plan,
    )
    index = scores[..., -1]
    ranks = rank_desc(index)
    if problem.stars is None:
        return index, ranks, None
    dim_min = gate_minimum(scores, problem.gate_nodes, index)
    rule_of = settings.star_rule
    if rule_of is None:
        return index, ranks, assign_stars_batch(index, problem.stars, dim_min, dict(settings.star_values), ranks)
    stars = np.zeros(index.shape, dtype=np.int8)
    for j in np.unique(rule_of):
        sel = np.flatnonzero(rule_of == j)
        stars[sel] = assign_stars_batch(index[sel], problem.star_rules[j], None if dim_min is None else dim_min[sel], None, ranks[sel])
    return index, ranks, stars


@dataclass(frozen=True)
class Replay:
    """Given settings evaluated: one row per setting, one column per unit."""

    design: pd.DataFrame  # the settings, decoded (:func:`design_table`)
    scores: pd.DataFrame  # index score
    ranks: pd.DataFrame  # 1 = best; missing when the unit has no index
    stars: pd.DataFrame | None  # 0 = not rated; None without a star rule


def _replayed(problem: Problem, design: pd.DataFrame, settings: Settings) -> Replay:
    index, ranks, stars = evaluate_settings(problem, settings)
    units = problem.units.astype(str)

    def frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values, columns=units).rename_axis(index="setting", columns="unit_id")

    return Replay(
        design=design,
        scores=frame(index),
        ranks=frame(ranks),
        stars=None if stars is None else frame(stars),
    )


def replay(problem: Problem, settings: np.ndarray | pd.DataFrame) -> Replay:
    """Evaluate a given list of settings (not a sampled design) and return scores, ranks, stars.

    ``settings`` has one row per parameter set and one column per design column of the
    audit (``problem.n_columns``), in [0, 1): the same coordinates the Monte Carlo draws
    and :func:`design_table` decodes — e.g. the ``design`` of an earlier run, or rows
    chosen to pin each choice at a level. Row order is kept. Settings written as values
    (a normalisation's label, a star cut-off, each node's weight) go to :func:`replay_values`.
    """
    u = np.asarray(settings, dtype=float)
    if u.ndim != 2 or u.shape[1] != problem.n_columns or ((u < 0) | (u >= 1)).any():
        raise ConfigError(f"{problem.source}：回放的参数组应为 {problem.n_columns} 列、取值在 [0, 1) 的表")
    return _replayed(problem, design_table(problem, u), decode_settings(problem, u))


def replay_values(problem: Problem, table: pd.DataFrame) -> Replay:
    """Evaluate settings written as values, one row per parameter set; return scores, ranks, stars.

    The columns are those of :func:`design_table` with ``node_weights=True``: each
    discrete choice by name holding a level's label (e.g. ``normalisation: zscore``),
    each uniform parameter by its path holding its value (``stars.levels.3.min_score:
    27.5``; a parameter that changes the data must be one of its grid points), and
    ``<weights choice>.<node code>`` holding each node's weight as used. The choices
    that change the data must be given; the columns of another choice left out take the
    base method's value (the weights: the nominal ones);
    ``<weights choice>.max_abs_change`` is a summary and is ignored. Replaying the
    decoded design of a run gives exactly that run's scores. Errors name the setting
    (row label) and the column.
    """
    settings = settings_from_values(problem, table)
    return _replayed(problem, table.reset_index(drop=True), settings)


def settings_from_values(problem: Problem, table: pd.DataFrame) -> Settings:
    """The :class:`Settings` of a table of values (see :func:`replay_values`), each cell checked."""
    source = problem.source
    if not isinstance(table, pd.DataFrame) or table.empty:
        raise ConfigError(f"{source}：回放的参数表应为非空的表（每行一组参数）")
    r = len(table)
    labels = [str(x) for x in table.index]

    def fail(row: int | None, column: str, message: str) -> ConfigError:
        where = f"列「{column}」" if row is None else f"第 {row + 1} 组参数（行标签 {labels[row]}），列「{column}」"
        return ConfigError(f"{source}：回放参数表，{where}：{message}")

    known: set[str] = set()
    weights = np.array(np.broadcast_to(problem.weights, (r, problem.weights.size)))
    which = np.zeros(r, dtype=int)
    star_values: dict[tuple[int, str], np.ndarray] = {}
    rule_of = None
    codes: list[np.ndarray] = []
    for c in problem.choices:
        if c.target == "weights":
            columns = [f"{c.name}.{code}" for code in problem.hierarchy.weighted_codes]
            known.update(columns + [f"{c.name}.max_abs_change"])
            given = [name for name in columns if name in table.columns]
            if given and len(given) != len(columns):
                missing = next(name for name in columns if name not in table.columns)
                raise fail(None, missing, "给出节点权重时须给出每个可加权节点的权重（缺少这一列）")
            if given:
                weights = _numbers(table[columns], fail, low=0.0)
            continue
        if c.kind == "discrete":
            known.add(c.name)
            if c.name not in table.columns and c.target == "pipeline":
                raise fail(None, c.name, "改变数据处理的选择须给出取值（只有审计声明的各取值预先计算过）")
            index = _level_indices(table[c.name], c, fail) if c.name in table.columns else None
            if c.target == "pipeline":
                codes.append(index)
            elif c.target == "aggregation" and index is not None:
                which = 1 + index
            elif c.target == "stars" and index is not None:
                rule_of = index
            continue
        known.update(c.parameters)
        for j, path in enumerate(c.parameters):
            low, high = c.ranges[j]
            if path not in table.columns:
                if c.target == "pipeline":
                    raise fail(None, path, "改变数据处理的参数须给出取值（只有审计声明的各网格点预先计算过）")
                continue
            values = _numbers(table[[path]], fail, low=low, high=high)[:, 0]
            if c.target == "pipeline":
                step = (high - low) / (c.grid - 1)
                index = np.rint((values - low) / step).astype(int)
                off = np.abs(low + index * step - values) > 1e-9 * (high - low)
                if off.any():
                    row = int(np.flatnonzero(off)[0])
                    points = "、".join(f"{low + k * step:g}" for k in range(c.grid))
                    raise fail(row, path, f"取值 {values[row]:g} 不是预先计算的网格点（{points}）")
                codes.append(index)
            else:
                _, _, star, criterion = path.split(".")
                star_values[(int(star), criterion)] = values
    unknown = [str(col) for col in table.columns if str(col) not in known]
    if unknown:
        raise fail(None, unknown[0], f"不是本审计的选择；可用的列：{'、'.join(sorted(known))}")
    rows = np.ravel_multi_index(tuple(codes), problem.radices) if codes else np.zeros(r, dtype=int)
    if problem.stars is not None and rule_of is None and star_values:
        _check_star_order(problem, star_values, fail)
    return Settings(weights=weights, aggregation=which, variant=rows, star_rule=rule_of, star_values=star_values)


def _numbers(block: pd.DataFrame, fail, *, low: float | None = None, high: float | None = None) -> np.ndarray:
    """The cells of ``block`` as finite numbers within [low, high]; the first bad cell raises."""
    values = block.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if low is not None:
        bad |= values < low
    if high is not None:
        bad |= values > high
    if bad.any():
        row, col = (int(x[0]) for x in np.nonzero(bad))
        bounds = "" if low is None else f"，应在 [{low:g}, {high:g}] 之间" if high is not None else f"，应不小于 {low:g}"
        raise fail(row, str(block.columns[col]), f"取值「{block.iat[row, col]}」无效{bounds}")
    return values


def _level_indices(column: pd.Series, choice: Choice, fail) -> np.ndarray:
    """The level index of each label in ``column`` (labels as :func:`design_table` prints them)."""
    labels = choice.labels()
    if len(set(labels)) != len(labels):
        raise fail(None, choice.name, "该选择的取值标签有重复，无法按标签回放（请在审计文件中给各取值不同的 label）")
    position = {label: i for i, label in enumerate(labels)}
    out = np.empty(len(column), dtype=int)
    for row, value in enumerate(column.astype("string")):
        if value not in position:
            raise fail(row, choice.name, f"取值「{value}」无效，可选：{'、'.join(labels)}")
        out[row] = position[value]
    return out


def _check_star_order(problem: Problem, star_values, fail) -> None:
    """Given star criteria must keep the rule monotone: a higher star never easier to reach."""
    by_criterion: dict[str, list[int]] = {}
    for star, criterion in star_values:
        by_criterion.setdefault(criterion, []).append(star)
    for criterion, stars in by_criterion.items():
        stars = sorted(stars, reverse=True)
        for hi, lo in zip(stars, stars[1:]):
            a, b = star_values[(hi, criterion)], star_values[(lo, criterion)]
            wrong = a > b if criterion == "top_share" else a < b
            if wrong.any():
                row = int(np.flatnonzero(wrong)[0])
                raise fail(row, f"stars.levels.{hi}.{criterion}", f"{hi} 星的 {criterion} 使其比 {lo} 星更容易达到，星级规则不单调")


def evaluate_chunked(
    problem: Problem, u: np.ndarray, chunk_size: int, client: Client | None = None, workers: int = 1
) -> tuple[np.ndarray, np.ndarray | None]:
    """Evaluate design rows ``u`` in chunks: locally (``workers`` threads; numpy releases the
    GIL in its array kernels) or on a ``dask.distributed`` ``client``.

    Chunks are evaluated independently and concatenated in order, so the result is
    identical whatever the chunk size, thread count or executor.
    """
    bounds = [(i, min(i + chunk_size, len(u))) for i in range(0, len(u), chunk_size)]
    if client is not None:
        # a fresh key per call: a hashed key would be shared with an earlier call's
        # scatter, which Dask may be releasing while this call needs it
        shared = client.scatter(problem, broadcast=True, hash=False)
        futures = [client.submit(evaluate, shared, u[a:b], pure=False) for a, b in bounds]
        parts = client.gather(futures)
    elif workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(lambda ab: evaluate(problem, u[ab[0] : ab[1]]), bounds))
    else:
        parts = [evaluate(problem, u[a:b]) for a, b in bounds]
    ranks = np.concatenate([p[0] for p in parts]).astype(np.float32)
    stars = None if parts[0][1] is None else np.concatenate([p[1] for p in parts])
    return ranks, stars


@dataclass(frozen=True)
class MonteCarlo:
    """Raw Monte Carlo output: the design and the ranks / stars of every replication."""

    problem: Problem
    design: np.ndarray  # (R, n_columns) in [0, 1)
    ranks: np.ndarray  # (R, n_units) float32
    stars: np.ndarray | None  # (R, n_units) int8
    seed: int


def monte_carlo(
    problem: Problem, runs: int, seed: int, chunk_size: int = 100, client: Client | None = None, workers: int = 1
) -> MonteCarlo:
    """Draw ``runs`` replications from a seeded generator and evaluate them in chunks."""
    u = np.random.default_rng(seed).random((runs, problem.n_columns))
    ranks, stars = evaluate_chunked(problem, u, chunk_size, client, workers)
    return MonteCarlo(problem=problem, design=u, ranks=ranks, stars=stars, seed=seed)


def replication_outputs(problem: Problem, ranks: np.ndarray, stars: np.ndarray | None) -> pd.DataFrame:
    """Per replication: mean absolute rank shift from the nominal ranks and share of units changing star."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        shift = np.nanmean(np.abs(ranks - problem.nominal_ranks[None, :]), axis=1)
    out = {"mean_abs_rank_shift": shift}
    if stars is not None:
        rated = problem.nominal_stars > 0
        out["share_star_changed"] = (stars[:, rated] != problem.nominal_stars[None, rated]).mean(axis=1)
    return pd.DataFrame(out)


def design_table(problem: Problem, u: np.ndarray, *, node_weights: bool = False) -> pd.DataFrame:
    """The choices each replication used, decoded (labels for discrete choices).

    The weights choice shows its largest relative change (``<name>.max_abs_change``);
    with ``node_weights`` also each node's weight as used (``<name>.<code>``), so that
    :func:`replay_values` replays the table exactly.
    """
    cols: dict[str, object] = {}
    for c, o, w in zip(problem.choices, problem.offsets, problem.widths):
        block = u[:, o : o + w]
        if c.target == "weights":
            factors = decode(block, c, problem.weight_levels)
            cols[f"{c.name}.max_abs_change"] = np.abs(factors - 1.0).max(axis=1)
            if node_weights:
                used = np.broadcast_to(problem.weights, factors.shape) * factors
                for j, code in enumerate(problem.hierarchy.weighted_codes):
                    cols[f"{c.name}.{code}"] = used[:, j]
        elif c.kind == "discrete":
            cols[c.name] = pd.array(np.asarray(c.labels(), dtype=object)[decode(block, c)], dtype="string")
        else:
            values = decode(block, c)
            for j, path in enumerate(c.parameters):
                cols[path] = values[:, j]
    return pd.DataFrame(cols)


def unit_summary(mc: MonteCarlo, names: pd.Series | None = None) -> pd.DataFrame:
    """Per unit: nominal score, rank and star; mean and median rank and 5–95 % interval; probability of
    each star and of being unrated (no index in a replication); most likely star and
    probability that the star differs from the nominal one (NaN for a unit not rated
    nominally)."""
    p = mc.problem
    ranks = mc.ranks.astype(float)
    root = root_of(p.hierarchy)
    out = pd.DataFrame(index=p.units)
    if names is not None:
        out["name"] = names.reindex(p.units).astype("string")
    out["nominal_score"] = p.nominal_scores[root].to_numpy()
    out["nominal_rank"] = p.nominal_ranks
    with warnings.catch_warnings():  # a unit never rated has all-NaN ranks: NaN, not a warning
        warnings.simplefilter("ignore", RuntimeWarning)
        out["mean_rank"] = np.nanmean(ranks, axis=0)
        out["median_rank"] = np.nanmedian(ranks, axis=0)
        out["rank_p05"] = np.nanquantile(ranks, 0.05, axis=0)
        out["rank_p95"] = np.nanquantile(ranks, 0.95, axis=0)
        out["mean_abs_rank_shift"] = np.nanmean(np.abs(ranks - p.nominal_ranks[None, :]), axis=0)
    if mc.stars is not None:
        rated = p.nominal_stars > 0
        out["nominal_stars"] = pd.Series(p.nominal_stars, index=p.units, dtype="Int64").where(rated)
        probs = np.stack([(mc.stars == s).mean(axis=0) for s in STAR_VALUES], axis=1)
        for j, s in enumerate(STAR_VALUES):
            out[f"p_star_{s}"] = probs[:, j]
        out["p_unrated"] = (mc.stars == 0).mean(axis=0)
        out["modal_stars"] = pd.Series(np.array(STAR_VALUES)[probs.argmax(axis=1)], index=p.units, dtype="Int64").where(rated)
        out["p_star_changed"] = np.where(rated, (mc.stars != p.nominal_stars[None, :]).mean(axis=0), np.nan)
    return out.rename_axis("unit_id").reset_index()


def star_share_summary(mc: MonteCarlo) -> pd.DataFrame:
    """Distribution over replications of the share of rated units at each star level."""
    p = mc.problem
    if mc.stars is None:
        return pd.DataFrame(columns=["stars", "nominal_share", "mean", "p05", "median", "p95"])
    rated = (mc.stars > 0).sum(axis=1)
    nominal_rated = max(int((p.nominal_stars > 0).sum()), 1)
    rows = []
    for s in sorted(STAR_VALUES, reverse=True):
        share = (mc.stars == s).sum(axis=1) / np.maximum(rated, 1)
        rows.append(
            {
                "stars": s,
                "nominal_share": float((p.nominal_stars == s).sum() / nominal_rated),
                "mean": float(share.mean()),
                "p05": float(np.quantile(share, 0.05)),
                "median": float(np.median(share)),
                "p95": float(np.quantile(share, 0.95)),
            }
        )
    return pd.DataFrame(rows)


def star_transitions(mc: MonteCarlo) -> pd.DataFrame:
    """Where the stars go: for the bases at each nominal star level, the share of all their
    replications that end at each star level (rows sum to 1 with ``p_unrated``)."""
    columns = ["nominal_stars", "n_units", *[f"p_star_{s}" for s in STAR_VALUES], "p_unrated"]
    if mc.stars is None:
        return pd.DataFrame(columns=columns)
    nominal = mc.problem.nominal_stars
    rows = []
    for level in sorted(set(nominal[nominal > 0].tolist()), reverse=True):
        block = mc.stars[:, nominal == level]
        rows.append([level, block.shape[1], *[(block == s).mean() for s in STAR_VALUES], (block == 0).mean()])
    out = pd.DataFrame(rows, columns=columns)
    return out.astype({"nominal_stars": "int64", "n_units": "int64"})


def overall_summary(mc: MonteCarlo) -> pd.DataFrame:
    """Headline figures: replications, seed, rank shift and star change distributions (long table)."""
    p = mc.problem
    per_rep = replication_outputs(p, mc.ranks, mc.stars)
    ranks = mc.ranks.astype(float)
    width = np.nanquantile(ranks, 0.95, axis=0) - np.nanquantile(ranks, 0.05, axis=0)
    rows = [
        ("runs", "重复次数", float(len(mc.ranks))),
        ("seed", "随机种子", float(mc.seed)),
        ("units", "评价对象数", float(len(p.units))),
        ("mean_abs_rank_shift", "平均绝对名次变动（各次均值）", float(per_rep["mean_abs_rank_shift"].mean())),
        ("mean_rank_interval_width", "名次 5–95% 区间平均宽度", float(np.nanmean(width))),
    ]
    if mc.stars is not None:
        rated = p.nominal_stars > 0
        changed = per_rep["share_star_changed"]
        ever = (mc.stars[:, rated] != p.nominal_stars[None, rated]).any(axis=0)
        often = (mc.stars[:, rated] != p.nominal_stars[None, rated]).mean(axis=0) >= 0.5
        rows += [
            ("share_star_changed_mean", "星级变化对象占比（各次均值）", float(changed.mean())),
            ("share_star_changed_p05", "星级变化对象占比（5% 分位）", float(changed.quantile(0.05))),
            ("share_star_changed_p95", "星级变化对象占比（95% 分位）", float(changed.quantile(0.95))),
            ("share_units_ever_changed", "至少一次星级变化的对象占比", float(ever.mean())),
            ("share_units_changed_half", "半数以上重复中星级变化的对象占比", float(often.mean())),
        ]
    return pd.DataFrame(rows, columns=["key", "label", "value"])
