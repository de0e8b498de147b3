"""Threshold sweeps: hand-computed pass rates, binding conditions, relaxation, grid, properties."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selection_data import annual_rows, applicant, dataset

from nidb.selection import load_selection_method, select
from nidb.selection.checks import AnyCheck, Comparison, PeerCheck
from nidb.selection.method import SweepSpec
from nidb.selection.sweep import (
    bootstrap_weights,
    curves,
    multipliers,
    others_pass,
    pass_runs,
    sweep,
    weighted_counts,
)
from nidb.selection.verdicts import QuantitativeChecks

NAN = float("nan")
DEFAULT_M = multipliers(SweepSpec())  # 0.5–1.5, 201 points


def checks(*cs: object) -> QuantitativeChecks:
    ids = tuple(f"C{i}" for i in range(len(cs)))
    status = np.column_stack([c.status() for c in cs])
    return QuantitativeChecks(ids, ids, tuple("D1" for _ in cs), tuple(cs), status)


def test_pass_rates_by_hand():
    a = Comparison(np.array([100.0, 200.0, 300.0, 400.0]), np.full(4, 300.0), ">=")
    b = Comparison(np.array([5.0, 5.0, 5.0, 1.0]), np.full(4, 2.0), ">=")  # applicant 4 fails b
    m = np.array([0.5, 1.0, 1.5])
    out = curves(checks(a, b), m)
    assert out["alone"][0].tolist() == [0.75, 0.5, 0.0]  # thresholds 150, 300, 450
    assert out["joint"][0].tolist() == [0.5, 0.25, 0.0]  # applicant 4 never counts jointly
    assert out["alone"][1].tolist() == [1.0, 0.75, 0.75]  # thresholds 1, 2, 3


def test_missing_never_passes():
    a = Comparison(np.array([NAN, 400.0]), np.full(2, 300.0), ">=")
    assert curves(checks(a), np.array([0.01]))["alone"][0].tolist() == [0.5]
    assert a.status().tolist() == [2, 0]


def test_years_all_must_pass():
    value = np.array([[6.0, 7.0, 8.0], [6.0, 4.0, 8.0]])
    gdp = np.full((2, 3), 5.0)
    c = Comparison(value, gdp, ">")
    assert c.passes(np.array([1.0, 0.75]))[:, :].tolist() == [[True, False], [True, True]]  # 4 > 3.75


def test_any_check_or():
    c = AnyCheck((Comparison(np.array([0.0, 1.0, NAN]), np.ones(3), ">="),
                  Comparison(np.array([3.0, 0.0, 2.0]), np.full(3, 3.0), ">=")))
    assert c.status().tolist() == [0, 0, 2]
    assert c.passes(np.array([1.0, 1.5]))[:, 0].tolist() == [True, False]  # provincial 3 < 4.5


def test_peer_check_relaxes_with_multiplier():
    position = np.array([10.0, 30.0, 40.0, NAN])
    bench = np.array([NAN, NAN, NAN, 50.0])
    c = PeerCheck(position, 30.0, np.array([1, 1, 1, 45.0]), bench, True)
    assert c.passes(np.array([1.0, 4 / 3, 1.2]))[:, 2].tolist() == [False, True, False]
    assert c.passes(np.array([1.0, 50 / 45]))[:, 3].tolist() == [False, True]  # benchmark 50 / m


def test_others_pass():
    p0 = np.array([[True, False, True], [True, True, False]])
    assert others_pass(p0).tolist() == [[True, True, False], [True, False, True]]


# ------------------------------------------------------------------ on a selection round
@pytest.fixture(scope="module")
def method():
    m = load_selection_method()
    return replace(m, sweep=replace(m.sweep, bootstrap=200, points=101, grid_points=5))


@pytest.fixture(scope="module")
def round_(method):
    apps = [applicant(f"A{i:04d}", special_areas="革命老区" if i in (4, 5) else None) for i in range(1, 7)]
    rows = (annual_rows("A0001")
            + annual_rows("A0002", qms_certification_rate=55.0)                   # only I11 fails
            + annual_rows("A0003", qms_certification_rate=55.0, nc_key_process_rate=50.0)  # I11 and I15
            + annual_rows("A0004", sales_revenue=200.0, leading_industry_revenue=120.0, rd_expenditure=6.0,
                          above_scale_revenue=180.0, high_value_patents=540.0)   # passes only thanks to 150
            + annual_rows("A0005", land_area=1200.0)                               # 3333 万元/公顷 ≥ 3000
            + annual_rows("A0006", digital_rd_tool_rate=70.0))                     # only I14 fails
    result = select(dataset(apps, rows), 2024, method)
    return result, sweep(result)


def test_curve_at_spec_matches_verdicts(round_):
    result, sw = round_
    at_one = sw.curves[np.isclose(sw.curves["multiplier"], 1.0)].set_index("condition_id")
    for cid in ("I01", "I11", "I14", "I15"):
        passed = (result.verdicts.query("condition_id == @cid")["status"] == "通过").mean()
        assert at_one.loc[cid, "pass_rate_alone"] == pytest.approx(passed)
    assert at_one.loc["I11", "pass_rate_alone"] == pytest.approx(4 / 6)
    # jointly with all the others: A0001, A0004, A0005 pass everything
    assert at_one.loc["I01", "pass_rate_joint"] == pytest.approx(3 / 6)
    # I11 jointly: A0002 fails only I11 → with I11 swept low it joins; at spec 3/6
    low = sw.curves[(sw.curves["condition_id"] == "I11") & np.isclose(sw.curves["multiplier"], 0.9)]
    assert low["pass_rate_joint"].iloc[0] == pytest.approx(4 / 6)  # threshold 54 %: A0002 (55 %) passes


def test_binding(round_):
    _, sw = round_
    b = sw.binding.set_index("condition_id")
    assert b.loc["I11", "only_failed"] == 1  # A0002 (A0003 fails two)
    assert b.loc["I14", "only_failed"] == 1  # A0006
    assert b.loc["I15", "only_failed"] == 0
    assert set(sw.binding["condition_id"].iloc[:2]) == {"I11", "I14"}
    assert len(sw.curves) == 14 * 101


def test_relaxation_effect(round_):
    _, sw = round_
    r = sw.relaxation.set_index("condition_id")
    assert r.loc["I01", "special_area_applicants"] == 2
    assert (r.loc["I01", "pass_relaxed"], r.loc["I01", "pass_general"], r.loc["I01", "gained"]) == (2, 1, 1)
    assert (r.loc["I05", "pass_relaxed"], r.loc["I05", "pass_general"]) == (2, 1)
    assert (r.loc["全部定量条件", "pass_relaxed"], r.loc["全部定量条件", "pass_general"]) == (2, 0)


def test_grid(round_):
    _, sw = round_
    assert len(sw.grid) == 25
    at_spec = sw.grid[np.isclose(sw.grid["multiplier_a"], 1) & np.isclose(sw.grid["multiplier_b"], 1)]
    assert at_spec["pass_rate_joint"].iloc[0] == pytest.approx(3 / 6)
    loose = sw.grid[np.isclose(sw.grid["multiplier_a"], 0.5) & np.isclose(sw.grid["multiplier_b"], 0.5)]
    assert loose["pass_rate_joint"].iloc[0] == pytest.approx(5 / 6)  # A0003 still fails I15


def test_bootstrap_seeded(round_, method):
    result, sw = round_
    again = sweep(result)
    assert sw.curves.equals(again.curves)
    other = sweep(result, replace(method.sweep, seed=1, bootstrap=200, points=101, grid_points=5))
    assert not np.allclose(sw.curves["alone_lo"], other.curves["alone_lo"])
    assert (sw.curves["alone_lo"] <= sw.curves["alone_hi"]).all()


def test_default_sweep_has_at_least_100_points_over_50_percent():
    spec = load_selection_method().sweep
    m = multipliers(spec)
    assert len(m) >= 100 and m[0] == pytest.approx(0.5) and m[-1] == pytest.approx(1.5) and 1.0 in m


# ------------------------------------------------------------------ properties
values = st.lists(st.one_of(st.floats(0, 1000), st.just(NAN)), min_size=1, max_size=40)


@settings(deadline=None)
@given(values, st.floats(1, 500), st.sampled_from([">=", ">"]))
def test_higher_is_better_curves_fall(v, base, op):
    c = Comparison(np.array(v), np.full(len(v), base), op)
    other = Comparison(np.array(v[::-1]), np.full(len(v), base / 2), op)
    out = curves(checks(c, other), DEFAULT_M)
    assert (np.diff(out["alone"][0]) <= 0).all()
    assert (np.diff(out["joint"][0]) <= 0).all()
    assert (out["joint"] <= out["alone"]).all()


@settings(deadline=None)
@given(st.lists(st.one_of(st.floats(0, 100), st.just(NAN)), min_size=1, max_size=40))
def test_peer_curves_rise(pos):
    c = PeerCheck(np.array(pos), 30.0, np.ones(len(pos)), np.full(len(pos), NAN), True)
    out = curves(checks(c), DEFAULT_M)
    assert (np.diff(out["alone"][0]) >= 0).all()


@given(values, st.floats(0, 200), st.floats(1, 500))
def test_raising_value_never_turns_pass_into_fail_check(v, bump, base):
    before = Comparison(np.array(v), np.full(len(v), base), ">=").status()
    after = Comparison(np.array(v) + bump, np.full(len(v), base), ">=").status()
    assert not ((before == 0) & (after == 1)).any()


RAISABLE = ["leading_industry_revenue", "rd_expenditure", "high_value_patents", "national_rd_institutions",
            "provincial_rd_institutions", "standards_count", "qms_certification_rate", "digital_rd_tool_rate",
            "nc_key_process_rate", "value_added"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    field=st.sampled_from(RAISABLE),
    factors=st.lists(st.floats(0.3, 1.5), min_size=6, max_size=6),
    bump=st.floats(1.01, 1.6),
)
def test_raising_an_input_never_turns_a_pass_into_a_fail(method, field, factors, bump):
    """Selection-level property: one applicant's better indicator value never loses a condition."""
    apps = [applicant(f"A{i:04d}") for i in range(1, 7)]
    rows = []
    for i, f in enumerate(factors, start=1):
        rows += annual_rows(f"A{i:04d}", **{k: v * f for k, v in
                                           {"rd_expenditure": 12.0, "value_added": 100.0, "standards_count": 50.0,
                                            "qms_certification_rate": 70.0, "high_value_patents": 900.0}.items()})
    before = select(dataset(apps, rows, benchmarks={}), 2024, method)
    raised = [dict(r) for r in rows]
    for r in raised:
        if r["unit_id"] == "A0001":
            cap = r["sales_revenue"] if field == "leading_industry_revenue" else (100.0 if "rate" in field else np.inf)
            r[field] = min(r[field] * bump, cap)
            if field == "value_added":
                r[field] = min(r[field], r["sales_revenue"])
    after = select(dataset(apps, raised, benchmarks={}), 2024, method)
    b = before.verdicts[before.verdicts["applicant_id"] == "A0001"].set_index("condition_id")["status"]
    a = after.verdicts[after.verdicts["applicant_id"] == "A0001"].set_index("condition_id")["status"]
    turned = (b == "通过") & (a == "未通过")
    assert not turned.any(), turned[turned].index.tolist()



@settings(deadline=None, max_examples=50)
@given(st.integers(1, 12), st.integers(1, 30), st.integers(0, 2**32 - 1), st.booleans())
def test_weighted_counts_equal_dense_product(k, n, seed, runs_only):
    """The difference-array shortcut gives exactly the dense product, and falls back when needed."""
    rng = np.random.default_rng(seed)
    if runs_only:  # one run of passes per applicant, as threshold checks give
        a, b = np.sort(rng.integers(0, k + 1, size=(2, n)), axis=0)
        p = (np.arange(k)[:, None] >= a) & (np.arange(k)[:, None] < b)
    else:
        p = rng.random((k, n)) < 0.5
    w = bootstrap_weights(n, 7, seed % 1000)
    expected = p.astype(float) @ w.T
    assert np.array_equal(weighted_counts(p, np.ascontiguousarray(w.T, dtype=float)), expected)
    if runs_only:
        assert pass_runs(p) is not None
