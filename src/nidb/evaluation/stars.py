"""Star rules (Art. 21): map index and dimension scores to one to five stars.

A star rule is data (the ``stars`` section of an evaluation method YAML)::

    stars:
      ties: include        # include | exclude — tied scores at a quota boundary
      rounding: floor      # floor | round | ceil — quota share × rated units → slots
      levels:
        5: {top_share: 0.07, min_dimension: 60}
        4: {top_share: 0.65}
        3: {min_score: 60}
        2: {min_score: 45}

A unit gets the highest level whose criteria it all meets, one star when it meets
none. Criteria of a level (at least one each for levels 2–5):

- ``top_share``: a quota — the unit ranks within the best ``top_share`` of the
  rated units (cumulative: 0.65 at four stars means five- and four-star together);
- ``min_score``: an absolute band — index ≥ ``min_score``;
- ``min_dimension``: a gate — every dimension score present and ≥ ``min_dimension``.

A level may combine them; e.g. a quota with a gate gives "top 7 % and no dimension
below 60". Units that fail a gate drop to the next level they qualify for; their
quota slot is not refilled (a quota is a ceiling).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from nidb.engine.rank import rank_along
from nidb.errors import ConfigError

STAR_LEVELS = (5, 4, 3, 2)
CRITERIA = ("top_share", "min_score", "min_dimension")
TIES = ("include", "exclude")
ROUNDING = ("floor", "round", "ceil")


@dataclass(frozen=True)
class Level:
    """Criteria of one star level; ``None`` means the criterion is not used."""

    top_share: float | None = None
    min_score: float | None = None
    min_dimension: float | None = None


@dataclass(frozen=True)
class StarRule:
    """A validated star rule: criteria for levels 5, 4, 3, 2 (level 1 is the floor)."""

    levels: Mapping[int, Level]
    ties: str = "include"
    rounding: str = "floor"

    @classmethod
    def from_mapping(cls, spec: object, source: str = "method", path: str = "stars") -> "StarRule":
        """Validate a ``stars`` mapping; raise ``ConfigError`` naming file and key path."""

        def fail(key: str, message: str) -> ConfigError:
            return ConfigError(f"{source}，键 {key}：{message}")

        if not isinstance(spec, Mapping):
            raise fail(path, "须为映射（键：ties、rounding、levels）")
        unknown = set(spec) - {"ties", "rounding", "levels"}
        if unknown:
            raise fail(path, f"未知的键 {sorted(unknown)}")
        ties = spec.get("ties", "include")
        if ties not in TIES:
            raise fail(f"{path}.ties", f"须为 {' / '.join(TIES)} 之一，实为「{ties}」")
        rounding = spec.get("rounding", "floor")
        if rounding not in ROUNDING:
            raise fail(f"{path}.rounding", f"须为 {' / '.join(ROUNDING)} 之一，实为「{rounding}」")
        raw_levels = spec.get("levels")
        if not isinstance(raw_levels, Mapping):
            raise fail(f"{path}.levels", "须为映射：星级 5、4、3、2 → 条件")
        keys = {int(k) if str(k).isdigit() else k for k in raw_levels}
        if keys != set(STAR_LEVELS):
            raise fail(f"{path}.levels", f"须恰好给出星级 5、4、3、2 的条件，实为 {sorted(map(str, keys))}")
        levels: dict[int, Level] = {}
        for key, crit in raw_levels.items():
            star = int(key)
            where = f"{path}.levels.{star}"
            if not isinstance(crit, Mapping) or not crit:
                raise fail(where, f"须至少给出一个条件：{', '.join(CRITERIA)}")
            bad = set(crit) - set(CRITERIA)
            if bad:
                raise fail(where, f"未知的条件 {sorted(bad)}，可选：{', '.join(CRITERIA)}")
            values = {}
            for name, value in crit.items():
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise fail(f"{where}.{name}", f"须为数值，实为「{value}」")
                if name == "top_share" and not 0 < value <= 1:
                    raise fail(f"{where}.{name}", f"须在 (0, 1] 之间，实为 {value}")
                values[name] = float(value)
            levels[star] = Level(**values)
        for name in CRITERIA:
            given = [(s, getattr(levels[s], name)) for s in STAR_LEVELS if getattr(levels[s], name) is not None]
            for (hi, v_hi), (lo, v_lo) in zip(given, given[1:]):
                wrong = v_lo < v_hi if name == "top_share" else v_lo > v_hi
                if wrong:
                    raise fail(
                        f"{path}.levels.{lo}.{name}",
                        f"须与 {hi} 星一致单调（{name} 在 {hi} 星为 {v_hi}，在 {lo} 星为 {v_lo}）",
                    )
        return cls(levels=levels, ties=ties, rounding=rounding)


def quota_slots(share: float, n_rated: int, rounding: str) -> int:
    """Number of units a cumulative ``share`` of ``n_rated`` admits."""
    return int(_slots(np.asarray(share, dtype=float) * n_rated, rounding))


def _slots(raw: np.ndarray, rounding: str) -> np.ndarray:
    # round(…, 9) guards against 0.07 * 100 = 7.000000000000001 style float noise
    raw = np.round(raw, 9)
    return {"floor": np.floor, "round": lambda a: np.floor(a + 0.5), "ceil": np.ceil}[rounding](raw)


def dimension_minimum(dimensions: np.ndarray, rated: np.ndarray) -> np.ndarray:
    """Each unit's lowest dimension score, (R, n_units), from scores (R, n_units, n_dims).

    −inf when the unit misses a dimension that some rated unit of its replication has (a
    gate then fails); a dimension no rated unit has (e.g. no expert scores at all) is not
    part of the gate; +inf when no dimension is left (every gate passes).
    """
    missing = np.isnan(dimensions)
    present = ~(missing | ~rated[..., None]).all(axis=1, keepdims=True)  # (R, 1, n_dims)
    low = np.where(missing | ~present, np.inf, dimensions).min(axis=2, initial=np.inf)
    return np.where((missing & present).any(axis=2), -np.inf, low)


def assign_stars_batch(
    index: np.ndarray,
    rule: StarRule,
    dimension_min: np.ndarray | None = None,
    overrides: Mapping[tuple[int, str], np.ndarray] | None = None,
    ranks: np.ndarray | None = None,
) -> np.ndarray:
    """Stars 1–5 (int8; 0 where the index is missing) for index scores (R, n_units).

    ``dimension_min`` (R, n_units), from :func:`dimension_minimum`, is needed for
    ``min_dimension`` gates; ``overrides`` maps (star, criterion) to one value per
    replication (R,), replacing the rule's value; ``ranks`` are the ranks of ``index``
    (ties at the minimum) when already computed, used with ``ties: include``. Units with
    a missing index are not rated and do not count towards the quota base.
    """
    overrides = overrides or {}
    r = index.shape[0]
    rated = ~np.isnan(index)
    n_rated = rated.sum(axis=1, keepdims=True)
    if ranks is None or rule.ties != "include":
        ranks = rank_along(-index, "min" if rule.ties == "include" else "max", axis=-1)
    stars = np.ones(index.shape, dtype=np.int8)
    for star in sorted(STAR_LEVELS):  # ascending: higher levels overwrite lower ones
        level = rule.levels[star]
        ok = rated.copy()
        for criterion in CRITERIA:
            value = overrides.get((star, criterion), getattr(level, criterion))
            if value is None:
                continue
            v = np.broadcast_to(np.asarray(value, dtype=float), (r,))[:, None]
            if criterion == "top_share":
                ok &= ranks <= _slots(v * n_rated, rule.rounding)
            elif criterion == "min_score":
                ok &= index >= v
            else:
                if dimension_min is None:
                    raise ConfigError(f"{star} 星条件 min_dimension 需要维度得分，但未提供")
                ok &= dimension_min >= v
        stars = np.where(ok, np.int8(star), stars)
    return np.where(rated, stars, 0).astype(np.int8)


def assign_stars(index: pd.Series, dimensions: pd.DataFrame | None, rule: StarRule) -> pd.Series:
    """Stars 1–5 per unit (``Int64``; NA where the index is missing).

    ``index`` holds the composite index per unit; ``dimensions`` the dimension scores
    (one column per dimension, same index), needed only when a level has a
    ``min_dimension`` gate. The single-replication case of :func:`assign_stars_batch`.
    """
    scores = index.to_numpy(dtype="float64")[None, :]
    dim_min = None
    if dimensions is not None:
        dims = dimensions.reindex(index.index).to_numpy(dtype="float64")[None, :, :]
        dim_min = dimension_minimum(dims, ~np.isnan(scores))
    stars = assign_stars_batch(scores, rule, dim_min)[0]
    return pd.Series(stars, index=index.index, name="stars").astype("Int64").mask(index.isna())


def star_shares(stars: pd.Series) -> pd.DataFrame:
    """Count and share of rated units at each star level (1–5), best first."""
    counts = stars.dropna().astype("int64").value_counts().reindex(range(5, 0, -1), fill_value=0)
    total = int(counts.sum())
    return pd.DataFrame(
        {"stars": counts.index, "count": counts.to_numpy(), "share": counts.to_numpy() / total if total else np.nan}
    )
