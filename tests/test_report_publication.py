"""The published report's numbers: aggregates, small cells, provinces, maps, findings and problems.

Every sentence of 主要结论 and 问题与建议 is checked against the appendix table cell it quotes.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nidb.errors import ConfigError, InputError
from nidb.report import aggregates, breakdowns, findings, maps, summaries


def annual_rows() -> pd.DataFrame:
    """Three bases over two years; B3 joins in 2025, B2 misses R&D in 2024."""
    return pd.DataFrame({
        "unit_id": ["B1", "B2", "B1", "B2", "B3"],
        "year": [2024, 2024, 2025, 2025, 2025],
        "sales_revenue": [100.0, 200.0, 110.0, 230.0, 1000.0],
        "value_added": [20.0, 40.0, 22.0, 44.0, 300.0],
        "industrial_value_added": [10.0, 20.0, 11.0, 20.0, 100.0],
        "rd_expenditure": [2.0, np.nan, 3.3, 4.6, 50.0],
        "high_value_patents": [10.0, 20.0, 12.0, 20.0, 5.0],
        "energy_consumption": [5.0, 10.0, 5.0, 9.0, 30.0],
        "water_use": [50.0, 100.0, 50.0, 90.0, 300.0],
        "employees": [10_000.0, 20_000.0, 11_000.0, 20_000.0, 5_000.0],
    })


def registry() -> pd.DataFrame:
    return pd.DataFrame({
        "base_id": ["B1", "B2", "B3"], "year_announced": [2010, 2012, 2025],
        "authority": ["江苏省", "深圳市", "新疆生产建设兵团"], "region": ["东部", "东部", "西部"],
    })


def test_year_on_year_change_is_on_the_comparable_bases_only():
    table = aggregates.overview_table(annual_rows(), registry(), 2025).set_index("指标")
    # totals include the new base B3; the change compares B1 and B2 only: (110+230)/(100+200) - 1
    assert table.loc["销售收入", "本年"] == 1340.0
    assert table.loc["销售收入", "同比变化"] == pytest.approx(100 * (340 / 300 - 1))
    assert table.loc["销售收入", "可比基地（个）"] == 2
    # R&D intensity: only B1 reported R&D in both years; a share in % changes in points
    assert table.loc["研发经费投入强度", "可比基地（个）"] == 1
    assert table.loc["研发经费投入强度", "同比变化"] == pytest.approx(100 * 3.3 / 110 - 100 * 2 / 100)
    assert table.loc["研发经费投入强度", "变化单位"] == "个百分点"
    # an intensity changes in per cent: energy per industrial value added, 14/31 vs 15/30
    assert table.loc["单位工业增加值能耗", "同比变化"] == pytest.approx(100 * ((14 / 31) / (15 / 30) - 1))
    assert table.loc["从业人员", "本年"] == pytest.approx(3.6)  # 万人


def test_overview_sentences_quote_the_published_table():
    table = aggregates.overview_table(annual_rows(), registry(), 2025)
    shown = aggregates.overview_display(table, 2025).set_index("指标")
    text = "".join(aggregates.overview_sentences(table, 2025))
    assert f"销售收入合计 {shown.loc['销售收入', '2025 年']} 亿元" in text
    assert f"可比口径同比增长 {shown.loc['销售收入', '同比变化'].lstrip('+').rstrip('%')}%" in text
    assert "研发经费投入强度为 4.17%" not in text  # numbers come from the data, not a fixture of the demo


def test_national_share_is_omitted_without_the_reference_table(tmp_path):
    table = aggregates.overview_table(annual_rows(), registry(), 2025)
    assert aggregates.national_totals(tmp_path) is None
    assert aggregates.national_share_sentence(table, None, 2025) is None
    (tmp_path / aggregates.NATIONAL_FILE).write_text("年份,全国工业增加值（亿元）,数据来源\n2025,1310,国家统计局 2025 年公报\n",
                                                    encoding="utf-8")
    sentence = aggregates.national_share_sentence(table, aggregates.national_totals(tmp_path), 2025)
    assert sentence.startswith("示范基地工业增加值合计占全国工业增加值的 10.0%")


def test_a_bad_national_reference_value_is_a_located_error(tmp_path):
    (tmp_path / aggregates.NATIONAL_FILE).write_text("年份,全国工业增加值（亿元）,数据来源\n2025,abc,公报\n",
                                                    encoding="utf-8")
    with pytest.raises(InputError) as caught:
        aggregates.national_totals(tmp_path)
    problem = caught.value.problems[0]
    assert (problem.file, problem.row, problem.column) == (aggregates.NATIONAL_FILE, 2, "全国工业增加值（亿元）")


def test_small_cells_are_withheld_in_tables_and_never_named_in_prose():
    groups = pd.DataFrame({"domain": ["甲", "乙", "丙"], "n_rated": [2, 10, 8], "share_4plus": [1.0, 0.6, 0.5]})
    table = aggregates.withhold(groups.assign(share=100 * groups["share_4plus"]), "n_rated", ["share"], 3)
    assert table["share"].tolist() == ["—", 60.0, 50.0]  # published values stay numbers
    best, worst = aggregates.published_extremes(groups, "domain", "share_4plus", "n_rated", 3)
    assert (best["domain"], worst["domain"]) == ("乙", "丙")  # 甲 (2 bases, 100 %) is not headlined
    assert aggregates.published_extremes(groups, "domain", "share_4plus", "n_rated", 9) is None
    assert "少于 3 个" in aggregates.withheld_note(3, table)
    assert aggregates.withheld_note(3, table.iloc[1:]) == ""


def test_min_cell_size_is_a_checked_parameter(tmp_path):
    assert aggregates.load_publication().min_cell_size == 3
    bad = tmp_path / "publication.yaml"
    bad.write_text("min_cell_size: 0\nmap_indicator: rd_intensity\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="min_cell_size"):
        aggregates.load_publication(bad)


def test_provinces_include_planning_cities_and_list_every_province():
    assert breakdowns.with_province(registry())["province"].tolist() == ["江苏省", "广东省", "新疆维吾尔自治区"]
    counts = breakdowns.province_counts(registry())
    assert len(counts) == 31 and counts["示范基地（个）"].sum() == 3
    assert counts.set_index(breakdowns.PROVINCE).loc["西藏自治区", "示范基地（个）"] == 0
    with pytest.raises(ConfigError, match="火星"):
        maps.province_of(pd.Series(["火星"]))


def test_province_stars_withhold_provinces_with_few_rated_bases():
    status = pd.DataFrame({
        "year": 2025, "evaluated": True, "authority": ["江苏省"] * 3 + ["深圳市"] * 2,
        "stars": [5, 4, 3, 4, 4],
    })
    table = breakdowns.province_stars(status, 2025, 3).set_index(breakdowns.PROVINCE)
    assert table.loc["江苏省", "四星及以上占比（%）"] == pytest.approx(200 / 3)
    assert table.loc["广东省", "withheld"] and math.isnan(table.loc["广东省", "四星及以上占比（%）"])


def test_map_draws_all_31_provinces_and_the_south_china_sea_inset():
    from nidb.report import style

    style.apply()
    fig = maps.choropleth(pd.Series({"江苏省": 30.0, "广东省": 3.0}), "示范基地（个）", integer=True,
                          no_data_label="无示范基地", withheld={"西藏自治区"})
    main, inset = fig.axes
    drawn = {p.get_gid().split(":", 1)[1] for p in main.patches}
    assert {p.name for p in maps.provinces(mainland_only=True)} <= drawn  # provinces without a base too
    assert inset.get_label() == maps.INSET_TITLE
    assert any(line.get_gid() == "maritime" for line in inset.lines)
    assert {p.get_gid() for p in inset.patches} >= {"inset:海南省", "inset:广东省"}
    colours = {p.get_gid(): p.get_facecolor() for p in main.patches}
    assert colours["province:江苏省"] != colours["province:湖南省"]  # a value vs no base
    assert style.figure_png(fig).startswith(b"\x89PNG")  # every label has a glyph in the shipped font


def test_quota_rule_is_stated_instead_of_a_flat_share():
    from nidb.evaluation.method import load_evaluation_method
    from nidb.framework import load_framework

    rule = load_evaluation_method(None, load_framework()).stars
    sentence = summaries.quota_sentence(rule)
    share = 100 * rule.levels[5].top_share
    assert f"五星不超过参评基地的 {share:.0f}%" in sentence and "持平不表示" in sentence


def test_rated_bases_reconcile_with_the_registry():
    status = pd.DataFrame({
        "year": 2025, "evaluated": [True, True, False, False, False],
        "status": ["正常", "预警", "已撤销", "撤销", "未到参评年份"],
    })
    table = summaries.rated_reconciliation(status, 2025).set_index("项目")["基地数（个）"]
    assert table.iloc[0] == 5 and table.iloc[-1] == 2
    assert table.iloc[0] == table.iloc[1:].sum()


def test_a_base_revoked_because_it_could_not_be_rated_counts_where_nidb_evaluate_counts_it():
    """B3 took part, was not rated (数据不全), and was revoked for it afterwards (Art. 23 (3)): it is
    no 「本年撤销称号（不参评）」 base, which is for revocations before the evaluation (B4)."""
    status = pd.DataFrame({
        "base_id": ["B1", "B2", "B3", "B4"], "year": 2025, "evaluated": [True, False, False, False],
        "status": ["正常", "数据不全", "撤销", "撤销"],
    })
    unrated = pd.DataFrame({"unit_id": ["B2", "B3"], "status": ["数据不全", "数据不全"]})
    table = summaries.rated_reconciliation(status, 2025, unrated).set_index("项目")["基地数（个）"]
    assert table["其中：数据不全（不予评级）"] == 2 and table["其中：本年撤销称号（不参评）"] == 1
    assert table.iloc[0] == table.iloc[1:].sum() == 4


def test_sweep_table_samples_every_curve_at_the_same_multipliers():
    multipliers = np.round(np.arange(0.5, 1.51, 0.05), 2)
    curves = pd.concat([
        pd.DataFrame({"condition_id": cid, "condition": name, "multiplier": multipliers,
                      "threshold_text": [f"{name}×{m}" for m in multipliers],
                      "pass_rate_alone": np.linspace(1, 0, len(multipliers))})
        for cid, name in (("I01", "销售收入"), ("I07", "研发投入强度"))
    ])
    table = summaries.sweep_sample(curves)
    assert table["现行门槛"].tolist() == ["销售收入×1.0", "研发投入强度×1.0"]
    assert [c for c in table.columns if c.startswith("×")] == [f"×{m:.1f}（%）" for m in (0.8, 0.9, 1.0, 1.1, 1.2)]


def write_appendix(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tables = {
        "stars_distribution": "星级,基地数（个）,占比（%）\n5星,3,7.5\n4星,20,50.0\n3星,15,37.5\n2星,2,5.0\n1星,0,0.0\n",
        "stars_reconciliation": ("项目,基地数（个）\n名录中已公告的示范基地,45\n其中：以前年度已撤销称号,3\n"
                                 "其中：本年撤销称号（不参评）,2\n其中：参加本年度评价,40\n"),
        "stars_by_year": "年份,参评（个）,5星（个）\n2024,38,2\n2025,40,3\n",
        "stars_by_region": ("区域,参评（个）,1星（个）,2星（个）,3星（个）,4星（个）,5星（个）,四星及以上占比（%）\n"
                            "东部,20,0,0,5,13,2,75.0\n西部,18,0,2,10,5,1,33.333\n东北,2,0,0,0,2,0,—\n"),
        "stars_dimensions_by_region": ("所在区域,参评（个）,规模效益,创新效能\n全部参评基地,40,50.0,40.0\n"
                                       "东部,20,52.0,41.0\n西部,18,47.0,39.5\n东北,2,—,—\n"),
        "overview_aggregates": ("指标,单位,上年,本年,同比变化,变化单位,可比基地（个）,口径\n"
                                "销售收入,亿元,1000.0,1100.04,9.96,%,40,x\n增加值,亿元,200,190,-5.0,%,40,x\n"
                                "研发经费投入强度,%,2.5,2.6,0.1,个百分点,39,x\n单位工业增加值能耗,吨标准煤/万元,0.5,0.45,-10.0,%,30,x\n"),
        "lifecycle_status": "年份,未到参评年份,正常,预警,无评价结果,撤销,已撤销\n2025,0,38,2,0,2,3\n",
        "audit_effective_weights": "节点,层级,上级,有效/名义\n销售收入,1,规模效益,2.0\n研发投入强度,1,创新效能,0.3\n规模效益,2,,1.0\n",
    }
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")


def quoted_cells_match(folder: Path, finding: findings.Finding) -> None:
    """Every cell a sentence quotes is in its table and appears in the sentence as published."""
    assert finding.sources, finding.text
    for source in finding.sources:
        frame = pd.read_csv(folder / f"{source.table}.csv", dtype=str, keep_default_na=False)
        row = frame[frame.iloc[:, 0] == source.row].iloc[0]
        assert findings.number(source.value) == pytest.approx(findings.number(row[source.column]), abs=0.051), source
        assert source.value.lstrip("-") in finding.text.replace("\\", ""), (source, finding.text)


def test_key_findings_quote_their_tables(tmp_path):
    write_appendix(tmp_path)
    found = findings.key_findings(tmp_path, 2025)
    for finding in found:
        quoted_cells_match(tmp_path, finding)
    text = "\n".join(f.text for f in found)
    assert "已公告示范基地 45 个，参加评价 40 个" in text and "四星及以上合计 23 个" in text
    assert "比上年增加 1 个" in text
    assert "最低的是西部（33.3%）" in text and "东北（" not in text  # 2 bases: withheld, not named
    assert "同比下降 5.0%" in text and "较上年提高 0.1 个百分点" in text
    assert all("#" in f.href for f in found[:3])


def test_problems_follow_their_rules_and_quote_their_tables(tmp_path):
    write_appendix(tmp_path)
    found = findings.problems(tmp_path, 2025, {})
    for problem in found:
        quoted_cells_match(tmp_path, problem.finding)
    rules = [p.rule for p in found]
    assert rules[0].startswith("全国最弱维度") and "创新效能维度得分中位数为 40.0 分" in found[0].finding.text
    west = [p for p in found if p.finding.text.startswith("西部")]
    assert west and "规模效益" in west[0].finding.text and "低于全部参评基地（50.0 分）3.0 分" in west[0].finding.text
    assert not [p for p in found if p.finding.text.startswith("东部")]  # within the 2-point gap rule
    audit = found[-1].finding.text
    assert "1 项指标的有效权重达到名义权重的 1.5 倍及以上，最高的是销售收入（2.00 倍）" in audit
    assert all(p.direction for p in found)


def test_absent_tables_leave_their_findings_out(tmp_path):
    assert findings.key_findings(tmp_path, 2025) == []
    assert findings.problems(tmp_path, 2025, {}) == []


def test_offline_check_tells_loaded_resources_from_text_links():
    from nidb.report.offline import external_resources, local_paths

    page = ('<a href="https://quarto.org/docs/">Quarto</a><img src="figures/a.png">'
            '<link rel="stylesheet" href="site_libs/bootstrap.css">')
    assert external_resources(page) == [] and local_paths(page) == []
    assert len(external_resources('<script src="https://cdn.jsdelivr.net/npm/mathjax@3"></script>')) == 1
    assert len(external_resources('<link href="https://fonts.googleapis.com/css2" rel="stylesheet">')) == 1
    assert len(external_resources("<style>@import url('https://fonts.googleapis.com/x');</style>")) == 1
    assert len(external_resources('<img src="//example.org/x.png">')) == 1
    assert local_paths("数据目录 /root/.cache/nidb/demo/v1") and local_paths("见 /tmp/x/2025")
    assert local_paths("nidb report --out reports") == []


def test_serve_refuses_a_folder_without_a_site(tmp_path):
    from nidb.report.serve import SiteMissingError, site_server

    with pytest.raises(SiteMissingError, match="nidb report"):
        site_server(tmp_path)


def test_serve_answers_over_http(tmp_path):
    import threading
    import urllib.request

    from nidb.report.serve import site_server

    (tmp_path / "index.html").write_text("<p>首页</p>", encoding="utf-8")
    server = site_server(tmp_path, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_address[1]}/index.html", timeout=10) as reply:
            assert reply.read().decode("utf-8") == "<p>首页</p>"
    finally:
        server.shutdown()
        server.server_close()


def test_preview_chapter_captions_figures_and_shows_no_anchor_marks(tmp_path):
    import nbformat

    from nidb.report.render import _notebook_html

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("## 一、筛查概况"),
                nbformat.v4.new_code_cell('#| label: fig-x\n#| fig-cap: "各推荐单位的比例"\nx = 1')]
    path = tmp_path / "ch.ipynb"
    nbformat.write(nb, str(path))
    _, body = _notebook_html(path)
    assert "一、筛查概况" in body and "¶" not in body
    assert "图 1：各推荐单位的比例" in body
    assert _notebook_html(path)[1] == body  # caption cells have fixed ids: the same page every time


def test_word_document_gives_captioned_figures_their_chapter_number(tmp_path):
    import base64

    import nbformat

    from nidb.report.document import notebook_markdown

    png = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()
    nb = nbformat.v4.new_notebook()
    figure = nbformat.v4.new_code_cell('#| label: fig-a\n#| fig-cap: "历年星级分布"\n#| fig-alt: "堆积柱状图"\nshow()')
    figure.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png})]
    plain = nbformat.v4.new_code_cell("show()")
    plain.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png})]
    nb.cells = [figure, plain]
    text = notebook_markdown(nb, tmp_path / "files", "ch03", keep_notice=False, chapter=3)
    assert '![图 3-1 历年星级分布](files/ch03-01.png){fig-alt="堆积柱状图"}' in text
    assert "![](files/ch03-02.png)" in text  # a figure without a caption stays unnumbered
