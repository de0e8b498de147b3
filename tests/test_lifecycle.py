"""Dynamic management (Art. 18, 22, 23, 24, 25): boundaries of every rule."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nidb.errors import ConfigError
from nidb.evaluation.lifecycle import (
    LifecycleRules,
    base_status,
    bases_to_rate,
    load_rules,
    parse_rules,
    star_distribution,
    transition_matrix,
)

YEARS = list(range(2020, 2026))
RULES = LifecycleRules()


def registry(*rows: tuple[str, int, int, str]) -> pd.DataFrame:
    """Bases from (base_id, year_announced, batch, authority)."""
    return pd.DataFrame(
        {
            "base_id": [r[0] for r in rows],
            "name": [f"基地{r[0]}" for r in rows],
            "authority": [r[3] for r in rows],
            "region": "东部",
            "domain": "装备工业",
            "batch": pd.array([r[2] for r in rows], dtype="Int64"),
            "year_announced": pd.array([r[1] for r in rows], dtype="Int64"),
        }
    ).astype({"base_id": "string", "name": "string", "authority": "string"})


def star_table(**by_base: dict[int, int]) -> pd.DataFrame:
    rows = [(b, y, s) for b, years in by_base.items() for y, s in years.items()]
    return pd.DataFrame(rows, columns=["base_id", "year", "stars"])


def annual(*events: dict) -> pd.DataFrame:
    cols = ["unit_id", "year", "env_incident_level", "safety_accident_level", "unrectified_inspection", "fraud_found"]
    frame = pd.DataFrame(list(events), columns=cols)
    return frame.astype({"unrectified_inspection": "boolean", "fraud_found": "boolean"})


NO_RENAMES = pd.DataFrame(columns=["base_id", "year", "old_name", "new_name", "reason"])
NO_EVENTS = annual()


def run(bases, stars, events=NO_EVENTS, renames=NO_RENAMES, rules=RULES):
    return base_status(bases, stars, events, renames, rules, YEARS)


def status_of(result, base_id: str) -> dict[int, str]:
    s = result.status
    return dict(zip(s.loc[s["base_id"] == base_id, "year"], s.loc[s["base_id"] == base_id, "status"]))


def test_two_consecutive_two_star_years_revoke() -> None:
    bases = registry(("B0001", 2015, 5, "江苏省"))
    out = run(bases, star_table(B0001={2020: 4, 2021: 2, 2022: 1, 2023: 5}))
    assert status_of(out, "B0001") == {
        2020: "正常", 2021: "预警", 2022: "撤销", 2023: "已撤销", 2024: "已撤销", 2025: "已撤销"
    }
    ev = out.events
    revoked = ev[ev["event"] == "取消称号"]
    assert revoked[["year", "article"]].values.tolist() == [[2022, "第二十三条第（三）项"]]
    assert ev.loc[ev["event"] == "预警", "year"].tolist() == [2021]
    # the star given after revocation is ignored: revoked bases are not evaluated afterwards
    s = out.status.set_index("year")
    assert not s.loc[2023, "evaluated"] and pd.isna(s.loc[2023, "stars"])


def test_two_stars_then_three_do_not_revoke() -> None:
    bases = registry(("B0002", 2015, 5, "江苏省"))
    out = run(bases, star_table(B0002={2020: 2, 2021: 3, 2022: 2, 2023: 3, 2024: 2, 2025: 3}))
    assert "撤销" not in status_of(out, "B0002").values()
    assert out.events.loc[out.events["event"] == "预警", "year"].tolist() == [2020, 2022, 2024]


@pytest.mark.parametrize(
    ("mode", "revoked_in"),
    [("counts_as_low", 2021), ("skipped", 2022), ("resets", None)],
)
def test_an_unrated_year_in_a_run_of_low_years(mode: str, revoked_in: int | None) -> None:
    """2★ / no rating / 2★: by default the year without a rating counts as low (Art. 23 (3))."""
    bases = registry(("B0002", 2015, 5, "江苏省"))
    unrated = pd.DataFrame({"base_id": ["B0002"], "year": [2021], "status": ["未提交年度报表"],
                            "reason": ["未提交 2021 年度报表"]})
    rules = LifecycleRules(unrated_year=mode)
    out = base_status(bases, star_table(B0002={2020: 2, 2022: 2, 2023: 4, 2024: 4, 2025: 4}), NO_EVENTS, NO_RENAMES, rules, YEARS,
                      unrated)
    st = status_of(out, "B0002")
    revoked = [y for y, s in st.items() if s == "撤销"]
    assert revoked == ([] if revoked_in is None else [revoked_in])
    if revoked_in != 2021:
        assert st[2021] == "未提交年度报表"
    not_rated = out.events[out.events["event_code"] == "not_rated"]
    assert not_rated[["year", "article"]].values.tolist() == [[2021, "第十九条"]]
    if mode == "counts_as_low":
        reason = out.events.loc[out.events["event_code"] == "revoked_low_stars", "reason"].item()
        assert "2021 年未获评级（未提交 2021 年度报表），按二星及以下计" in reason


def test_default_rules_do_not_let_a_base_escape_by_skipping_every_other_form() -> None:
    bases = registry(("B0002", 2015, 5, "江苏省"))
    out = run(bases, star_table(B0002={2020: 2, 2022: 2, 2024: 2}))
    assert status_of(out, "B0002")[2021] == "撤销"


def test_the_year_being_rated_is_not_yet_a_year_without_a_rating() -> None:
    bases = registry(("B0002", 2015, 5, "江苏省"))
    # two stars in 2021: the base is rated in 2022 (the rating of 2022 is pending, not missing)
    assert list(bases_to_rate(bases, star_table(B0002={2020: 4, 2021: 2}), NO_EVENTS, RULES, [2020, 2021, 2022])) == [
        "B0002"
    ]


def test_a_base_announced_last_year_is_rated_on_its_first_full_year() -> None:
    bases = registry(("B0003", 2022, 10, "浙江省"))
    out = run(bases, star_table(B0003={2023: 5, 2024: 4, 2025: 4}))
    st = status_of(out, "B0003")
    # announced 2022: data year 2023 (its first full year) is rated in the campaign of 2024,
    # a full year after the announcement (Art. 18); 2022 is too early
    assert st == {2022: "未到参评年份", 2023: "正常", 2024: "正常", 2025: "正常"}
    first = out.events[out.events["event_code"] == "first_evaluation"]
    assert first["year"].tolist() == [2023]
    assert "2023 年度报表于 2024 年评价工作中首次参评" in first["reason"].item()


def test_first_evaluation_data_year_offset_is_a_parameter() -> None:
    bases = registry(("B0003", 2022, 10, "浙江省"))
    out = run(bases, star_table(B0003={2023: 5, 2024: 5}), rules=LifecycleRules(first_evaluation_data_year_offset=2))
    assert status_of(out, "B0003")[2023] == "未到参评年份"
    assert status_of(out, "B0003")[2024] == "正常"


def test_fraud_revokes_at_once_and_suspends_the_authoritys_next_batch() -> None:
    bases = registry(
        ("B0004", 2016, 8, "江苏省"), ("B0005", 2020, 9, "山东省"), ("B0006", 2022, 10, "山东省")
    )
    events = annual({"unit_id": "B0004", "year": 2021, "fraud_found": True})
    out = run(bases, star_table(B0004={2020: 5, 2021: 5, 2022: 5}), events)
    assert status_of(out, "B0004")[2020] == "正常"
    assert status_of(out, "B0004")[2021] == "撤销"  # five stars do not help; no star that year
    s = out.status[out.status["base_id"] == "B0004"].set_index("year")
    assert pd.isna(s.loc[2021, "stars"])
    assert out.events.loc[out.events["event_code"] == "revoked_fraud", "article"].tolist() == ["第二十五条"]
    # latest batch announced by the end of 2021 is the 9th (2020): the 10th is suspended
    sus = out.suspensions
    assert sus[["authority", "year", "base_id", "suspended_batch"]].values.tolist() == [["江苏省", 2021, "B0004", 10]]
    assert (out.events["event_code"] == "batch_suspended").sum() == 1


@pytest.mark.parametrize(
    ("event", "code", "revokes"),
    [
        ({"env_incident_level": "Ⅱ级"}, "revoked_env_incident", True),
        ({"env_incident_level": "Ⅰ级"}, "revoked_env_incident", True),
        ({"env_incident_level": "Ⅲ级"}, "revoked_env_incident", False),
        ({"safety_accident_level": "重大"}, "revoked_safety_accident", True),
        ({"safety_accident_level": "特别重大"}, "revoked_safety_accident", True),
        ({"safety_accident_level": "较大"}, "revoked_safety_accident", False),
        ({"unrectified_inspection": True}, "revoked_inspection", True),
        ({"unrectified_inspection": False}, "revoked_inspection", False),
    ],
)
def test_each_article_23_compliance_reason(event: dict, code: str, revokes: bool) -> None:
    bases = registry(("B0007", 2015, 5, "河北省"))
    out = run(bases, star_table(B0007={y: 4 for y in YEARS}), annual({"unit_id": "B0007", "year": 2022, **event}))
    st = status_of(out, "B0007")
    assert (st[2022] == "撤销") is revokes
    assert (st[2023] == "已撤销") is revokes
    assert ((out.events["event_code"] == code).sum() == 1) is revokes
    assert out.suspensions.empty


def test_every_reason_of_one_year_is_recorded() -> None:
    bases = registry(("B0008", 2015, 5, "河北省"))
    events = annual({"unit_id": "B0008", "year": 2021, "env_incident_level": "Ⅰ级", "unrectified_inspection": True})
    out = run(bases, star_table(B0008={2020: 2, 2021: 2}), events)
    codes = set(out.events.loc[out.events["year"] == 2021, "event_code"])
    assert {"revoked_env_incident", "revoked_inspection"} <= codes
    # the compliance revocation takes the year's star away, so the low-star rule does not fire too
    assert "revoked_low_stars" not in codes
    reason = out.status.set_index(["base_id", "year"]).loc[("B0008", 2021), "revocation_reason"]
    assert "突发环境污染事件" in reason and "未按期完成整改" in reason


def test_a_renamed_base_keeps_its_id_and_history() -> None:
    bases = registry(("B0009", 2015, 5, "广东省"))
    bases.loc[0, "name"] = "新名称示范基地"
    renames = pd.DataFrame(
        {"base_id": ["B0009"], "year": [2022], "old_name": ["旧名称示范基地"], "new_name": ["新名称示范基地"], "reason": ["行政区划调整"]}
    )
    out = run(bases, star_table(B0009={2020: 3, 2021: 4, 2022: 5, 2023: 5}), renames=renames)
    s = out.status[out.status["base_id"] == "B0009"].set_index("year")
    assert s.loc[2021, "name"] == "旧名称示范基地"
    assert s.loc[2022, "name"] == "新名称示范基地"
    assert s["stars"].dropna().astype(int).tolist() == [3, 4, 5, 5]
    ren = out.events[out.events["event_code"] == "renamed"]
    assert ren[["base_id", "year", "article"]].values.tolist() == [["B0009", 2022, "第二十二条"]]


def test_star_distribution_and_transition_matrix() -> None:
    bases = registry(("B0001", 2015, 5, "江苏省"), ("B0002", 2015, 5, "浙江省"), ("B0003", 2015, 5, "浙江省"))
    bases.loc[2, "region"] = "西部"
    stars = star_table(B0001={2020: 5, 2021: 4}, B0002={2020: 2, 2021: 2}, B0003={2020: 4, 2021: 4})
    out = run(bases, stars)
    dist = star_distribution(out.status, by="region").set_index(["year", "region"])
    assert dist.loc[(2020, "东部"), ["n_rated", "stars_5", "stars_2"]].tolist() == [2, 1, 1]
    assert dist.loc[(2020, "东部"), "share_4plus"] == pytest.approx(0.5)
    assert dist.loc[(2021, "西部"), "stars_4"] == 1
    tm = transition_matrix(out.status).set_index(["year_from", "stars_from"])
    assert tm.loc[(2020, 5), "to_4"] == 1
    assert tm.loc[(2020, 4), "to_4"] == 1
    assert tm.loc[(2020, 2), "to_revoked"] == 1  # second two-star year revokes
    assert tm.loc[(2021, 4), "to_unrated"] == 2
    assert (2021, 2) not in tm.index  # revoked in 2021: no transition out of it


def test_packaged_rules_load_with_the_documented_defaults() -> None:
    rules = load_rules()
    assert rules.first_evaluation_data_year_offset == 1 and rules.campaign_lag == 1
    assert rules.low_star_max == 2 and rules.low_star_consecutive_years == 2
    assert rules.unrated_year == "counts_as_low"
    assert set(rules.revoke_env_incident_levels) == {"Ⅱ级", "Ⅰ级"}


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"first_evaluation_data_year_offset": -1}, "first_evaluation_data_year_offset"),
        ({"first_evaluation_offset": 2}, "(根)"),
        ({"low_star_revocation": {"unrated_year": "ignore"}}, "low_star_revocation.unrated_year"),
        ({"revoke_env_incident_levels": ["二级"]}, "revoke_env_incident_levels"),
        ({"low_star_revocation": {"max_star": 2}}, "low_star_revocation"),
        ({"fraud_suspends_next_batch": "yes"}, "fraud_suspends_next_batch"),
        ({"warning_stars": 2}, "(根)"),
    ],
)
def test_bad_rules_raise_config_error_naming_the_key(raw: dict, key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace("(", r"\(").replace(")", r"\)")):
        parse_rules(raw, source="x.yaml")


def test_bases_to_rate_follow_the_rules_of_earlier_years() -> None:
    bases = registry(
        ("B0001", 2015, 5, "江苏省"),  # two low years 2020–2021: revoked in 2021
        ("B0002", 2015, 5, "江苏省"),  # Ⅱ级 incident in 2022: not rated in 2022
        ("B0003", 2021, 9, "江苏省"),  # announced 2021: first rated on 2022's data
        ("B0004", 2015, 5, "江苏省"),
    )
    stars = star_table(B0001={2020: 2, 2021: 1}, B0002={2020: 4, 2021: 4}, B0004={2020: 3, 2021: 3})
    events = annual({"unit_id": "B0002", "year": 2022, "env_incident_level": "Ⅱ级"})
    rate_2022 = bases_to_rate(bases, stars, events, RULES, [2020, 2021, 2022])
    assert sorted(rate_2022) == ["B0003", "B0004"]
    rate_2023 = bases_to_rate(bases, stars, events, RULES, [2020, 2021, 2022, 2023])
    assert sorted(rate_2023) == ["B0003", "B0004"]
    # rating in the compliance revocation year, for the record
    keep = LifecycleRules(rate_in_compliance_revocation_year=True)
    assert sorted(bases_to_rate(bases, stars, events, keep, [2020, 2021, 2022])) == ["B0002", "B0003", "B0004"]
    out = run(bases, star_table(B0002={2020: 4, 2021: 4, 2022: 4}), events, rules=keep)
    s = out.status.set_index(["base_id", "year"])
    assert s.loc[("B0002", 2022), "status"] == "撤销" and s.loc[("B0002", 2022), "stars"] == 4


def test_compliance_events_count_from_the_configured_year() -> None:
    bases = registry(("B0005", 2022, 10, "浙江省"))
    events = annual({"unit_id": "B0005", "year": 2022, "safety_accident_level": "特别重大"})
    assert status_of(run(bases, star_table(), events), "B0005")[2022] == "撤销"
    later = LifecycleRules(compliance_from_offset=1)
    rated = star_table(B0005={2023: 4, 2024: 4, 2025: 4})
    assert "撤销" not in status_of(run(bases, rated, events, rules=later), "B0005").values()


def test_three_consecutive_years_rule_variant() -> None:
    bases = registry(("B0006", 2015, 5, "浙江省"))
    three = LifecycleRules(low_star_consecutive_years=3)
    out = run(bases, star_table(B0006={2020: 2, 2021: 2, 2022: 2}), rules=three)
    assert status_of(out, "B0006")[2021] == "预警"
    assert status_of(out, "B0006")[2022] == "撤销"


def reference_status(announced: int, stars: dict[int, int], compliance: set[int], rules: LifecycleRules) -> dict[int, str]:
    """A year-by-year reading of the rules for one base, written independently of the vectorised code."""
    out: dict[int, str] = {}
    revoked = False
    low_run = 0
    for year in YEARS:
        if year < announced:
            continue
        if revoked:
            out[year] = "已撤销"
            continue
        if year in compliance and year >= announced + rules.compliance_from_offset:
            out[year] = "撤销"
            revoked = True
            continue
        if year < announced + rules.first_evaluation_data_year_offset:
            out[year] = "未到参评年份"
            continue
        if year not in stars:
            out[year] = "无评价结果"
            if rules.unrated_year == "resets":
                low_run = 0
            elif rules.unrated_year == "counts_as_low":
                low_run += 1
                if low_run >= rules.low_star_consecutive_years:
                    out[year] = "撤销"
                    revoked = True
            continue
        low_run = low_run + 1 if stars[year] <= rules.low_star_max else 0
        if low_run >= rules.low_star_consecutive_years:
            out[year] = "撤销"
            revoked = True
        else:
            out[year] = "预警" if stars[year] <= rules.warning_max_stars else "正常"
    return out


base_case = st.tuples(
    st.integers(2015, 2025),
    st.dictionaries(st.sampled_from(YEARS), st.integers(1, 5), max_size=6),
    st.sets(st.sampled_from(YEARS), max_size=2),
)


@settings(max_examples=60, deadline=None)
@given(
    cases=st.lists(base_case, min_size=1, max_size=8), offset=st.integers(1, 2), run=st.integers(1, 3),
    mode=st.sampled_from(["counts_as_low", "skipped", "resets"]),
)
def test_vectorised_rules_agree_with_a_sequential_reading(cases, offset, run, mode) -> None:
    rules = LifecycleRules(first_evaluation_data_year_offset=offset, low_star_consecutive_years=run, unrated_year=mode)
    ids = [f"B{i:04d}" for i in range(len(cases))]
    bases = registry(*[(b, c[0], 1, "江苏省") for b, c in zip(ids, cases)])
    stars = star_table(**{b: c[1] for b, c in zip(ids, cases)})
    events = annual(*[{"unit_id": b, "year": y, "unrectified_inspection": True} for b, c in zip(ids, cases) for y in c[2]])
    out = base_status(bases, stars, events, NO_RENAMES, rules, YEARS)
    for b, (announced, base_stars, compliance) in zip(ids, cases):
        assert status_of(out, b) == reference_status(announced, base_stars, compliance, rules), b
    rated = out.status[out.status["evaluated"]]
    assert rated["stars"].notna().all()


def test_renamings_must_chain_up_to_the_registry_name() -> None:
    from nidb.errors import InputError

    bases = registry(("B0009", 2015, 5, "广东省"))
    bases.loc[0, "name"] = "丙"
    chain = pd.DataFrame({"base_id": ["B0009", "B0009"], "year": [2023, 2021], "old_name": ["乙", "甲"], "new_name": ["丙", "乙"]})
    out = run(bases, star_table(B0009={2020: 3}), renames=chain)
    names = out.status.set_index("year")["name"]
    assert [names[2020], names[2021], names[2022], names[2023]] == ["甲", "乙", "乙", "丙"]
    broken = chain.assign(new_name=["丙", "丁"])  # the 2021 renaming does not lead to 乙
    with pytest.raises(InputError) as err:
        run(bases, star_table(), renames=broken)
    assert len(err.value.problems) == 1
    problem = err.value.problems[0]
    assert problem.file == "renames" and problem.row == 3 and problem.value == "丁"
    with pytest.raises(InputError, match="名录"):
        run(bases, star_table(), renames=chain.assign(new_name=["戊", "乙"]))


def test_cascade_counts_the_revocations_of_the_methods_own_earlier_years() -> None:
    from nidb.evaluation.cascade import cascade, cascade_note

    bases = registry(
        ("B0101", 2015, 5, "河北省"), ("B0102", 2015, 5, "河北省"), ("B0103", 2015, 5, "河北省"),
        ("B0104", 2015, 5, "河北省"), ("B0105", 2015, 5, "河北省"),
    )
    stars = star_table(
        B0101={2020: 4, 2021: 2, 2022: 1, 2023: 5},  # revoked 2022 for low stars
        B0102={2020: 2, 2021: 2, 2022: 5},  # revoked 2021 for low stars
        B0103={2020: 4, 2021: 4},  # fraud in 2021
        B0104={2020: 4, 2021: 4, 2022: 4, 2023: 4},  # environmental incident in 2023
        B0105={2020: 4, 2021: 2, 2022: 2, 2023: 3},  # revoked 2022 for low stars
    )
    events = annual(
        {"unit_id": "B0103", "year": 2021, "fraud_found": True},
        {"unit_id": "B0104", "year": 2023, "env_incident_level": "Ⅰ级"},
    )
    out = run(bases, stars, events)
    rated = int(out.status.query("year == 2023")["evaluated"].sum())
    c = cascade(out.events, rated, 2023, RULES)
    assert rated == 0 and c.by_method.to_dict() == {2021: 1, 2022: 2} and c.revoked_by_method == 3
    assert (c.by_data_before, c.by_data_now) == (1, 1)
    note = cascade_note(c)
    assert "有 3 个基地因连续 2 年评为 2 星及以下被取消称号（第二十三条第（三）项；2021 年 1 个、2022 年 2 个）" in note
    assert "另有此前 1 个、当年 1 个（当年不参评）因" in note and "与评价方法无关" in note
    # the rule's parameters are the ones the note names
    three = cascade(run(bases, stars, events, rules=LifecycleRules(low_star_consecutive_years=3)).events, 0, 2023,
                    LifecycleRules(low_star_consecutive_years=3))
    assert three.revoked_by_method == 0 and "没有基地因连续 3 年评为 2 星及以下被取消称号" in cascade_note(three)


def test_cascade_counts_a_base_revoked_for_low_stars_and_an_event_as_revoked_by_the_data() -> None:
    from nidb.evaluation.cascade import cascade

    rules = LifecycleRules(rate_in_compliance_revocation_year=True)
    bases = registry(("B0201", 2015, 5, "河北省"))
    events = annual({"unit_id": "B0201", "year": 2021, "env_incident_level": "Ⅰ级"})
    out = run(bases, star_table(B0201={2020: 2, 2021: 2}), events, rules=rules)
    assert {"revoked_low_stars", "revoked_env_incident"} <= set(out.events["event_code"])
    c = cascade(out.events, 0, 2022, rules)
    assert c.revoked_by_method == 0 and c.by_data_before == 1


def test_cascade_note_can_leave_the_count_to_the_text_around() -> None:
    from nidb.evaluation.cascade import Cascade, cascade_note

    c = Cascade(2025, 433, pd.Series({2021: 5, 2023: 1}), 3, 3, 2, 2, False)
    assert cascade_note(c).startswith("2025 年参评 433 个。此前各年")
    assert cascade_note(c, with_count=False).startswith("此前各年按同一评价方法评价，有 6 个基地")


def test_fraud_suspends_the_province_of_a_city_with_separate_planning() -> None:
    bases = registry(("B0004", 2016, 8, "深圳市"), ("B0005", 2020, 9, "广东省"))
    events = annual({"unit_id": "B0004", "year": 2021, "fraud_found": True})
    out = run(bases, star_table(B0004={2020: 5}, B0005={2021: 4, 2022: 4, 2023: 4, 2024: 4, 2025: 4}), events)
    sus = out.suspensions
    assert sus[["province", "authority", "base_id", "suspended_batch"]].values.tolist() == [["广东省", "深圳市", "B0004", 10]]
    assert "暂停广东省第 10 批" in sus["reason"].item()


@pytest.mark.parametrize(("flags", "what"), [
    ({"leading_industry_changed": True}, "主导产业"),
    ({"boundary_changed": True}, "四至范围"),
    ({"leading_industry_changed": True, "boundary_changed": True}, "主导产业和四至范围"),
])
def test_a_renaming_with_a_changed_leading_industry_or_boundary_is_refused(flags: dict, what: str) -> None:
    """Art. 22: 「如主导产业和四至范围未发生变化」 the renaming is approved; otherwise it is not applied."""
    bases = registry(("B0009", 2015, 5, "广东省"))
    bases.loc[0, "name"] = "旧名称示范基地"  # the registry keeps the name: the renaming is refused
    renames = pd.DataFrame({"base_id": ["B0009"], "year": [2022], "old_name": ["旧名称示范基地"],
                            "new_name": ["新名称示范基地"], "reason": ["开发区调整"], **{k: [v] for k, v in flags.items()}})
    out = run(bases, star_table(B0009={y: 4 for y in YEARS}), renames=renames)
    s = out.status.set_index("year")
    assert s.loc[2023, "name"] == "旧名称示范基地"
    ev = out.events
    assert not (ev["event_code"] == "renamed").any()
    refused = ev[ev["event_code"] == "rename_refused"]
    assert refused[["year", "event", "article"]].values.tolist() == [[2022, "更名不予认可", "第二十二条"]]
    assert f"但{what}发生变化" in refused["reason"].item()
    # with both flags false the renaming applies (and the registry must then hold the new name)
    ok = renames.assign(leading_industry_changed=False, boundary_changed=False)
    out = run(bases.assign(name="新名称示范基地"), star_table(B0009={y: 4 for y in YEARS}), renames=ok)
    assert (out.events["event_code"] == "renamed").sum() == 1
