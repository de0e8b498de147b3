"""Method recipes: defaults, packaged recipes, and clear errors naming file and key."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nidb.engine import (
    load_method,
    method_from_mapping,
    packaged_method,
    read_table_framework,
    run,
)
from nidb.errors import ConfigError
from nidb.reference import ASEM_DIR

ASEM = ASEM_DIR


def test_defaults():
    m = method_from_mapping({})
    assert m.denominate is False and m.impute.method == "none" and m.treat is None
    assert m.screen.min_availability is None
    assert m.normalise.method == "minmax" and m.normalise.params == {}
    assert m.weights.for_level(1).scheme == "framework"
    assert m.aggregate.for_level(2).method == "arithmetic" and m.aggregate.zeros == "error"


def test_packaged_recipes_load():
    example = packaged_method("asem-coinr-example")
    assert example.denominate and example.impute.group == "EurAsia_group"
    assert example.treat.winsorise_max == 5 and example.treat.log == "log_ct"
    assert example.screen.min_availability == 0.9 and example.screen.stage == "after_imputation"
    assert packaged_method("asem-minmax-mean").treat is None


def test_unknown_key_names_the_file_and_path(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("normalise:\n  method: minmax\n  hihg: 100\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"m\.yaml.*normalise\.hihg"):
        load_method(path)


@pytest.mark.parametrize(
    "raw, key",
    [
        ({"normalise": {"method": "softmax"}}, "normalise.method"),
        ({"normalise": {"method": "minmax", "low": 100, "high": 0}}, "normalise.high"),
        ({"normalise": {"method": "rank", "low": 1}}, "normalise.low"),
        ({"impute": {"method": "group_mean"}}, "impute.group"),
        ({"treat": {"method": "jrc", "winsorise_max": -1}}, "treat.winsorise_max"),
        ({"treat": {"method": "jrc", "log": "ln"}}, "treat.log"),
        ({"screen": {"min_availability": 1.5}}, "screen.min_availability"),
        ({"aggregate": {"method": "median"}}, "aggregate.method"),
        ({"aggregate": {"min_availability": 2}}, "aggregate.min_availability"),
        ({"aggregate": {"levels": {1: {"method": "geometric"}}}}, "aggregate.levels.1"),
        ({"weights": {"scheme": "ahp"}}, "weights.scheme"),
        ({"weights": {"levels": {1: {"scheme": "manual"}}}}, "weights.levels.1.values"),
        ({"denominate": "yes"}, "denominate"),
        ({"normalise": {"method": "goalposts", "goalposts": 5}}, "normalise.goalposts"),
        ({"weights": {"levels": [1, 2]}}, "weights.levels"),
        ({"normalise": {"method": "rank", "ties": "max"}}, "normalise.ties"),
    ],
)
def test_invalid_values_name_their_key(raw, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        method_from_mapping(raw, source="x.yaml")


def test_inconsistent_ahp_matrix_is_rejected_on_load():
    raw = {
        "weights": {
            "levels": {
                2: {
                    "scheme": "ahp",
                    "matrices": {"I": {"order": ["A", "B", "C"], "matrix": [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]}},
                }
            }
        }
    }
    with pytest.raises(ConfigError, match=r"x\.yaml.*weights\.levels\.2\.matrices\.I\.matrix.*CR"):
        method_from_mapping(raw, source="x.yaml")


def test_yaml_syntax_error_and_missing_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("normalise: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="YAML"):
        load_method(bad)
    with pytest.raises(ConfigError, match="不存在"):
        load_method(tmp_path / "none.yaml")


def test_ahp_matrix_accepts_saaty_fractions_and_rejects_garbage():
    spec = {"order": ["A", "B", "C"], "matrix": [[1, 2, 3], ["1/2", 1, 2], ["1/3", "1/2", 1]]}
    m = method_from_mapping({"weights": {"levels": {2: {"scheme": "ahp", "matrices": {"I": spec}}}}})
    assert m.weights.levels[2].matrices["I"]["matrix"][2][0] == pytest.approx(1 / 3)
    spec["matrix"][1][0] = "half"
    with pytest.raises(ConfigError, match=r"matrix\[1\]\[0\]"):
        method_from_mapping({"weights": {"levels": {2: {"scheme": "ahp", "matrices": {"I": spec}}}}})


@pytest.mark.skipif(not ASEM.exists(), reason="ASEM reference data not available")
def test_packaged_efficacy_ahp_recipe_runs_on_asem():
    tf = read_table_framework(ASEM / "ASEM_iData.csv", ASEM / "ASEM_iMeta.csv")
    result = run(tf.data, tf.hierarchy, packaged_method("asem-efficacy-ahp"))
    # efficacy scores lie in [60, 100]; every gap is filled by the group median
    assert result.normalised.min().min() == 60 and result.normalised.max().max() == 100
    # the classic 3 x 3 matrix [[1,2,3],[1/2,1,2],[1/3,1/2,1]]: weights 0.540, 0.297, 0.163
    np.testing.assert_allclose(result.weights[["Environ", "Social", "SusEcFin"]], [0.540, 0.297, 0.163], atol=1e-3)
    for pillar in tf.hierarchy.codes_at(2):
        assert result.weights[tf.hierarchy.children(pillar)].sum() == pytest.approx(1.0)  # entropy weights
    assert result.scores["Index"].between(60, 100).all()


@pytest.fixture(scope="module")
def asem():
    return read_table_framework(ASEM / "ASEM_iData.csv", ASEM / "ASEM_iMeta.csv")


LEVELS_FORM = {"levels": {2: {"scheme": "manual", "values": {"Physical": 2, "Environ": 3}}, 3: {"scheme": "manual", "values": {"Conn": 2}}}}


@pytest.mark.skipif(not ASEM.exists(), reason="ASEM reference data not available")
@pytest.mark.parametrize(
    "weights",
    [
        {"Physical": 2, "Environ": 3, "Conn": 2},  # plain mapping of codes, any level
        {"values": {"Physical": 2, "Environ": 3, "Conn": 2}},
        {"scheme": "manual", "values": {"Physical": 2, "Environ": 3, "Conn": 2}},
        {"Physical": 2, "levels": {2: {"Environ": 3}, 3: {"values": {"Conn": 2}}}},  # plain mapping at a level
    ],
    ids=["plain", "values", "manual", "mixed"],
)
def test_plain_node_weights_equal_the_levels_form(asem, weights):
    plain = run(asem.data, asem.hierarchy, method_from_mapping({"weights": weights}))
    levels = run(asem.data, asem.hierarchy, method_from_mapping({"weights": LEVELS_FORM}))
    assert plain.weights[["Physical", "Environ", "Conn"]].tolist() == [2, 3, 2]
    assert plain.weights.drop(["Physical", "Environ", "Conn"]).equals(
        run(asem.data, asem.hierarchy, method_from_mapping({})).weights.drop(["Physical", "Environ", "Conn"])
    )
    pd.testing.assert_frame_equal(plain.scores, levels.scores)
    assert method_from_mapping({"weights": weights}).weights.by_level(asem.hierarchy) == method_from_mapping(
        {"weights": LEVELS_FORM}
    ).weights


@pytest.mark.parametrize(
    "weights, key",
    [
        ({"valeus": {"D2": 2}}, "weights.valeus"),
        ({"levels": {2: {"sheme": "equal"}}}, "weights.levels.2.sheme"),
        ("equal", "weights"),
        ({"scheme": "equal", "D2": 2}, "weights.values"),
        ({"D2": -1}, "weights.D2"),
        ({"D2": 2, "values": {"D2": 3}}, "weights.values.D2"),
        ({"levels": {2: {"scheme": "entropy", "D2": 2}}}, "weights.levels.2.values"),
    ],
)
def test_a_wrong_weights_section_lists_the_accepted_forms(weights, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")) as error:
        method_from_mapping({"weights": weights}, source="x.yaml")
    if "未知键" in str(error.value) or key == "weights":
        assert "weights: {D2: 2, D4: 2}" in str(error.value) and "levels: {层级: {代码: 权重}}" in str(error.value)


@pytest.mark.skipif(not ASEM.exists(), reason="ASEM reference data not available")
@pytest.mark.parametrize(
    "weights, message",
    [
        ({"D2": 2}, r"weights\.values\.D2：框架中没有这个可加权的节点"),
        ({"Index": 2}, r"weights\.values\.Index：框架中没有这个可加权的节点"),
        ({"Physical": 2, "levels": {2: {"scheme": "entropy"}}}, r"weights\.values\.Physical：第 2 层的权重方案为 entropy"),
        ({"Physical": 2, "levels": {2: {"Physical": 3}}}, r"weights\.values\.Physical：已在 weights\.levels\.2 中给出"),
    ],
)
def test_node_weights_the_framework_cannot_place_name_the_code(asem, weights, message):
    with pytest.raises(ConfigError, match=rf"x\.yaml.*{message}"):
        run(asem.data, asem.hierarchy, method_from_mapping({"weights": weights}, source="x.yaml"))
