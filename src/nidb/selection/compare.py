"""Two selection methods side by side: who changes overall verdict, and how the counts move.

:func:`compare_selections` runs one selection round under method A and method B on the
same prepared data and joins the applicants' overall verdicts and Art. 7 ranks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from nidb.selection.context import prepare
from nidb.selection.method import SelectionMethod
from nidb.selection.status import LABELS
from nidb.selection.verdicts import SelectionResult, select

VERDICTS = [LABELS[code] for code in sorted(c for c in LABELS if c >= 0)]
APPLICANT_HEADERS = {
    "applicant_id": "申报对象编号", "name": "申报对象名称", "authority": "推荐单位",
    "domain": "示范领域", "special_area": "特殊类型地区", "overall_a": "总体结论（A）", "rank_a": "排序（A）",
    "failed_a": "未通过的条件（A）", "overall_b": "总体结论（B）", "rank_b": "排序（B）",
    "failed_b": "未通过的条件（B）", "changed": "结论变化",
}  # fmt: skip


@dataclass(frozen=True)
class SelectionComparison:
    """One selection round under two methods.

    ``applicants``: one row per applicant (``APPLICANT_HEADERS`` columns, English names);
    ``counts``: applicants per overall verdict under A and B; ``transitions``: verdict under
    A (rows) × verdict under B (columns).
    """

    year: int
    method_a: str
    method_b: str
    applicants: pd.DataFrame
    counts: pd.DataFrame
    transitions: pd.DataFrame


def compare_selections(data: Any, year: int, method_a: SelectionMethod, method_b: SelectionMethod) -> SelectionComparison:
    """Select the applicants of ``year`` under both methods and compare the overall verdicts."""
    prepared = prepare(data)
    return compare_results(select(prepared, year, method_a), select(prepared, year, method_b))


def compare_results(a: SelectionResult, b: SelectionResult) -> SelectionComparison:
    """Compare two selection results of the same round."""
    sa, sb = a.summary, b.summary
    applicants = pd.DataFrame({
        "applicant_id": sa["applicant_id"].astype("string"),
        "name": sa["name"],
        "authority": sa["authority"].astype("string"),
        "domain": sa["domain"].astype("string"),
        "special_area": sa["special_area"].map({True: "是", False: "否"}),
        "overall_a": sa["overall"],
        "rank_a": sa["rank"],
        "failed_a": sa["failed_conditions"],
    })
    other = pd.DataFrame({
        "applicant_id": sb["applicant_id"].astype("string"),
        "overall_b": sb["overall"], "rank_b": sb["rank"], "failed_b": sb["failed_conditions"],
    })
    applicants = applicants.merge(other, on="applicant_id", how="outer")
    applicants["changed"] = (applicants["overall_a"] != applicants["overall_b"]).map({True: "是", False: "否"})
    applicants = applicants[list(APPLICANT_HEADERS)]
    counts = pd.DataFrame({
        "verdict": VERDICTS,
        "count_a": applicants["overall_a"].value_counts().reindex(VERDICTS, fill_value=0).to_numpy(),
        "count_b": applicants["overall_b"].value_counts().reindex(VERDICTS, fill_value=0).to_numpy(),
    })
    transitions = pd.crosstab(
        pd.Categorical(applicants["overall_a"], VERDICTS), pd.Categorical(applicants["overall_b"], VERDICTS),
        dropna=False,
    )
    transitions.index.name, transitions.columns.name = "A", "B"
    return SelectionComparison(a.year, a.method.name, b.method.name, applicants, counts, transitions)


def selection_comparison_tables(comparison: SelectionComparison) -> dict[str, pd.DataFrame]:
    """The comparison as Chinese-headed tables (for ``nidb compare`` and the report)."""
    changed = comparison.applicants[comparison.applicants["changed"] == "是"]
    n = len(comparison.applicants)
    summary = pd.DataFrame([
        ("方法 A", comparison.method_a),
        ("方法 B", comparison.method_b),
        ("申报年份", str(comparison.year)),
        ("申报对象数", str(n)),
        ("结论变化的申报对象数", f"{len(changed)}（{len(changed) / n:.1%}）" if n else "0"),
        *[(f"「{row.verdict}」：A → B", f"{row.count_a} → {row.count_b}") for row in comparison.counts.itertuples()],
    ], columns=["项目", "内容"])
    transitions = comparison.transitions.copy()
    transitions.index = [f"A：{v}" for v in transitions.index]
    transitions.columns = [f"B：{v}" for v in transitions.columns]
    transitions = transitions.reset_index(names="方法 A 结论 \\ 方法 B 结论")
    return {
        "比较摘要": summary,
        "结论变化的申报对象": changed.rename(columns=APPLICANT_HEADERS),
        "结论转移": transitions,
        "逐个申报对象": comparison.applicants.rename(columns=APPLICANT_HEADERS),
    }
