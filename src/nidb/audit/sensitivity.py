"""Global sensitivity: Sobol first-order and total-effect indices of each uncertain choice.

SALib's Sobol (Saltelli) design is drawn on the unit hypercube [0, 1)^D, one column per
design column of :mod:`nidb.audit.choices`; the columns of one choice form one SALib
*group* (the weights choice spans one column per weighted node), so each choice gets
one pair of indices however many columns it uses. Discrete choices are mapped
explicitly from [0, 1) to their levels by :func:`nidb.audit.choices.decode`
(level ``j`` on the j-th interval of the cumulative probabilities). The outputs are the
mean absolute rank shift from the nominal ranks and the share of units whose star
changes; confidence intervals come from SALib's bootstrap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

from nidb.audit.uncertainty import Problem, evaluate_chunked, replication_outputs

if TYPE_CHECKING:
    from dask.distributed import Client


def sobol_design(groups: Sequence[tuple[str, int]], base_samples: int, seed: int) -> tuple[dict, np.ndarray]:
    """SALib problem and Sobol design (N·(G + 2) rows) for named column groups (name, width)."""
    names, group_of = [], []
    for name, width in groups:
        for j in range(width):
            names.append(f"{name}[{j}]" if width > 1 else name)
            group_of.append(name)
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names), "groups": group_of}
    u = sobol_sample.sample(problem, base_samples, calc_second_order=False, scramble=True, seed=seed)
    return problem, np.clip(u, 0.0, np.nextafter(1.0, 0.0))


def sobol_indices(
    groups: Sequence[tuple[str, int]],
    model: Callable[[np.ndarray], pd.DataFrame],
    base_samples: int,
    seed: int,
    resamples: int = 1000,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol indices of each group on each model output.

    ``model`` maps design rows (R, D) in [0, 1) to a frame with one column per output.
    Returns a long frame: ``output, choice, S1, S1_low, S1_high, ST, ST_low, ST_high``
    (interval = index ± SALib's bootstrap half-width at ``confidence``); an output that
    is constant over the design has NaN indices.
    """
    problem, u = sobol_design(groups, base_samples, seed)
    outputs = model(u)
    frames = []
    names = list(dict.fromkeys(problem["groups"]))
    for output in outputs.columns:
        y = outputs[output].to_numpy(dtype=float)
        if np.var(y) == 0:  # the output does not move: its indices are undefined, not zero
            nan = np.full(len(names), np.nan)
            frames.append(pd.DataFrame({"output": output, "choice": names, "S1": nan, "S1_low": nan, "S1_high": nan,
                                        "ST": nan, "ST_low": nan, "ST_high": nan}))
            continue
        si = sobol_analyze.analyze(
            problem,
            y,
            calc_second_order=False,
            num_resamples=resamples,
            conf_level=confidence,
            seed=seed,
            print_to_console=False,
        )
        total, first = si.to_df()
        frame = pd.DataFrame(
            {
                "output": output,
                "choice": first.index.astype(str),
                "S1": first["S1"].to_numpy(),
                "S1_low": (first["S1"] - first["S1_conf"]).to_numpy(),
                "S1_high": (first["S1"] + first["S1_conf"]).to_numpy(),
                "ST": total.loc[first.index, "ST"].to_numpy(),
                "ST_low": (total["ST"] - total["ST_conf"]).loc[first.index].to_numpy(),
                "ST_high": (total["ST"] + total["ST_conf"]).loc[first.index].to_numpy(),
            }
        )
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out["output"] = out["output"].astype("string")
    out["choice"] = out["choice"].astype("string")
    return out


def audit_sobol(
    problem: Problem,
    base_samples: int,
    seed: int,
    resamples: int = 1000,
    confidence: float = 0.95,
    chunk_size: int = 100,
    client: Client | None = None,
    workers: int = 1,
) -> pd.DataFrame:
    """Sobol indices of the audit's uncertain choices on rank shift and star changes."""
    groups = [(c.name, w) for c, w in zip(problem.choices, problem.widths)]

    def model(u: np.ndarray) -> pd.DataFrame:
        ranks, stars = evaluate_chunked(problem, u, chunk_size, client, workers)
        return replication_outputs(problem, ranks, stars)

    out = sobol_indices(groups, model, base_samples, seed, resamples, confidence)
    zh = {c.name: c.zh for c in problem.choices}
    out.insert(2, "choice_zh", out["choice"].map(zh).astype("string"))
    return out
