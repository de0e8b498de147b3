"""The explorer page's files (standard Quarto source, preview rendering, index) without a browser."""

from __future__ import annotations

import json
import re

from nidb.report.explorer import EXPLORER_PAGE, page_source, province_of, write_explorer, write_explorer_index
from nidb.report.render import render_preview


def test_page_is_one_raw_html_block_with_site_relative_scripts():
    text = page_source(2025, demo=True)
    front, body = text.split("---\n", 2)[1:]
    assert "title:" in front and "page-layout: full" in front
    block = re.fullmatch(r"\n```\{=html\}\n(.*)\n```\n", body, flags=re.DOTALL)
    assert block, body
    sources = re.findall(r'(?:src|href)="([^"]+)"', block.group(1))
    assert sources == ["explore/explorer.css", "explore/data.js", "explore/explorer.js"]
    assert "示例数据（合成）" in block.group(1)
    assert "示例数据（合成）" not in page_source(2025, demo=False)


def test_written_files_and_preview_keep_the_raw_block(tmp_path):
    reports = tmp_path / "reports"
    data = {"year": 2024, "demo": True, "evaluation": {"values": [[1.5, None]]}, "selection": None}
    page = write_explorer(data, reports / "2024")
    assert page.name == EXPLORER_PAGE
    script = (reports / "2024" / "explore" / "data.js").read_text(encoding="utf-8")
    assert json.loads(script.removeprefix("window.NIDB_EXPLORER = ").removesuffix(";\n")) == data
    assert (reports / "2024" / "explore" / "explorer.js").stat().st_size > 10_000
    index = write_explorer_index(reports)
    assert "[2024 年度探索页面](2024/explore.qmd)" in index.read_text(encoding="utf-8")
    site = tmp_path / "site"
    render_preview(reports, site, demo=True)
    html = (site / "2024" / "explore.html").read_text(encoding="utf-8")
    assert '<script src="explore/explorer.js"></script>' in html and "&lt;script" not in html
    assert '<a href="../explore.html">探索</a>' in html
    assert html.count("示例数据（合成）：") == 1  # the page's own banner; the preview adds none
    assert 'href="2024/explore.html"' in (site / "explore.html").read_text(encoding="utf-8")
    assert (site / "2024" / "explore" / "data.js").is_file()


def test_planned_cities_map_to_their_province():
    assert province_of("大连市") == "辽宁省" and province_of("新疆生产建设兵团") == "新疆维吾尔自治区"
    assert province_of("江苏省") == "江苏省"
