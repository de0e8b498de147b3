"""The explorer page of a report year (探索): what-if controls that recompute in the browser.

:func:`write_explorer` writes ``<year_dir>/explore.qmd`` — a standard Quarto page whose
body is one raw HTML block — and ``<year_dir>/explore/`` with the page's script, style and
data (``data.js``, a plain script so the page works from ``file://`` and over HTTP alike;
nothing is loaded from outside the site).

The data are what the browser needs to recompute, with the Python engine's rules:

- evaluation: the rated bases of the year (as the method's own lifecycle admits them),
  their normalised indicator values, the indicator weights as resolved by the engine,
  the aggregation rule of each level, the dimension weights and the star rule. The page
  recomputes dimension scores, index, ranks and stars (``explorer.js`` mirrors
  ``nidb.engine.aggregate`` and ``nidb.evaluation.stars``);
- selection: each quantitative condition's status for every applicant over the sweep
  grid of threshold multipliers, as a pass run ``[start, stop)`` (a threshold passes on
  a half-line of multipliers), with and without the special-area relaxation of Art. 7,
  plus each applicant's verdict level on the other conditions, so the page applies the
  overall rule of ``nidb.selection.verdicts.select``.

The rated set is fixed to the year's rated bases: a change of method in earlier years
could revoke other bases (the lifecycle cascade), which only a full ``nidb evaluate``
shows.
"""

from __future__ import annotations

import json
import math
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nidb.framework import SpecialAreaThreshold
from nidb.indicators.values import resolved_parameters
from nidb.report.escape import yaml_string
from nidb.report.page import notice_html
from nidb.selection.status import LABELS, MISSING, PASS, REVIEW, SUSPENDED
from nidb.selection.sweep import multipliers, pass_runs, threshold_text, unrelaxed
from nidb.selection.verdicts import GROUP_FEATURE, GROUP_QUAL, LISTING_ID, VETO_ID, rule_holds

EXPLORER_DIR = "explore"
EXPLORER_PAGE = "explore.qmd"
ASSETS = ("explorer.js", "explorer.css")
PLANNED_CITIES = {"大连市": "辽宁省", "青岛市": "山东省", "宁波市": "浙江省", "厦门市": "福建省",
                         "深圳市": "广东省", "新疆生产建设兵团": "新疆维吾尔自治区"}


def province_of(authority: str) -> str:
    """The province of a recommending authority (cities with separate planning → their province)."""
    return PLANNED_CITIES.get(authority, authority)


def _num(value: Any) -> float | None:
    """A JSON number, None for NaN/NA."""
    if value is None or value is pd.NA:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def evaluation_payload(evaluation: Any, framework: Any, method: Any, raw_method: dict, registry: pd.DataFrame,
                       links: dict[str, str]) -> dict[str, Any]:
    """The evaluation part of the page data for one year's ``Evaluation``.

    ``raw_method`` is the method file as parsed YAML (the page exports a modified copy);
    ``registry`` the bases table indexed by ``base_id``; ``links`` maps base ids to the
    site-relative page of the base (profile or case page) where one exists.
    """
    engine = evaluation.engine
    results = evaluation.results.dropna(subset=["stars"]).set_index("unit_id")
    units = [u for u in engine.scores.index if u in results.index]
    ind_ids = [i.id for i in framework.indicators]
    normalised = engine.normalised.reindex(index=units, columns=ind_ids).to_numpy(dtype="float64")
    weights = engine.weights
    agg = method.engine.aggregate
    rule = method.stars
    reg = registry.reindex(units)
    return {
        "method": {"name": method.name, "source": Path(method.source).name},
        "raw_method": raw_method,
        "dimensions": [{"id": d.id, "zh": d.zh, "weight": float(weights[d.id])} for d in framework.dimensions],
        "indicators": [{"id": i.id, "zh": i.zh, "dim": i.dimension, "weight": float(weights[i.id])}
                       for i in framework.indicators],
        "aggregate": {
            "dims": _level_rule(agg, 2), "index": _level_rule(agg, 3),
            "zeros": agg.zeros, "min_availability": agg.min_availability,
        },
        "stars": {
            "ties": rule.ties, "rounding": rule.rounding,
            "levels": {str(s): {k: getattr(lv, k) for k in ("top_share", "min_score", "min_dimension")}
                       for s, lv in rule.levels.items()},
        },
        "bases": [{
            "id": u, "name": str(reg.at[u, "name"]), "authority": str(reg.at[u, "authority"]),
            "province": province_of(str(reg.at[u, "authority"])), "region": str(reg.at[u, "region"]),
            "domain": str(reg.at[u, "domain"]), "href": links.get(u),
        } for u in units],
        "values": [[_num(v) for v in row] for row in normalised],
        "engine": {
            "index": [_num(results.at[u, "index"]) for u in units],
            "rank": [int(results.at[u, "rank"]) for u in units],
            "stars": [int(results.at[u, "stars"]) for u in units],
        },
    }


def _level_rule(agg: Any, level: int) -> dict[str, Any]:
    rule = agg.for_level(level)
    return {"method": rule.method, "power": float(rule.power)}


def selection_payload(result: Any) -> dict[str, Any]:
    """The selection part of the page data for one ``SelectionResult`` (see the module docstring)."""

    method, fw, q = result.method, result.method.framework, result.quantitative
    grid = multipliers(method.sweep, method.sweep.grid_points)
    top = float(resolved_parameters(fw, method.params)["peer_top_share"])
    general = unrelaxed(result)
    conditions = []
    for j, cid in enumerate(q.ids):
        ind = fw.indicator(cid)
        _, text = threshold_text(ind.condition, ind.unit, grid, top)
        relaxable = isinstance(ind.condition, SpecialAreaThreshold)
        conditions.append({
            "id": cid, "label": q.names[j], "dim": q.dimensions[j],
            "dim_zh": fw.dimension(q.dimensions[j]).zh, "thresholds": [str(t) for t in text],
            "missing": np.flatnonzero(q.status[:, j] == MISSING).tolist(),
            "relaxed": _runs(q.checks[j].passes(grid)),
            "general": _runs(general.checks[j].passes(grid)) if relaxable else None,
        })
    # verdict level of everything but the quantitative conditions, as select() combines them:
    # 0 通过, 1 待专家评审, 2 数据缺失, 3 未通过, 4 暂停申报 (Art. 25: the province is suspended whatever
    # the thresholds; the page combines the level with the quantitative one)
    by_id = {c.condition_id: c for c in result.conditions}
    qual = [c for c in result.conditions if c.group == GROUP_QUAL]
    feats = [c for c in result.conditions if c.group == GROUP_FEATURE]
    l_status = np.column_stack([c.outcome.status for c in qual])
    l_dims = np.array([fw.indicator(c.condition_id).dimension for c in qual])
    accept_sets = [(PASS,), (PASS, REVIEW), (PASS, REVIEW, MISSING)]
    rest = np.full(len(result.units), 3, dtype=int)
    for level in (2, 1, 0):
        accept = accept_sets[level]
        ok = rule_holds(np.isin(l_status, accept), np.ones_like(l_status, bool), l_dims, method.qualitative_rule)
        if method.features_required and feats:
            f_status = np.column_stack([np.where(c.applies, c.outcome.status, -1) for c in feats])
            ok &= (np.isin(f_status, accept) | (f_status == -1)).all(axis=1)
        if method.listing_required:
            ok &= np.isin(by_id[LISTING_ID].outcome.status, accept)
        ok &= np.isin(by_id[VETO_ID].outcome.status, accept)
        rest = np.where(ok, level, rest)
    s = result.summary
    rest = np.where(s["overall"].astype(str).to_numpy() == LABELS[SUSPENDED], 4, rest)
    return {
        "year": int(result.year),
        "grid": [float(m) for m in grid],
        "spec": int(np.argmin(np.abs(grid - 1.0))),
        "rule": {"mode": method.quantitative_rule.mode, "k": int(method.quantitative_rule.k)},
        "relaxation": bool(method.special_area_relaxation),
        "conditions": conditions,
        "applicants": [{
            "id": str(r.applicant_id), "name": str(r.name), "authority": str(r.authority), "domain": str(r.domain),
            "special": bool(r.special_area), "overall": str(r.overall),
        } for r in s.itertuples()],
        "rest": rest.tolist(),
    }


def _runs(passes: np.ndarray) -> list[list[int]]:
    """[start, stop) of each applicant's passing multipliers (one run each; see ``pass_runs``)."""
    runs = pass_runs(passes)
    if runs is None:  # a check passing on two separate runs: not a threshold comparison
        raise ValueError("门槛检验在倍数上不构成单一区间，探索页面无法表示")
    start, stop = runs
    return [start.tolist(), stop.tolist()]


def explorer_data(dataset: Any, year: int, method_file: str | Path | None, *, demo: bool,
                  links: dict[str, str] | None = None, selection_year: int | None = None) -> dict[str, Any]:
    """All data of a year's explorer page: evaluation of ``year`` and selection of ``selection_year``.

    ``selection_year`` defaults to ``year``; the selection part is None when no applicant
    applied that year.
    """
    from nidb.evaluation.annual import run_panel
    from nidb.evaluation.lifecycle import load_rules
    from nidb.evaluation.method import DEFAULT_METHOD_PATH, load_evaluation_method
    from nidb.framework import load_framework
    from nidb.selection import select
    from nidb.yamlfile import read_yaml

    framework = load_framework()
    path = Path(method_file) if method_file else DEFAULT_METHOD_PATH
    method = load_evaluation_method(path, framework)
    years = sorted(int(y) for y in dataset.annual["year"].dropna().unique() if int(y) <= year)
    panel = run_panel(dataset, framework, method, load_rules(), years)
    registry = dataset.bases.assign(base_id=dataset.bases["base_id"].astype(str)).set_index("base_id")
    evaluation = evaluation_payload(panel.evaluations[year], framework, method, read_yaml(path), registry,
                                    links or {})
    sel_year = selection_year or year
    applicants = dataset.applicants
    applied = applicants["application_year"].astype("Int64") == sel_year
    selection = selection_payload(select(dataset, sel_year)) if applied.any() else None
    return {
        "year": year, "demo": demo,
        "evaluation": evaluation, "selection": selection,
    }


def page_source(year: int, demo: bool) -> str:
    """The Quarto source of the explorer page: front matter and one raw HTML block."""
    title = f"{year} 年度探索：调整门槛、权重与星级规则"
    return (
        f"---\ntitle: {yaml_string(title)}\npage-layout: full\ntoc: false\n---\n\n"
        "```{=html}\n"
        + (notice_html() + "\n" if demo else "") +
        f'<link rel="stylesheet" href="{EXPLORER_DIR}/explorer.css">\n'
        '<div id="nidb-explorer" class="nidb-explorer">正在载入探索页面……（需启用 JavaScript）</div>\n'
        f'<script src="{EXPLORER_DIR}/data.js"></script>\n'
        f'<script src="{EXPLORER_DIR}/explorer.js"></script>\n'
        "```\n"
    )


def write_explorer(data: dict[str, Any], year_dir: Path) -> Path:
    """Write the explorer page, its data and its assets into a report year directory."""
    folder = year_dir / EXPLORER_DIR
    folder.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    (folder / "data.js").write_text(f"window.NIDB_EXPLORER = {payload};\n", encoding="utf-8")
    assets = resources.files("nidb.report") / "web"
    for name in ASSETS:
        with resources.as_file(assets / name) as source:
            shutil.copyfile(source, folder / name)
    page = year_dir / EXPLORER_PAGE
    page.write_text(page_source(int(data["year"]), bool(data["demo"])), encoding="utf-8")
    return page


def write_explorer_index(out_dir: Path, staged: dict[str, Path] | None = None) -> Path:
    """``<out_dir>/explore.qmd``: the navbar's 探索 page, linking each year's explorer (latest first).
    `staged` maps a year to the folder its new pages are built in, before it replaces ``<out_dir>/<year>``."""
    folders = {p.name: p for p in out_dir.iterdir() if p.is_dir() and p.name.isdigit()}
    folders.update(staged or {})
    years = sorted((name for name, p in folders.items() if (p / EXPLORER_PAGE).is_file()), reverse=True)
    items = "\n".join(f"- [{y} 年度探索页面]({y}/{EXPLORER_PAGE})" for y in years) or "（尚无年度报告）"
    text = (
        "---\ntitle: 探索\n---\n\n{{< include _notice.md >}}\n\n"
        "移动门槛、维度权重和星级规则，即时查看遴选通过数、星级分布和名次的变化；"
        "全部计算在浏览器中完成，不访问网络。可将当前设置复制为方法文件（YAML），用 "
        "`nidb evaluate --method` 复算。\n\n" + items + "\n"
    )
    page = out_dir / EXPLORER_PAGE
    page.write_text(text, encoding="utf-8")
    return page
