"""Prepared selection data (`prepare`) and the numeric cores behind the fast `select`:
reusing one prepared dataset across methods gives what a fresh selection gives; peer ranks
equal pandas' grouped min-rank; coded expert scores aggregate like the spec's rules."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from nidb.demo import demo_dir
from nidb.evaluation.experts import CodedScores
from nidb.framework import load_framework
from nidb.indicators.peers import _ranks, peer_standings
from nidb.inputs.dataset import load_dataset
from nidb.selection import load_selection_method, prepare, select
from nidb.selection.method import Rule


@pytest.fixture(scope="module")
def demo():
    return load_dataset(demo_dir())


def _variants(method):
    """Methods that change every method-dependent piece: peers, data year, expert rule, overall rule."""
    return {
        "pooled peers": replace(method, parameters=(("peer_group_by", "none"), ("peer_min_group_size", 3))),
        "data two years back": replace(method, data_lag=2),
        "median of experts": replace(method, qualitative_rule=replace(method.qualitative_rule, aggregation="median")),
        "2 per dimension": replace(method, quantitative_rule=Rule("k_per_dimension", 2)),
        "default": method,
    }


def test_prepared_data_reused_across_methods_equals_fresh_selection(demo):
    method = load_selection_method()
    year = int(demo.applicants["application_year"].max())
    prepared = prepare(demo)
    assert prepare(prepared) is prepared
    first = select(prepared, year, method)
    for name, variant in _variants(method).items():
        reused, fresh = select(prepared, year, variant), select(demo, year, variant)
        pd.testing.assert_frame_equal(reused.summary, fresh.summary, check_exact=True, obj=name)
        pd.testing.assert_frame_equal(reused.verdicts, fresh.verdicts, check_exact=True, obj=name)
    again = select(prepared, year, method)
    pd.testing.assert_frame_equal(again.verdicts, first.verdicts, check_exact=True)
    # the variants really differ from the default somewhere (else the loop proves nothing)
    pooled = select(prepared, year, _variants(method)["pooled peers"])
    assert not pooled.verdicts["reason"].equals(first.verdicts["reason"])


def test_ranks_equal_pandas_grouped_min_and_average_ranks():
    rng = np.random.default_rng(7)
    group = rng.integers(0, 12, 400)
    key = rng.integers(0, 6, 400).astype(float)  # many ties
    key[rng.random(400) < 0.2] = np.nan
    rank, mid, count = _ranks(group, key)
    frame = pd.DataFrame({"g": group, "k": key})
    expected_rank = frame.groupby("g")["k"].rank(method="min").to_numpy()
    expected_mid = frame.groupby("g")["k"].rank(method="average").to_numpy()
    expected_count = frame.groupby("g")["k"].transform("count").to_numpy()
    np.testing.assert_array_equal(rank, expected_rank)
    np.testing.assert_array_equal(mid, expected_mid)
    np.testing.assert_array_equal(count, expected_count)


def test_peer_population_leaves_out_other_kinds_and_unregistered_units():
    fw = load_framework()
    registry = pd.DataFrame(
        {"kind": ["base", "base", "applicant"], "domain": ["装备工业"] * 3, "industry": ["汽车"] * 3},
        index=pd.Index(["B1", "B2", "A1"], name="unit_id"), dtype="string",
    )
    index = pd.MultiIndex.from_arrays([["B1", "B2", "A1", "X9"], [2024] * 4], names=["unit_id", "year"])
    values = pd.DataFrame({i: [10.0, 20.0, 30.0, 40.0] for i in ("I04", "I10", "I19", "I20")}, index=index)
    standing = {s.indicator_id: s for s in peer_standings(values, registry, fw, {"peer_population": "bases"})}
    i04 = standing["I04"]  # higher is better: B2 first of the 2 bases; a group of 2 < 5 is pooled
    np.testing.assert_array_equal(i04.peer, [True, True, False, False])
    np.testing.assert_array_equal(i04.rank[:2], [2, 1])
    np.testing.assert_array_equal(i04.position[:2], [100, 50])
    np.testing.assert_array_equal(i04.standing[:2], [0, 100])
    assert list(i04.peer_group[:2]) == ["全体", "全体"] and i04.peer_group[2] is pd.NA
    assert list(i04.peer_level[:2]) == ["全体", "全体"] and i04.fallback[:2].all()
    assert math.isnan(i04.rank[3]) and i04.peer_group[3] is pd.NA
    assert standing["I19"].rank[0] == 1  # lower is better: B1 first


def test_coded_scores_aggregate_each_rule_on_one_coding():
    # one cell scored 50, 60, 70, 100, 100 by five experts
    scores = pd.DataFrame({
        "unit_id": pd.array(["A1"] * 5, dtype="string"), "year": pd.array([2024] * 5, dtype="Int64"),
        "indicator_id": pd.array(["Q01"] * 5, dtype="string"),
        "expert_id": pd.array([f"E{i}" for i in range(5)], dtype="string"), "score": [100.0, 50, 70, 100, 60],
    })
    coded = CodedScores(scores)
    expected = [  # (method, trim_min_experts, trim_count) -> score, scores used
        (("median", 5, 1), 70.0, 5),
        (("trimmed_mean", 5, 1), (60 + 70 + 100) / 3, 3),  # drop one lowest (50) and one highest (100)
        (("mean", 5, 1), 76.0, 5),
        (("trimmed_mean", 5, 2), 70.0, 1),  # drop 50, 60 and 100, 100
        (("trimmed_mean", 6, 1), 76.0, 5),  # fewer than 6 experts: no trimming
        (("trimmed_mean", 5, 1), (60 + 70 + 100) / 3, 3),
    ]
    for args, score, used in expected:
        out = coded.aggregate(*args)
        assert out["score"].iloc[0] == pytest.approx(score), args
        assert out["n_used"].iloc[0] == used and out["n_experts"].iloc[0] == 5
