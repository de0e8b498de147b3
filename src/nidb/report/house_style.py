"""The Word house style of every DOCX nidb writes (annual report, typical-case catalogue).

`REFERENCE_DOCX` is Pandoc's reference document restyled for Chinese government reports: A4,
黑体 headings, 宋体 body, 仿宋 captions, zh-CN language, a cover page (title block alone on
the first page), a 目录 page whose TOC field Word fills on open, page numbers in the footer,
bordered tables with a bold repeated header row. `to_docx` converts a Markdown document with
it, through the Pandoc that `pypandoc-binary` ships, and turns 「表 2-4」/「图 3-1」 captions into
real Word captions (`pandoc/captions.lua`).

The shipped file is made by `build_reference_docx` (needs python-docx, a test dependency):
``python -m nidb.report.house_style`` rewrites it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from nidb.errors import NidbError

HERE = Path(__file__).parent
REFERENCE_DOCX = HERE / "pandoc" / "reference.docx"
CAPTIONS_LUA = HERE / "pandoc" / "captions.lua"
DATA_DIR = HERE / "pandoc"  # translations/zh.yaml: 目录, 图, 表 in Pandoc's own words
HEADING_FONT, BODY_FONT, CAPTION_FONT, LATIN_FONT = "黑体", "宋体", "仿宋", "Times New Roman"
LANGUAGE = "zh-CN"


def pandoc_path() -> str:
    """The Pandoc executable shipped by pypandoc-binary (a dependency), else one on PATH."""
    import shutil

    try:
        import pypandoc

        return pypandoc.get_pandoc_path()
    except (ImportError, OSError) as error:
        found = shutil.which("pandoc")
        if found:
            return found
        raise NidbError("找不到 Pandoc，无法生成 Word 版本：请重新安装依赖（pip install pypandoc-binary）") from error


def to_docx(document: Path, target: Path, *, from_format: str = "markdown") -> Path:
    """Convert a Markdown document to DOCX in the house style (relative image paths resolve
    against the document's folder)."""
    subprocess.run(
        [pandoc_path(), document.name, "--from", from_format, "--to", "docx", "--toc",
         "--reference-doc", str(REFERENCE_DOCX), "--lua-filter", str(CAPTIONS_LUA), "--data-dir", str(DATA_DIR),
         "--metadata", f"lang={LANGUAGE}", "--metadata", "toc-title=目录", "--dpi", "300",
         "--output", str(target.resolve())],
        cwd=document.parent, check=True, capture_output=True,
    )
    return target


# ---------------------------------------------------------------- building reference.docx (dev time)
def build_reference_docx(target: Path = REFERENCE_DOCX) -> Path:
    """Write the house-style reference document: Pandoc's default one, restyled."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    default = subprocess.run([pandoc_path(), "--print-default-data-file", "reference.docx"], check=True,
                             capture_output=True).stdout
    target.write_bytes(default)
    doc = docx.Document(str(target))
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.54)
    section.left_margin = section.right_margin = Cm(3.17)
    _footer_page_number(section)

    styles = {style.name: style for style in doc.styles}
    _defaults(doc)
    for name in ("Normal", "Body Text", "First Paragraph", "Compact", "Block Text", "Footnote Text"):
        _font(styles[name], BODY_FONT, 12 if name != "Footnote Text" else 9)
    for name in ("Body Text", "First Paragraph"):
        fmt = styles[name].paragraph_format
        fmt.first_line_indent, fmt.line_spacing = Pt(24), 1.5  # two characters, 1.5 lines
        fmt.space_before, fmt.space_after = Pt(0), Pt(6)
    _font(styles["Compact"], BODY_FONT, 10.5)
    styles["Compact"].paragraph_format.first_line_indent = Pt(0)  # table cells
    sizes = {1: 16, 2: 15, 3: 14, 4: 12, 5: 12, 6: 12, 7: 12, 8: 12, 9: 12}  # 三号, 小三, 四号, 小四
    for level, size in sizes.items():
        style = styles[f"Heading {level}"]
        _font(style, HEADING_FONT, size, bold=level > 1, colour="000000")
        style.paragraph_format.space_before, style.paragraph_format.space_after = Pt(12), Pt(6)
    styles["Heading 1"].paragraph_format.page_break_before = True  # each chapter on a new page
    styles["Heading 1"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for name, size, before in (("Title", 26, 180), ("Subtitle", 16, 24), ("Author", 14, 12), ("Date", 14, 12)):
        style = styles[name]
        _font(style, HEADING_FONT if name == "Title" else CAPTION_FONT, size, bold=name == "Title", colour="000000")
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        style.paragraph_format.space_before = Pt(before)
    toc = styles["TOC Heading"]
    _font(toc, HEADING_FONT, 16, colour="000000")
    toc.paragraph_format.page_break_before = True  # the cover page holds the title block alone
    toc.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for name in ("Caption", "Table Caption", "Image Caption"):
        style = styles[name]
        _font(style, CAPTION_FONT, 10.5, bold=name == "Table Caption", italic=False, colour="000000")
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        style.paragraph_format.space_before, style.paragraph_format.space_after = Pt(6), Pt(6)
    styles["Table Caption"].paragraph_format.keep_with_next = True
    styles["Captioned Figure"].paragraph_format.keep_with_next = True
    styles["Captioned Figure"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _table_style(styles["Table"])
    _update_fields_on_open(doc)
    for paragraph in list(doc.paragraphs):  # the sample text of Pandoc's file is not needed
        paragraph._element.getparent().remove(paragraph._element)
    doc.core_properties.title = ""
    doc.core_properties.language = LANGUAGE
    doc.save(str(target))
    return target


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(tag)


def _child(parent, tag: str):
    from docx.oxml import OxmlElement

    found = parent.find(_qn(tag))
    if found is None:
        found = OxmlElement(tag)
        parent.append(found)
    return found


def _east_asian(rpr, font: str) -> None:
    fonts = _child(rpr, "w:rFonts")
    fonts.set(_qn("w:ascii"), LATIN_FONT)
    fonts.set(_qn("w:hAnsi"), LATIN_FONT)
    fonts.set(_qn("w:eastAsia"), font)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(_qn(theme), None)
    lang = _child(rpr, "w:lang")
    lang.set(_qn("w:val"), LANGUAGE)
    lang.set(_qn("w:eastAsia"), LANGUAGE)


def _font(style, font: str, size: float, *, bold: bool | None = None, italic: bool | None = None,
          colour: str | None = None) -> None:
    from docx.shared import Pt, RGBColor

    style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold
    if italic is not None:
        style.font.italic = italic
    if colour:
        style.font.color.rgb = RGBColor.from_string(colour)
    _east_asian(style.element.get_or_add_rPr(), font)


def _defaults(doc) -> None:
    """Document defaults: 宋体 with zh-CN language for every run."""
    defaults = doc.styles.element.find(_qn("w:docDefaults"))
    rpr = _child(_child(defaults, "w:rPrDefault"), "w:rPr")
    _east_asian(rpr, BODY_FONT)


def _footer_page_number(section) -> None:
    """A centred 「第 N 页」 footer with a PAGE field."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("第 ")
    field = OxmlElement("w:fldSimple")
    field.set(_qn("w:instr"), " PAGE ")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    paragraph.add_run(" 页")


def _table_style(style) -> None:
    """Single-line borders around and inside every table; the first row bold, shaded and repeated."""
    from docx.oxml import OxmlElement

    tblpr = _child(style.element, "w:tblPr")
    borders = _child(tblpr, "w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = _child(borders, f"w:{edge}")
        line.set(_qn("w:val"), "single")
        line.set(_qn("w:sz"), "8" if edge in ("top", "bottom") else "4")
        line.set(_qn("w:space"), "0")
        line.set(_qn("w:color"), "000000")
    for old in style.element.findall(_qn("w:tblStylePr")):
        style.element.remove(old)
    first = OxmlElement("w:tblStylePr")
    first.set(_qn("w:type"), "firstRow")
    rpr = OxmlElement("w:rPr")
    bold = OxmlElement("w:b")
    rpr.append(bold)
    trpr = OxmlElement("w:trPr")
    header = OxmlElement("w:tblHeader")
    trpr.append(header)
    tcpr = OxmlElement("w:tcPr")
    shade = OxmlElement("w:shd")
    for key, value in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", "DDE5F0")):
        shade.set(_qn(key), value)
    tcpr.append(shade)
    for part in (rpr, trpr, tcpr):
        first.append(part)
    style.element.append(first)


def _update_fields_on_open(doc) -> None:
    """Ask Word to fill the TOC and caption fields when the document is opened."""
    settings = doc.settings.element
    update = _child(settings, "w:updateFields")
    update.set(_qn("w:val"), "true")


if __name__ == "__main__":
    print(build_reference_docx())
