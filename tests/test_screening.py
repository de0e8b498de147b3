"""Submission integrity screening: each check on small hand-made forms, the method file's errors,
Art. 10 official values in the indicators, recall and precision on the planted demo, and the CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner
from workbook_check import check_workbook

from nidb.cli import app
from nidb.demo import demo_tables, planted_anomalies
from nidb.demo.recall import recall_precision
from nidb.demo.writer import clean_tables
from nidb.errors import ConfigError
from nidb.indicators.values import indicator_values, unit_registry
from nidb.screening import load_screening_method, parse_screening_method, screen
from nidb.screening.digits import chi2_power, first_digits
from nidb.yamlfile import read_yaml

DEFAULT = load_screening_method()


def _only(rule_id: str):
    """The default method reduced to one rule."""
    return DEFAULT.__class__(name="one", rules=(DEFAULT.rule(rule_id),), source="test")


def _data(annual: pd.DataFrame, **tables: pd.DataFrame) -> dict[str, pd.DataFrame]:
    units = sorted(annual["unit_id"].unique())
    bases = pd.DataFrame({"base_id": pd.Series([u for u in units if u.startswith("B")], dtype="string")})
    bases = bases.assign(name=bases["base_id"] + "名", authority="江苏省", special_areas=pd.NA)
    applicants = pd.DataFrame({"applicant_id": pd.Series([u for u in units if u.startswith("A")], dtype="string")})
    applicants = applicants.assign(name="申报", authority="浙江省", special_areas=pd.NA, application_year=2025)
    return {"annual": annual.astype({"year": "int64"}), "bases": bases, "applicants": applicants, **tables}


def _flagged(result, rule: str) -> set[tuple[str, int]]:
    f = result.flags[result.flags["rule"] == rule]
    return set(zip(f["unit_id"], f["year"].astype(int)))


def test_ratio_bounds_flags_only_the_inconsistent_form():
    annual = pd.DataFrame({"unit_id": ["B0001", "B0002", "B0003"], "year": 2025,
                           "value_added": [100.0, 100.0, np.nan], "industrial_value_added": [100.4, 120.0, 50.0]})
    result = screen(_data(annual), _only("iva_within_va"))
    assert _flagged(result, "iva_within_va") == {("B0002", 2025)}
    row = result.flags.iloc[0]
    assert row["score"] == pytest.approx(1.2 / 1.005)
    assert "1.2" in row["reason"] and "≤ 1.005" in row["expected"]


def test_growth_is_checked_against_levels_after_the_years_price_effect():
    # every unit reports real growth 2 points below the nominal growth of its levels; B0009 reports 15 more
    levels = {f"B{i:04d}": (100.0 + i, (100.0 + i) * 1.08) for i in range(1, 10)}
    rows = [(u, 2024, a, 5.0) for u, (a, _) in levels.items()]
    rows += [(u, 2025, b, 6.0 + (15 if u == "B0009" else 0)) for u, (_, b) in levels.items()]
    annual = pd.DataFrame(rows, columns=["unit_id", "year", "value_added", "value_added_growth"])
    result = screen(_data(annual), _only("growth_vs_levels"))
    assert _flagged(result, "growth_vs_levels") == {("B0009", 2025)}
    assert "相差 15 个百分点" in result.flags["reason"].iat[0]


def test_a_spike_is_flagged_in_its_own_year_and_not_when_it_returns():
    rng = np.random.default_rng(1)
    units = [f"B{i:04d}" for i in range(1, 41)]
    years = range(2020, 2026)
    sales = {(u, y): 100.0 * (1 + 0.05 * (y - 2020)) * np.exp(rng.normal(0, 0.02)) for u in units for y in years}
    sales[("B0007", 2022)] *= 2.5
    annual = pd.DataFrame([(u, y, v) for (u, y), v in sales.items()], columns=["unit_id", "year", "sales_revenue"])
    result = screen(_data(annual), _only("jumps"))
    assert _flagged(result, "jumps") == {("B0007", 2022)}
    assert "次年又回到" in result.flags["reason"].iat[0]


def test_bunching_flags_the_window_only_when_the_binomial_test_finds_a_pile():
    rng = np.random.default_rng(2)
    smooth = np.exp(rng.uniform(np.log(200), np.log(450), 600))
    piled = 300 * (1 + rng.uniform(0, 0.004, 15))
    ids = [f"A{i:04d}" for i in range(1, 616)]
    annual = pd.DataFrame({"unit_id": ids, "year": 2025, "sales_revenue": np.r_[smooth, piled]})
    result = screen(_data(annual), _only("bunching"))
    flagged = {u for u, _ in _flagged(result, "bunching")}
    assert set(ids[600:]) <= flagged
    in_window = {u for u, x in zip(ids, annual["sales_revenue"]) if 300 <= x < 301.5}
    assert flagged == in_window
    test = result.detail["bunching_tests"].query("indicator == 'I01'")
    assert bool(test["bunching"].iat[0]) and test["p_value"].iat[0] < 0.01
    honest = screen(_data(annual.iloc[:600]), _only("bunching"))
    assert honest.flags.empty


def test_first_digits_and_the_power_of_the_benford_test():
    assert first_digits(np.array([0.0123, 1, 9.99, 10, 300, 1000, np.nan, -5])).tolist() == [1, 1, 9, 1, 3, 1, 0, 0]
    power = chi2_power(np.array([50, 310, 2000]), 0.3, 0.001)
    assert power[0] < 0.8 <= power[1] < power[2]


def test_benford_flags_fabricated_digits_and_leaves_small_authorities_untested():
    rng = np.random.default_rng(3)
    n = 60
    honest = 10 ** rng.uniform(0, 4, (n, 11))
    fabricated = rng.integers(1, 10, (n, 11)) * 10.0 ** rng.integers(0, 3, (n, 11)) + 0.37
    fields = DEFAULT.rule("benford").params["fields"]
    frames = []
    for prefix, values in (("B1", honest), ("B2", fabricated)):
        frame = pd.DataFrame(values, columns=list(fields))
        frame.insert(0, "unit_id", [f"{prefix}{i:03d}" for i in range(n)])
        frame.insert(1, "year", 2025)
        frames.append(frame)
    few = frames[1].iloc[:3].assign(unit_id=["B3001", "B3002", "B3003"])
    annual = pd.concat([*frames, few], ignore_index=True)
    data = _data(annual)
    data["bases"]["authority"] = data["bases"]["base_id"].str[:2].map({"B1": "江苏省", "B2": "广东省", "B3": "青海省"})
    result = screen(data, _only("benford"))
    assert result.flags["authority"].tolist() == ["广东省"]
    assert result.flags["unit_id"].isna().all()
    table = result.detail["benford"].set_index("authority")
    assert not table.at["青海省", "tested"] and table.at["江苏省", "tested"] and not table.at["江苏省", "flagged"]
    assert "数字太少" in result.rules["note"].iat[0]


def test_heaping_counts_round_amounts():
    annual = pd.DataFrame({"unit_id": ["B0001", "B0002"], "year": 2025,
                           "sales_revenue": [500.0, 512.37], "value_added": [120.0, 121.33],
                           "leading_industry_revenue": [350.0, 351.21], "industrial_value_added": [97.0, 97.45],
                           "above_scale_revenue": [450.0, 433.2]})
    result = screen(_data(annual), _only("heaping"))
    assert _flagged(result, "heaping") == {("B0001", 2025)}
    assert result.flags["value"].iat[0] == 5


def test_copies_across_years_and_units():
    fields = list(DEFAULT.rule("copies_across_years").params["fields"])
    rng = np.random.default_rng(4)
    rows = {(u, y): rng.uniform(10, 1000, len(fields)).round(2) for u in ("B0001", "B0002", "B0003") for y in (2024, 2025)}
    rows[("B0001", 2025)] = rows[("B0001", 2024)].copy()
    rows[("B0003", 2025)] = rows[("B0002", 2025)].copy()
    rows[("B0003", 2025)][0] += 1  # near-identical
    annual = pd.DataFrame([(u, y, *v) for (u, y), v in rows.items()], columns=["unit_id", "year", *fields])
    method = DEFAULT.__class__(name="two", rules=(DEFAULT.rule("copies_across_years"), DEFAULT.rule("copies_across_units")))
    result = screen(_data(annual), method)
    assert _flagged(result, "copies_across_years") == {("B0001", 2025)}
    assert _flagged(result, "copies_across_units") == {("B0002", 2025), ("B0003", 2025)}
    assert any("与 B0002 同年报表相比，14 / 15" in r for r in result.flags["reason"])


def test_official_discrepancy_and_official_values_prevail_in_the_indicators():
    annual = pd.DataFrame({"unit_id": ["B0001", "B0002"], "year": 2025, "sales_revenue": [330.0, 500.0]})
    official = pd.DataFrame({"unit_id": ["B0001", "B0002"], "year": 2025, "source": "统计局",
                             "sales_revenue": [290.0, 501.0]})
    data = _data(annual, official_statistics=official)
    result = screen(data, _only("official_discrepancy"))
    assert _flagged(result, "official_discrepancy") == {("B0001", 2025)}
    assert "统计局数据 290" in result.flags["reason"].iat[0] and "+13.8%" in result.flags["reason"].iat[0]
    assert indicator_values(data)["I01"].tolist() == [290.0, 501.0]
    assert indicator_values(data, params={"official_prevails": False})["I01"].tolist() == [330.0, 500.0]
    assert annual["sales_revenue"].tolist() == [330.0, 500.0]  # the input is not modified


def test_revisions_that_move_a_condition_are_flagged():
    annual = pd.DataFrame({"unit_id": ["A0001", "A0002"], "year": 2025, "sales_revenue": [305.0, 500.0]})
    versions = pd.DataFrame({"unit_id": ["A0001", "A0002"], "year": 2025, "version": 1,
                             "submitted_on": ["2026-03-01", "2026-03-02"], "sales_revenue": [290.0, 502.0]})
    result = screen(_data(annual, submissions=versions), _only("revisions"))
    assert _flagged(result, "revisions") == {("A0001", 2025)}
    assert "由未达到变为达到" in result.flags["reason"].iat[0] and "2026-03-01" in result.flags["reason"].iat[0]


def test_without_the_optional_tables_those_rules_say_why_they_did_not_run():
    annual = pd.DataFrame({"unit_id": ["B0001"], "year": 2025, "sales_revenue": [330.0]})
    result = screen(_data(annual))
    status = result.rules.set_index("rule")
    assert not status.at["official_discrepancy", "ran"] and "统计部门数据" in status.at["official_discrepancy", "note"]
    assert not status.at["revisions", "ran"] and "年度报表历次版本" in status.at["revisions", "note"]
    assert status.loc[["iva_within_va", "jumps", "heaping"], "ran"].all()


@pytest.mark.parametrize(("edit", "path", "message"), [
    (lambda m: m["rules"]["jumps"].update(check="zigzag"), "rules.jumps.check", "无效"),
    (lambda m: m["rules"]["jumps"].update(fields=["sales"]), "rules.jumps.fields[0]", "无效"),
    (lambda m: m["rules"]["bunching"].update(alpha=1.5), "rules.bunching.alpha", "超出范围"),
    (lambda m: m["rules"]["bunching"].update(indicators=["I04"]), "rules.bunching.indicators[0]", "无效"),
    (lambda m: m["rules"]["heaping"].pop("min_round"), "rules.heaping.min_round", "缺少必需的参数"),
    (lambda m: m["rules"]["heaping"].update(colour=1), "rules.heaping.colour", "未知键"),
])
def test_a_broken_method_file_names_the_key(edit, path, message):
    raw = read_yaml(Path(DEFAULT.source))
    edit(raw)
    with pytest.raises(ConfigError) as exc:
        parse_screening_method(raw, source="m.yaml")
    assert f"m.yaml：{path}：" in str(exc.value) and message in str(exc.value)


@pytest.fixture(scope="module")
def demo_screen():
    tables, planted = demo_tables(), planted_anomalies()
    return tables, planted, screen(tables, DEFAULT)


def test_recall_and_precision_on_the_planted_demo(demo_screen):
    tables, planted, result = demo_screen
    registry = unit_registry(tables)
    screened = tables["annual"][["unit_id", "year"]].assign(authority=tables["annual"]["unit_id"].map(registry["authority"]))
    scores = recall_precision(result.flags, planted, screened, [r.id for r in DEFAULT.rules]).set_index("rule")
    assert (scores["planted"] > 0).all()
    assert (scores["recall"] >= 0.9).all(), scores
    assert (scores["false_flag_rate"] <= 0.02).all(), scores


def test_clean_demo_is_rarely_flagged_and_the_screening_never_changes_the_data():
    tables = clean_tables()
    before = tables["annual"].copy()
    result = screen(tables, DEFAULT)
    assert len(result.priority) <= 0.02 * result.screened
    pd.testing.assert_frame_equal(tables["annual"], before)


def test_priority_ranks_unit_years_and_summarises_authorities(demo_screen):
    _, _, result = demo_screen
    p = result.priority
    assert p["rank"].tolist() == list(range(1, len(p) + 1))
    assert p["priority"].is_monotonic_decreasing
    assert not p.duplicated(["unit_id", "year"]).any()
    a = result.authorities
    assert a["flagged"].sum() == len(p) and (a["share"] <= 1).all()


def test_cli_writes_the_tables_with_the_synthetic_label(tmp_path: Path):
    out = tmp_path / "筛查.xlsx"
    run = CliRunner().invoke(app, ["screen", "--year", "2025", "--out", str(out)])
    assert run.exit_code == 0, run.output
    sheets = pd.read_excel(out, sheet_name=None, engine="openpyxl")
    assert list(sheets) == ["说明", "复核优先级", "标记明细", "推荐单位汇总", "规则执行情况"]
    assert "示例数据（合成）" in sheets["说明"].to_string()  # the label: in 说明 and in each sheet's page header
    assert "示例数据（合成）" in openpyxl.load_workbook(out)["标记明细"].oddHeader.center.text
    check_workbook(out)
    assert (sheets["标记明细"]["年份"] == 2025).all() and len(sheets["标记明细"]) > 0
    assert "不改变任何指标值" in sheets["说明"].to_string()


def test_cli_bad_method_is_a_located_error_and_writes_nothing(tmp_path: Path):
    method = tmp_path / "m.yaml"
    method.write_text("name: x\nrules:\n  a: {check: ratio_bounds, zh: 甲, weight: 1, numerator: sales, denominator: value_added, max: 1}\n",
                      encoding="utf-8")
    out = tmp_path / "out.csv"
    run = CliRunner().invoke(app, ["screen", "--out", str(out), "--method", str(method)])
    assert run.exit_code == 1 and "rules.a.numerator" in run.output and not out.exists()


def test_tail_probabilities_are_those_of_scipy_stats():
    """The screening's tails come from scipy.special (a lighter import): the same numbers as scipy.stats."""
    from scipy import stats

    from nidb.screening.tails import binom_at_least, chi2_isf, chi2_sf, ncx2_sf

    rng = np.random.default_rng(7)
    n = rng.integers(0, 3000, 5000)
    k = rng.integers(-1, n + 2)
    p = rng.uniform(0.001, 0.999, 5000)
    np.testing.assert_array_equal(binom_at_least(k, n, p), stats.binom.sf(k - 1, n, p))
    x = rng.uniform(0, 80, 5000)
    np.testing.assert_array_equal(chi2_sf(x, 8), stats.chi2.sf(x, 8))
    assert chi2_isf(0.001, 8) == stats.chi2.isf(0.001, 8)
    nc = rng.uniform(0, 60, 5000)
    np.testing.assert_allclose(ncx2_sf(26.1, 8, nc), stats.ncx2.sf(26.1, 8, nc), rtol=0, atol=1e-14)
