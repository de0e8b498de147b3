"""The typical-case catalogue (典型案例集): a publication of the year's five-star bases.

Cases are grouped by theme. The theme rule (`case_themes`): each dimension of the
framework stands for a theme (`THEMES`); a case takes the theme of the dimension in which
it leads its 示范领域 peers most (its score minus the median of the rated bases of its
domain), and the staff can override it with ``theme:`` in the case's text file. Each case
page shows the basic facts, the evaluation result, the actual values of the key indicators
with their units against the median of all rated bases, the star and score record over the
years, what distinguishes it (leading dimensions and indicators, named), and the staff's
典型经验 (`nidb.report.case_text`). Weak points (短板弱项) are not shown: they belong in the
feedback profiles of `nidb profiles`.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
from markupsafe import Markup

from nidb.report.case_text import STAFF_SECTIONS, THEME_NAMES, TODO, StaffText, skeleton, staff_texts
from nidb.report.chapters import repo_root
from nidb.report.house_style import CAPTIONS_LUA, REFERENCE_DOCX
from nidb.report.page import DEMO_NOTICE, DEMO_NOTICE_TEXT
from nidb.report.profiles import ProfileData, five_star_bases, profile_contexts, profile_data
from nidb.report.templating import render_template

CASES_DIR = "cases"
FIGURE_DIR = "figures"
CATALOGUE_DOCUMENT = "catalogue.qmd"  # the whole catalogue as one document (HTML and Word)
DOCUMENT_FILES = "catalogue_files"  # its Word house style, for Quarto
#: theme of each dimension of the 2023 framework (D1 … D6)
THEMES = dict(zip(("D1", "D2", "D3", "D4", "D5", "D6"), THEME_NAMES))
#: the key-figure box of every case: indicator ids of the framework, in display order
KEY_INDICATORS = ("I01", "I02", "I04", "I07", "I15", "I19")
LEADING = 2  # leading dimensions named per case
SHORT = {"数字化网络化智能化升级": "数字化升级"}  # dimension names too long for a thumbnail


def narrative_dirs(data_dir: Path) -> list[Path]:
    """Where the staff's case texts are looked for, first match wins."""
    return [data_dir / CASES_DIR, repo_root() / "data" / CASES_DIR]


def case_themes(data: ProfileData, base_ids: list[str]) -> pd.DataFrame:
    """Per base: the dimension in which it leads its domain peers most, the theme of that
    dimension and the lead in points (score minus the domain median of the rated bases)."""
    dim_ids = data.dimensions["id"].tolist()
    now = data.results[data.results["year"] == data.year].dropna(subset=["stars"]).set_index("unit_id")
    domain = data.registry["domain"].reindex(now.index)
    lead = now[dim_ids] - now[dim_ids].groupby(domain.to_numpy()).transform("median")
    lead = lead.reindex(pd.Index(base_ids, dtype=now.index.dtype))
    best = lead.fillna(-np.inf).to_numpy().argmax(axis=1)
    zh = dict(zip(dim_ids, data.dimensions["zh"]))
    return pd.DataFrame({
        "base_id": base_ids,
        "dimension": [dim_ids[i] for i in best],
        "dimension_zh": [zh[dim_ids[i]] for i in best],
        "theme": [THEMES.get(dim_ids[i], zh[dim_ids[i]]) for i in best],
        "lead": lead.to_numpy()[np.arange(len(base_ids)), best] if base_ids else [],
    }).set_index("base_id")


def key_figures(dataset: Any, data: ProfileData, base_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Actual values of the key indicators (with units) this year and last year, and the median
    of the bases rated this year, per base."""
    from nidb.framework import load_framework
    from nidb.indicators.values import indicator_values

    framework = load_framework()
    indicators = {i.id: i for i in framework.indicators}
    wanted = [i for i in KEY_INDICATORS if i in indicators]
    years = [y for y in (data.year - 1, data.year) if y in set(dataset.annual["year"].astype(int))]
    values = indicator_values(dataset, framework, year=years)[wanted]
    rated = data.results[(data.results["year"] == data.year) & data.results["stars"].notna()]["unit_id"]
    this = values.xs(data.year, level="year")
    medians = this[this.index.isin(set(rated))].median()
    last = values.xs(data.year - 1, level="year") if data.year - 1 in years else this.iloc[0:0]
    out = {}
    for base_id in base_ids:
        rows = []
        for ind in wanted:
            now_v = this[ind].get(base_id, np.nan)
            before = last[ind].get(base_id, np.nan) if len(last) else np.nan
            rows.append({
                "indicator": indicators[ind].zh, "unit": indicators[ind].unit or "", "value": now_v,
                "last": before, "change": now_v - before, "median": medians[ind],
                "better": indicators[ind].direction,
            })
        out[base_id] = rows
    return out


def five_star_run(data: ProfileData, base_id: str) -> int:
    """Consecutive years up to the catalogue year in which the base was rated five stars."""
    history = data.results[data.results["unit_id"] == base_id].set_index("year")["stars"]
    run = 0
    for year in range(data.year, int(data.results["year"].min()) - 1, -1):
        if history.get(year) != 5:
            break
        run += 1
    return run


def case_contexts(dataset: Any, data: ProfileData, base_ids: list[str],
                  texts: dict[str, StaffText]) -> dict[str, dict[str, Any]]:
    """What a case page shows, per base (values unescaped: the templates escape)."""
    profiles = profile_contexts(data, base_ids)
    themes = case_themes(data, base_ids)
    figures = key_figures(dataset, data, base_ids)
    contexts = {}
    for base_id in base_ids:
        profile = profiles[base_id]
        text = texts.get(base_id, StaffText())
        derived = themes.loc[base_id]
        leading = sorted((d for d in profile["dimensions"] if d["gap"] > 0), key=lambda d: -d["gap"])[:LEADING]
        contexts[base_id] = {
            **profile,
            "theme": text.theme or derived["theme"],
            "theme_rule": (f"按规则：「{derived['dimension_zh']}」得分高出同领域参评基地中位数 "
                           f"{derived['lead']:.1f} 分，为各维度中最多"),
            "theme_staff": text.theme is not None,
            "leading": leading,
            "key_figures": figures[base_id],
            "run": five_star_run(data, base_id),
            "staff": [(heading, body) for heading, body in text.sections.items()
                      if body.strip() and TODO not in body],
            "missing": text.missing,
            "has_text": text.complete,
        }
    return contexts


def catalogue_intro(data: ProfileData, contexts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The year's five-star figures for the introduction."""
    now = data.results[(data.results["year"] == data.year) & data.results["stars"].notna()]
    before = data.results[(data.results["year"] == data.year - 1) & data.results["stars"].notna()]
    n5 = len(contexts)
    regions = pd.Series([c["registry"]["region"] for c in contexts.values()], dtype="string").value_counts()
    themes = pd.Series([c["theme"] for c in contexts.values()], dtype="string").value_counts()
    return {
        "n5": n5, "rated": len(now), "share": n5 / len(now) if len(now) else np.nan,
        "change": n5 - int((before["stars"] == 5).sum()) if len(before) else None,
        "repeat": sum(c["run"] >= 2 for c in contexts.values()),
        "regions": list(regions.items()), "domains": len({c["registry"]["domain"] for c in contexts.values()}),
        "industries": len({c["registry"]["industry"] for c in contexts.values()}),
        "themes": list(themes.items()),
        "with_text": sum(c["has_text"] for c in contexts.values()),
        "median_index": float(now["index"].median()) if len(now) else np.nan,
        "median_index5": float(now.loc[now["stars"] == 5, "index"].median()) if n5 else np.nan,
    }


def thumbnail(context: dict[str, Any], path: Path) -> Path:
    """The case's dimension profile alone (score against the median of all rated bases): small,
    legible as a listing image, one per case."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from nidb.report.style import figure_png

    dims = context["dimensions"]
    figure = Figure(figsize=(4.0, 2.6), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    y = np.arange(len(dims))[::-1]
    scores = np.nan_to_num(np.array([d["score"] for d in dims], dtype=float))
    axes.barh(y, scores, height=0.6, color="#1f5a96", label="本基地")
    axes.scatter([d["median"] for d in dims], y, marker="|", s=220, color="#b8433c", zorder=3,
                 label="参评基地中位数")
    axes.set_yticks(y, [SHORT.get(d["zh"], d["zh"]) for d in dims], fontsize=9)
    axes.set_xlim(0, 100)
    axes.tick_params(axis="x", labelsize=8)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=7, frameon=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(figure_png(figure, dpi=150))
    return path


def write_catalogue(dataset: Any, year: int, method_file: Path | None, data_dir: Path, out_dir: Path, *,
                    demo: bool, workers: int | None = None,
                    progress: Callable[[str], None] | None = None) -> int:
    """Write the catalogue into `out_dir`: the listing page (index.qmd), one page per five-star
    base, its thumbnail, and the whole catalogue as one document for the Word version; return
    the number of cases."""
    from nidb.report import style

    style.apply()
    data = profile_data(dataset, year, method_file)
    stars5 = five_star_bases(data)
    texts = staff_texts(stars5, narrative_dirs(data_dir))
    contexts = case_contexts(dataset, data, stars5, texts)
    out_dir.mkdir(parents=True, exist_ok=True)
    common = {"demo": demo, "notice_text": DEMO_NOTICE_TEXT}
    for base_id, context in contexts.items():
        thumbnail(context, out_dir / FIGURE_DIR / f"{base_id}.png")
        (out_dir / f"{base_id}.qmd").write_text(render_template(
            "case.qmd.j2", figure=f"{FIGURE_DIR}/{base_id}.png", **common, **context), encoding="utf-8")
    order = sorted(contexts, key=lambda b: (THEME_NAMES.index(contexts[b]["theme"])
                                            if contexts[b]["theme"] in THEME_NAMES else len(THEME_NAMES),
                                            -float(contexts[b]["row"]["index"]), b))
    intro = catalogue_intro(data, contexts)
    title = f"{year} 年五星级示范基地典型案例集"
    listing = dict(common, year=year, title=title, intro=intro, cases=[contexts[b] for b in order],
                   sections=STAFF_SECTIONS)
    (out_dir / "index.qmd").write_text(render_template("catalogue.qmd.j2", **listing), encoding="utf-8")
    subtitle = f"评价年度 {year} 年" + (f" · {DEMO_NOTICE}" if demo else "")
    bodies = [(contexts[b], Markup(render_template(
        "case-body.md.j2", figure=f"{FIGURE_DIR}/{b}.png", **{**common, "demo": False}, **contexts[b])))
        for b in order]
    (out_dir / DOCUMENT_FILES).mkdir(exist_ok=True)
    for asset in (REFERENCE_DOCX, CAPTIONS_LUA):
        shutil.copy2(asset, out_dir / DOCUMENT_FILES / asset.name)
    (out_dir / CATALOGUE_DOCUMENT).write_text(render_template(
        "catalogue-document.qmd.j2", subtitle=subtitle, bodies=bodies, files=DOCUMENT_FILES,
        reference=REFERENCE_DOCX.name, filter=CAPTIONS_LUA.name, **listing), encoding="utf-8")
    if progress:
        progress(f"已写出 {len(contexts)} 个典型案例（{intro['with_text']} 个附有典型经验文字）")
    return len(contexts)


def write_templates(dataset: Any, year: int, method_file: Path | None, out_dir: Path) -> tuple[list[Path], list[Path]]:
    """`nidb cases template`: a Markdown skeleton per five-star base of `year` in `out_dir`,
    pre-filled with the data facts; existing files are never overwritten. Returns
    (written, kept)."""
    data = profile_data(dataset, year, method_file)
    stars5 = five_star_bases(data)
    contexts = case_contexts(dataset, data, stars5, {})
    out_dir.mkdir(parents=True, exist_ok=True)
    written, kept = [], []
    for base_id, c in contexts.items():
        path = out_dir / f"{base_id}.md"
        if path.exists():
            kept.append(path)
            continue
        reg = c["registry"]
        facts = [
            f"基地编号 {base_id}；{reg['authority']}推荐；{reg['region']}；{reg['domain']} / {reg['industry']}；"
            f"主导产业 {reg['leading_industry']}；{reg['year_announced']} 年公告",
            f"{year} 年综合得分 {c['row']['index']:.1f} 分，五星" + (f"，连续 {c['run']} 年五星" if c["run"] >= 2 else ""),
            f"主题（{c['theme_rule']}）：{c['theme']}",
            "领先维度：" + ("、".join(f"{d['zh']}（高出中位数 {d['gap']:.1f} 分）" for d in c["leading"]) or "无"),
            "领先指标：" + ("、".join(f"{s['indicator']}（第 {s['percentile']:.0f} 百分位）" for s in c["strengths"]) or "无"),
            "主要指标：" + "；".join(
                f"{k['indicator']} {k['value']:,.2f} {k['unit']}（参评基地中位数 {k['median']:,.2f}）"
                for k in c["key_figures"] if pd.notna(k["value"])),
        ]
        path.write_text(skeleton(c["name"], year, c["theme"], facts), encoding="utf-8")
        written.append(path)
    return written, kept
