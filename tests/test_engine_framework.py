"""Framework from a metadata table: structure, and every kind of invalid tree."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nidb.engine import (
    hierarchy_from_meta,
    hierarchy_from_records,
    read_table_framework,
    run,
)
from nidb.errors import ConfigError
from nidb.reference import ASEM_DIR

ASEM = ASEM_DIR


def _records(**changes):
    base = {
        "a": {"code": "a", "level": 1, "parent": "P"},
        "b": {"code": "b", "level": 1, "parent": "P", "direction": -1},
        "c": {"code": "c", "level": 1, "parent": "Q", "weight": 2},
        "P": {"code": "P", "level": 2, "parent": "I"},
        "Q": {"code": "Q", "level": 2, "parent": "I"},
        "I": {"code": "I", "level": 3},
    }
    for code, change in changes.items():
        if change is None:
            base.pop(code)
        else:
            base[code] = {**base.get(code, {"code": code}), **change}
    return list(base.values())


def test_structure_of_a_small_tree():
    h = hierarchy_from_records(_records())
    assert h.levels == (1, 2, 3)
    assert h.indicators == ["a", "b", "c"]
    assert h.weighted_codes == ["a", "b", "c", "P", "Q"]
    np.testing.assert_array_equal(h.membership(1), [[1, 0], [1, 0], [0, 1]])
    np.testing.assert_array_equal(h.directions, [1, -1, 1])
    np.testing.assert_array_equal(h.nominal_weights, [1, 1, 2, 1, 1])
    assert h.children("P") == ["a", "b"]


def test_duplicate_codes_are_rejected():
    records = _records() + [{"code": "a", "level": 1, "parent": "Q"}]
    with pytest.raises(ConfigError, match="重复.*a"):
        hierarchy_from_records(records, source="f.csv")


def test_dangling_parent_is_rejected_with_file_and_node():
    with pytest.raises(ConfigError, match=r"f\.csv.*c → Z"):
        hierarchy_from_records(_records(c={"parent": "Z"}), source="f.csv")


def test_cycle_is_rejected():
    records = _records(P={"parent": "Q"}, Q={"parent": "P"})
    with pytest.raises(ConfigError, match="循环"):
        hierarchy_from_records(records)


def test_parent_must_be_one_level_up():
    with pytest.raises(ConfigError, match="c.parent"):
        hierarchy_from_records(_records(c={"parent": "I"}))


def test_missing_parent_below_top_and_childless_aggregate():
    with pytest.raises(ConfigError, match="缺少上级"):
        hierarchy_from_records(_records(Q={"parent": None}))
    with pytest.raises(ConfigError, match="没有下级"):
        hierarchy_from_records(_records(c={"parent": "P"}))


def test_bad_direction_and_weight():
    with pytest.raises(ConfigError, match="方向"):
        hierarchy_from_records(_records(a={"direction": 0}))
    with pytest.raises(ConfigError, match="权重"):
        hierarchy_from_records(_records(a={"weight": -1}))


def test_meta_table_type_column_checked():
    meta = pd.DataFrame(
        {"iCode": ["x", "T"], "Level": [1, 2], "Parent": ["T", None], "Type": ["Indicator", "Weird"]}
    )
    with pytest.raises(ConfigError, match="Weird"):
        hierarchy_from_meta(meta)


@pytest.mark.skipif(not ASEM.exists(), reason="ASEM reference data not available")
def test_asem_framework_from_data_and_metadata_tables():
    tf = read_table_framework(ASEM / "ASEM_iData.csv", ASEM / "ASEM_iMeta.csv")
    h = tf.hierarchy
    assert [len(h.codes_at(k)) for k in h.levels] == [49, 8, 2, 1]
    assert h.groups == ("GDP_group", "GDPpc_group", "Pop_group", "EurAsia_group")
    assert h.denominators == ("Area", "Energy", "GDP", "Population")
    assert h.nodes.at["Flights", "denominator"] == "Population"
    assert h.nodes.at["Tariff", "direction"] == -1
    assert h.children("Conn") == ["Physical", "ConEcFin", "Political", "Instit", "P2P"]
    assert len(tf.data) == 51


@pytest.mark.skipif(not ASEM.exists(), reason="ASEM reference data not available")
def test_data_table_missing_an_indicator_column(tmp_path):
    data = pd.read_csv(ASEM / "ASEM_iData.csv").drop(columns=["LPI"])
    data.to_csv(tmp_path / "d.csv", index=False)
    with pytest.raises(ConfigError, match="LPI"):
        read_table_framework(tmp_path / "d.csv", ASEM / "ASEM_iMeta.csv")


def test_infinite_indicator_values_are_rejected():
    h = hierarchy_from_records(_records(), unit_id="unit")
    data = pd.DataFrame({"unit": ["u1", "u2"], "a": [1.0, np.inf], "b": [1.0, 2.0], "c": [3.0, 4.0]})
    with pytest.raises(ConfigError, match="无穷大.*a"):
        run(data, h)
