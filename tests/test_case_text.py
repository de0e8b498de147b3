"""The staff-written case files: parsing, completeness and the skeleton `nidb cases template` writes."""

from __future__ import annotations

import pytest

from nidb.errors import NidbError
from nidb.report.case_text import STAFF_SECTIONS, TODO, read_staff_text, skeleton


def test_a_skeleton_reads_back_as_incomplete_with_its_theme(tmp_path):
    path = tmp_path / "B0001.md"
    path.write_text(skeleton("示例基地", 2025, "创新驱动", ["2025 年综合得分 80.0 分"]), encoding="utf-8")
    text = read_staff_text(path)
    assert text.theme == "创新驱动"
    assert list(text.sections) == list(STAFF_SECTIONS) and all(TODO in body for body in text.sections.values())
    assert text.missing == list(STAFF_SECTIONS) and not text.complete
    assert "80.0" not in "".join(text.sections.values())  # the data block is not staff text


def test_filled_sections_complete_the_case(tmp_path):
    path = tmp_path / "B0001.md"
    body = "\n\n".join(f"## {s}\n\n{s}的文字。" for s in STAFF_SECTIONS)
    path.write_text(f"# 标题\n\n{body}\n", encoding="utf-8")
    text = read_staff_text(path)
    assert text.complete and text.theme is None and text.sections["主要做法"] == "主要做法的文字。"
    path.write_text(f"# 标题\n\n{body.replace('经验启示的文字。', '')}\n", encoding="utf-8")
    assert read_staff_text(path).missing == ["经验启示"]


def test_a_free_narrative_is_kept_whole(tmp_path):
    path = tmp_path / "B0001.md"
    path.write_text("# 某基地\n\n一段没有小标题的经验介绍。\n", encoding="utf-8")
    text = read_staff_text(path)
    assert text.sections == {"典型经验": "一段没有小标题的经验介绍。"} and not text.complete


def test_bad_front_matter_names_the_file(tmp_path):
    path = tmp_path / "B0001.md"
    path.write_text("---\ntheme: [unclosed\n---\n## 背景\n", encoding="utf-8")
    with pytest.raises(NidbError, match="B0001.md"):
        read_staff_text(path)
