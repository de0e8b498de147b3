"""Report figures shared by several chapters (titles and numbers go in the page caption, not the PNG)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, StrMethodFormatter

TREND_PANELS = ("sales", "value_added", "rd_intensity", "energy_intensity")


def integer_axis(axis) -> None:
    """Tick labels of a count axis at whole numbers only."""
    axis.set_major_locator(MaxNLocator(integer=True))


def trend(yearly: pd.DataFrame, keys: tuple[str, ...] = TREND_PANELS) -> Figure:
    """Small multiples of aggregates over the years (`nidb.report.aggregates.yearly` rows)."""
    fig, axes = plt.subplots(2, 2, figsize=(7.2, 4.8), sharex=True)
    for ax, key in zip(axes.flat, keys):
        rows = yearly[yearly["key"] == key]
        ax.plot(rows["year"], rows["value"], marker="o")
        ax.set_title(f"{rows['指标'].iloc[0]}（{rows['单位'].iloc[0]}）", fontsize=10)
        ax.set_xticks(rows["year"])
        ax.set_ylim(bottom=0)
        if rows["value"].max() >= 10_000:
            ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    return fig


def log_histogram(values: pd.Series, xlabel: str, bins: int = 30) -> Figure:
    """Histogram of positive values on a log axis with log-spaced (equal-width on the axis) bins."""
    clean = values.dropna().astype(float)
    clean = clean[clean > 0]
    edges = np.logspace(np.log10(clean.min()), np.log10(clean.max()), bins + 1)
    fig, ax = plt.subplots(figsize=(7.2, 3.4))
    ax.hist(clean, bins=edges, color="#1f5a96")
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("基地数（个）")
    integer_axis(ax.yaxis)
    return fig
