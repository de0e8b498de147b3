"""Data-supplied text shows literally on every kind of page (Markdown, HTML, front matter)."""

from __future__ import annotations

import mistune
import pandas as pd
import pytest
import yaml

from nidb.report.escape import html_text, markdown_text, yaml_string
from nidb.report.page import prose, table_html
from nidb.report.templating import render_template

SCRIPT = "<script>alert(1)</script>"
BOLD = "**粗体**"
NASTY = [SCRIPT, BOLD, "a_b_c", "[链接](http://x)", "# 标题", "`代码`", "| 管道 |", "1. 列表", "\\反斜杠", "&amp;"]


def markdown_to_html(text: str) -> str:
    return mistune.create_markdown(escape=False, plugins=["table"])(text)


@pytest.mark.parametrize("name", NASTY)
def test_markdown_text_renders_literally(name):
    html = markdown_to_html(f"基地名称：{markdown_text(name)}")
    assert html == f"<p>基地名称：{html_text(name)}</p>\n"


def test_script_and_bold_never_become_markup():
    html = markdown_to_html(markdown_text(SCRIPT) + " " + markdown_text(BOLD))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<strong>" not in html and "**粗体**" in html


def test_yaml_string_round_trips_escaped_markdown():
    value = 'say "hi" \\ ' + SCRIPT
    assert yaml.safe_load(f"title: {yaml_string(value)}")["title"] == value


def test_prose_escapes_text_and_formats_numbers():
    sentence = prose("{name}得分 {score} 分，排第 {rank} 位，{missing}", name=BOLD, score=71.25, rank=3, missing=None)
    assert sentence == "\\*\\*粗体\\*\\*得分 71.2 分，排第 3 位，缺失"


def test_table_html_escapes_cells_and_headers():
    html = table_html(pd.DataFrame({"<b>列</b>": [SCRIPT], "值": [1.5]}))
    assert "&lt;script&gt;" in html and "&lt;b&gt;列&lt;/b&gt;" in html
    assert "<script>" not in html and "<b>" not in html


def test_templates_escape_every_value_by_default():
    page = render_template("problems.qmd.j2", title=SCRIPT, demo=True, problems=[],
                           rules={"region_gap_points": SCRIPT, "weight_ratio_low": 0.5, "weight_ratio_high": 1.5})
    assert "<script>" not in page and "\\<script\\>" in page


def test_every_page_type_shows_the_same_demo_notice():
    from nidb.report.page import notice_html

    assert render_template("notice.md.j2", demo=True).strip() == notice_html()
    assert render_template("notice.md.j2", demo=False).strip() == ""


def test_markdown_table_escapes_cells_and_keeps_numbers():
    from nidb.report.page import markdown_table

    frame = pd.DataFrame({"名称": [SCRIPT, BOLD], "得分": [71.256, float("nan")], "名次": [1, 2]})
    html = markdown_to_html(markdown_table(frame))
    assert "<table>" in html and "<script>" not in html and "<strong>" not in html
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in html and "<td>**粗体**</td>" in html
    assert ">71.26</td>" in html and ">缺失</td>" in html and ">1</td>" in html
