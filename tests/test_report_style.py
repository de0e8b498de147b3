"""The shipped CJK font, the figure style and missing glyphs as errors."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import pytest
from fontTools.ttLib import TTFont
from matplotlib import font_manager

from nidb.report import style

UGARITIC_ALPA = "\U00010380"  # in no font nidb uses (nor in DejaVu Sans, the fallback)


@pytest.fixture(autouse=True)
def _styled():
    with warnings.catch_warnings():
        style.apply()
        yield
    plt.close("all")


def test_font_is_one_face_with_licence_and_gb2312_hanzi():
    font = TTFont(style.font_path())
    cmap = font.getBestCmap()
    # first and last hanzi of GB2312 level 1 (啊 B0A1, 座 D7F9) and level 2 (亍 D8A1, 齄 F7FE)
    for char in "啊座亍齄":
        assert ord(char) in cmap, char
    assert font["name"].getDebugName(1) == style.FONT_FAMILY
    licence = style.font_path().with_name("OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence


def test_font_registered_and_used_for_chinese_text():
    found = font_manager.findfont(font_manager.FontProperties(family=style.FONT_FAMILY), fallback_to_default=False)
    assert found == str(style.font_path())


def test_chinese_text_renders_without_missing_glyph_warning():
    fig, ax = plt.subplots()
    ax.set_title("示范基地数量（个）：东部、中部、西部、东北 ①② ≥ ≤ ‰ −12")
    ax.bar(["规模效益", "创新效能"], [1, -2])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = style.figure_png(fig)
    assert png.startswith(b"\x89PNG")
    assert not [w for w in caught if "missing from font" in str(w.message)]


@pytest.mark.parametrize("text", [UGARITIC_ALPA, "龥"])  # 龥 (U+9FA5) is outside GB2312, so outside the subset
def test_glyph_absent_from_font_raises(text):
    fig, ax = plt.subplots()
    ax.set_title(f"基地{text}")
    with pytest.raises(UserWarning, match="missing from font"):
        style.figure_png(fig)


def test_glyph_guard_holds_even_when_filters_are_reset():
    fig, ax = plt.subplots()
    ax.set_title(UGARITIC_ALPA)
    warnings.resetwarnings()
    with pytest.raises(UserWarning, match="missing from font"):
        style.figure_png(fig)


def test_png_bytes_are_deterministic():
    def draw() -> bytes:
        fig, ax = plt.subplots()
        ax.plot([2020, 2021, 2022], [3.0, 1.0, 2.0])
        ax.set_title("综合得分")
        return style.figure_png(fig)

    assert draw() == draw()
