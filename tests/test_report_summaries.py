"""Descriptive tables and phrases behind the report's prose, checked against hand counts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from nidb.report import summaries


def test_count_by_counts_missing_as_unreported_and_keeps_order():
    frame = pd.DataFrame({"region": pd.array(["中部", "东部", None, "东部"], dtype="string")})
    table = summaries.count_by(frame, "region", "区域", order=["东部", "中部", "西部"])
    assert table["区域"].tolist() == ["东部", "中部", "未填报"]
    assert table["数量（个）"].tolist() == [2, 1, 1]
    assert table["占比（%）"].tolist() == [50.0, 25.0, 25.0]


def test_coverage_counts_units_without_a_row_as_missing():
    annual = pd.DataFrame({
        "unit_id": ["B1", "B2", "B1"], "year": [2025, 2025, 2024],
        "sales_revenue": [1.0, np.nan, 3.0], "land_area": [2.0, 4.0, np.nan],
    })
    units = pd.Series(["B1", "B2", "B3"])
    table = summaries.coverage_table(annual, units, 2025, ["sales_revenue", "land_area"])
    rows = table.set_index("字段")
    # B3 has no 2025 row; B2 misses sales revenue: 1 of 3 reported vs 2 of 3
    assert rows.loc["产业集聚区销售收入", "已报（个）"] == 1
    assert rows.loc["产业集聚区销售收入", "缺失（个）"] == 2
    assert rows.loc["建成区面积", "缺失（个）"] == 1
    assert rows.loc["建成区面积", "缺失率（%）"] == pytest.approx(100 / 3)
    assert table["字段"].iloc[0] == "产业集聚区销售收入"  # most missing first


def test_distribution_summary_ignores_missing_values():
    summary = summaries.distribution_summary(pd.Series([1.0, 2.0, 3.0, 10.0, np.nan]))
    assert summary["count"] == 4 and summary["missing"] == 1
    assert summary["median"] == 2.5 and summary["mean"] == 4.0 and summary["max"] == 10.0


@pytest.mark.parametrize(("mean", "median", "phrase"), [
    (4.0, 2.5, "右偏"), (2.0, 2.5, "左偏"), (2.6, 2.5, "大致对称"),
])
def test_skew_phrase(mean, median, phrase):
    assert summaries.skew_phrase({"mean": mean, "median": median}).startswith(phrase)


@pytest.mark.parametrize(("now", "before", "expected"), [
    (64.04, 63.86, "较上年提高 0.1 个百分点"),  # shown as 64.0 and 63.9: the raw 0.18 would read 0.2
    (50.0, 52.5, "较上年下降 2.5 个百分点"),
])
def test_change_phrase_uses_the_shown_values(now, before, expected):
    assert summaries.change_phrase(now, before, "个百分点") == expected


def test_change_phrase_flat_when_shown_values_are_equal():
    assert summaries.change_phrase(63.91, 63.94, "个百分点") == "与上年持平"


def test_transition_summary_counts_kept_up_down():
    block = pd.DataFrame({
        "year_from": [2024, 2024], "stars_from": [3, 4],
        "to_1": [0, 0], "to_2": [1, 0], "to_3": [5, 2], "to_4": [2, 6], "to_5": [0, 1],
        "to_revoked": [1, 0], "to_unrated": [0, 2],
    })
    summary = summaries.transition_summary(block)
    assert summary["same"] == 11  # 5 kept 3 stars, 6 kept 4 stars
    assert summary["up"] == 3  # 3→4 twice, 4→5 once
    assert summary["down"] == 3  # 3→2 once, 4→3 twice
    assert summary["n"] == 20 and summary["revoked"] == 1 and summary["unrated"] == 2
    assert summary["same_p"] == pytest.approx(55.0)


def test_status_counts_has_every_status_column():
    status = pd.DataFrame({"year": [2024, 2024, 2025], "status": ["正常", "预警", "正常"]})
    table = summaries.status_counts(status, ("正常", "预警", "撤销"))
    assert table.columns.tolist() == ["年份", "正常", "预警", "撤销"]
    assert table.to_numpy().tolist() == [[2024, 1, 1, 0], [2025, 1, 0, 0]]


def test_special_overview():
    special = pd.DataFrame({"special": ["甲"] * 4 + ["乙"] * 2, "score": [9.0, 7.0, 5.0, np.nan, 4.0, 2.0]})
    tops = special.iloc[[0, 1, 4]]
    table = summaries.special_overview(special, tops).set_index("专项评价")
    assert table.loc["甲", "参评基地（个）"] == 3 and table.loc["甲", "入榜（个）"] == 2
    assert table.loc["甲", "入榜最低专项指数"] == 7.0 and table.loc["甲", "专项指数中位数"] == 7.0
    assert table.loc["乙", "入榜（个）"] == 1 and math.isclose(table.loc["乙", "专项指数中位数"], 3.0)


def test_dimension_counts_match_the_2023_indicator_system():
    from nidb.framework import load_framework

    table = summaries.dimension_counts(load_framework())
    assert table.columns.tolist() == ["维度", "定量", "定性", "合计"]
    total = table.iloc[-1]
    # the 2023 draft: 29 indicators in 6 dimensions, 14 quantitative and 15 qualitative
    assert (total["维度"], total["定量"], total["定性"], total["合计"]) == ("合计", 14, 15, 29)
    assert len(table) == 6 + 1
