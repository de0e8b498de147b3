"""Checks that a rendered page works offline and names no local directory.

A page may link to an outside address as ordinary text (``<a href="https://…">``), but
must not load anything from outside the site: no ``src=`` to http(s), no stylesheet,
icon, preload or script ``href=`` to http(s), no ``url(http…)`` in CSS. Nor may it show a
path of the machine that built it (``/tmp/``, ``/root/``, ``/home/``, a cache directory).
"""

from __future__ import annotations

import re

_EXTERNAL_SRC = re.compile(r"""\bsrc\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
_TAG_WITH_HREF = re.compile(r"""<(?P<tag>[a-zA-Z]+)\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//[^>]*>""", re.IGNORECASE)
_CSS_URL = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])\s*(?:https?:)?//""", re.IGNORECASE)
_LOCAL_PATH = re.compile(r"(?<![\w.])(?:/tmp/|/root/|/home/|/var/folders/|/Users/|[A-Za-z]:\\\\Users\\\\)|\.cache/nidb")


def external_resources(html: str) -> list[str]:
    """Every reference in `html` that would make the browser fetch from outside the site."""
    found = [m.group(0) for m in _EXTERNAL_SRC.finditer(html)]
    found += [m.group(0)[:160] for m in _TAG_WITH_HREF.finditer(html) if m.group("tag").lower() != "a"]
    found += [m.group(0) for m in _CSS_URL.finditer(html)]
    return found


def local_paths(html: str) -> list[str]:
    """Every local filesystem path of the build machine shown in `html` (with some context)."""
    return [html[max(0, m.start() - 40): m.end() + 40] for m in _LOCAL_PATH.finditer(html)]
