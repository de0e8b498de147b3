"""主要结论 and 问题与建议: sentences derived from the chapters' appendix tables by stated rules.

Both are built after the chapter notebooks ran, from the CSV tables they wrote to the data
appendix, so every number in a sentence is a cell of a published table. Each `Finding`
keeps the cells it quotes (`sources`), which the tests compare with the tables. A finding
whose tables are absent (a chapter skipped) is left out, never filled in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from nidb.report.escape import markdown_text

WITHHELD = "—"


@dataclass(frozen=True)
class Source:
    """One table cell a sentence quotes: appendix table, row label, column, value as shown."""

    table: str
    row: str
    column: str
    value: str


@dataclass(frozen=True)
class Finding:
    """One sentence (Markdown, escaped), the page section it comes from, and the cells it quotes."""

    text: str
    href: str
    sources: tuple[Source, ...] = field(default_factory=tuple)


class Tables:
    """The appendix CSVs of one report, read as text (as published)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def get(self, name: str) -> pd.DataFrame | None:
        """The table `name` (all cells as text), None when the chapter did not write it."""
        path = self.folder / f"{name}.csv"
        if not path.is_file():
            return None
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def number(text: str) -> float:
    """A published cell as a number (thousands separators and signs allowed; NaN for 「—」 or 缺失)."""
    cleaned = str(text).replace(",", "").replace("%", "").replace("个百分点", "").strip()
    try:
        return float(cleaned)
    except ValueError:
        return float("nan")


class Quoter:
    """Formats table cells into sentences and records each quoted cell as a `Source`."""

    def __init__(self, table: str, frame: pd.DataFrame, key: str):
        self.table, self.frame, self.key = table, frame, key
        self.sources: list[Source] = []

    def row(self, label: str) -> pd.Series:
        """The row whose key column equals `label`."""
        return self.frame[self.frame[self.key] == label].iloc[0]

    def cell(self, label: str, column: str, digits: int | None = None) -> str:
        """The cell (row `label`, `column`) as shown in a sentence; `digits` rounds a number."""
        raw = str(self.row(label)[column])
        shown = raw if digits is None else f"{number(raw):,.{digits}f}" if digits else f"{number(raw):,.0f}"
        self.sources.append(Source(self.table, label, column, shown))
        return shown if number(shown) == number(shown) else markdown_text(shown)


def _stars(tables: Tables, year: int) -> list[Finding]:
    found = []
    distribution, reconciliation = tables.get("stars_distribution"), tables.get("stars_reconciliation")
    if distribution is not None and reconciliation is not None:
        r = Quoter("stars_reconciliation", reconciliation, "项目")
        d = Quoter("stars_distribution", distribution, "星级")
        listed = r.cell("名录中已公告的示范基地", "基地数（个）")
        rated = r.cell("其中：参加本年度评价", "基地数（个）")
        four_plus = int(number(d.row("5星")["基地数（个）"]) + number(d.row("4星")["基地数（个）"]))
        text = (f"{year} 年名录中已公告示范基地 {listed} 个，参加评价 {rated} 个。评为五星的 "
                f"{d.cell('5星', '基地数（个）')} 个，占 {d.cell('5星', '占比（%）', 1)}%；四星 "
                f"{d.cell('4星', '基地数（个）')} 个，占 {d.cell('4星', '占比（%）', 1)}%；四星及以上合计 {four_plus} 个。")
        found.append(Finding(text, "03-stars.ipynb#sec-stars-distribution", tuple(r.sources + d.sources)))
    history = tables.get("stars_by_year")
    if history is not None and str(year - 1) in set(history["年份"]) and str(year) in set(history["年份"]):
        h = Quoter("stars_by_year", history, "年份")
        now, before = number(h.row(str(year))["5星（个）"]), number(h.row(str(year - 1))["5星（个）"])
        moved = "与上年相同" if now == before else f"比上年{'增加' if now > before else '减少'} {abs(now - before):.0f} 个"
        text = (f"五星级示范基地 {h.cell(str(year), '5星（个）')} 个，上年 {h.cell(str(year - 1), '5星（个）')} 个，{moved}"
                "（五星名额按评价方法的比例确定，数量变化主要反映参评基地数的变化）。")
        found.append(Finding(text, "03-stars.ipynb#sec-stars-distribution", tuple(h.sources)))
    regions = tables.get("stars_by_region")
    if regions is not None:
        published = regions[regions["四星及以上占比（%）"] != WITHHELD]
        if len(published) >= 2:
            ordered = published.assign(_v=published["四星及以上占比（%）"].map(number)).sort_values(
                ["_v", "区域"], ascending=[False, True], kind="stable")
            q = Quoter("stars_by_region", regions, "区域")
            best, worst = ordered.iloc[0]["区域"], ordered.iloc[-1]["区域"]
            fives = "、".join(f"{markdown_text(r)} {q.cell(r, '5星（个）')} 个" for r in regions["区域"])
            text = (f"分区域看，四星及以上占比最高的是{markdown_text(best)}（{q.cell(best, '四星及以上占比（%）', 1)}%），"
                    f"最低的是{markdown_text(worst)}（{q.cell(worst, '四星及以上占比（%）', 1)}%）；五星级基地{fives}。")
            found.append(Finding(text, "03-stars.ipynb#sec-stars-regions", tuple(q.sources)))
    return found


def _overview(tables: Tables, year: int) -> list[Finding]:
    found = []
    aggregates = tables.get("overview_aggregates")
    if aggregates is not None:
        a = Quoter("overview_aggregates", aggregates, "指标")

        def moved(name: str, digits: int = 1) -> str:
            delta = number(a.row(name)["同比变化"])
            unit = a.row(name)["变化单位"]
            shown = a.cell(name, "同比变化", digits)
            if delta != delta:
                return "无可比的上年数据"
            if round(delta, digits) == 0:
                return "与上年持平"
            shown = shown.lstrip("-")
            if unit == "个百分点":
                return f"较上年{'提高' if delta > 0 else '下降'} {shown} 个百分点"
            return f"同比{'增长' if delta > 0 else '下降'} {shown}%"

        text = (f"{year} 年示范基地销售收入合计 {a.cell('销售收入', '本年', 1)} 亿元，可比口径{moved('销售收入')}；"
                f"增加值合计 {a.cell('增加值', '本年', 1)} 亿元，{moved('增加值')}。")
        found.append(Finding(text, "01-overview.ipynb#sec-overview-development", tuple(a.sources)))
        a.sources = []
        text = (f"研发经费投入强度为 {a.cell('研发经费投入强度', '本年', 2)}%，{moved('研发经费投入强度')}；"
                f"单位工业增加值能耗 {a.cell('单位工业增加值能耗', '本年', 3)} 吨标准煤/万元，{moved('单位工业增加值能耗')}。")
        found.append(Finding(text, "01-overview.ipynb#sec-overview-development", tuple(a.sources)))
    provinces = tables.get("overview_provinces")
    if provinces is not None:
        p = Quoter("overview_provinces", provinces, "所在省（区、市）")
        present = provinces[provinces["示范基地（个）"].map(number) > 0]
        top = provinces.iloc[0]["所在省（区、市）"]
        text = (f"示范基地分布在 {len(present)} 个省（区、市），{markdown_text(top)}最多，"
                f"有 {p.cell(top, '示范基地（个）')} 个，占 {p.cell(top, '占比（%）', 1)}%。")
        found.append(Finding(text, "01-overview.ipynb#sec-overview-distribution", tuple(p.sources)))
    return found


def _lifecycle(tables: Tables, year: int) -> list[Finding]:
    status = tables.get("lifecycle_status")
    if status is None or str(year) not in set(status["年份"]):
        return []
    s = Quoter("lifecycle_status", status, "年份")
    text = (f"动态管理方面，{year} 年处于预警状态的示范基地 {s.cell(str(year), '预警')} 个，"
            f"当年撤销称号 {s.cell(str(year), '撤销')} 个。")
    return [Finding(text, "05-lifecycle.ipynb#sec-lifecycle-status", tuple(s.sources))]


def _selection(tables: Tables, year: int) -> list[Finding]:
    stages = tables.get("selection_stages")
    if stages is None or stages.empty:
        return []
    q = Quoter("selection_stages", stages, "审查环节")
    stage = "全部定量条件" if "全部定量条件" in set(stages["审查环节"]) else stages.iloc[-1]["审查环节"]
    text = (f"申报遴选中，同时达到{markdown_text(stage)}的申报对象 {q.cell(stage, '通过（个）')} 个，"
            f"占申报对象的 {q.cell(stage, '通过率（%）', 1)}%。")
    return [Finding(text, "02-selection.ipynb#sec-selection-pass", tuple(q.sources))]


def key_findings(appendix: str | Path, year: int) -> list[Finding]:
    """The year's 主要结论 (6–10 sentences when every chapter was built), in reading order."""
    tables = Tables(appendix)
    return _stars(tables, year) + _overview(tables, year) + _lifecycle(tables, year) + _selection(tables, year)


RECOMMENDATIONS_PATH = Path(__file__).parent / "recommendations.yaml"


@dataclass(frozen=True)
class Rules:
    """The rules of 问题与建议 (``recommendations.yaml``)."""

    region_gap_points: float
    weight_ratio_high: float
    weight_ratio_low: float
    directions: dict[str, str]


def load_rules(path: str | Path = RECOMMENDATIONS_PATH) -> Rules:
    """The 问题与建议 rules, checked (errors name the file and key)."""
    from nidb.keypath import KeyPathReader
    from nidb.yamlfile import read_yaml

    reader = KeyPathReader(str(path))
    keys = {"region_gap_points", "weight_ratio_high", "weight_ratio_low", "directions"}
    raw = reader.mapping(read_yaml(path), "", allowed=keys, required=keys)
    directions = reader.mapping(raw["directions"], "directions")
    return Rules(
        region_gap_points=reader.number(raw["region_gap_points"], "region_gap_points", low=0),
        weight_ratio_high=reader.number(raw["weight_ratio_high"], "weight_ratio_high", low=1),
        weight_ratio_low=reader.number(raw["weight_ratio_low"], "weight_ratio_low", low=0, high=1),
        directions={str(k): reader.text(v, f"directions.{k}") for k, v in directions.items()},
    )


@dataclass(frozen=True)
class Problem:
    """One problem found by a rule, the numbers behind it, and the direction it leads to."""

    rule: str
    finding: Finding
    direction: str


def _dimension_problems(tables: Tables, rules: Rules) -> list[Problem]:
    frame = tables.get("stars_dimensions_by_region")
    if frame is None:
        return []
    key = frame.columns[0]
    dims = [c for c in frame.columns[2:]]
    q = Quoter("stars_dimensions_by_region", frame, key)
    national = frame.iloc[0][key]
    medians = {d: number(frame.iloc[0][d]) for d in dims}
    weakest = min(dims, key=lambda d: (medians[d], d))
    found = [Problem(
        "全国最弱维度：全部参评基地各维度得分中位数中最低的维度",
        Finding(f"全部参评基地中，{markdown_text(weakest)}维度得分中位数为 {q.cell(national, weakest, 1)} 分，"
                "在六个维度中最低，多数基地与该维度前沿基地差距较大。", "03-stars.ipynb#sec-stars-regions", tuple(q.sources)),
        rules.directions.get(weakest, ""),
    )]
    for _, row in frame.iloc[1:].iterrows():
        q.sources = []
        gaps = {d: number(row[d]) - medians[d] for d in dims if row[d] != WITHHELD}
        if not gaps:
            continue
        short = min(gaps, key=lambda d: (gaps[d], d))
        if gaps[short] > -rules.region_gap_points:
            continue
        region = row[key]
        found.append(Problem(
            f"区域短板：区域维度得分中位数低于全部参评基地 {rules.region_gap_points:g} 分及以上中差距最大的维度",
            Finding(f"{markdown_text(region)}示范基地的{markdown_text(short)}维度得分中位数为 {q.cell(region, short, 1)} 分，"
                    f"低于全部参评基地（{q.cell(national, short, 1)} 分）{abs(gaps[short]):.1f} 分，是该区域差距最大的维度。",
                    "03-stars.ipynb#sec-stars-regions", tuple(q.sources)),
            f"引导{region}示范基地补齐短板：" + rules.directions.get(short, ""),
        ))
    return found


def _region_problem(tables: Tables) -> list[Problem]:
    regions = tables.get("stars_by_region")
    if regions is None:
        return []
    published = regions[regions["四星及以上占比（%）"] != WITHHELD]
    if len(published) < 2:
        return []
    ordered = published.assign(_v=published["四星及以上占比（%）"].map(number)).sort_values(["_v", "区域"], kind="stable")
    q = Quoter("stars_by_region", regions, "区域")
    lowest = ordered.iloc[0]["区域"]
    return [Problem(
        "区域不平衡：四星及以上占比最低的区域",
        Finding(f"区域发展不平衡：{markdown_text(lowest)}参评的 {q.cell(lowest, '参评（个）')} 个示范基地中，四星及以上占比为 "
                f"{q.cell(lowest, '四星及以上占比（%）', 1)}%，在各区域中最低；五星级基地 {q.cell(lowest, '5星（个）')} 个。",
                "03-stars.ipynb#sec-stars-regions", tuple(q.sources)),
        f"加大对{lowest}示范基地的分类指导和政策支持，推动其提升发展质量",
    )]


def _lifecycle_problem(tables: Tables, year: int) -> list[Problem]:
    status = tables.get("lifecycle_status")
    if status is None or str(year) not in set(status["年份"]):
        return []
    q = Quoter("lifecycle_status", status, "年份")
    warned, revoked = number(q.row(str(year))["预警"]), number(q.row(str(year))["撤销"])
    if warned + revoked == 0:
        return []
    return [Problem(
        "动态管理：当年预警和撤销称号的示范基地",
        Finding(f"{year} 年有 {q.cell(str(year), '预警')} 个示范基地处于预警状态，{q.cell(str(year), '撤销')} 个被撤销称号。",
                "05-lifecycle.ipynb#sec-lifecycle-status", tuple(q.sources)),
        "对预警基地开展跟踪指导，督促其限期整改，落实动态管理要求",
    )]


def _selection_problem(tables: Tables) -> list[Problem]:
    binding = tables.get("selection_binding")
    if binding is None or binding.empty:
        return []
    q = Quoter("selection_binding", binding, "条件")
    top = binding.iloc[0]["条件"]
    return [Problem(
        "遴选门槛：限制性最强的定量条件",
        Finding(f"申报遴选中限制性最强的条件是“{markdown_text(top)}”，达到率为 {q.cell(top, '达到率（%）', 1)}%，"
                f"{q.cell(top, '仅此一项未达到（个）')} 个申报对象只差这一项未达到。",
                "02-selection.ipynb#sec-selection-pass", tuple(q.sources)),
        "结合门槛敏感性分析，评估该门槛的合理性，并引导申报地区在相应方面提前补强",
    )]


def _audit_problem(tables: Tables, rules: Rules, names: dict[str, str]) -> list[Problem]:
    weights = tables.get("audit_effective_weights")
    if weights is None:
        return []
    indicators = weights[weights["层级"] == "1"].assign(_r=lambda t: t["有效/名义"].map(number))
    high = indicators[indicators["_r"] >= rules.weight_ratio_high]
    low = indicators[indicators["_r"] <= rules.weight_ratio_low]
    if high.empty and low.empty:
        return []
    q = Quoter("audit_effective_weights", weights, "节点")
    parts = []
    if not high.empty:
        top = high.sort_values("_r", ascending=False).iloc[0]["节点"]
        parts.append(f"{len(high)} 项指标的有效权重达到名义权重的 {rules.weight_ratio_high:g} 倍及以上，最高的是"
                     f"{markdown_text(names.get(top, top))}（{q.cell(top, '有效/名义', 2)} 倍）")
    if not low.empty:
        bottom = low.sort_values("_r").iloc[0]["节点"]
        parts.append(f"{len(low)} 项指标不到名义权重的 {rules.weight_ratio_low:g} 倍，最低的是"
                     f"{markdown_text(names.get(bottom, bottom))}（{q.cell(bottom, '有效/名义', 2)} 倍）")
    return [Problem(
        f"指标体系：有效权重与名义权重之比 ≥ {rules.weight_ratio_high:g} 或 ≤ {rules.weight_ratio_low:g} 的指标",
        Finding("指标体系设计审计显示，" + "；".join(parts) + "，实际对综合得分的影响与设计意图不一致。",
                "06-audit.ipynb", tuple(q.sources)),
        "在修订评价指标体系时复核相关指标的权重、标准化方法和数据质量",
    )]


def problems(appendix: str | Path, year: int, indicator_names: dict[str, str], rules: Rules | None = None) -> list[Problem]:
    """The 问题与建议 of the year, each from a stated rule, in a fixed order of rules.

    `indicator_names` maps indicator and dimension codes to Chinese names (tables keep codes).
    """
    rules = rules or load_rules()
    tables = Tables(appendix)
    return (_dimension_problems(tables, rules) + _region_problem(tables) + _lifecycle_problem(tables, year)
            + _selection_problem(tables) + _audit_problem(tables, rules, indicator_names))
