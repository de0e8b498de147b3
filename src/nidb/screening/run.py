"""Run the screening rules over the annual forms and combine their flags.

A flag asks a person to look again at a form. It never changes an indicator value, a verdict, a
star or a status, and it is not evidence of fraud (Art. 25 requires the fraud to be established).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nidb.framework import Framework, load_framework
from nidb.screening.bunching import bunching
from nidb.screening.consistency import growth_vs_levels, ratio_bounds
from nidb.screening.context import Outcome, ScreeningContext
from nidb.screening.copies import copies_across_units, copies_across_years
from nidb.screening.digits import benford, heaping
from nidb.screening.jumps import jumps
from nidb.screening.method import ScreeningMethod, ScreeningRule, load_screening_method
from nidb.screening.sources import official_discrepancy, revisions

KERNELS: dict[str, Callable[[ScreeningRule, ScreeningContext], Outcome]] = {
    "ratio_bounds": ratio_bounds, "growth_vs_levels": growth_vs_levels, "jumps": jumps, "bunching": bunching,
    "benford": benford, "heaping": heaping, "copies_across_years": copies_across_years,
    "copies_across_units": copies_across_units, "official_discrepancy": official_discrepancy, "revisions": revisions,
}
#: the statement every output of the screening carries
NOTICE = ("筛查标记只提示哪些报表值得人工复核，不改变任何指标值、遴选结论、星级或基地状态，"
          "也不构成弄虚作假的证据；是否弄虚作假须按办法第二十五条经核实认定。")


@dataclass(frozen=True, eq=False)
class ScreeningResult:
    """Flags (one row per flagged unit-year or authority-year and rule), the combined review priority
    per unit-year, a summary per recommending authority, what each rule did, and detail tables."""

    flags: pd.DataFrame = field(repr=False)
    priority: pd.DataFrame = field(repr=False)
    authorities: pd.DataFrame = field(repr=False)
    rules: pd.DataFrame = field(repr=False)
    detail: dict[str, pd.DataFrame] = field(repr=False)
    method: ScreeningMethod
    years: tuple[int, ...]
    screened: int  # unit-years screened

    def __repr__(self) -> str:
        flagged = self.priority["unit_id"].nunique() if len(self.priority) else 0
        return (f"ScreeningResult(method={self.method.name!r}, years={list(self.years)}, screened={self.screened}, "
                f"flags={len(self.flags)}, unit_years_flagged={len(self.priority)}, units_flagged={flagged})")


def screen(
    data: Any,
    method: ScreeningMethod | None = None,
    *,
    years: Iterable[int] | int | None = None,
    framework: Framework | None = None,
) -> ScreeningResult:
    """Screen the annual forms of `years` (default: every year in the data).

    Parameters
    ----------
    data : a `Dataset` or a mapping of contract tables (``annual``, ``bases``, ``applicants``, and
        optionally ``official_statistics`` and ``submissions``); the reported values are screened.
    method : the rules (default: ``methods/screening-default.yaml``).
    years : the years whose forms are flagged; earlier years serve as history.

    Returns
    -------
    ScreeningResult; its ``rules`` table says which rules did not run and why.
    """
    framework = framework or load_framework()
    method = method or load_screening_method(framework=framework)
    years = [years] if isinstance(years, (int, np.integer)) else years
    ctx = ScreeningContext(data, years, framework)
    parts, status, detail = [], [], {}
    for rule in method.rules:
        outcome = KERNELS[rule.check](rule, ctx)
        detail.update(outcome.detail)
        found = outcome.flags.assign(rule=rule.id, rule_zh=rule.zh, group=rule.group, weight=rule.weight)
        parts.append(found)
        status.append({"rule": rule.id, "rule_zh": rule.zh, "group": rule.group, "check": rule.check,
                       "ran": outcome.skipped is None, "flags": len(found),
                       "unit_years": found.dropna(subset=["unit_id"])[["unit_id", "year"]].drop_duplicates().shape[0],
                       "note": outcome.skipped or outcome.note or ""})
    flags = pd.concat(parts, ignore_index=True)
    flags = _annotate(flags, ctx)
    priority = _priority(flags, method.score_cap)
    return ScreeningResult(
        flags=flags, priority=priority, authorities=_authorities(flags, priority, ctx), rules=pd.DataFrame(status),
        detail=detail, method=method, years=ctx.years, screened=int(ctx.in_years.sum()),
    )


def _annotate(flags: pd.DataFrame, ctx: ScreeningContext) -> pd.DataFrame:
    """Unit name, kind and authority on every flag; sorted by year, unit and rule order."""
    reg = ctx.registry
    unit = flags["unit_id"]
    flags = flags.assign(
        name=unit.map(reg["name"]), kind=unit.map(reg["kind"]),
        authority=flags["authority"].where(flags["authority"].notna(), unit.map(reg["authority"])),
    )
    order = {r: i for i, r in enumerate(flags["rule"].unique())}
    flags = flags.assign(_order=flags["rule"].map(order)).sort_values(
        ["year", "unit_id", "_order", "field"], na_position="first", kind="stable")
    return flags.drop(columns="_order").reset_index(drop=True)


def _priority(flags: pd.DataFrame, cap: float) -> pd.DataFrame:
    """One row per flagged unit-year: its flags, rules and combined priority Σ weight × min(score, cap)."""
    units = flags.dropna(subset=["unit_id"])
    if units.empty:
        return pd.DataFrame(columns=["unit_id", "name", "kind", "authority", "year", "flags", "rules", "priority", "rank"])
    units = units.assign(points=units["weight"] * np.minimum(units["score"], cap))
    per_form = ["unit_id", "year"]
    # one rule counts once per unit-year (its strongest flag), however many fields it flags
    best = units.groupby([*per_form, "rule"], sort=False, as_index=False).agg(
        points=("points", "max"), rule_zh=("rule_zh", "first"))
    out = best.groupby(per_form, sort=False).agg(rules=("rule_zh", "、".join), priority=("points", "sum"))
    out["flags"] = units.groupby(per_form, sort=False).size()
    out = out.reset_index()
    meta = units.drop_duplicates(["unit_id"]).set_index("unit_id")[["name", "kind", "authority"]]
    out = out.join(meta, on="unit_id")
    out = out.sort_values(["priority", "flags", "unit_id"], ascending=[False, False, True], kind="stable")
    out["rank"] = np.arange(1, len(out) + 1)
    return out[["rank", "unit_id", "name", "kind", "authority", "year", "flags", "rules", "priority"]].reset_index(
        drop=True)


def _authorities(flags: pd.DataFrame, priority: pd.DataFrame, ctx: ScreeningContext) -> pd.DataFrame:
    """Per recommending authority: forms screened, forms flagged and their share, flags by group."""
    screened = pd.Series(ctx.authority[ctx.in_years]).value_counts().rename("screened")
    flagged = priority.groupby("authority").size() if len(priority) else pd.Series(dtype="int64")
    out = pd.DataFrame({"screened": screened, "flagged": flagged.reindex(screened.index, fill_value=0)})
    out["share"] = out["flagged"] / out["screened"]
    if len(flags):
        counts = flags.groupby(["authority", "group"]).size().unstack("group", fill_value=0)
        out = out.join(counts.reindex(columns=list(dict.fromkeys(flags["group"])))).fillna(0)
        out = out.astype({g: "int64" for g in counts.columns})
    out.index.name = "authority"
    return out.reset_index().sort_values(["share", "authority"], ascending=[False, True], kind="stable").reset_index(
        drop=True)
