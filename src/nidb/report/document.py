"""The whole annual report as one Markdown document (for the Word version and the full-text page).

Built from the executed chapter notebooks: Markdown cells as written, and of each code
cell's outputs the Markdown ones (sentences, tables — already escaped) and the figures
(written beside the document as PNG files). Code, HTML-only and plain-text outputs are
left out, so Quarto (or Pandoc alone) turns it into the same text in HTML and DOCX.
"""

from __future__ import annotations

import base64
import re
import shutil
from pathlib import Path

import nbformat
import yaml

from nidb.report.escape import markdown_text, yaml_string
from nidb.report.house_style import CAPTIONS_LUA, REFERENCE_DOCX, to_docx

DOCUMENT = "annual-report.qmd"
FILES = "annual-report_files"


_CELL_OPTION = re.compile(r"^#\|\s?(.*)$")


def cell_options(source: str) -> dict:
    """The Quarto cell options (``#| key: value`` lines at the top of a code cell)."""
    lines = []
    for line in source.splitlines():
        match = _CELL_OPTION.match(line)
        if match is None:
            break
        lines.append(match.group(1))
    parsed = yaml.safe_load("\n".join(lines)) if lines else None
    return parsed if isinstance(parsed, dict) else {}


def notebook_markdown(nb: nbformat.NotebookNode, files: Path, prefix: str, keep_notice: bool,
                      chapter: int | None = None) -> str:
    """The Markdown of one executed notebook; figures go to `files` as ``<prefix>-<n>.png``.

    A figure whose cell has a ``fig-cap`` option gets it as its caption, numbered 「图 <chapter>-<n>」
    (Word turns it into a real caption, see captions.lua), with ``fig-alt`` as its alt text."""
    parts: list[str] = []
    figures = captions = 0
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "markdown":
            parts.append(cell.source)
            continue
        if cell.cell_type != "code" or "parameters" in tags or ("notice" in tags and not keep_notice):
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" in data:
                figures += 1
                name = f"{prefix}-{figures:02d}.png"
                files.mkdir(parents=True, exist_ok=True)
                (files / name).write_bytes(base64.b64decode(data["image/png"]))
                options = cell_options(cell.source)
                caption, alt = options.get("fig-cap"), options.get("fig-alt")
                text = markdown_text(str(caption)) if caption else ""
                if caption and chapter is not None:
                    captions += 1
                    text = f"图 {chapter}-{captions} {text}"
                attributes = '{fig-alt="' + re.sub(r'["\\{}]', "", str(alt)) + '"}' if alt else ""
                parts.append(f"![{text}]({files.name}/{name}){attributes}")
            elif "text/markdown" in data:
                parts.append(captioned(data["text/markdown"]))
    return "\n\n".join(p.strip() for p in parts if p.strip())


_TITLED_TABLE = re.compile(r"^\*\*(表[^*]*)\*\*([^\n]*)\n\n(\|.*)$", re.DOTALL)


def captioned(markdown: str) -> str:
    """A table shown as 「**表 2-4 title**note」 above a pipe table, rewritten with the title as the
    table's caption (``: 表 2-4 title note`` below it), which Word gets as a real caption."""
    found = _TITLED_TABLE.match(markdown.strip())
    if not found:
        return markdown
    title, note, table = found.groups()
    return f"{table.rstrip()}\n\n: {title}{note.strip()}"


def _chapter_number(path: Path, position: int) -> int:
    """The chapter's number from its notebook name (「03-stars.ipynb」 → 3), else its position."""
    found = re.match(r"(\d+)-", path.name)
    return int(found.group(1)) if found else position


def write_document(chapters: list[tuple[str, Path]], title: str, out_dir: Path, subtitle: str = "") -> Path:
    """Write `annual-report.qmd` (HTML and DOCX formats) from (chapter title, executed notebook) pairs.

    The house-style reference document and caption filter are copied beside it, so that
    Quarto's DOCX uses them as the preview's Pandoc conversion does (`pandoc_docx`)."""
    files = out_dir / FILES
    if files.exists():
        shutil.rmtree(files)
    files.mkdir(parents=True)
    for asset in (REFERENCE_DOCX, CAPTIONS_LUA):
        shutil.copy2(asset, files / asset.name)
    body = [
        f"# {markdown_text(chapter_title)}\n\n"
        + notebook_markdown(nbformat.read(str(path), as_version=4), files, f"ch{i:02d}", keep_notice=i == 1, chapter=_chapter_number(path, i))
        for i, (chapter_title, path) in enumerate(chapters, start=1)
    ]
    front = (
        f"---\ntitle: {yaml_string(markdown_text(title))}\n"
        + (f"subtitle: {yaml_string(markdown_text(subtitle))}\n" if subtitle else "")
        + "lang: zh-CN\nformat:\n  html: default\n  docx:\n    toc: true\n    toc-title: 目录\n"
        f"    reference-doc: {FILES}/{REFERENCE_DOCX.name}\n    filters: [{FILES}/{CAPTIONS_LUA.name}]\n---\n\n"
    )
    target = out_dir / DOCUMENT
    target.write_text(front + "\n\n".join(body) + "\n", encoding="utf-8")
    return target


def pandoc_docx(document: Path, target: Path) -> Path:
    """Convert the document to DOCX in the house style (the preview's Word version) with the
    Pandoc that pypandoc-binary ships."""
    return to_docx(document, target)
