"""Base profiles: one page per base with its position against peers and its weak points (短板弱项).

The evaluation runs once (`profile_data`): one table of results, indicator positions and
lifecycle status for all bases. Pages are then rendered from that table with a template,
in parallel worker processes, each drawing the figures for a share of the bases
(`write_profiles`). The same functions serve the base-profile notebook, the five-star
typical-case catalogue of the annual report and `nidb profiles`.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from nidb.errors import InputError, Problem
from nidb.report.page import DEMO_NOTICE_TEXT
from nidb.report.templating import render_template

FIGURE_DIR = "figures"
TOP_K = 3  # strengths and weak points listed per base
STAR_ZH = {1: "一星", 2: "二星", 3: "三星", 4: "四星", 5: "五星"}
REGISTRY_COLUMNS = ["base_id", "name", "authority", "region", "domain", "industry", "leading_industry",
                    "year_announced"]


@dataclass(frozen=True)
class ProfileData:
    """Everything a base profile shows, for all bases of one evaluation year."""

    year: int
    registry: pd.DataFrame  # one row per base (REGISTRY_COLUMNS), index base_id
    results: pd.DataFrame  # panel results: unit_id, year, D1…, index, rank, stars, n_missing
    positions: pd.DataFrame  # unit_id, indicator_id, indicator, dimension, value, percentile, domain_percentile
    dimensions: pd.DataFrame  # id, zh, median (over the bases rated in `year`)
    status: pd.DataFrame  # lifecycle status of every base-year: base_id, year, status, stars
    events: pd.DataFrame  # lifecycle events: base_id, year, event, article, reason
    rated: int  # bases rated in `year`
    method_name: str


def profile_data(dataset: Any, year: int, method_file: str | Path | None = None) -> ProfileData:
    """Run the evaluation panel once and tabulate every base's profile for `year`."""
    from nidb.evaluation.annual import run_panel
    from nidb.evaluation.lifecycle import load_rules
    from nidb.evaluation.method import load_evaluation_method
    from nidb.framework import load_framework

    framework = load_framework()
    method = load_evaluation_method(method_file or None, framework)
    years = sorted(int(y) for y in dataset.annual["year"].dropna().unique() if int(y) <= year)
    if year not in years:
        raise InputError([Problem(file="annual", rule="year", message=f"年度报表中没有 {year} 年的数据")])
    panel = run_panel(dataset, framework, method, load_rules(), years)
    evaluation = panel.evaluations[year]
    registry = dataset.bases[REGISTRY_COLUMNS].set_index("base_id")
    positions = indicator_positions(evaluation.engine.normalised, registry["domain"], framework)
    dim_ids = [d.id for d in framework.dimensions]
    current = evaluation.results.dropna(subset=["stars"])
    dimensions = pd.DataFrame({
        "id": dim_ids,
        "zh": [d.zh for d in framework.dimensions],
        "median": current[dim_ids].median().to_numpy(),
    })
    return ProfileData(
        year=year,
        registry=registry,
        results=panel.results,
        positions=positions,
        dimensions=dimensions,
        status=panel.lifecycle.status[["base_id", "year", "status", "stars"]],
        events=panel.lifecycle.events[["base_id", "year", "event", "article", "reason"]],
        rated=len(current),
        method_name=method.name,
    )


def indicator_positions(normalised: pd.DataFrame, domains: pd.Series, framework: Any) -> pd.DataFrame:
    """Long table of each unit's normalised indicator values and percentile positions.

    `percentile` ranks a unit among all units with a value (100 = best, ties averaged);
    `domain_percentile` does the same within the unit's 示范领域. Missing values stay
    missing and are not ranked.
    """
    def pct(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.rank(pct=True, method="average") * 100.0

    domain = domains.reindex(normalised.index)
    overall = pct(normalised)
    within = normalised.groupby(domain.to_numpy()).transform(lambda col: col.rank(pct=True) * 100.0)
    long = pd.DataFrame({
        "unit_id": np.repeat(normalised.index.astype(str).to_numpy(), normalised.shape[1]),
        "indicator_id": np.tile(normalised.columns.astype(str).to_numpy(), normalised.shape[0]),
        "value": normalised.to_numpy().ravel(),
        "percentile": overall.to_numpy().ravel(),
        "domain_percentile": within.to_numpy().ravel(),
    })
    labels = {i.id: i.label for i in framework.indicators}
    dims = {i.id: framework.dimension(i.dimension).zh for i in framework.indicators}
    long["indicator"] = long["indicator_id"].map(labels)
    long["dimension"] = long["indicator_id"].map(dims)
    return long


def strengths_and_weaknesses(positions: pd.DataFrame, k: int = TOP_K) -> pd.DataFrame:
    """Each unit's `k` best (优势) and `k` worst (短板) indicators by percentile, missing skipped."""
    ranked = positions.dropna(subset=["percentile"]).sort_values(
        ["unit_id", "percentile", "indicator_id"], kind="stable"
    )
    weak = ranked.groupby("unit_id", sort=False).head(k).assign(kind="短板")
    strong = (
        ranked.sort_values(["unit_id", "percentile", "indicator_id"], ascending=[True, False, True], kind="stable")
        .groupby("unit_id", sort=False).head(k).assign(kind="优势")
    )
    return pd.concat([strong, weak], ignore_index=True)


def feedback_bases(data: ProfileData) -> list[str]:
    """Bases that most need feedback in the year: warned, revoked, or rated two stars or below."""
    now = data.status[data.status["year"] == data.year]
    needs = now["status"].isin(["预警", "撤销"]) | (now["stars"].astype("Float64") <= 2).fillna(False)
    return sorted(now.loc[needs, "base_id"].astype(str))


def five_star_bases(data: ProfileData) -> list[str]:
    """Bases rated five stars in the profile year (the typical-case catalogue)."""
    now = data.results[(data.results["year"] == data.year) & (data.results["stars"] == 5)]
    return sorted(now["unit_id"].astype(str))


def top_base(data: ProfileData) -> str:
    """The best-ranked base of the profile year (the profile notebook's default base)."""
    now = data.results[data.results["year"] == data.year].sort_values(["rank", "unit_id"])
    return str(now["unit_id"].iloc[0])


# ---------------------------------------------------------------- one page
def _star_text(value: Any) -> str:
    return STAR_ZH.get(int(value), "—") if pd.notna(value) else "无评价结果"


def _groups(frame: pd.DataFrame, key: str) -> dict[str, pd.DataFrame]:
    return {str(k): g for k, g in frame.groupby(key, sort=False)}


def profile_contexts(data: ProfileData, base_ids: list[str]) -> dict[str, dict[str, Any]]:
    """What the profile template shows, for each of `base_ids` (values unescaped: the template escapes).

    Computed for all the bases at once from the profile tables; a base without a result in
    the year gets ``row = None``.
    """
    wanted = pd.Index(base_ids, dtype="string")
    results = data.results[data.results["unit_id"].isin(wanted)].sort_values(["unit_id", "year"])
    current = results[results["year"] == data.year].set_index("unit_id")
    dim_ids, medians = data.dimensions["id"].tolist(), data.dimensions["median"].to_numpy()
    scores = current[dim_ids].reindex(wanted).to_numpy(dtype=float)
    positions = data.positions[data.positions["unit_id"].isin(wanted)]
    sw = _groups(strengths_and_weaknesses(positions), "unit_id")
    by_unit = _groups(positions, "unit_id")
    status = data.status[data.status["base_id"].isin(wanted)]
    history = _groups(
        status.merge(results[["unit_id", "year", "index", "rank"]].rename(columns={"unit_id": "base_id"}),
                     on=["base_id", "year"], how="left").sort_values(["base_id", "year"]),
        "base_id",
    )
    events = _groups(data.events[data.events["base_id"].isin(wanted)].sort_values(["base_id", "year"]), "base_id")
    registry = data.registry.reindex(wanted)
    current_rows = {str(k): r for k, r in current.to_dict("index").items()}
    empty = pd.DataFrame(columns=["kind"])
    contexts = {}
    for i, base_id in enumerate(wanted.astype(str)):
        row = current_rows.get(base_id)
        dims = [
            {"id": d, "zh": zh, "score": scores[i, j], "median": medians[j], "gap": scores[i, j] - medians[j]}
            for j, (d, zh) in enumerate(zip(dim_ids, data.dimensions["zh"]))
        ]
        mine_sw = sw.get(base_id, empty)
        mine = by_unit.get(base_id, pd.DataFrame(columns=positions.columns))
        hist = history.get(base_id, pd.DataFrame(columns=["year", "index", "rank", "stars", "status"]))
        contexts[base_id] = {
            "base_id": base_id,
            "name": registry.at[base_id, "name"],
            "registry": registry.loc[base_id].to_dict(),
            "year": data.year,
            "rated": data.rated,
            "row": row,
            "stars_text": _star_text(row["stars"]) if row is not None else "无评价结果",
            "dimensions": dims,
            "weak_dimensions": sorted((d for d in dims if d["gap"] < 0), key=lambda d: d["gap"]),
            "strengths": mine_sw[mine_sw["kind"] == "优势"].to_dict("records"),
            "weaknesses": mine_sw[mine_sw["kind"] == "短板"].to_dict("records"),
            "missing": mine.loc[mine["value"].isna(), "indicator"].tolist(),
            "percentiles": dict(zip(mine["indicator_id"], mine["percentile"])),
            "history": [{**r, "stars_text": _star_text(r["stars"])} for r in hist.to_dict("records")],
            "events": events[base_id].to_dict("records") if base_id in events else [],
            "method_name": data.method_name,
        }
    return contexts


class ProfileFigure:
    """The profile figure, built once and redrawn per base.

    Panels: dimension scores against the median of all rated bases; index and stars over
    the years; each indicator's percentile among all rated bases (missing shown as ×).
    With `blit`, everything that is the same for all bases (axes, ticks, titles, the
    medians) is drawn once into a background; each base then draws only its own artists
    onto a copy of it, which is what makes 450 pages fast.
    """

    def __init__(self, data: ProfileData, blit: bool = False):
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.data = data
        dims = data.dimensions
        self.indicators = sorted(data.positions["indicator_id"].unique())
        years = sorted(int(y) for y in data.results["year"].unique())
        # an Agg canvas of its own: no pyplot state, the same in batch workers and in notebooks
        self.fig = fig = Figure(figsize=(9.0, 6.4), layout="constrained")
        FigureCanvasAgg(fig)
        grid = fig.add_gridspec(2, 2, height_ratios=[1, 1.1])
        dims_ax, self.trend_ax, ind_ax = (fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]),
                                          fig.add_subplot(grid[1, :]))
        y = np.arange(len(dims))[::-1]
        self.bars = dims_ax.barh(y + 0.2, np.zeros(len(y)), height=0.4, label="本基地")
        dims_ax.barh(y - 0.2, dims["median"], height=0.4, color="#bbbbbb", label="全部参评基地中位数")
        dims_ax.set_yticks(y, dims["zh"])
        dims_ax.set_xlim(0, 100)
        dims_ax.grid(axis="x")
        dims_ax.grid(axis="y", visible=False)
        dims_ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize=8)
        dims_ax.set_title(f"{data.year} 年各维度得分")

        (self.line,) = self.trend_ax.plot([], [], marker="o", color="#1f5a96")
        self.trend_ax.set_xticks(years)
        self.trend_ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
        self.trend_ax.set_ylim(0, 105)
        self.trend_ax.set_title("综合得分与星级")
        self.labels: list[Any] = []

        x = np.arange(len(self.indicators))
        self.points = ind_ax.scatter(x, np.zeros(len(x)), s=28, zorder=3)
        self.gaps = ind_ax.scatter([], [], marker="x", c="#000000", s=20, zorder=3)
        ind_ax.axhspan(0, 25, color="#f6dcda", zorder=0)
        ind_ax.axhline(50, color="#888888", linewidth=0.6)
        ind_ax.set_xticks(x, [i.lstrip("I") for i in self.indicators], fontsize=7)
        ind_ax.set_xlim(-0.8, len(x) - 0.2)
        ind_ax.set_ylim(-10, 105)
        ind_ax.set_xlabel("指标序号")
        ind_ax.set_ylabel("百分位（100 为最好）")
        ind_ax.set_title("各指标在全部参评基地中的位置（红区为后 25%，× 为缺失）")
        fig.canvas.draw()
        with matplotlib.rc_context({"figure.constrained_layout.use": False, "figure.autolayout": False}):
            fig.set_layout_engine(None)  # freeze the layout: only data changes from here on
        self.blit = blit
        if blit:
            for artist in self._dynamic():
                artist.set_animated(True)
            fig.canvas.draw()
            self.background = fig.canvas.copy_from_bbox(fig.bbox)

    def _dynamic(self) -> list[Any]:
        return [*self.bars, self.line, self.points, self.gaps, *self.labels]

    def update(self, context: dict[str, Any]):
        """Show one base's data (a `profile_contexts` entry); returns the figure."""
        from nidb.report.style import STAR_COLOURS

        scores = np.array([d["score"] for d in context["dimensions"]], dtype=float)
        for bar, score in zip(self.bars, np.nan_to_num(scores, nan=0.0)):
            bar.set_width(score)
        series = [(h["year"], h["index"], h["stars"]) for h in context["history"] if pd.notna(h["index"])]
        self.line.set_data([s[0] for s in series], [s[1] for s in series])
        for label in self.labels:
            label.remove()
        self.labels = [
            self.trend_ax.annotate(f"{int(stars)}★", (year, index), textcoords="offset points", xytext=(0, 6),
                                   ha="center", fontsize=8, color=STAR_COLOURS[int(stars) - 1],
                                   animated=self.blit)
            for year, index, stars in series if pd.notna(stars)
        ]
        mine = np.array([context["percentiles"].get(i, np.nan) for i in self.indicators], dtype=float)
        x = np.arange(len(mine))
        missing = np.isnan(mine)
        self.points.set_offsets(np.column_stack([x[~missing], mine[~missing]]))
        self.points.set_facecolors(np.where(mine[~missing] <= 25, "#b8433c",
                                            np.where(mine[~missing] >= 75, "#2166ac", "#999999")))
        self.gaps.set_offsets(np.column_stack([x[missing], np.full(missing.sum(), -5.0)]))
        return self.fig

    def png(self, context: dict[str, Any]) -> bytes:
        """PNG bytes of one base's figure (missing glyphs raise)."""
        from nidb.report.style import figure_png, glyph_guard

        if not self.blit:
            return figure_png(self.update(context), dpi=int(self.fig.dpi))
        self.update(context)
        canvas = self.fig.canvas
        canvas.restore_region(self.background)
        with glyph_guard():
            for artist in self._dynamic():
                artist.axes.draw_artist(artist)
        return rgba_png(np.asarray(canvas.buffer_rgba()))


def rgba_png(pixels: np.ndarray) -> bytes:
    """Deterministic PNG bytes of an RGBA pixel array."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels[..., :3]).save(buffer, format="png", compress_level=3)
    return buffer.getvalue()


def profile_figure(data: ProfileData, base_id: str):
    """The profile figure of one base (for notebooks)."""
    return ProfileFigure(data).update(profile_contexts(data, [base_id])[base_id])


def profile_markdown(context: dict[str, Any], *, demo: bool) -> str:
    """The body of a profile page as Markdown (no front matter, no figure), for notebooks."""
    return render_template("profile-body.md.j2", demo=demo, notice_text=DEMO_NOTICE_TEXT, figure="",
                           narrative="", **context)


def write_profile(data: ProfileData, context: dict[str, Any], out_dir: Path, *, demo: bool,
                  narrative: str = "", figure: ProfileFigure | None = None) -> Path:
    """Write one base's page (``<out_dir>/<base_id>.qmd``) and its figure."""
    base_id = context["base_id"]
    png = (figure or ProfileFigure(data)).png(context)
    (out_dir / FIGURE_DIR).mkdir(parents=True, exist_ok=True)
    (out_dir / FIGURE_DIR / f"{base_id}.png").write_bytes(png)
    page = out_dir / f"{base_id}.qmd"
    page.write_text(render_template(
        "profile.qmd.j2", demo=demo, notice_text=DEMO_NOTICE_TEXT, figure=f"{FIGURE_DIR}/{base_id}.png",
        narrative=narrative, **context,
    ), encoding="utf-8")
    return page


def _write_chunk(data: ProfileData, base_ids: list[str], out_dir: Path, demo: bool,
                 narratives: dict[str, str]) -> list[Path]:
    from nidb.report import style

    style.apply()
    contexts = profile_contexts(data, base_ids)
    figure = ProfileFigure(data, blit=True)
    return [write_profile(data, contexts[b], out_dir, demo=demo, narrative=narratives.get(b, ""), figure=figure)
            for b in base_ids]


def write_profiles(
    data: ProfileData,
    base_ids: list[str],
    out_dir: Path,
    *,
    demo: bool,
    workers: int | None = None,
    narratives: dict[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write the pages of `base_ids` into `out_dir`, split across worker processes."""
    out_dir.mkdir(parents=True, exist_ok=True)
    narratives = narratives or {}
    workers = max(1, min(len(base_ids), workers or os.cpu_count() or 1))
    if workers == 1 or len(base_ids) < 4:
        pages = _write_chunk(data, base_ids, out_dir, demo, narratives)
    else:
        chunks = [base_ids[i::workers] for i in range(workers)]
        method = "fork" if "fork" in get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context(method)) as pool:
            futures = [pool.submit(_write_chunk, data, chunk, out_dir, demo, narratives) for chunk in chunks]
            pages = [page for future in futures for page in future.result()]
    if progress:
        progress(f"已写出 {len(pages)} 个基地画像")
    return sorted(pages)


def write_index(data: ProfileData, base_ids: list[str], out_dir: Path, *, title: str, intro: str,
                demo: bool) -> Path:
    """The listing page of a set of profile pages."""
    contexts = profile_contexts(data, base_ids)
    pages = [
        {"name": c["name"], "href": f"{b}.qmd",
         "summary": f"{c['registry']['authority']}推荐，{c['registry']['domain']}，{data.year} 年{c['stars_text']}"}
        for b, c in contexts.items()
    ]
    index = out_dir / "index.qmd"
    index.write_text(render_template(
        "profiles-index.qmd.j2", title=title, intro=intro, pages=pages, demo=demo, notice_text=DEMO_NOTICE_TEXT,
    ), encoding="utf-8")
    return index
