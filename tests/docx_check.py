"""Reading back a produced Word file: the house style every nidb DOCX must have."""

from __future__ import annotations

from pathlib import Path

import docx
from docx.oxml.ns import qn


def check_docx(path: Path) -> docx.document.Document:
    """Assert A4, zh-CN language, Chinese fonts, a 目录 TOC field, a PAGE field in the footer,
    captions in caption styles, and a repeated header row in every table; return the document."""
    document = docx.Document(str(path))
    section = document.sections[0]
    assert abs(section.page_width.cm - 21.0) < 0.05 and abs(section.page_height.cm - 29.7) < 0.05, "not A4"
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN" and \
        defaults.find(qn("w:lang")).get(qn("w:val")) == "zh-CN", "language is not zh-CN"
    fonts = {s.name: s.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) for s in document.styles
             if s.name in ("Normal", "Heading 1", "Table Caption") and s.element.rPr is not None}
    assert fonts == {"Normal": "宋体", "Heading 1": "黑体", "Table Caption": "仿宋"}, fonts
    body = document.element.body
    instructions = [i.text for i in body.iter(qn("w:instrText"))] + [f.get(qn("w:instr")) for f in body.iter(qn("w:fldSimple"))]
    assert any(i.strip().startswith("TOC") for i in instructions), "no TOC field"
    texts = "".join(t.text or "" for t in body.iter(qn("w:t")))
    assert "目录" in texts and "Table of Contents" not in texts
    footer = section.footer._element
    assert any("PAGE" in (f.get(qn("w:instr")) or "") for f in footer.iter(qn("w:fldSimple"))), "no page numbers"
    assert document.settings.element.find(qn("w:updateFields")).get(qn("w:val")) == "true"
    for table in document.tables:
        first = table.rows[0]._tr
        assert first.trPr is not None and first.trPr.find(qn("w:tblHeader")) is not None, "table without header row"
    return document


def caption_fields(document: docx.document.Document) -> list[str]:
    """The SEQ field instructions of the captions, in order."""
    return [f.get(qn("w:instr")).strip() for p in document.paragraphs
            if p.style.name in ("Table Caption", "Image Caption") for f in p._p.iter(qn("w:fldSimple"))]
