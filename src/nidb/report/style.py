"""One figure style for every report page: the shipped CJK font, one palette, and no boxes.

`apply()` registers the shipped font (``fonts/NIDBSansSC-Regular.otf``) with matplotlib by
path, loads ``nidb.mplstyle`` and turns matplotlib's "Glyph … missing from font(s)" warning
into an error, so a label that the font cannot draw fails the run instead of shipping
as empty boxes. `show(fig)` draws a figure inside the same guard and displays it as PNG.
"""

from __future__ import annotations

import io
import warnings
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Iterator

import matplotlib
import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.figure import Figure

FONT_FAMILY = "NIDB Sans SC"
MISSING_GLYPH_PATTERN = r"Glyph .* missing from font"
# Colour per star rating (1 → 5), and one qualitative palette for everything else.
STAR_COLOURS = ("#b2182b", "#ef8a62", "#bababa", "#67a9cf", "#2166ac")
PNG_DPI = 144


def font_path() -> Path:
    """Path of the shipped single-face CJK font file."""
    return Path(str(resources.files("nidb.report") / "fonts" / "NIDBSansSC-Regular.otf"))


def style_path() -> Path:
    """Path of the matplotlib style sheet shared by every report figure."""
    return Path(str(resources.files("nidb.report") / "nidb.mplstyle"))


def register_font() -> str:
    """Register the shipped font with matplotlib (idempotent) and return its family name."""
    path = font_path()
    known = {Path(entry.fname) for entry in font_manager.fontManager.ttflist}
    if path not in known:
        font_manager.fontManager.addfont(str(path))
    return FONT_FAMILY


def raise_on_missing_glyphs() -> None:
    """Install a warnings filter that makes matplotlib's missing-glyph warning an error."""
    warnings.filterwarnings("error", message=MISSING_GLYPH_PATTERN, category=UserWarning)


def apply() -> None:
    """Register the font, load the shared style sheet and make missing glyphs an error."""
    register_font()
    plt.style.use(str(style_path()))
    matplotlib.rcParams["font.family"] = [FONT_FAMILY, "DejaVu Sans"]
    raise_on_missing_glyphs()


@contextmanager
def glyph_guard() -> Iterator[None]:
    """Within the block, a missing glyph raises instead of warning (for code that resets filters)."""
    with warnings.catch_warnings():
        raise_on_missing_glyphs()
        yield


def figure_png(fig: Figure, dpi: int = PNG_DPI) -> bytes:
    """Render a figure to deterministic PNG bytes, raising on any missing glyph."""
    buffer = io.BytesIO()
    with glyph_guard():
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def show(fig: Figure) -> None:
    """Display a figure in a notebook as PNG (rendered under the glyph guard) and close it."""
    from IPython.display import Image, display

    try:
        png = figure_png(fig)
    finally:
        plt.close(fig)
    display(Image(data=png, format="png"))
