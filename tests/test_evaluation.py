"""The annual evaluation: hand-computed scores, expert aggregation in the engine input, peer standing,
stars, special evaluations, method validation; the demo panel against the published star shares."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from workbook_check import check_workbook

from nidb.errors import ConfigError
from nidb.evaluation.annual import (
    engine_input,
    evaluate_year,
    evaluation_hierarchy,
    evaluation_indicators,
    expert_table,
    run_panel,
)
from nidb.evaluation.experts import profile_agreement, reliability
from nidb.evaluation.lifecycle import load_rules
from nidb.evaluation.method import (
    evaluation_method_from_mapping,
    load_evaluation_method,
)
from nidb.framework import load_framework

FW = load_framework()
QUANT = [i.id for i in FW.quantitative]
QUAL = [i.id for i in FW.qualitative]
BANDS = {5: {"min_score": 90}, 4: {"min_score": 60}, 3: {"min_score": 40}, 2: {"min_score": 20}}
SPECIAL = {
    "top_n": 1,
    "evaluations": [
        {"id": "innovation", "zh": "创新能力专项评价", "dimension": "D2"},
        {"id": "green_plus", "zh": "绿色发展专项评价", "indicators": ["I05", "I19", "I20"]},
    ],
}


def method(**overrides) -> object:
    """A plain method: no treatment, min-max 0–100, equal weights, arithmetic, band stars."""
    raw = {
        "peer_relative": "value",
        "normalise": {"method": "minmax", "low": 0, "high": 100},
        "stars": {"levels": BANDS},
        "special": SPECIAL,
        **overrides,
    }
    return evaluation_method_from_mapping(raw, source="test.yaml", framework=FW)


def tables(levels: dict[str, float], year: int = 2023) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Indicator and expert tables where unit u has value levels[u] on every indicator.

    For the lower-is-better indicators (#19, #20) the value is mirrored (2 − level), so a
    higher level is better on every indicator.
    """
    units = list(levels)
    idx = pd.MultiIndex.from_arrays([units, [year] * len(units)], names=["unit_id", "year"])
    lv = np.array([levels[u] for u in units], dtype=float)
    quant = pd.DataFrame({c: (2 - lv if c in ("I19", "I20") else lv) for c in QUANT}, index=idx)
    qual = pd.DataFrame({c: lv for c in QUAL}, index=idx)
    return quant, qual


def test_min_max_arithmetic_scores_by_hand() -> None:
    quant, qual = tables({"B0001": 2.0, "B0002": 1.0, "B0003": 0.0})
    quant.loc[("B0002", 2023), "I01"] = 0.0  # B0002 ties the worst on #1 only
    ev = evaluate_year(quant, qual, FW, method(), 2023)
    res = ev.results.set_index("unit_id")
    # B0002: 50 on every indicator except #1 (0); D1 has 6 indicators
    assert res.loc["B0002", "D1"] == pytest.approx((0 + 5 * 50) / 6)
    assert res.loc["B0002", "D4"] == pytest.approx(50.0)  # #19, #20 are mirrored: lower is better
    assert res.loc["B0002", "index"] == pytest.approx(((0 + 5 * 50) / 6 + 5 * 50) / 6)
    assert res.loc["B0001", "index"] == pytest.approx(100.0)
    assert res.loc["B0003", "index"] == pytest.approx(0.0)
    assert res["rank"].tolist() == [1, 2, 3]
    assert res["stars"].tolist() == [5, 3, 1]  # bands: 100 ≥ 90; 48.6 ≥ 40; 0 < 20


def test_missing_values_are_skipped_with_weights_renormalised_and_counted() -> None:
    quant, qual = tables({"B0001": 2.0, "B0002": 1.0, "B0003": 0.0})
    quant.loc[("B0002", 2023), "I01"] = np.nan
    ev = evaluate_year(quant, qual, FW, method(), 2023)
    res = ev.results.set_index("unit_id")
    assert res.loc["B0002", "D1"] == pytest.approx(50.0)  # mean of the five available
    assert res.loc["B0002", "n_missing"] == 1
    assert ev.missing.set_index("indicator_id").loc["I01", "n_missing"] == 1


def test_a_unit_without_data_keeps_an_empty_engine_row() -> None:
    quant, qual = tables({"B0001": 2.0, "B0002": 1.0})
    units = pd.Index(["B0001", "B0002", "B0009"], name="unit_id")
    data = engine_input(quant, qual, FW, 2023, units)
    assert data["unit_id"].tolist() == ["B0001", "B0002", "B0009"]
    assert data.set_index("unit_id").loc["B0009"].isna().all()


def test_no_annual_form_no_rating_even_with_top_expert_scores() -> None:
    """Art. 19: 「参加评价须提交…示范基地年度报表」 — expert scores alone do not make a rating."""
    quant, qual = tables({"B0001": 2.0, "B0002": 1.0, "B0003": 0.0})
    _, top = tables({"B0009": 1000.0})
    ev = evaluate_year(quant, pd.concat([qual, top]), FW, method(), 2023)
    assert "B0009" not in set(ev.results["unit_id"])
    row = ev.unrated.set_index("unit_id").loc["B0009"]
    assert row["status"] == "未提交年度报表" and "第十九条" in row["reason"]
    # the old behaviour: re-weighting over the expert scores alone gave it the top rating
    old = method(rating_data={"annual_form_required": False, "min_quantitative_coverage": 0})
    res = evaluate_year(quant, pd.concat([qual, top]), FW, old, 2023).results.set_index("unit_id")
    assert res.loc["B0009", "stars"] == 5


@pytest.mark.parametrize(("n_missing", "rated"), [(2, True), (3, False)])
def test_too_few_computable_quantitative_indicators_is_not_rated(n_missing: int, rated: bool) -> None:
    """At least 80 % of the 14 quantitative indicators: 12 computable is rated, 11 is 数据不全."""
    quant, qual = tables({"B0001": 2.0, "B0002": 1.0, "B0003": 0.0})
    quant.loc[("B0002", 2023), QUANT[:n_missing]] = np.nan
    ev = evaluate_year(quant, qual, FW, method(), 2023)
    assert ("B0002" in set(ev.results["unit_id"])) is rated
    if not rated:
        row = ev.unrated.set_index("unit_id").loc["B0002"]
        assert row["status"] == "数据不全" and row["n_computable"] == 11
        assert "11/14 项，少于 12 项" in row["reason"]


def test_engine_input_holds_trimmed_mean_expert_scores() -> None:
    scores = pd.DataFrame(
        {
            "unit_id": "B0001",
            "year": 2023,
            "indicator_id": ["I06"] * 5 + ["F01"],
            "expert_id": ["E1", "E2", "E3", "E4", "E5", "E1"],
            "score": [60.0, 100.0, 80.0, 70.0, 90.0, 10.0],
        }
    )
    wide = expert_table(scores, FW, method())
    assert wide.loc[("B0001", 2023), "I06"] == pytest.approx(80.0)
    assert "F01" not in wide.columns  # feature indicators are not part of the annual evaluation
    mean = expert_table(scores, FW, method(experts={"method": "mean"}))
    assert mean.loc[("B0001", 2023), "I06"] == pytest.approx(80.0)
    median = expert_table(scores.assign(score=[60.0, 100.0, 61.0, 70.0, 90.0, 10.0]), FW, method(experts={"method": "median"}))
    assert median.loc[("B0001", 2023), "I06"] == pytest.approx(70.0)


def test_quota_stars_with_a_dimension_gate() -> None:
    levels = {f"B{i:04d}": float(i) for i in range(1, 20)} | {"B0020": 40.0}  # B0020 far ahead
    quant, qual = tables(levels)
    quant.loc[("B0020", 2023), ["I19", "I20"]] = 5.0  # the best unit is the worst on green (D4 = 0)
    qual.loc[("B0020", 2023), ["I21", "I22"]] = 1.0
    stars = {"levels": {5: {"top_share": 0.1, "min_dimension": 10}, 4: {"top_share": 0.5}, 3: {"min_score": 20}, 2: {"min_score": 5}}}
    res = evaluate_year(quant, qual, FW, method(stars=stars), 2023).results.set_index("unit_id")
    # B0020 still ranks first (index 500/6); two five-star slots: B0020 fails the gate and
    # drops to four stars, B0019 keeps its slot
    assert res.loc["B0020", "rank"] == 1 and res.loc["B0020", "stars"] == 4
    assert res.loc["B0019", "stars"] == 5
    assert (res["stars"] == 5).sum() == 1  # the slot is not refilled
    assert (res["stars"] >= 4).sum() == 10


def test_special_evaluations_by_dimension_and_by_indicator_list() -> None:
    quant, qual = tables({"B0001": 2.0, "B0002": 1.0, "B0003": 0.0})
    quant.loc[("B0003", 2023), "I05"] = 2.0  # B0003 best on land productivity only
    ev = evaluate_year(quant, qual, FW, method(), 2023)
    sp = ev.special.set_index(["special_id", "unit_id"])
    res = ev.results.set_index("unit_id")
    for unit in ("B0001", "B0002", "B0003"):
        assert sp.loc[("innovation", unit), "score"] == pytest.approx(res.loc[unit, "D2"])
    # green_plus = mean of #5, #19, #20: B0003 scores (100 + 0 + 0) / 3
    assert sp.loc[("green_plus", "B0003"), "score"] == pytest.approx(100 / 3)
    assert sp.loc[("green_plus", "B0001"), "score"] == pytest.approx(100.0)
    top = ev.special[ev.special["top"]]
    assert top.groupby("special_id")["unit_id"].apply(list).to_dict() == {"green_plus": ["B0001"], "innovation": ["B0001"]}


def test_peer_standing_replaces_raw_peer_relative_values() -> None:
    units = [f"B{i:04d}" for i in range(1, 7)]
    bases = pd.DataFrame(
        {
            "base_id": units,
            "name": units,
            "authority": "江苏省",
            "region": "东部",
            "domain": ["原材料工业"] * 3 + ["信息产业"] * 3,
            "industry": ["钢铁"] * 3 + ["软件和信息服务"] * 3,
            "leading_industry": "x",
            "batch": 1,
            "year_announced": 2010,
        }
    )
    annual = pd.DataFrame(
        {
            "unit_id": units,
            "year": 2023,
            # energy per value added: steel 3, 2, 1; software 0.3, 0.2, 0.1 (lower is better)
            "energy_consumption": [3.0, 2.0, 1.0, 0.3, 0.2, 0.1],
            "industrial_value_added": 1.0,
        }
    )
    data = {"bases": bases, "annual": annual}
    m = method(peer_relative="standing", parameters={"peer_min_group_size": 3})
    values = evaluation_indicators(data, FW, m, [2023])
    # within each industry the best unit scores 100, the middle 50, the last 0
    standing = values["I19"].droplevel("year")
    assert standing.loc["B0003"] == pytest.approx(100.0)
    assert standing.loc["B0006"] == pytest.approx(100.0)
    assert standing.loc["B0002"] == pytest.approx(50.0)
    assert standing.loc["B0001"] == pytest.approx(0.0)
    h = evaluation_hierarchy(FW, m)
    assert h.nodes.loc["I19", "direction"] == 1  # standing: higher is better
    assert evaluation_hierarchy(FW, method()).nodes.loc["I19", "direction"] == -1


@pytest.mark.parametrize(
    ("patch", "key"),
    [
        ({"stars": None}, "stars"),
        ({"experts": {"method": "mode"}}, "experts.method"),
        ({"experts": {"trim_min_experts": 2}}, "experts.trim_min_experts"),
        ({"peer_relative": "rank"}, "peer_relative"),
        ({"normalise": {"method": "minmax", "low": 100, "high": 0}}, "normalise.high"),
        ({"colour": "red"}, "colour"),
        ({"special": {"evaluations": [{"id": "x", "zh": "x", "dimension": "D2", "indicators": ["I07"]}]}}, "special.evaluations[0]"),
        ({"parameters": {"peer_top_share": -5}}, "parameters.peer_top_share"),
    ],
)
def test_invalid_methods_name_file_and_key(patch: dict, key: str) -> None:
    raw = {"stars": {"levels": BANDS}, **patch}
    if raw["stars"] is None:
        del raw["stars"]
    with pytest.raises(ConfigError, match=r"test\.yaml.*" + re.escape(key)):
        evaluation_method_from_mapping(raw, source="test.yaml", framework=FW)


def test_packaged_default_method_loads() -> None:
    m = load_evaluation_method(framework=FW)
    assert m.experts.method == "trimmed_mean" and m.experts.trim_min_experts == 5
    assert m.stars.levels[5].top_share == pytest.approx(0.08)
    assert [s.dimension for s in m.special] == ["D2", "D4", "D3"]


@pytest.fixture(scope="module")
def demo_panel():
    from nidb.demo import demo_dir
    from nidb.inputs.dataset import load_dataset

    data = load_dataset(demo_dir())
    return data, run_panel(data, FW, load_evaluation_method(framework=FW), load_rules())


def test_demo_star_shares_come_near_the_published_ones(demo_panel) -> None:
    _, panel = demo_panel
    res = panel.results
    shares = res.groupby("year")["stars"].value_counts(normalize=True).unstack(fill_value=0)
    # published: five-star 6.7–8.2 % (2019–2021); four-star 58 % (2021); four-star+ 282/445 = 63 % (2022)
    assert shares[5].between(0.06, 0.085).all()
    assert shares[4].between(0.52, 0.62).all()
    assert (shares[4] + shares[5]).between(0.60, 0.68).all()


def test_demo_panel_respects_the_lifecycle(demo_panel) -> None:
    data, panel = demo_panel
    status = panel.lifecycle.status
    res = panel.results.rename(columns={"unit_id": "base_id"})
    rated = res.merge(status, on=["base_id", "year"], suffixes=("", "_lc"))
    assert len(rated) == len(res)  # every rated base-year is a registry base-year
    # nobody is rated before the first full year after announcement, or after a revocation
    assert (rated["year"] >= rated["year_announced"] + 1).all()
    revoked = status.loc[status["status"] == "撤销"].groupby("base_id")["year"].min()
    later = res.merge(revoked.rename("revoked").reset_index(), on="base_id")
    assert (later["year"] <= later["revoked"]).all()
    assert set(res["stars"].dropna().unique()) <= {1, 2, 3, 4, 5}
    # the lifecycle's stars are the evaluation's stars
    lc = status[status["evaluated"]].set_index(["base_id", "year"])["stars"]
    ev = res.set_index(["base_id", "year"])["stars"]
    assert lc.sort_index().astype(int).tolist() == ev.reindex(lc.sort_index().index).astype(int).tolist()


def test_reliability_reports_cover_the_rated_base_years_and_one_year_gives_that_years_rows(demo_panel) -> None:
    data, panel = demo_panel
    scores = data.expert_scores
    rated = pd.MultiIndex.from_frame(panel.results.dropna(subset=["stars"])[["unit_id", "year"]])
    keys = pd.MultiIndex.from_arrays([scores["unit_id"].astype("string"), scores["year"].astype("int64")])
    rows = scores[keys.isin(rated) & scores["indicator_id"].isin(QUAL).to_numpy()]
    pd.testing.assert_frame_equal(panel.rated_scores(), rows)
    pd.testing.assert_frame_equal(panel.reliability, reliability(rows), check_exact=True)
    pd.testing.assert_frame_equal(panel.agreement, profile_agreement(rows), check_exact=True)
    for year in panel.evaluations:
        for whole, one in ((panel.reliability, panel.reliability_in(year)), (panel.agreement, panel.agreement_in(year))):
            assert len(one) > 0
            pd.testing.assert_frame_equal(one, whole[whole["year"] == year].reset_index(drop=True), check_exact=True)


def test_cli_evaluate_and_lifecycle_write_chinese_tables(demo_panel, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from nidb.cli import app
    from nidb.demo import demo_dir

    runner = CliRunner()
    out = tmp_path / "ev.xlsx"
    result = runner.invoke(app, ["evaluate", "--year", "2023", "--data", str(demo_dir()), "--out", str(out)])
    assert result.exit_code == 0, result.output
    n_five = int((demo_panel[1].evaluations[2023].results["stars"] == 5).sum())
    assert f"5星 {n_five} 个" in result.output and "示例数据（合成）" in result.output
    from nidb.evaluation.cascade import cascade_note, panel_cascade

    cascade = panel_cascade(demo_panel[1], 2023, load_rules())
    note = cascade_note(cascade)
    assert note in result.output.splitlines()  # how many the method's own earlier years revoked, and why
    rated = int(demo_panel[1].evaluations[2023].results["stars"].notna().sum())
    assert f"2023 年参评 {rated} 个" in note
    assert cascade.revoked_by_method > 0 and f"有 {cascade.revoked_by_method} 个基地因连续 2 年" in note
    check_workbook(out)
    sheets = pd.read_excel(out, sheet_name=None, engine="openpyxl")
    assert note in sheets["说明"]["内容"].tolist()
    assert {"评价结果", "五星示范基地名单", "星级分布", "专项评价", "动态管理事件", "专家评分一致性", "说明"} <= set(sheets)
    assert len(sheets["五星示范基地名单"]) == int((sheets["评价结果"]["星级"] == 5).sum()) > 0
    agreement = sheets["专家意见一致性（逐基地）"]
    assert len(agreement) == len(sheets["评价结果"]) and agreement["定性指标数"].eq(15).all()
    results = sheets["评价结果"]
    assert {"基地编号", "综合指数", "星级", "D2 创新效能"} <= set(results.columns)
    assert "数据来源" not in results  # the label is in the 说明 sheet and the page header
    assert "示例数据（合成）" in sheets["说明"].to_string()
    expected = demo_panel[1].evaluations[2023].results
    assert len(results) == len(expected)

    csv = tmp_path / "lc.csv"
    result = runner.invoke(app, ["lifecycle", "--data", str(demo_dir()), "--out", str(csv)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "lc-星级转移矩阵.csv").is_file()
    status = pd.read_csv(csv, encoding="utf-8-sig")
    assert (status["数据来源"] == "示例数据（合成）").all()  # a csv has no header: the label is a column
    assert {"基地编号", "年份", "状态", "星级"} <= set(status.columns)

    bad = runner.invoke(app, ["evaluate", "--year", "1999", "--data", str(demo_dir()), "--out", str(tmp_path / "x.csv")])
    assert bad.exit_code == 1 and "1999" in bad.output
    bad = runner.invoke(app, ["evaluate", "--year", "2023", "--out", str(tmp_path / "x.txt")])
    assert bad.exit_code == 1 and ".xlsx" in bad.output
    rules = tmp_path / "rules.yaml"
    rules.write_text("first_evaluation_offset: -1\n", encoding="utf-8")
    bad = runner.invoke(app, ["lifecycle", "--data", str(demo_dir()), "--rules", str(rules), "--out", str(tmp_path / "y.csv")])
    assert bad.exit_code == 1 and "first_evaluation_offset" in bad.output and "Traceback" not in bad.output


def test_a_year_without_bases_to_rate_is_skipped_and_an_empty_panel_is_an_error() -> None:
    from nidb.errors import NidbError
    from nidb.evaluation.annual import evaluate_panel
    from nidb.evaluation.lifecycle import LifecycleRules

    units = {"B0001": 2.0, "B0002": 1.0, "B0003": 0.0}
    parts = [tables(units, year) for year in (2020, 2021, 2022)]
    quant = pd.concat([q for q, _ in parts])
    qual = pd.concat([e for _, e in parts])
    bases = pd.DataFrame(
        {"base_id": list(units), "name": list(units), "authority": "江苏省", "region": "东部", "domain": "装备工业",
         "batch": 9, "year_announced": 2019}
    )  # fmt: skip
    annual = pd.DataFrame({"unit_id": list(units), "year": 2020})
    bases = bases.assign(year_announced=2020)
    panel = evaluate_panel(quant, qual, bases, annual, None, FW, method(), LifecycleRules(), [2020, 2021, 2022])
    assert sorted(panel.evaluations) == [2021, 2022]  # announced 2020: its first full year 2021 is rated
    assert panel.evaluations[2021].results.set_index("unit_id")["stars"].to_dict() == {"B0001": 5, "B0002": 3, "B0003": 1}
    with pytest.raises(NidbError, match="没有任何示范基地"):
        evaluate_panel(quant, qual, bases.assign(year_announced=2022), annual, None, FW, method(), LifecycleRules(), [2020, 2021, 2022])


def test_packaged_band_method_rates_on_the_efficacy_scale(demo_panel) -> None:
    from nidb.evaluation.method import DEFAULT_METHOD_PATH

    data, _ = demo_panel
    m = load_evaluation_method(DEFAULT_METHOD_PATH.with_name("evaluation-efficacy-bands.yaml"), FW)
    assert m.engine.normalise.method == "efficacy"
    assert all(level.top_share is None for level in m.stars.levels.values())
    panel = run_panel(data, FW, m, load_rules())
    res = panel.results
    assert res["index"].between(60, 100).all()  # 功效系数法: 60 + 40 × share of the range
    shares = res.groupby("year")["stars"].value_counts(normalize=True).unstack(fill_value=0)
    assert shares[5].between(0.03, 0.12).all() and (shares[4] + shares[5]).between(0.5, 0.75).all()


QUOTA_STARS = {"levels": {5: {"top_share": 0.2, "min_dimension": 20}, 4: {"top_share": 0.6}, 3: {"min_score": 30}, 2: {"min_score": 10}}}


def random_tables(seed: int, n: int = 12) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    quant, qual = tables({f"B{i:04d}": 0.0 for i in range(n)})
    quant[:] = rng.lognormal(1.0, 1.0, quant.shape)
    qual[:] = rng.uniform(40, 95, qual.shape)
    return quant, qual


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), column=st.sampled_from(QUANT + QUAL), unit=st.integers(0, 11), gain=st.floats(0.01, 50))
def test_improving_one_indicator_never_lowers_the_units_index_rank_or_stars(seed, column, unit, gain) -> None:
    quant, qual = random_tables(seed)
    m = method(stars=QUOTA_STARS)
    before = evaluate_year(quant, qual, FW, m, 2023).results.set_index("unit_id")
    key = (f"B{unit:04d}", 2023)
    table = quant if column in QUANT else qual
    lower_better = column in ("I19", "I20")
    table.loc[key, column] = table.loc[key, column] - gain if lower_better else table.loc[key, column] + gain
    after = evaluate_year(quant, qual, FW, m, 2023).results.set_index("unit_id")
    u = key[0]
    assert after.loc[u, "index"] >= before.loc[u, "index"] - 1e-9
    assert after.loc[u, "rank"] <= before.loc[u, "rank"]
    assert after.loc[u, "stars"] >= before.loc[u, "stars"]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), column=st.sampled_from(QUANT), factor=st.floats(0.001, 1000))
def test_a_positive_rescaling_of_an_indicator_changes_nothing(seed, column, factor) -> None:
    quant, qual = random_tables(seed)
    m = method(stars=QUOTA_STARS)
    before = evaluate_year(quant, qual, FW, m, 2023).results.set_index("unit_id")
    quant[column] = quant[column] * factor
    after = evaluate_year(quant, qual, FW, m, 2023).results.set_index("unit_id")
    cols = ["D1", "D2", "D3", "D4", "D5", "D6", "index"]
    np.testing.assert_allclose(after[cols].to_numpy(), before.loc[after.index, cols].to_numpy(), atol=1e-9)
    assert after["stars"].tolist() == before.loc[after.index, "stars"].tolist()


def test_the_documented_d2_d4_example_makes_the_levels_form_method(tmp_path: Path) -> None:
    import shutil
    import subprocess

    from nidb.engine.method import LevelWeights
    from nidb.evaluation.method import DEFAULT_METHOD_PATH
    from nidb.yamlfile import read_yaml

    doc = (Path(__file__).resolve().parent.parent / "docs" / "evaluation.md").read_text(encoding="utf-8")
    block = doc.split("### Worked example: double the weights of D2 and D4")[1].split("```bash\n")[1].split("```")[0]
    command = next(line for line in block.replace("\\\n", "").splitlines() if line.startswith("sed "))
    if shutil.which("sed") is None:
        pytest.skip("sed is not installed")
    command = command.replace("src/nidb/methods/evaluation-default.yaml", str(DEFAULT_METHOD_PATH))
    subprocess.run(["bash", "-c", command], cwd=tmp_path, check=True)
    fw = load_framework()
    method = load_evaluation_method(tmp_path / "d2-d4-double.yaml", fw)
    default = load_evaluation_method(None, fw)
    assert method.name == "d2-d4-double"
    weights = method.engine.weights.by_level(evaluation_hierarchy(fw, method))
    assert weights.levels == {2: LevelWeights(scheme="manual", values={"D2": 2.0, "D4": 2.0})}
    levels_form = evaluation_method_from_mapping(
        {**read_yaml(DEFAULT_METHOD_PATH), "weights": {"levels": {2: {"scheme": "manual", "values": {"D2": 2, "D4": 2}}}}},
        framework=fw,
    )
    assert weights == levels_form.engine.weights
    assert method.engine.normalise == default.engine.normalise and method.stars == default.stars
