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


_NUMBER_TEXT = re.compile(r"^[+-]?[\d,]*\.?\d+(%|个百分点)?$")
_PLACEHOLDERS = {"—", "缺失", ""}


def _digits(column: str, digits: int) -> int:
    """Decimals for a column: shares and rates in % get one, everything else `digits`."""
    return 1 if "%" in column else digits


def numeric_column(values: pd.Series) -> bool:
    """True when a column holds numbers (or numbers already formatted as text, 「—」 or 缺失)."""
    if pd.api.types.is_bool_dtype(values):
        return False
    if pd.api.types.is_numeric_dtype(values):
        return True
    texts = [str(v) for v in values if not (v is None or v is pd.NA or (isinstance(v, float) and v != v))]
    return any(t not in _PLACEHOLDERS for t in texts) and all(
        t in _PLACEHOLDERS or _NUMBER_TEXT.match(t) for t in texts)


def _cell_text(value: object, digits: int) -> str:
    """Plain text of one table cell: integers as integers, floats with `digits` decimals."""
    if isinstance(value, float) and value == value and value.is_integer() and digits == 0:
        return str(int(value))
    if isinstance(value, float) and value == value:
        return f"{value:.{digits}f}"
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return "缺失"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def table_html(frame: pd.DataFrame, digits: int = 2) -> str:
    """HTML for a result table with every cell and header escaped.

    Number columns are right-aligned (shares in % with one decimal), cells do not wrap, and
    a wide table scrolls horizontally inside its container.
    """
    numeric = {column: numeric_column(frame[column]) for column in frame.columns}
    align = {column: ' style="text-align:right"' if numeric[column] else "" for column in frame.columns}
    head = "".join(f"<th{align[c]}>{html_text(str(c))}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = "".join(
            f"<td{align[c]}>{html_text(_cell_text(v, _digits(str(c), digits)))}</td>" for c, v in zip(frame.columns, row)
        )
        body.append(f"<tr>{cells}</tr>")
    return (
        '<div class="nidb-table-wrap" style="overflow-x:auto">'
        '<table class="nidb-table" style="white-space:nowrap">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def markdown_table(frame: pd.DataFrame, digits: int = 2) -> str:
    """A pipe table with every header and cell escaped (for Word and other non-HTML outputs)."""
    def cell(value: object, column: str) -> str:
        if isinstance(value, float) and value == value and not value.is_integer():
            return f"{value:.{_digits(column, digits)}f}"
        return format_value(value, digits)

    header = "| " + " | ".join(markdown_text(c) for c in frame.columns) + " |"
    rule = "|" + "".join("--:|" if numeric_column(frame[c]) else "---|" for c in frame.columns)
    rows = ["| " + " | ".join(cell(v, str(c)) for c, v in zip(frame.columns, row)) + " |"
            for row in frame.itertuples(index=False)]
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
    note: str = "",
) -> None:
    """Show a result table (first `max_rows` rows, escaped) and record it for the data appendix.

    `columns` limits what the page shows; the appendix always gets the whole table. `note`
    is a footnote shown under the table (e.g. on withheld small cells).
    """
    from IPython.display import display

    save_table(frame, name, title, appendix_dir)
    shown = frame.head(max_rows) if columns is None else frame.head(max_rows)[columns]
    rows_note = f"（显示前 {len(shown)} 行，共 {len(frame)} 行，完整数据见数据附录）" if len(frame) > len(shown) else ""
    html = f'<p class="nidb-table-title"><b>{html_text(title)}</b>{rows_note}</p>' + table_html(shown)
    markdown = f"**{markdown_text(title)}**{rows_note}\n\n{markdown_table(shown)}"
    if note:
        html += f'<p class="nidb-table-note" style="font-size:0.85em">{html_text(note)}</p>'
        markdown += f"\n\n{markdown_text(note)}"
    display({"text/html": html, "text/markdown": markdown}, raw=True)
