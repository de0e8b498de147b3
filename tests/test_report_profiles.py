"""Base profiles: peer positions, strengths and weak points, feedback selection, page and figure."""

from __future__ import annotations

import io

import mistune
import numpy as np
import pandas as pd
import pytest
import yaml
from PIL import Image

from nidb.framework import load_framework
from nidb.report import profiles, style
from nidb.report.profiles import ProfileData


@pytest.fixture(scope="module")
def framework():
    return load_framework()


def tiny_profile(framework) -> ProfileData:
    """Three bases, two years, hand-made scores: B2 best, B3 revoked in 2025."""
    ids = [i.id for i in framework.indicators]
    normalised = pd.DataFrame(
        {code: [10.0 + k, 50.0, 90.0 - k] for k, code in enumerate(ids)},
        index=pd.Index(["B1", "B2", "B3"], name="unit_id"),
    )
    normalised.loc["B1", ids[0]] = np.nan
    domains = pd.Series(["甲", "甲", "乙"], index=["B1", "B2", "B3"])
    positions = profiles.indicator_positions(normalised, domains, framework)
    dims = [d.id for d in framework.dimensions]
    results = pd.DataFrame({
        "unit_id": ["B1", "B2", "B3", "B1", "B2"], "year": [2024, 2024, 2024, 2025, 2025],
        **{d: [40.0, 60.0, 20.0, 45.0, 70.0] for d in dims},
        "index": [40.0, 60.0, 20.0, 45.0, 70.0], "rank": [2, 1, 3, 2, 1], "stars": [3, 5, 2, 3, 5],
        "n_missing": [1, 0, 0, 1, 0],
    })
    registry = pd.DataFrame({
        "name": ["<script>alert(1)</script>", "**粗体**", "乙基地"], "authority": ["北京市"] * 3,
        "region": ["东部"] * 3, "domain": ["甲", "甲", "乙"], "industry": ["x"] * 3,
        "leading_industry": ["y"] * 3, "year_announced": [2010] * 3,
    }, index=pd.Index(["B1", "B2", "B3"], name="base_id"))
    status = pd.DataFrame({
        "base_id": ["B1", "B2", "B3", "B1", "B2", "B3"], "year": [2024, 2024, 2024, 2025, 2025, 2025],
        "status": ["正常", "正常", "预警", "正常", "正常", "撤销"], "stars": [3, 5, 2, 3, 5, pd.NA],
    })
    events = pd.DataFrame({"base_id": ["B3"], "year": [2025], "event": ["取消称号"], "article": ["第二十三条"],
                           "reason": ["连续两年二星及以下"]})
    current = results[results["year"] == 2025]
    return ProfileData(
        year=2025, registry=registry, results=results, positions=positions,
        dimensions=pd.DataFrame({"id": dims, "zh": [d.zh for d in framework.dimensions],
                                 "median": current[dims].median().to_numpy()}),
        status=status, events=events, rated=2, method_name="test",
    )


def test_indicator_positions_rank_overall_and_within_domain(framework):
    data = tiny_profile(framework)
    first = framework.indicators[0].id
    p = data.positions.set_index(["unit_id", "indicator_id"])
    assert np.isnan(p.loc[("B1", first), "percentile"])  # missing is not ranked
    assert p.loc[("B2", first), "percentile"] == 50.0  # 2nd of the 2 with a value: rank 1 of 2 → 50
    assert p.loc[("B3", first), "percentile"] == 100.0
    second = framework.indicators[1].id  # values 11, 50, 89
    assert p.loc[("B1", second), "percentile"] == pytest.approx(100 / 3)
    assert p.loc[("B1", second), "domain_percentile"] == 50.0  # B1 < B2 within 甲
    assert p.loc[("B3", second), "domain_percentile"] == 100.0  # alone in 乙


def test_strengths_and_weaknesses_take_extremes_and_skip_missing(framework):
    data = tiny_profile(framework)
    sw = profiles.strengths_and_weaknesses(data.positions[data.positions["unit_id"] == "B1"], k=2)
    weak = sw[sw["kind"] == "短板"]
    strong = sw[sw["kind"] == "优势"]
    assert len(weak) == 2 and len(strong) == 2
    assert weak["percentile"].max() <= strong["percentile"].min()
    assert framework.indicators[0].id not in set(sw["indicator_id"])  # the missing one


def test_feedback_and_five_star_selection(framework):
    data = tiny_profile(framework)
    assert profiles.feedback_bases(data) == ["B3"]  # revoked in 2025
    assert profiles.five_star_bases(data) == ["B2"]
    assert profiles.top_base(data) == "B2"


def test_profile_page_escapes_the_name_and_reports_gaps(framework, tmp_path):
    data = tiny_profile(framework)
    context = profiles.profile_contexts(data, ["B1"])["B1"]
    assert [d["gap"] for d in context["dimensions"]] == [45.0 - 57.5] * len(framework.dimensions)
    style.apply()
    page = profiles.write_profile(data, context, tmp_path, demo=True)
    text = page.read_text(encoding="utf-8")
    title = yaml.safe_load(text.split("---")[1])["title"]
    assert mistune.html(title) == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
    assert "示例数据（合成）" in text
    assert "在 2 个参评基地中排第 2 位" in text
    assert (tmp_path / "figures" / "B1.png").read_bytes().startswith(b"\x89PNG")


def test_blitted_figure_equals_a_full_redraw(framework):
    data = tiny_profile(framework)
    style.apply()
    contexts = profiles.profile_contexts(data, ["B1", "B2"])
    fast = profiles.ProfileFigure(data, blit=True)
    slow = profiles.ProfileFigure(data, blit=False)
    def pixels(png: bytes) -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)

    fast.png(contexts["B2"])  # draw another base first: nothing of it may remain
    blit = pixels(fast.png(contexts["B1"]))
    full = pixels(slow.png(contexts["B1"]))
    other = pixels(slow.png(contexts["B2"]))
    assert blit.shape == full.shape
    assert np.mean(np.abs(blit - full) > 40) < 0.002  # same picture up to antialiasing
    assert np.mean(np.abs(other - full) > 40) > 0.002  # and the comparison can tell bases apart


def test_staff_case_text_is_found_first_folder_first(tmp_path):
    from nidb.report.case_text import staff_texts

    first, second = tmp_path / "data-cases", tmp_path / "repo-cases"
    first.mkdir()
    second.mkdir()
    (first / "B2.md").write_text("## 主要做法\n\n园区以**链主企业**带动配套。\n", encoding="utf-8")
    (second / "B2.md").write_text("不应被采用\n", encoding="utf-8")
    (second / "B1.md").write_text("仓库中的案例\n", encoding="utf-8")
    found = staff_texts(["B1", "B2", "B3"], [first, second])
    assert set(found) == {"B1", "B2"}
    assert found["B2"].sections == {"主要做法": "园区以**链主企业**带动配套。"}  # Markdown kept as written
    assert found["B1"].sections == {"典型经验": "仓库中的案例"} and found["B2"].path.parent == first


def test_profile_of_a_base_without_a_result_claims_no_strength_or_weakness(framework):
    data = tiny_profile(framework)
    revoked = profiles.profile_markdown(profiles.profile_contexts(data, ["B3"])["B3"], demo=False)
    assert "本基地没有评价结果" in revoked and "不列各维度得分、优势指标和短板弱项" in revoked
    assert "均不低于" not in revoked and "## 短板弱项" not in revoked
    rated = profiles.profile_markdown(profiles.profile_contexts(data, ["B2"])["B2"], demo=False)
    assert "## 短板弱项" in rated and "各维度得分均不低于全部参评基地中位数" in rated  # B2 is above every median
