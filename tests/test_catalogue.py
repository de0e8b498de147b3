"""The packaged 2018 development-zone catalogue against the counts of its README."""

from __future__ import annotations

import pandas as pd

from nidb.reference.catalogue import (
    listed_codes,
    load_catalogue,
    lookup_code,
    lookup_name,
)


def test_row_counts():
    cat = load_catalogue()
    assert len(cat) == 2543
    assert cat["approval_level"].value_counts().to_dict() == {"省政府": 1991, "国务院": 552}


def test_counts_by_level_and_type():
    counts = load_catalogue().groupby(["approval_level", "zone_type"]).size().to_dict()
    assert counts == {
        ("国务院", "经济技术开发区"): 219,
        ("国务院", "高新技术产业开发区"): 156,
        ("国务院", "海关特殊监管区域"): 135,
        ("国务院", "边境/跨境经济合作区"): 19,
        ("国务院", "其他类型开发区"): 23,
        ("省政府", "经济开发区"): 986,
        ("省政府", "高新技术产业开发区"): 157,
        ("省政府", "工业园区"): 848,
    }


def test_seq_complete_within_level():
    cat = load_catalogue()
    for level, n in (("国务院", 552), ("省政府", 1991)):
        assert sorted(cat.loc[cat["approval_level"] == level, "seq"]) == list(range(1, n + 1))


def test_area_range():
    cat = load_catalogue()
    assert cat["area_ha"].min() == 11.98 and cat["area_ha"].max() == 23252.29


def test_lookup_code():
    m = lookup_code("G111001")
    assert m.found and not m.ambiguous
    assert m.rows.loc[0, "name"] == "北京经济技术开发区"
    assert "北京经济技术开发区" in m.message
    assert lookup_code(" g111001 ").found


def test_duplicate_code_is_reported():
    m = lookup_code("S377018")
    assert m.ambiguous and len(m.rows) == 2
    assert set(m.rows["name"]) == {"山东淄川经济开发区", "山东临淄经济开发区"}
    assert "2 个开发区" in m.message


def test_lookup_name_exact_only():
    assert lookup_name("天津经济技术开发区").rows.loc[0, "code"] == "G121002"
    assert not lookup_name("天津经济技术开发").found
    assert "不在" in lookup_name("示例开发区").message
    assert lookup_name("霍尔果斯经济开发区（含新疆生产建设兵团片区）").found


def test_listed_codes_vectorised():
    out = listed_codes(pd.Series(["G111001", "G999999", None], dtype="string"))
    assert out.iloc[:2].tolist() == [True, False]
    assert out.isna().tolist() == [False, False, True]
