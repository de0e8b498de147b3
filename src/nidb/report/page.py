"""Display helpers for report notebooks: the demo-data notice, data-driven prose and tables.

Notebook cells stay thin: they compute with nidb and present through these helpers, which
escape every data-supplied string (see `nidb.report.escape`) and record each result table
for the data appendix.
"""

from __future__ import annotations

import re
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import pandas as pd

from nidb.inputs.dataset import is_synthetic
from nidb.output import write_csv
from nidb.report.escape import html_text, markdown_text

DEMO_NOTICE = "示例数据（合成）"
DEMO_NOTICE_TEXT = (
    f"{DEMO_NOTICE}：本页内容由 nidb 按固定随机种子生成的合成数据计算，"
    "不代表任何真实示范基地，数字不得引用为真实情况。"
)
_TABLE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_PART_TITLE = re.compile(r"前\s*\d+\s*行")


def checked_dataset(data_dir: str | Path, year: int, base_id: str = "") -> Any:
    """A notebook's inputs: the dataset of `data_dir` (the demo data when empty), stopping at
    once with one clear message when `year` has no annual data or `base_id` is not a base, as
    `nidb report` does (a notebook's first cell calls this)."""
    from nidb.demo import demo_dir
    from nidb.errors import InputError, Problem
    from nidb.inputs.dataset import load_dataset
    from nidb.report.workspace import check_year

    dataset = load_dataset(Path(data_dir) if data_dir else demo_dir())
    check_year(dataset.annual, int(year))
    known = dataset.bases["base_id"].astype(str)
    if base_id and base_id not in set(known):
        raise InputError([Problem(file="bases", rule="base_id", column="base_id", value=base_id,
                                  message=f"没有编号为 {base_id} 的示范基地（共 {len(known)} 个，编号如 {known.iloc[0]}）")])
    return dataset


def notice_html() -> str:
    """The visible demo-data banner as an HTML fragment."""
    return (
        '<div class="nidb-demo-notice" role="note" style="border:2px solid #b8433c;'
        "background:#fbeeee;color:#5c1a16;padding:0.6em 0.9em;margin:0.8em 0;"
        'font-weight:bold">' + html_text(DEMO_NOTICE_TEXT) + "</div>"
    )


def notice(data_dir: str | Path) -> None:
    """Show the demo-data banner when `data_dir` holds synthetic demo data."""
    from IPython.display import display

    if is_synthetic(data_dir):
        display(
            {"text/html": notice_html(), "text/markdown": f"**{markdown_text(DEMO_NOTICE_TEXT)}**"},
            raw=True,
        )


def format_value(value: object, digits: int = 1) -> str:
    """Markdown-safe rendering of one value in a sentence: numbers formatted, text escaped."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return "缺失"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Integral):
        return str(int(value))
    if isinstance(value, Real):
        return f"{float(value):.{digits}f}"
    return markdown_text(value)


def prose(template: str, digits: int = 1, **values: object) -> str:
    """Fill a Chinese Markdown sentence template with data values, each escaped or formatted."""
    return template.format(**{k: format_value(v, digits) for k, v in values.items()})


def say(template: str, digits: int = 1, **values: object) -> None:
    """Display a data-driven sentence (see `prose`) as Markdown."""
    from IPython.display import Markdown, display

    display(Markdown(prose(template, digits, **values)))


def table_html(frame: pd.DataFrame, float_format: str = "{:.2f}") -> str:
    """HTML for a result table with every cell and header escaped."""
    return frame.to_html(
        escape=True,
        index=False,
        na_rep="缺失",
        float_format=float_format.format,
        classes="nidb-table",
        border=0,
        justify="left",
    )


def markdown_table(frame: pd.DataFrame, digits: int = 2) -> str:
    """A pipe table with every header and cell escaped (for Word and other non-HTML outputs)."""
    def cell(value: object) -> str:
        if isinstance(value, float) and value == value and not value.is_integer():
            return f"{value:.{digits}f}"
        return format_value(value, digits)

    header = "| " + " | ".join(markdown_text(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def save_table(frame: pd.DataFrame, name: str, title: str, appendix_dir: str | Path) -> Path | None:
    """Write a result table to the appendix directory as CSV (UTF-8 with BOM, for Excel).

    Its Chinese title goes to ``<name>.title`` and the frame itself, with its column types, to
    ``<name>.pkl`` beside it; the appendix builder reads both back (the workbook keeps numbers
    as numbers) and removes them. The appendix holds every row, so a title may not claim a
    part of the table (「前 30 行」). Does nothing when `appendix_dir` is empty (interactive use).
    """
    if not appendix_dir:
        return None
    if not _TABLE_NAME.match(name):
        raise ValueError(f"table name must be lower-case ASCII (a-z, 0-9, _ or -): {name!r}")
    if _PART_TITLE.search(title):
        raise ValueError(f"the appendix holds the whole table; title {title!r} says it holds only a part")
    folder = Path(appendix_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = write_csv(frame, folder / f"{name}.csv")
    frame.to_pickle(folder / f"{name}.pkl")
    (folder / f"{name}.title").write_text(title, encoding="utf-8")
    return path


def table(
    frame: pd.DataFrame,
    name: str,
    title: str,
    appendix_dir: str | Path = "",
    max_rows: int = 30,
    columns: list[str] | None = None,
) -> None:
    """Show a result table (first `max_rows` rows, escaped) and record it for the data appendix.

    `columns` limits what the page shows; the appendix always gets the whole table.
    """
    from IPython.display import display

    save_table(frame, name, title, appendix_dir)
    shown = frame.head(max_rows) if columns is None else frame.head(max_rows)[columns]
    note = f"（显示前 {len(shown)} 行，共 {len(frame)} 行，完整数据见数据附录）" if len(frame) > len(shown) else ""
    html = f'<p class="nidb-table-title"><b>{html_text(title)}</b>{note}</p>' + table_html(shown)
    markdown = f"**{markdown_text(title)}**{note}\n\n{markdown_table(shown)}"
    display({"text/html": html, "text/markdown": markdown}, raw=True)
