"""The Word house style: the shipped reference document and a converted report document."""

from __future__ import annotations

from pathlib import Path

import docx
import nbformat
from docx.oxml.ns import qn
from docx_check import caption_fields, check_docx

from nidb.report.document import DOCUMENT, captioned, notebook_markdown, pandoc_docx, write_document
from nidb.report.house_style import REFERENCE_DOCX

TABLE = "**表 2\\-4 门槛敏感性曲线**（显示前 2 行，共 9 行）\n\n| 条件 | 通过率 |\n|---|---:|\n| I01 | 0.5 |\n| I02 | 0.7 |"


def notebook(tmp_path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 遴选\n\n正文。"),
        nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
            "display_data", data={"text/markdown": TABLE, "text/plain": "t"})]),
    ]
    path = tmp_path / "02-selection.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_table_titles_become_captions():
    assert captioned(TABLE).endswith("\n\n: 表 2\\-4 门槛敏感性曲线（显示前 2 行，共 9 行）")
    assert captioned("正文，没有表。") == "正文，没有表。"


def test_reference_docx_is_shipped_and_in_house_style():
    reference = docx.Document(str(REFERENCE_DOCX))
    assert abs(reference.sections[0].page_width.cm - 21.0) < 0.05
    styles = {s.name: s for s in reference.styles}
    assert styles["Heading 1"].paragraph_format.page_break_before  # chapters start on a new page
    assert styles["TOC Heading"].paragraph_format.page_break_before  # the cover page stands alone
    assert styles["Table"].element.find(qn("w:tblPr")).find(qn("w:tblBorders")) is not None
    assert not reference.paragraphs or not any(p.text for p in reference.paragraphs)


def test_report_document_converts_to_a_house_style_docx(tmp_path):
    md = notebook_markdown(nbformat.read(str(notebook(tmp_path)), as_version=4), tmp_path / "f", "ch01", True)
    assert ": 表 2\\-4" in md
    document = write_document([("第二章 遴选", notebook(tmp_path))], "2025 年度报告（全文）", tmp_path,
                              subtitle="评价年度 2025 年 · 示例数据（合成）")
    assert document.name == DOCUMENT
    out = pandoc_docx(document, tmp_path / "report.docx")
    word = check_docx(out)
    assert caption_fields(word) == ["SEQ 表 \\r 4 \\* ARABIC"]
    caption = next(p for p in word.paragraphs if p.style.name == "Table Caption")
    shown = "".join(t.text for t in caption._p.iter(qn("w:t")))  # the field's result included
    assert shown.replace(" ", "").startswith("表2-4门槛敏感性曲线")
    assert [p.text for p in word.paragraphs if p.style.name == "Title"] == ["2025 年度报告（全文）"]
    assert any("示例数据（合成）" in p.text for p in word.paragraphs if p.style.name == "Subtitle")
    assert len(word.tables) == 1 and word.tables[0].rows[0].cells[0].text == "条件"
