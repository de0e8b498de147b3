"""Human-readable descriptions of the data contract: the rule text of each column
(used by the collection template) and the Markdown page `docs/data-contract.md`.

Regenerate the page after editing `tables.yaml`:
`.venv/bin/python -m nidb.inputs.contract.describe docs/data-contract.md`
"""

from __future__ import annotations

import sys
from pathlib import Path

from nidb.inputs.contract import ColumnSpec, Contract, TableSpec, load_contract
from nidb.inputs.open_lists import CONTRACT_LISTS

DTYPE_ZH = {
    "string": "文本",
    "integer": "整数",
    "number": "数值",
    "boolean": "是/否",
    "category": "单选",
    "list": "多选",
}


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def rule_text(col: ColumnSpec, table: TableSpec) -> str:
    """The rules of one column in one line of Chinese, e.g. "必填；数值；0～100000亿元"."""
    parts = ["必填" if col.required else "可空"]
    kind = DTYPE_ZH[col.dtype]
    if col.dtype == "boolean":
        kind += "（也可填 true/false、1/0）"
    if col.dtype == "list":
        kind += "，多项以“;”或“、”分隔"
    parts.append(kind)
    unit = col.unit or ""
    if col.min is not None and col.max is not None:
        parts.append(f"{_num(col.min)}～{_num(col.max)}{unit}")
    elif col.min is not None:
        parts.append(f"不小于 {_num(col.min)}{unit}")
    elif col.max is not None:
        parts.append(f"不大于 {_num(col.max)}{unit}")
    elif unit:
        parts.append(f"单位：{unit}")
    if col.unit == "%" and col.min == 0 and col.max == 100:
        parts.append("按百分数填报（65% 填 65，不填 0.65）")
    if col.max_year_offset is not None:
        parts.append("不晚于当前年份" if col.max_year_offset == 0 else f"不晚于当前年份 + {col.max_year_offset}")
    if col.example:
        parts.append(f"格式如 {'、'.join(col.example)}")
    elif col.pattern:
        parts.append(f"格式 {col.pattern}")
    if col.values is not None:
        parts.append(f"可选值：{'、'.join(col.values)}" if len(col.values) <= 8 else f"可选值见下拉列表（{len(col.values)} 项）")
    if col.not_above:
        parts.append(f"不大于「{table.column(col.not_above).header}」")
    if col.foreign_key:
        contract = load_contract()
        targets = "或".join(f"{contract.table(t.split('.')[0]).zh}中的编号" for t in col.foreign_key)
        parts.append(f"须为{targets}")
    if col.growth:
        parts.append("按百分数填报（5.8% 填 5.8，不填 0.058）")
    if col.typical is not None:
        parts.append(f"常见区间 {_num(col.typical[0])}～{_num(col.typical[1])}{unit}（超出时提示核实）")
    if col.typical_by is not None:
        other, ranges = col.typical_by
        shown = "，".join(f"{key} {_num(lo)}～{_num(hi)}" for key, (lo, hi) in ranges)
        parts.append(f"须为正数，且按「{table.column(other).zh}」在合理范围内（{shown}）")
    if col.slip_units:
        parts.append(f"与本单位其他年份相差约 10 的整数次方倍时视为单位错误（如按{'、'.join(u for u, _ in col.slip_units)}填报）")
    if col.unique or table.key == (col.name,):
        parts.append("不得重复")
    if col.aliases:
        parts.append(f"旧表头 {'、'.join(col.aliases)} 仍可读取")
    return "；".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(contract: Contract) -> str:
    """The data-contract page, generated from the contract so that it never drifts."""
    out = [
        "# 数据契约（data contract）",
        "",
        "<!-- Generated from src/nidb/inputs/contract/tables.yaml by nidb.inputs.contract.describe.render_markdown;",
        "     do not edit by hand: run `.venv/bin/python -m nidb.inputs.contract.describe docs/data-contract.md`. -->",
        "",
        f"Contract version {contract.version}. Every input table of nidb, its columns, units and rules. "
        "The single source of truth is `src/nidb/inputs/contract/tables.yaml`; this page is generated from it "
        "and a test checks that it is current.",
        "",
        "## How input is read",
        "",
        "- **Where**: `nidb validate PATH…` and `nidb.inputs.dataset.load_dataset(path)` accept a directory "
        "with one file per table, named after the table's file name (below) or its Chinese name, with "
        "suffix `.csv` (UTF-8, with or without BOM), `.xlsx` or `.parquet`; or one `.xlsx` workbook with "
        "one sheet per table named by the table's Chinese or canonical name (the 说明 sheet and hidden "
        "sheets are skipped). `nidb validate` also accepts single table files named after their table.",
        "- **Headers**: each column may be headed by the Chinese header with its unit exactly as the "
        "template writes it (e.g. `产业集聚区销售收入（亿元）`; full- or half-width brackets), the Chinese "
        "label without unit, or the canonical English name; a column's `aliases` (former names, e.g. "
        "`authority` / 推荐单位 of `gdp_growth.area`) are still read. Any other header is an error (未知列).",
        "- **Template layout** (`nidb template OUT.xlsx`): row 1 holds the Chinese headers with units, "
        "row 2 the canonical English names; data start on row 3. Each header cell carries a comment with "
        "the column's rule (the 规则 column below); required headers are shaded orange. Categorical and "
        "yes/no columns have drop-down lists (long lists live on the hidden 选项 sheet). The 说明 sheet "
        "explains all of this in Chinese. A sheet whose row 2 repeats the canonical names is read as a "
        "template sheet, so row numbers in messages stay those Excel shows. A filled template reads back "
        "to the same tables; numbers keep Excel's 15 significant digits.",
        "- **Cells**: numbers may use thousands separators (`1,234.5`); booleans are 是/否, true/false or "
        "1/0; list columns separate items with `;`, `；` or `、`. Empty cells are missing values (never zero).",
        "- **Canonical dtypes** (`Dataset` frames): number → float64 (NaN = missing), integer → Int64, "
        "boolean → boolean, category and string → string, list → string of items joined by `;` (NA when none).",
        "- **Row numbers** in messages are those Excel shows: header row = 1, first data row = 2 "
        "(3 in a template sheet). Parquet rows are numbered the same way (first record = row 2).",
        "- **Unit plausibility**: a 亿元 value above the column maximum that fits once divided by 10⁴ or 10⁸ "
        "is reported as entered in 万元 or 元; a percentage column (0–100 %) whose values all lie in "
        "[0, 1] with at least one strictly inside is reported as shares entered as fractions. Growth "
        "columns (percentages that may be negative) must have a `typical` range: a column whose values "
        "all lie in (−1, 1), or a cell like 0.058 (more decimals than growth rates are published with) "
        "that fits the range once ×100, is refused as 疑似以小数填报百分比; values outside `typical` are "
        "printed as warnings. Columns with `slip_units` (people, land, money, energy, water) are compared "
        "with the same unit's other years: a ratio near a listed unit factor or a power of ten is refused "
        "with the likely unit, another jump beyond 5× is a warning. Benchmarks must be finite, positive "
        "and within the range of their indicator (`typical_by`).",
        "- **xlsx cells** are read as Excel shows them: a %-formatted number as its percentage "
        "(0.718 shown as 71.8 % reads 71.8, and `nidb validate` says so) in percentage columns, an error "
        "in any other column; a formula as its cached value, and a formula never calculated (a file "
        "written by a script) as an error naming the cell (公式未计算). A hidden sheet named after a table "
        "is reported as hidden; an encrypted workbook as 文件已加密; a one-table workbook may have empty "
        "sheets before the data, but not two sheets with data. Infinite and NaN numbers are refused.",
        "- **Expert scores** must be for an expert-judged code of the indicator framework (a qualitative "
        "indicator, or the expert part of a feature indicator); an unknown or a quantitative code is an error.",
        "- **Cross-table rules**: foreign keys (an unknown base or applicant id) are checked when the "
        "referenced tables are among the inputs, and the summary names every check skipped for want of "
        "a table; the table key must be unique (e.g. one annual row per unit and year).",
        "",
        "Tables:",
        "",
    ]
    out += [f"- [{t.name} — {t.zh}](#{t.name})" + ("（可选）" if t.optional else "") for t in contract.tables]
    for table in contract.tables:
        out += [
            "",
            f"## {table.name}",
            "",
            f"**{table.zh}** — file `{table.file}.csv` / `.xlsx` / `.parquet` or sheet「{table.zh}」; "
            f"key: {', '.join(f'`{k}`' for k in table.key)}"
            + ("; optional (may be absent)." if table.optional else "; required."),
            "",
            table.description,
            "",
            "| 列名 (canonical) | 中文表头 | 类型 | 单位 | 规则 |",
            "|---|---|---|---|---|",
        ]
        out += [
            f"| `{c.name}` | {_cell(c.header)} | {c.dtype} | {c.unit or ''} | {_cell(rule_text(c, table))} |"
            for c in table.columns
        ]
    out += ["", "## Vocabularies", ""]
    out += [f"- `{name}`: {'、'.join(values)}" for name, values in contract.vocabularies]
    out += ["", f"`{'`, `'.join(CONTRACT_LISTS)}` are open lists (the measures say 「等」): their values come from "
            "`src/nidb/rules/open-lists-2023.yaml` (Art. 7 names them); a rules file of kind `open_lists` adds values "
            "(`nidb validate --lists FILE`, selection method key `open_lists`). A value outside them is an error "
            "that names the list and how to extend it."]
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover
    Path(sys.argv[1]).write_text(render_markdown(load_contract()), encoding="utf-8")
