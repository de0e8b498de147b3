"""Peer-relative standing (#4, #10, #19, #20 「行业前列」): each unit-year's rank and position in
its peer group, or the external industry benchmark where the benchmarks table has one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from nidb.framework import (
    Framework,
    PeerRelative,
    load_framework,
)
from nidb.indicators.values import (
    KEY,
    POOLED_GROUP,
    POPULATION_KIND,
    _annual,
    measure_array,
    resolved_parameters,
    table,
    unit_registry,
)


#: peer grouping levels, finest first: a group too small falls back to the next coarser level
PEER_LEVELS = ("industry", "domain", "none")
#: Chinese names of the levels, as shown in the reasons
PEER_LEVEL_ZH = {"industry": "细分行业", "domain": "示范领域", "none": "全体"}


@dataclass(frozen=True, eq=False)
class PeerStanding:
    """Standing of unit-years on one peer-relative indicator; arrays follow the rows of the values."""

    indicator_id: str
    value: np.ndarray  # the indicator value
    peer: np.ndarray  # valued and of the peer population
    peer_group: pd.api.extensions.ExtensionArray  # group compared with (全体 when pooled), NA for non-peers
    peer_level: pd.api.extensions.ExtensionArray  # level of that group (细分行业, 示范领域, 全体), NA for non-peers
    fallback: np.ndarray  # the group of `peer_group_by` was too small, a coarser level was used
    group_size: np.ndarray  # valued peers in that group (NaN for non-peers)
    rank: np.ndarray  # 1 = best, ties share the best rank (NaN for non-peers)
    position: np.ndarray  # rank × 100 / group_size (NaN for non-peers)
    standing: np.ndarray  # 100 × (size − mid-rank) / (size − 1): best 100, last 0, alone 100 (NaN for non-peers)


def peer_standings(
    values: pd.DataFrame, registry: pd.DataFrame, framework: Framework, params: Mapping[str, Any] | None = None,
) -> list[PeerStanding]:
    """The numeric core of `peer_positions`: one `PeerStanding` per peer-relative indicator.

    ``values`` is wide with index ``(unit_id, year)`` and a column per peer indicator;
    ``registry`` is `unit_registry`. The group is that of ``peer_group_by``; where it has
    fewer than ``peer_min_group_size`` valued peers, the next coarser level is used
    (细分行业 → 示范领域 → 全体, see `PEER_LEVELS`). Ranks come from one sort per indicator
    and level (numpy, no groupby); group attributes are coded once on the registry.
    """
    fw = framework
    p = resolved_parameters(fw, params)
    units = values.index.get_level_values("unit_id")
    at = registry.index.get_indexer(units)  # registry row of each unit-year (-1: not registered, the NA code)
    year_code = pd.factorize(values.index.get_level_values("year"))[0]
    coded: dict[str, tuple[np.ndarray, pd.api.extensions.ExtensionArray]] = {}

    def groups(column: str) -> tuple[np.ndarray, pd.api.extensions.ExtensionArray]:
        """Group code per row and the labels: the attribute's values, then NA."""
        if column not in coded:
            if column == "none":  # one group of everyone, registered or not
                codes, labels = np.zeros(len(registry) + 1, dtype="int64"), [POOLED_GROUP]
            else:
                codes, labels = pd.factorize(registry[column].astype("string"))  # NA coded -1
                na = len(labels)
                codes = np.append(np.where(codes < 0, na, codes), na)  # row -1 (unregistered): NA as well
            coded[column] = (codes[at], pd.array([*labels, pd.NA], dtype="string"))
        return coded[column]

    out = []
    for ind in fw.quantitative:  # at most four peer indicators
        cond = ind.condition
        if not isinstance(cond, PeerRelative):
            continue
        chosen = fw.resolve(cond.group_by, p)
        levels = PEER_LEVELS[PEER_LEVELS.index(chosen):]
        population = fw.resolve(cond.population, p)
        min_size = int(fw.resolve(cond.min_group_size, p))
        value = values[ind.id].to_numpy("float64")
        peer = ~np.isnan(value)
        if population != "all":
            kind = np.append(registry["kind"].to_numpy(dtype=object, na_value="") == POPULATION_KIND[population], False)
            peer &= kind[at]
        key = np.where(peer, value if ind.direction == "lower" else -value, np.nan)  # best = smallest key
        n = len(key)
        rank, mid, size = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
        level_code = np.full(n, -1)  # position in `levels` of the level used (-1: none, not a peer)
        label_code = np.full(n, -1)  # position in the labels of all `levels`, one after the other
        level_labels = []
        open_ = peer.copy()  # rows still looking for a large enough group
        for i, lv in enumerate(levels):
            group_code, labels = groups(lv)
            r, m, s = _ranks(year_code * len(labels) + group_code, key)
            take = open_ & ((s >= min_size) | (lv == levels[-1]))
            rank[take], mid[take], size[take] = r[take], m[take], s[take]
            level_code[take] = i
            label_code[take] = sum(map(len, level_labels)) + group_code[take]
            level_labels.append(labels.to_numpy(dtype=object))
            open_ &= ~take
        label = pd.array(np.concatenate(level_labels), dtype="string").take(label_code, allow_fill=True)
        level = pd.array([PEER_LEVEL_ZH[lv] for lv in levels], dtype="string").take(level_code, allow_fill=True)
        fallback = peer & (level_code > 0)  # levels[0] is the level chosen
        with np.errstate(invalid="ignore", divide="ignore"):
            standing = np.where(size > 1, 100.0 * (size - mid) / (size - 1), 100.0)
        standing = np.where(peer, standing, np.nan)
        # rank × 100 / size (not rank / size × 100): 3 of 10 is exactly 30.0
        out.append(PeerStanding(ind.id, value, peer, label, level, fallback, size, rank, rank * 100 / size, standing))
    return out


def peer_positions(
    data: Any,
    framework: Framework | None = None,
    *,
    year: int | Iterable[int] | None = None,
    params: Mapping[str, Any] | None = None,
    values: pd.DataFrame | None = None,
    registry: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Standing of each unit-year on the peer-relative indicators (#4, #10, #19, #20), long form.

    Columns: ``unit_id, year, indicator_id, value, peer_group, peer_level, peer_fallback,
    group_size, rank, position, standing, benchmark``. ``rank`` is 1 for the best value in the
    group (ties share the best rank; lower is better for #19 and #20); ``position = rank /
    group_size × 100`` — the unit is in the top ``position`` % of its group, so the condition
    holds when ``position ≤ top_share``. ``standing = 100 × (group_size − mid-rank) /
    (group_size − 1)`` places the best of any group at 100 and the last at 0 (ties share
    their mid-rank; a group of one gives 100): the score the evaluation uses. Groups of the
    level ``peer_group_by`` (default 细分行业) with fewer than ``peer_min_group_size`` valued
    units fall back to the next coarser level (示范领域, then all units of the year, ``peer_group``
    = 全体); ``peer_level`` names the level used and ``peer_fallback`` marks the fallback. Only units of
    ``peer_population`` are peers; units outside it get NaN positions. ``benchmark`` is the
    external industry benchmark of that indicator and year when the benchmarks table has one
    (the condition then compares the value with it instead). Missing values get no position.
    ``values`` (a wide `indicator_values` frame) and ``registry`` (`unit_registry`) may be
    passed when already at hand. The numbers come from `peer_standings`.
    """
    fw = framework or load_framework()
    p = resolved_parameters(fw, params)
    peers = [ind for ind in fw.quantitative if isinstance(ind.condition, PeerRelative)]
    if values is None:
        annual = _annual(data, year, p)
        values = pd.DataFrame(
            {ind.id: measure_array(ind.formula, annual, fw, p) for ind in peers},
            index=pd.MultiIndex.from_frame(annual[KEY]),
        ).sort_index()
    reg = registry if registry is not None else unit_registry(data)
    standings = peer_standings(values, reg, fw, params)
    n, k = len(values), len(standings)
    rows = np.tile(np.arange(n), k)
    units = values.index.get_level_values("unit_id")
    out = pd.DataFrame({
        "unit_id": units.array.take(rows),
        "year": values.index.get_level_values("year").array.take(rows),
        "indicator_id": pd.array(np.repeat([s.indicator_id for s in standings], n).astype(object), dtype="str"),
        "value": np.concatenate([s.value for s in standings]),
        "peer_group": pd.concat([pd.Series(s.peer_group) for s in standings], ignore_index=True),
        "peer_level": pd.concat([pd.Series(s.peer_level) for s in standings], ignore_index=True),
        "peer_fallback": np.concatenate([s.fallback for s in standings]) if standings else np.zeros(0, bool),
        "group_size": pd.array(np.concatenate([s.group_size for s in standings]), dtype="Float64").astype("Int64"),
        "rank": pd.array(np.concatenate([s.rank for s in standings]), dtype="Float64").astype("Int64"),
        "position": np.concatenate([s.position for s in standings]),
        "standing": np.concatenate([s.standing for s in standings]),
    })
    bench = table(data, "benchmarks")
    if bench is not None and not bench.empty:
        lookup = bench.astype({"industry": "string", "indicator_id": "string"}).set_index(
            ["industry", "indicator_id", "year"])["benchmark"].astype("float64")
        industry = reg["industry"].astype("string").reindex(units).reset_index(drop=True)
        keys = pd.MultiIndex.from_arrays([pd.concat([industry] * k, ignore_index=True), out["indicator_id"],
                                          out["year"].astype("Int64")])
        out["benchmark"] = lookup.reindex(keys).to_numpy()
    else:
        out["benchmark"] = np.nan
    return out


def _ranks(group: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: rank of ``key`` within its group (1 = smallest; ties share the smallest rank), its
    mid-rank (ties share the mean of their positions) and the number of non-NaN keys in the
    group. NaN keys get NaN ranks."""
    n = len(key)
    order = np.lexsort((key, group))  # by group, then key ascending, NaN last
    g, k = group[order], key[order]
    pos = np.arange(n)
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = g[1:] != g[:-1]
    new_key = new_group.copy()
    new_key[1:] |= k[1:] != k[:-1]
    run_start = np.maximum.accumulate(np.where(new_key, pos, 0))
    sorted_rank = run_start - np.maximum.accumulate(np.where(new_group, pos, 0)) + 1  # the run's first
    run_length = np.bincount(np.cumsum(new_key) - 1)[np.cumsum(new_key) - 1] if n else np.zeros(0, dtype="int64")
    rank, mid = np.empty(n), np.empty(n)
    rank[order] = sorted_rank
    mid[order] = sorted_rank + (run_length - 1) / 2
    valued = ~np.isnan(key)
    rank[~valued] = np.nan
    mid[~valued] = np.nan
    count = np.bincount(group, weights=valued, minlength=int(group.max(initial=-1)) + 1)
    return rank, mid, count[group]
