"""What the bases produce together: totals and ratios of the annual forms, year-on-year, by group.

An aggregate is a sum of one annual field, or a ratio of two sums (R&D intensity, energy
and water per unit of industrial value added). Year-on-year changes are computed on a
comparable basis: only the bases that reported the fields in both years, so that bases
joining the list do not count as growth. Groups (region, province, domain) with fewer
reporting bases than the publication's ``min_cell_size`` are withheld.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from nidb.keypath import KeyPathReader
from nidb.report.escape import markdown_text
from nidb.yamlfile import read_yaml

PUBLICATION_PATH = Path(__file__).parent / "publication.yaml"
WITHHELD = "—"


@dataclass(frozen=True)
class Aggregate:
    """One aggregate: a sum of `numerator` (times `scale`), or the ratio of two sums."""

    key: str
    zh: str
    unit: str
    numerator: str
    denominator: str | None = None
    scale: float = 1.0
    definition: str = ""
    digits: int = 1

    def text(self, value: float) -> str:
        """The value as published (thousands separators, this aggregate's decimals)."""
        return "缺失" if pd.isna(value) else f"{value:,.{self.digits}f}"

    @property
    def is_ratio(self) -> bool:
        """True for a ratio of two sums (its change is stated in points or per cent, not as growth of a total)."""
        return self.denominator is not None

    @property
    def fields(self) -> list[str]:
        """The annual fields it needs."""
        return [self.numerator] + ([self.denominator] if self.denominator else [])


AGGREGATES = (
    Aggregate("sales", "销售收入", "亿元", "sales_revenue", definition="产业集聚区销售收入合计"),
    Aggregate("value_added", "增加值", "亿元", "value_added", definition="产业集聚区增加值合计"),
    Aggregate("industrial_value_added", "工业增加值", "亿元", "industrial_value_added", definition="工业增加值合计"),
    Aggregate("rd", "研发经费支出", "亿元", "rd_expenditure", definition="研发经费支出合计"),
    Aggregate("rd_intensity", "研发经费投入强度", "%", "rd_expenditure", "sales_revenue", 100.0,
              "研发经费支出合计占销售收入合计的比重", 2),
    Aggregate("patents", "规上企业高价值发明专利", "件", "high_value_patents", definition="规上企业高价值发明专利数合计",
              digits=0),
    Aggregate("energy_intensity", "单位工业增加值能耗", "吨标准煤/万元", "energy_consumption", "industrial_value_added",
              1.0, "综合能源消费量合计除以工业增加值合计", 3),
    Aggregate("water_intensity", "单位工业增加值用水量", "立方米/万元", "water_use", "industrial_value_added", 1.0,
              "工业用水量合计除以工业增加值合计", 2),
    Aggregate("employees", "从业人员", "万人", "employees", scale=1e-4, definition="从业人员数合计"),
)
BY_KEY = {a.key: a for a in AGGREGATES}


@dataclass(frozen=True)
class Publication:
    """Parameters of the published report (``publication.yaml``)."""

    min_cell_size: int = 3
    map_indicator: str = "rd_intensity"


@lru_cache(maxsize=None)
def load_publication(path: str | Path = PUBLICATION_PATH) -> Publication:
    """The publication parameters, checked (errors name the file and key)."""
    reader = KeyPathReader(str(path))
    raw = reader.mapping(read_yaml(path), "", allowed={"min_cell_size", "map_indicator"})
    return Publication(
        min_cell_size=reader.integer(raw.get("min_cell_size", 3), "min_cell_size", minimum=1),
        map_indicator=reader.choice(raw.get("map_indicator", "rd_intensity"), "map_indicator", list(BY_KEY)),
    )


def _value(frame: pd.DataFrame, aggregate: Aggregate) -> float:
    """The aggregate over the rows of `frame` that report every field it needs."""
    rows = frame.dropna(subset=aggregate.fields)
    if rows.empty:
        return float("nan")
    top = float(rows[aggregate.numerator].sum()) * aggregate.scale
    if aggregate.denominator is None:
        return top
    bottom = float(rows[aggregate.denominator].sum())
    return top / bottom if bottom else float("nan")


def _reporting(frame: pd.DataFrame, aggregate: Aggregate) -> int:
    return int(frame[aggregate.fields].notna().all(axis=1).sum())


def yearly(annual: pd.DataFrame, bases: pd.DataFrame) -> pd.DataFrame:
    """Every aggregate in every year over the bases announced by then.

    Columns: year, key, 指标, 单位, value, n (bases reporting the fields).
    """
    announced = bases.set_index("base_id")["year_announced"]
    rows = annual[annual["unit_id"].isin(announced.index)]
    rows = rows[rows["year"] >= rows["unit_id"].map(announced)]
    records = []
    for year, block in rows.groupby("year", sort=True):
        for a in AGGREGATES:
            records.append({"year": int(year), "key": a.key, "指标": a.zh, "单位": a.unit,
                            "value": _value(block, a), "n": _reporting(block, a)})
    return pd.DataFrame(records)


def change(annual: pd.DataFrame, units: pd.Series, year: int, aggregate: Aggregate) -> tuple[float, int]:
    """(change, bases compared) of one aggregate from ``year - 1`` to `year`, comparable basis.

    Only bases in `units` that reported the aggregate's fields in both years count. A total's
    change is its growth in per cent; a ratio in % changes in percentage points; any other
    ratio (an intensity) in per cent.
    """
    rows = annual[annual["unit_id"].isin(units) & annual["year"].isin([year - 1, year])]
    complete = rows.dropna(subset=aggregate.fields)
    both = complete.groupby("unit_id")["year"].nunique()
    keep = both[both == 2].index
    now = _value(complete[(complete["year"] == year) & complete["unit_id"].isin(keep)], aggregate)
    before = _value(complete[(complete["year"] == year - 1) & complete["unit_id"].isin(keep)], aggregate)
    if not len(keep) or not np.isfinite(before) or before == 0:
        return float("nan"), int(len(keep))
    if aggregate.unit == "%":
        return now - before, int(len(keep))
    return 100.0 * (now / before - 1.0), int(len(keep))


def change_unit(aggregate: Aggregate) -> str:
    """The unit of an aggregate's year-on-year change: 个百分点 for shares in %, else %."""
    return "个百分点" if aggregate.unit == "%" else "%"


def overview_table(annual: pd.DataFrame, bases: pd.DataFrame, year: int) -> pd.DataFrame:
    """The year's aggregates with last year's value and the comparable year-on-year change.

    Columns: 指标, 单位, 上年, 本年, 同比变化, 变化单位, 可比基地（个）, 口径.
    """
    now = yearly(annual, bases)
    units = bases.loc[bases["year_announced"] <= year, "base_id"]
    records = []
    for a in AGGREGATES:
        this = now[(now["year"] == year) & (now["key"] == a.key)]["value"]
        last = now[(now["year"] == year - 1) & (now["key"] == a.key)]["value"]
        delta, compared = change(annual, units, year, a)
        records.append({
            "指标": a.zh, "单位": a.unit,
            "上年": float(last.iloc[0]) if len(last) else float("nan"),
            "本年": float(this.iloc[0]) if len(this) else float("nan"),
            "同比变化": delta, "变化单位": change_unit(a), "可比基地（个）": compared, "口径": a.definition,
        })
    return pd.DataFrame(records)


def by_group(
    annual: pd.DataFrame,
    bases: pd.DataFrame,
    year: int,
    column: str,
    aggregate: Aggregate,
    min_cell_size: int,
) -> pd.DataFrame:
    """One aggregate per group of bases (`column` of `bases`) in `year`.

    Columns: the group, 填报基地（个）, value (NaN where fewer than `min_cell_size` bases
    reported: a withheld small cell), withheld (bool).
    """
    registry = bases.set_index("base_id")[column]
    rows = annual[(annual["year"] == year) & annual["unit_id"].isin(registry.index)]
    rows = rows.assign(_group=rows["unit_id"].map(registry))
    records = []
    for group, block in rows.groupby("_group", sort=True):
        n = _reporting(block, aggregate)
        small = n < min_cell_size
        records.append({column: group, "填报基地（个）": n,
                        "value": float("nan") if small else _value(block, aggregate), "withheld": small})
    return pd.DataFrame(records, columns=[column, "填报基地（个）", "value", "withheld"])


def withhold(frame: pd.DataFrame, count: str, columns: list[str], min_cell_size: int, digits: int = 1) -> pd.DataFrame:
    """Shares or means of groups smaller than `min_cell_size` (by `count`) replaced with 「—」.

    The `columns` keep their other values as numbers rounded to `digits` decimals (so the page
    and the appendix show the same published values, and a workbook holds numbers), a missing
    value as 「缺失」; the other columns are unchanged.
    """
    table = frame.copy()
    small = table[count] < min_cell_size
    for column in columns:
        table[column] = pd.Series([WITHHELD if hide else (round(float(value), digits) if pd.notna(value) else "缺失")
                                   for hide, value in zip(small, table[column])], index=table.index, dtype=object)
    return table


def withheld_note(min_cell_size: int, table: pd.DataFrame | None = None) -> str:
    """The footnote under a table with withheld cells ("" when `table` is given and has none)."""
    if table is not None and not table.isin([WITHHELD]).any().any():
        return ""
    return f"注：「{WITHHELD}」表示参与计算的基地少于 {min_cell_size} 个，按发布规则不公布该比例或均值。"


def published_extremes(frame: pd.DataFrame, label: str, value: str, count: str, min_cell_size: int) -> tuple[pd.Series, pd.Series] | None:
    """(highest, lowest) rows by `value` among groups with at least `min_cell_size` (by `count`);
    None when fewer than two groups qualify. Ties go to the first row in label order."""
    eligible = frame[(frame[count] >= min_cell_size) & frame[value].notna()]
    if len(eligible) < 2:
        return None
    ordered = eligible.sort_values([value, label], ascending=[False, True], kind="stable")
    return ordered.iloc[0], ordered.iloc[-1]


def _direction(delta: float, unit: str, up: str = "增长", down: str = "下降") -> str:
    """同比增长 x% / 同比下降 x% / 与上年持平 (rounded to one decimal)."""
    if not np.isfinite(delta):
        return "无可比的上年数据"
    shown = round(delta, 1)
    if shown == 0:
        return "与上年持平"
    if unit == "个百分点":
        return f"较上年{'提高' if shown > 0 else '下降'} {abs(shown):.1f} 个百分点"
    return f"同比{up if shown > 0 else down} {abs(shown):.1f}%"


def overview_sentences(table: pd.DataFrame, year: int) -> list[str]:
    """Data-driven sentences on the year's aggregates (from `overview_table`), one per theme."""
    row = table.set_index("指标")
    by_name = {a.zh: a for a in AGGREGATES}

    def value(name: str) -> str:
        return by_name[name].text(row.loc[name, "本年"])

    def moved(name: str) -> str:
        return _direction(float(row.loc[name, "同比变化"]), str(row.loc[name, "变化单位"]))

    return [
        f"{year} 年，报送年度报表的示范基地实现销售收入合计 {value('销售收入')} 亿元，可比口径{moved('销售收入')}；"
        f"增加值合计 {value('增加值')} 亿元，{moved('增加值')}；工业增加值 {value('工业增加值')} 亿元，{moved('工业增加值')}。",
        f"研发经费支出合计 {value('研发经费支出')} 亿元，研发经费投入强度为 {value('研发经费投入强度')}%，"
        f"{moved('研发经费投入强度')}；规上企业高价值发明专利 {value('规上企业高价值发明专利')} 件，{moved('规上企业高价值发明专利')}。",
        f"单位工业增加值能耗 {value('单位工业增加值能耗')} 吨标准煤/万元，{moved('单位工业增加值能耗')}；"
        f"单位工业增加值用水量 {value('单位工业增加值用水量')} 立方米/万元，{moved('单位工业增加值用水量')}；"
        f"从业人员 {value('从业人员')} 万人，{moved('从业人员')}。",
    ]


def overview_display(table: pd.DataFrame, year: int) -> pd.DataFrame:
    """The aggregates table as published: 指标, 单位, {year-1} 年, {year} 年, 同比变化, 可比基地（个）."""
    shown = table.copy()
    by_name = {a.zh: a for a in AGGREGATES}
    for column in ("上年", "本年"):
        shown[column] = [by_name[name].text(v) for name, v in zip(shown["指标"], shown[column])]
    shown["同比变化"] = [
        "—" if pd.isna(d) else f"{d:+.1f}{'个百分点' if u == '个百分点' else '%'}"
        for d, u in zip(shown["同比变化"], shown["变化单位"])
    ]
    return shown.rename(columns={"上年": f"{year - 1} 年", "本年": f"{year} 年"})[
        ["指标", "单位", f"{year - 1} 年", f"{year} 年", "同比变化", "可比基地（个）", "口径"]
    ]


NATIONAL_FILE = "national_totals.csv"
NATIONAL_COLUMNS = {"年份": "year", "全国工业增加值（亿元）": "industrial_value_added", "数据来源": "source"}


def national_totals(data_dir: str | Path) -> pd.DataFrame | None:
    """The optional reference table of national totals (``national_totals.csv`` in the data directory).

    Columns as the user writes them: 年份, 全国工业增加值（亿元）, 数据来源. Returns None when the
    file is absent; raises `InputError` naming the file, row and column of a bad value.
    """
    from nidb.errors import InputError, Problem

    path = Path(data_dir) / NATIONAL_FILE
    if not path.is_file():
        return None
    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    missing = [c for c in NATIONAL_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError([Problem(file=path.name, column=missing[0], rule="required_column", message="缺少必需的列")])
    problems = []
    for i, record in frame.iterrows():
        for column in ("年份", "全国工业增加值（亿元）"):
            number = pd.to_numeric(record[column], errors="coerce")
            if pd.isna(number) or number <= 0:
                problems.append(Problem(file=path.name, row=int(i) + 2, column=column, rule="positive_number",
                                        message=f"应为正数，实为「{record[column]}」"))
        if not record["数据来源"].strip():
            problems.append(Problem(file=path.name, row=int(i) + 2, column="数据来源", rule="required",
                                    message="须注明数据来源与年份"))
    if problems:
        raise InputError(problems)
    table = frame.rename(columns=NATIONAL_COLUMNS)[list(NATIONAL_COLUMNS.values())]
    return table.astype({"year": int, "industrial_value_added": float})


def national_share_sentence(table: pd.DataFrame, national: pd.DataFrame | None, year: int) -> str | None:
    """「示范基地工业增加值占全国的 x%（来源）」, or None without a national figure for `year`."""
    if national is None:
        return None
    match = national[national["year"] == year]
    bases_total = table.set_index("指标").loc["工业增加值", "本年"]
    if match.empty or pd.isna(bases_total):
        return None
    share = 100.0 * bases_total / float(match["industrial_value_added"].iloc[0])
    source = markdown_text(match["source"].iloc[0])
    return f"示范基地工业增加值合计占全国工业增加值的 {share:.1f}%（全国数据：{source}）。"
