"""Escaping of data-supplied text (base names, authorities, free text) for report pages.

A base may be called ``<script>alert(1)</script>`` or ``**粗体**``; every page must show
such a name literally. Values that reach Markdown (notebook prose, Quarto pages) go
through `markdown_text`; values that reach HTML directly go through `html_text`.
"""

from __future__ import annotations

import html
import re

# Every ASCII punctuation character may be backslash-escaped in CommonMark and in Pandoc
# Markdown; escaping all of them is the one rule that holds for both renderers nidb uses
# (Quarto/Pandoc for the site, mistune via nbconvert for the preview).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~^$@&\"':;=%?/,])")
_WHITESPACE_RUN = re.compile(r"\s+")


def markdown_text(value: object) -> str:
    """Text that renders literally in Markdown: punctuation backslash-escaped, one line."""
    text = _WHITESPACE_RUN.sub(" ", str(value)).strip()
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def html_text(value: object) -> str:
    """Text that renders literally inside HTML elements and attribute values."""
    return html.escape(str(value), quote=True)


def yaml_string(value: object) -> str:
    """A double-quoted YAML scalar holding `value` literally (for Quarto front matter)."""
    text = _WHITESPACE_RUN.sub(" ", str(value)).strip()
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
