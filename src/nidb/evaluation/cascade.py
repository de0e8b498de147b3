"""Why the number of bases rated in a year depends on the method: revocations cascade.

A year rates only the bases still holding the title (Art. 18, 23, 25). Two consecutive
rated years with two stars or fewer revoke a title (Art. 23 (3)), and those stars are
the method's own results of the earlier years. So a method that gives lower stars —
say a higher three-star cut-off — revokes more bases in earlier years, and fewer are
rated later. :func:`cascade`
counts these revocations apart from the ones the data decide alone (environmental or
safety events, unrectified inspection findings, fraud), and :func:`cascade_note` says it
in one sentence for `nidb evaluate` and the report.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from nidb.evaluation.annual import Panel
from nidb.evaluation.lifecycle import LifecycleRules

LOW_STARS = "revoked_low_stars"


@dataclass(frozen=True)
class Cascade:
    """Bases not rated in ``year`` because of a revocation, by cause."""

    year: int
    rated: int  # bases rated in `year`
    by_method: pd.Series  # bases revoked only for low stars, per year of revocation (< `year`)
    by_data_before: int  # bases revoked before `year` for an event or fraud (any method)
    by_data_now: int  # bases revoked in `year` for an event or fraud, so not rated
    low_star_max: int
    consecutive_years: int
    rated_in_revocation_year: bool  # rules.rate_in_compliance_revocation_year

    @property
    def revoked_by_method(self) -> int:
        """Bases the method's own earlier stars revoked."""
        return int(self.by_method.sum())


def cascade(events: pd.DataFrame, rated: int, year: int, rules: LifecycleRules) -> Cascade:
    """Count the revocations that keep bases out of ``year``'s evaluation, from the
    lifecycle events of a panel (``Lifecycle.events``) and the number rated in ``year``.

    A base revoked in the same year for low stars and for an event counts as revoked by
    the data: the event would have revoked it under any method.
    """
    codes = events["event_code"].astype(str)
    revoked = events.assign(low=(codes == LOW_STARS).to_numpy())[codes.str.startswith("revoked_").to_numpy()]
    per_base = revoked[revoked["year"] <= year].groupby(["base_id", "year"], as_index=False)["low"].all()
    only_low = per_base["low"].to_numpy(dtype=bool)
    before = per_base["year"].to_numpy() < year
    by_method = per_base[only_low & before].groupby("year").size().astype("int64")
    return Cascade(
        year=year,
        rated=rated,
        by_method=by_method,
        by_data_before=int((~only_low & before).sum()),
        by_data_now=int((~only_low & ~before).sum()),
        low_star_max=rules.low_star_max,
        consecutive_years=rules.low_star_consecutive_years,
        rated_in_revocation_year=rules.rate_in_compliance_revocation_year,
    )


def panel_cascade(panel: Panel, year: int, rules: LifecycleRules) -> Cascade:
    """:func:`cascade` for ``year`` of an evaluated panel (run with ``rules``)."""
    rated = int(panel.evaluations[year].results["stars"].notna().sum())
    return cascade(panel.lifecycle.events, rated, year, rules)


def cascade_note(c: Cascade, *, with_count: bool = True) -> str:
    """How many bases the method's earlier years revoked, and why that moves the number
    rated; then the revocations the data decide whatever the method. ``with_count``
    starts with the number rated (off where the text around has just said it)."""
    low = f"连续 {c.consecutive_years} 年评为 {c.low_star_max} 星及以下"
    count = f"{c.year} 年参评 {c.rated} 个。" if with_count else ""
    if c.revoked_by_method:
        years = "、".join(f"{y} 年 {n} 个" for y, n in c.by_method.items())
        text = (
            f"{count}此前各年按同一评价方法评价，有 {c.revoked_by_method} 个基地因{low}"
            f"被取消称号（第二十三条第（三）项；{years}），不再参评；这些星级是本方法此前各年的结果，"
            "方法改变（如提高三星分数线）时它们随之改变，当年参评基地数也随之改变。"
        )
    else:
        text = f"{count}此前各年按同一评价方法评价，没有基地因{low}被取消称号。"
    data = []
    if c.by_data_before:
        data.append(f"此前 {c.by_data_before} 个")
    if c.by_data_now:
        data.append(f"当年 {c.by_data_now} 个（{'仍评定当年星级' if c.rated_in_revocation_year else '当年不参评'}）")
    if data:
        text += f"另有{'、'.join(data)}因突发环境事件、安全事故、督察问题未整改或弄虚作假被取消称号，与评价方法无关。"
    return text
