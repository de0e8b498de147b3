"""Jinja templates for generated Markdown pages, escaping every value by default.

Every ``{{ value }}`` in a template is passed through `markdown_text`, so data can never
inject Markdown or HTML; a trusted fragment (a table or figure the code built) must be
wrapped in `markupsafe.Markup` to pass through unchanged. The `yaml` filter produces a
front-matter scalar whose Markdown is escaped too (Quarto parses titles as Markdown).
"""

from __future__ import annotations

from functools import lru_cache

import jinja2
from markupsafe import Markup

from nidb.report.escape import markdown_text, yaml_string
from nidb.report.page import format_value, notice_html


def _finalize(value: object) -> object:
    if isinstance(value, Markup):
        return value
    return format_value(value)


def _yaml(value: object) -> Markup:
    return Markup(yaml_string(markdown_text(value)))


def _num(value: object, digits: int = 1) -> Markup:
    return Markup(format_value(value, digits))


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The template environment over ``nidb/report/templates``."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("nidb.report", "templates"),
        autoescape=False,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["yaml"] = _yaml
    env.filters["num"] = _num
    env.filters["raw"] = Markup
    env.globals["notice_html"] = Markup(notice_html())  # the one demo-data banner of every page type
    return env


def render_template(template: str, /, **context: object) -> str:
    """Render one template from ``nidb/report/templates`` with escaped values."""
    return environment().get_template(template).render(**context)
