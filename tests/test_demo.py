"""Synthetic demo data: determinism, published proportions, contract conformance, cache."""

from __future__ import annotations

import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from nidb.cli import app
from nidb.demo import demo_dir, write_demo

CONTRACT = yaml.safe_load((resources.files("nidb") / "inputs" / "contract" / "tables.yaml").read_text(encoding="utf-8"))
VOCAB = CONTRACT["vocabularies"]
TABLES = ("bases", "applicants", "annual", "expert_scores", "renames", "official_statistics", "submissions",
          "gdp_growth", "benchmarks")
QUALITATIVE = {"I06", "I12", "I13", "I16", "I17", "I18", *(f"I{k}" for k in range(21, 30))}
FEATURE_QUALITATIVE = {
    "高技术转化应用": {"F01", "F02", "F03", "F04", "F05"},
    "产业转移合作": {"F06b", "F06c"},
    "软件和信息服务/大数据": {"F08", "F09", "F10", "F11"},
    "工业互联网": {"F13", "F14a", "F15", "F16"},  # F14a: the platform part of #14
    "数据中心": {"F20", "F21", "F22"},
}
FEATURE_FIELDS = {
    "产业转移合作": ["cobuilding_parties", "industrial_va_growth", "industrial_investment_growth",
                 "new_project_investment", "new_enterprises"],
    "工业互联网": ["external_network_coverage", "iiot_network_coverage", "device_networking_rate",
              "cloud_platform_rate"],
    "数据中心": ["dc_design_racks", "dc_it_load_rate", "dc_pue", "dc_design_pue", "dc_operation",
             "dc_green_grade", "dc_operating_under_one_year", "dc_national_green_list",
             "dc_compute_efficiency_target"],
}


def _hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _catalogue() -> pd.DataFrame:
    return pd.read_csv(resources.files("nidb") / "reference" / "dev_zone_catalogue_2018.csv", dtype=str)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return write_demo(tmp_path_factory.mktemp("demo_a"))


@pytest.fixture(scope="module")
def other(tmp_path_factory) -> tuple[Path, str]:
    """The demo for seed 7, written through the CLI; returns the directory and the CLI output."""
    out = tmp_path_factory.mktemp("demo_seed7") / "out"
    result = CliRunner().invoke(app, ["demo", "--seed", "7", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.fixture(scope="module")
def t(demo) -> dict[str, pd.DataFrame]:
    """The demo tables as plain CSV reads (independent of the package's readers)."""
    return {name: pd.read_csv(demo / f"{name}.csv", keep_default_na=False, na_values=[""]) for name in TABLES}


# --- determinism -----------------------------------------------------------------------

def test_same_seed_gives_byte_identical_files(demo, tmp_path):
    again = write_demo(tmp_path / "b")
    assert _hashes(demo) == _hashes(again)
    assert set(_hashes(demo)) == {f"{name}.csv" for name in TABLES} | {"README.md", "answer-key/planted-anomalies.csv"}


def test_other_seed_gives_other_data(demo, other):
    theirs, ours = _hashes(other[0]), _hashes(demo)
    for name in ("bases.csv", "applicants.csv", "annual.csv", "expert_scores.csv"):
        assert theirs[name] != ours[name]


def test_readme_labels_synthetic_data_with_seed_and_version(demo):
    text = (demo / "README.md").read_text(encoding="utf-8")
    assert "示例数据（合成）" in text
    assert "20231" in text
    assert re.search(r"生成器版本（generator version）：\d+\.\d+", text)


# --- contract conformance --------------------------------------------------------------

def test_every_contract_table_and_column_is_written_in_order(t):
    for name in TABLES:
        assert list(t[name].columns) == list(CONTRACT["tables"][name]["columns"]), name


def test_ids_match_contract_patterns_and_are_unique(t):
    assert t["bases"]["base_id"].str.fullmatch(r"B\d{4}").all()
    assert t["applicants"]["applicant_id"].str.fullmatch(r"A\d{4}").all()
    assert t["bases"]["base_id"].is_unique and t["applicants"]["applicant_id"].is_unique
    assert t["expert_scores"]["indicator_id"].str.fullmatch(r"I\d{2}|F\d{2}[a-z]?").all()
    codes = pd.concat([t["bases"]["zone_code"], t["applicants"]["zone_code"]]).dropna()
    assert codes.str.fullmatch(r"[GS]\d{6}").all()


def test_categories_and_lists_stay_in_the_vocabularies(t):
    for name in TABLES:
        for column, spec in CONTRACT["tables"][name]["columns"].items():
            allowed = spec.get("values") or VOCAB.get(spec.get("values_ref"))
            if allowed is None or spec["dtype"] not in ("category", "list"):
                continue
            values = t[name][column].dropna().astype(str)
            if spec["dtype"] == "list":
                values = values.str.split(";").explode()
            assert set(values) <= set(allowed), (name, column, set(values) - set(allowed))


def test_numbers_respect_contract_ranges_and_not_above_rules(t):
    for name in TABLES:
        frame = t[name]
        for column, spec in CONTRACT["tables"][name]["columns"].items():
            if spec["dtype"] not in ("number", "integer"):
                continue
            values = frame[column].dropna()
            if "min" in spec:
                assert (values >= spec["min"]).all(), (name, column)
            if "max" in spec:
                assert (values <= spec["max"]).all(), (name, column)
            if "not_above" in spec:
                both = frame[[column, spec["not_above"]]].dropna()
                assert (both[column] <= both[spec["not_above"]]).all(), (name, column)
            if spec.get("required"):
                assert frame[column].notna().all(), (name, column)


def test_shares_are_percentages(t):
    annual = t["annual"]
    for column in ("qms_certification_rate", "digital_rd_tool_rate", "nc_key_process_rate",
                   "external_network_coverage", "iiot_network_coverage", "device_networking_rate",
                   "cloud_platform_rate", "dc_it_load_rate"):
        values = annual[column].dropna()
        assert values.between(0, 100).all(), column
        assert values.max() > 1.0, column  # percent, not a fraction


def test_loads_through_load_dataset_without_problems(demo):
    from nidb.inputs.dataset import load_dataset

    data = load_dataset(demo)
    assert len(data.bases) == 445
    assert len(data.expert_scores) > 0


def test_booleans_are_written_as_true_false(demo):
    header, first = (demo / "bases.csv").read_text(encoding="utf-8").splitlines()[:2]
    flag = header.split(",").index("provincial_recognition")
    assert first.split(",")[flag] in {"true", "false"}


# --- published proportions -------------------------------------------------------------

def test_batches_match_published_sizes(t):
    sizes = t["bases"].groupby("batch").size()
    years = t["bases"].groupby("batch")["year_announced"].unique()
    assert len(sizes) == 10 and sizes.sum() == 445
    assert sizes[1] == 62 and sizes[3] == 57 and sizes[[1, 2, 3]].sum() == 185
    assert sizes[8] == 51 and sizes[9] == 39 and sizes[10] == 33
    assert years[1].tolist() == [2010] and years[8].tolist() == [2018] and years[10].tolist() == [2022]
    assert t["bases"]["year_announced"].between(2010, 2022).all()


def test_regions_in_published_proportions(t):
    share = t["bases"]["region"].value_counts(normalize=True)
    published = {"东部": 193 / 445, "中部": 91 / 445, "西部": 122 / 445, "东北": 39 / 445}
    for region, expected in published.items():
        assert share[region] == pytest.approx(expected, abs=0.01), region


def test_region_matches_authority(t):
    for frame in (t["bases"], t["applicants"]):
        pairs = frame[["authority", "region"]].drop_duplicates()
        assert pairs["authority"].is_unique  # one region per authority
    regions = t["bases"].set_index("authority")["region"].to_dict()
    assert regions["大连市"] == "东北" and regions["深圳市"] == "东部" and regions["新疆生产建设兵团"] == "西部"
    assert t["bases"]["authority"].nunique() == 37


def test_domains_in_published_proportions(t):
    bases = t["bases"]
    n = len(bases)
    assert (bases["domain"] == "原材料工业").sum() / n == pytest.approx(95 / 445, abs=0.02)
    big_four = bases["domain"].isin(["装备工业", "原材料工业", "消费品工业"]) | (bases["industry"] == "电子信息")
    assert big_four.sum() / n == pytest.approx(342 / 445, abs=0.02)
    rest = {"软件和信息服务", "高技术转化应用", "产业转移合作", "大数据", "云计算", "数据中心", "工业互联网"}
    assert set(bases.loc[~big_four, "industry"]) == rest


def test_feature_area_and_dc_size_class_only_where_relevant(t):
    area_of = {"高技术转化应用": "高技术转化应用", "产业转移合作": "产业转移合作", "软件和信息服务": "软件和信息服务/大数据",
               "大数据": "软件和信息服务/大数据", "工业互联网": "工业互联网", "数据中心": "数据中心"}
    for frame in (t["bases"], t["applicants"]):
        expected = frame["industry"].map(area_of)
        known = frame["industry"].isin(list(area_of))
        assert (frame.loc[known, "feature_area"] == expected[known]).all()
        assert frame["dc_size_class"].notna().eq(frame["industry"] == "数据中心").all()


def test_special_areas_mostly_west_and_central(t):
    special = t["bases"][t["bases"]["special_areas"].notna()]
    assert 0.1 < len(special) / len(t["bases"]) < 0.5
    assert special["region"].isin(["西部", "中部"]).mean() > 0.6
    border = t["bases"][t["bases"]["special_areas"].fillna("").str.contains("边疆地区")]
    assert not border["authority"].isin(["北京市", "上海市", "江苏省", "浙江省", "山东省"]).any()


def test_pilot_tasks_on_a_minority(t):
    share = t["bases"]["pilot_tasks"].notna().mean()
    assert 0.05 < share < 0.5
    software = t["bases"][t["bases"]["pilot_tasks"].fillna("").str.contains("中国软件名园")]
    assert software["industry"].isin(["软件和信息服务", "大数据", "云计算"]).all()


def test_zone_codes_come_from_the_catalogue_in_the_right_province(t):
    catalogue = _catalogue().set_index("code")["province"]
    city_province = {"大连市": "辽宁省", "青岛市": "山东省", "宁波市": "浙江省", "厦门市": "福建省",
                     "深圳市": "广东省", "新疆生产建设兵团": "新疆维吾尔自治区"}
    for frame in (t["bases"], t["applicants"]):
        coded = frame[frame["zone_code"].notna()]
        assert coded["zone_code"].isin(catalogue.index).all()
        province = coded["authority"].map(lambda a: city_province.get(a, a))
        assert (catalogue.loc[coded["zone_code"]].to_numpy() == province.to_numpy()).all()
    assert t["bases"]["zone_code"].notna().mean() > 0.8
    all_codes = pd.concat([t["bases"]["zone_code"], t["applicants"]["zone_code"]]).dropna()
    assert all_codes.is_unique


def test_units_outside_the_catalogue_are_provincially_recognised_but_a_handful(t):
    bases = t["bases"]
    assert (bases["zone_code"].notna() | bases["provincial_recognition"]).all()
    apps = t["applicants"]
    neither = apps["zone_code"].isna() & ~apps["provincial_recognition"]
    assert 1 <= neither.sum() <= 10


def test_no_real_base_names(t):
    catalogue_names = set(_catalogue()["name"])
    names = pd.concat([t["bases"]["name"], t["applicants"]["name"], t["renames"]["old_name"],
                       t["renames"]["new_name"]])
    assert names.str.match(r"示例(基地-\d{3}|申报对象-\d{4})").all()
    assert not names.str.contains("国家新型工业化产业示范基地").any()
    assert not names.isin(catalogue_names).any()


def test_renames_keep_base_ids_and_follow_announcement(t):
    renames = t["renames"].merge(t["bases"], on="base_id")
    assert 1 <= len(renames) <= 10
    refused = renames["leading_industry_changed"] | renames["boundary_changed"]
    assert refused.sum() == 1  # Art. 22: the leading industry changed, so the name does not
    assert (renames.loc[~refused, "new_name"] == renames.loc[~refused, "name"]).all()
    assert (renames.loc[refused, "old_name"] == renames.loc[refused, "name"]).all()
    assert (renames["year"] > renames["year_announced"]).all()


# --- annual form -------------------------------------------------------------------------

def test_annual_years_and_windows(t):
    annual, apps = t["annual"], t["applicants"]
    assert sorted(annual["year"].unique()) == [2020, 2021, 2022, 2023, 2024, 2025]
    base_rows = annual[annual["unit_id"].str.startswith("B")]
    forms = base_rows.groupby("unit_id").size()
    # every base reports 2020–2025, except the six base-years withheld by nidb.demo.cases (Art. 19)
    assert forms.sum() == 445 * 6 - 6 and forms.ge(5).all() and base_rows["unit_id"].nunique() == 445
    assert 2400 <= len(apps) <= 2600
    app_rows = annual.merge(apps, left_on="unit_id", right_on="applicant_id")
    offset = app_rows["application_year"] - app_rows["year"]
    assert offset.between(0, 3).all()
    assert app_rows.groupby("unit_id").size().eq(4).all()
    assert not annual.duplicated(["unit_id", "year"]).any()


def test_feature_fields_filled_only_in_their_area(t):
    registry = pd.concat([t["bases"].rename(columns={"base_id": "unit_id"}),
                          t["applicants"].rename(columns={"applicant_id": "unit_id"})])
    annual = t["annual"].merge(registry[["unit_id", "feature_area"]], on="unit_id")
    for area, fields in FEATURE_FIELDS.items():
        inside = annual["feature_area"] == area
        for field in fields:
            assert annual.loc[~inside, field].isna().all(), field
            assert annual.loc[inside, field].notna().mean() > 0.8, field


def test_missing_values_at_realistic_rates(t):
    bases = t["annual"][t["annual"]["unit_id"].str.startswith("B")]
    core = ["sales_revenue", "leading_industry_revenue", "value_added", "value_added_growth", "employees",
            "land_area", "rd_expenditure", "high_value_patents", "qms_certification_rate",
            "digital_rd_tool_rate", "nc_key_process_rate", "energy_consumption", "water_use"]
    rates = bases[core].isna().mean()
    assert (rates > 0.003).all() and (rates < 0.10).all(), rates.to_dict()
    assert t["annual"][["env_incident_level", "safety_accident_level", "fraud_found"]].notna().all().all()


def test_sizes_are_heavy_tailed(t):
    annual = t["annual"]
    sales = annual[annual["unit_id"].str.startswith("B") & (annual["year"] == 2020)]["sales_revenue"].dropna()
    assert sales.mean() > 1.5 * sales.median()
    assert (sales > 10_000).sum() >= 2  # published: three bases above 1 万亿元 in 2020
    assert sales.nlargest(34).mean() > 3_000  # the top group averages several thousand 亿元


def test_dimensions_are_positively_correlated(t):
    annual = t["annual"]
    rows = annual[annual["unit_id"].str.startswith("B") & (annual["year"] == 2022)].set_index("unit_id")
    experts = t["expert_scores"]
    mean_score = experts[(experts["year"] == 2022) & experts["unit_id"].str.startswith("B")].groupby("unit_id")["score"].mean()
    frame = pd.DataFrame({
        "size": np.log(rows["sales_revenue"]),
        "rd": rows["rd_expenditure"] / rows["sales_revenue"],
        "digital": rows["digital_rd_tool_rate"],
        "expert": mean_score,
    }).dropna()
    corr = frame.corr(method="spearman")
    assert corr.loc["expert", "size"] > 0.2
    assert corr.loc["expert", "rd"] > 0.2
    assert corr.loc["expert", "digital"] > 0.2


def test_compliance_events(t):
    annual = t["annual"]
    bases = annual[annual["unit_id"].str.startswith("B")]
    apps = annual[annual["unit_id"].str.startswith("A")]
    assert bases["fraud_found"].sum() == 2 and not apps["fraud_found"].any()  # one planted in 深圳 (Art. 25)
    assert bases["unrectified_inspection"].sum() == 1
    env_severe = bases["env_incident_level"].isin(["Ⅱ级", "Ⅰ级"]).sum()
    safety_major = bases["safety_accident_level"].isin(["重大", "特别重大"]).sum()
    assert 1 <= env_severe <= 3 and 1 <= safety_major <= 3
    assert 3 <= (bases["env_incident_level"] != "无").sum() <= 15
    assert apps["env_incident_level"].isin(["Ⅱ级", "Ⅰ级"]).any()  # the selection veto has cases
    events = bases[(bases["env_incident_level"] != "无") | (bases["safety_accident_level"] != "无")
                   | bases["fraud_found"] | bases["unrectified_inspection"]]
    events = events.merge(t["bases"], left_on="unit_id", right_on="base_id")
    assert (events["year"] > events["year_announced"]).all()  # events hit announced bases
    assert events.duplicated("unit_id").sum() <= 1  # the fraud planted in 深圳 may fall on a base with an event


def test_a_minority_of_applicants_meets_the_fixed_declaration_conditions(t):
    """#1 (≥300 亿元, special-type areas ≥150), #3 ≥50 %, #5 ≥4000 (3000) 万元/公顷, #7 ≥2.5 %,
    #8 ≥2.5 件, #11 ≥60 %, #14 ≥77 %, #15 ≥58 %, in the application year; missing fails."""
    apps = t["applicants"]
    rows = t["annual"].merge(apps, left_on=["unit_id", "year"], right_on=["applicant_id", "application_year"])
    special = rows["special_areas"].notna()
    passed = (
        (rows["sales_revenue"] >= np.where(special, 150, 300))
        & (rows["leading_industry_revenue"] / rows["sales_revenue"] * 100 >= 50)
        & (rows["sales_revenue"] * 1e4 / rows["land_area"] >= np.where(special, 3000, 4000))
        & (rows["rd_expenditure"] / rows["sales_revenue"] * 100 >= 2.5)
        & (rows["high_value_patents"] / rows["above_scale_revenue"] >= 2.5)
        & (rows["qms_certification_rate"] >= 60)
        & (rows["digital_rd_tool_rate"] >= 77)
        & (rows["nc_key_process_rate"] >= 58)
    )
    assert len(rows) == len(apps)
    assert 0.15 <= passed.mean() <= 0.45
    near = special & rows["sales_revenue"].between(120, 200)
    assert near.sum() >= 20  # special-area applicants around the 150 亿元 threshold


# --- expert scores ----------------------------------------------------------------------

def test_expert_scores_cover_the_qualitative_indicators_of_each_unit(t):
    scores = t["expert_scores"]
    assert scores["score"].between(0, 100).all()
    registry = pd.concat([t["bases"].rename(columns={"base_id": "unit_id"}),
                          t["applicants"].rename(columns={"applicant_id": "unit_id"})])
    area = registry.set_index("unit_id")["feature_area"]
    indicators = scores.groupby(["unit_id", "year"])["indicator_id"].agg(lambda s: frozenset(s))
    expected = [frozenset(QUALITATIVE | FEATURE_QUALITATIVE.get(area[u], set())) for u, _ in indicators.index]
    assert (indicators.to_numpy() == np.array(expected, dtype=object)).all()


def test_expert_panels_and_years(t):
    scores = t["expert_scores"]
    panel = scores.groupby(["unit_id", "year", "indicator_id"])["expert_id"].agg(["size", "nunique"])
    assert panel["size"].between(5, 7).all() and (panel["size"] == panel["nunique"]).all()
    base_years = scores[scores["unit_id"].str.startswith("B")].groupby("unit_id")["year"].nunique()
    assert base_years.eq(6).all() and len(base_years) == 445
    apps = scores[scores["unit_id"].str.startswith("A")].merge(
        t["applicants"], left_on="unit_id", right_on="applicant_id")
    assert (apps["year"] == apps["application_year"]).all()
    assert apps["unit_id"].nunique() == len(t["applicants"])


def test_experts_differ_in_severity_but_agree_on_ranking(t):
    scores = t["expert_scores"]
    by_expert = scores.groupby("expert_id")["score"].mean()
    assert by_expert.max() - by_expert.min() > 5  # some experts are stricter
    one = scores[(scores["indicator_id"] == "I23") & (scores["year"] == 2022) & scores["unit_id"].str.startswith("B")]
    unit_mean = one.groupby("unit_id")["score"].transform("mean")
    # within-unit spread is real but smaller than the spread between units
    within = (one["score"] - unit_mean).std()
    between = one.groupby("unit_id")["score"].mean().std()
    assert 3 < within < between


# --- reference tables -----------------------------------------------------------------------

def test_gdp_growth_covers_all_authorities_and_years(t):
    gdp = t["gdp_growth"]
    province = gdp[gdp["area"].isin(VOCAB["authorities"])]
    assert set(province["area"]) == set(VOCAB["authorities"])
    assert province.groupby("area")["year"].apply(lambda s: sorted(s) == list(range(2015, 2026))).all()
    mean = province.groupby("year")["gdp_growth"].mean()
    assert mean[2020] < mean[2019] - 2 and mean[2020] < mean[2021] - 2


def test_units_have_cities_and_some_cities_gdp_rows(t):
    """所在地市 of every unit; city GDP rows for part of them, some from 2024 only, so that #2
    meets the city path, the province fallback and a window mixing both."""
    gdp = t["gdp_growth"]
    cities = gdp.loc[~gdp["area"].isin(VOCAB["authorities"])]
    first_year = cities.groupby("area")["year"].min()
    assert 10 < len(first_year) and (first_year == 2015).any() and (first_year == 2024).any()
    for table in ("bases", "applicants"):
        units = t[table]
        assert units["city"].notna().all()
        has_row = units["city"].isin(set(gdp["area"]))
        assert 0.2 < has_row.mean() < 0.9  # both paths
    # municipalities and 计划单列市 are their own city
    assert (t["bases"].loc[t["bases"]["authority"] == "深圳市", "city"] == "深圳市").all()


def test_benchmarks_small_and_for_peer_relative_indicators(t):
    bench = t["benchmarks"]
    assert 0 < len(bench) <= 100
    assert set(bench["indicator_id"]) <= {"I04", "I10", "I19", "I20"}
    assert not bench.duplicated(["industry", "indicator_id", "year"]).any()


# --- cache and CLI ------------------------------------------------------------------------

def test_demo_dir_is_cached_and_safe_under_parallel_callers(monkeypatch, tmp_path, demo):
    monkeypatch.setenv("NIDB_CACHE_DIR", str(tmp_path))
    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(lambda _: demo_dir(), range(2))
    assert first == second
    assert _hashes(first) == _hashes(demo)
    leftovers = [p.name for p in first.parent.iterdir() if p != first]
    assert leftovers == []
    stamp = (first / "README.md").stat().st_mtime_ns
    assert demo_dir() == first and (first / "README.md").stat().st_mtime_ns == stamp


def test_a_changed_generator_gets_a_fresh_demo_dir(monkeypatch, tmp_path):
    import nidb.demo.cache as cache

    monkeypatch.setenv("NIDB_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(cache, "write_demo", lambda out, seed: (Path(out) / "README.md").write_text("x"))
    monkeypatch.setattr(cache, "generator_digest", lambda: "a" * 64)
    old = demo_dir()
    monkeypatch.setattr(cache, "generator_digest", lambda: "b" * 64)
    new = demo_dir()
    assert old != new and (new / "README.md").is_file()
    assert old.name.startswith(f"v{cache.GENERATOR_VERSION}-aaaaaaaaaaaa-seed20231")


def test_demo_dir_prunes_crashed_staging_and_superseded_generators(monkeypatch, tmp_path):
    import os

    import nidb.demo.cache as cache

    monkeypatch.setenv("NIDB_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(cache, "write_demo", lambda out, seed: (Path(out) / "README.md").write_text("x"))
    monkeypatch.setattr(cache, "generator_digest", lambda: "c" * 64)
    root = tmp_path / "demo"
    old = {name: root / name for name in (".v1.0-0123456789ab-seed20231-crashed", "v1.0-0123456789ab-seed20231",
                                          f"v{cache.GENERATOR_VERSION}-cccccccccccc-seed7")}
    young = {name: root / name for name in (".v1.0-0123456789ab-seed20231-running", "v1.0-0123456789ab-seed5")}
    for folder in (*old.values(), *young.values()):
        folder.mkdir(parents=True)
    for folder in old.values():
        os.utime(folder, (0, 0))
    made = demo_dir()
    assert made.name == f"v{cache.GENERATOR_VERSION}-cccccccccccc-seed20231"
    assert not old[".v1.0-0123456789ab-seed20231-crashed"].exists()  # crashed staging
    assert not old["v1.0-0123456789ab-seed20231"].exists()  # superseded generator
    assert old[f"v{cache.GENERATOR_VERSION}-cccccccccccc-seed7"].exists()  # current generator, other seed: kept
    assert all(folder.exists() for folder in young.values())  # may still be in use


def test_cli_demo_writes_the_requested_seed(other):
    out, output = other
    assert "示例数据（合成）" in output
    assert "随机种子（seed）：7" in (out / "README.md").read_text(encoding="utf-8")


def test_cli_demo_without_out_fills_the_cache_for_the_default_seed(monkeypatch, tmp_path):
    import nidb.demo.cache as cache
    from nidb.demo import DEFAULT_SEED

    monkeypatch.setenv("NIDB_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(cache, "write_demo", lambda out, seed: (Path(out) / "README.md").write_text("x"))
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    made = list((tmp_path / "demo").iterdir())
    assert len(made) == 1 and made[0].name.endswith(f"-seed{DEFAULT_SEED}")
    assert str(made[0]) in result.output.replace("\n", "")


def test_cli_demo_rejects_a_negative_seed(tmp_path):
    result = CliRunner().invoke(app, ["demo", "--seed", "-1", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("seed", [1, 2])
def test_other_seeds_keep_the_invariants(seed):
    from nidb.demo import demo_tables

    tables = demo_tables(seed)
    bases, annual = tables["bases"], tables["annual"]
    assert bases["region"].value_counts().to_dict() == {"东部": 193, "西部": 122, "中部": 91, "东北": 39}
    assert (bases["domain"] == "原材料工业").sum() == 95
    for column, spec in CONTRACT["tables"]["annual"]["columns"].items():
        if "not_above" in spec:
            both = annual[[column, spec["not_above"]]].dropna()
            assert (both[column] <= both[spec["not_above"]]).all(), column
        if spec["dtype"] == "number" and "max" in spec:
            assert annual[column].dropna().between(spec["min"], spec["max"]).all(), column
    base_rows = annual["unit_id"].str.startswith("B")
    assert annual.loc[base_rows, "fraud_found"].sum() == 2
    sales_2020 = annual.loc[base_rows & (annual["year"] == 2020), "sales_revenue"].dropna()
    assert (sales_2020 > 10_000).sum() >= 2


def test_rule_cases_are_planted(t):
    """nidb.demo.cases: forms withheld with expert scores on file, fraud in a 计划单列市, 工业总产值."""
    annual, bases = t["annual"], t["bases"]
    base_years = annual.loc[annual["unit_id"].str.startswith("B"), ["unit_id", "year"]]
    expected = bases.merge(pd.DataFrame({"year": range(2020, 2026)}), how="cross")
    expected = expected[expected["year"] >= 2020][["base_id", "year"]].rename(columns={"base_id": "unit_id"})
    keys = set(map(tuple, base_years.to_numpy()))
    withheld = [k for k in map(tuple, expected.to_numpy()) if k not in keys]
    assert len(withheld) == 6 and all(2022 <= y <= 2024 for _, y in withheld)
    scored = set(map(tuple, t["expert_scores"][["unit_id", "year"]].drop_duplicates().to_numpy()))
    assert all(k in scored for k in withheld)  # the experts scored them: Art. 19 still refuses a rating
    fraud = annual[annual["fraud_found"]].merge(bases, left_on="unit_id", right_on="base_id")
    assert (fraud["authority"] == "深圳市").sum() == 1
    share = annual["gross_output"].notna().mean()
    assert 0.8 < share < 0.9
