"""The chapter list: validation with located errors, engine availability, data needs."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from nidb.errors import ConfigError
from nidb.report.chapters import Chapter, available_chapters, load_chapters, unmet_needs


def write(tmp_path, text: str):
    path = tmp_path / "chapters.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_packaged_list_is_valid_and_ordered():
    keys = [c.key for c in load_chapters()]
    assert keys == ["overview", "selection", "stars", "special", "lifecycle", "audit", "screening"]


@pytest.mark.parametrize(("body", "message"), [
    ("chapters: [{key: a, notebook: a.ipynb, title: A}]", r"chapters\[0\] 须含"),
    ("chapters: [{key: a, notebook: a.py, title: A, requires: []}]", r"chapters\[0\]\.notebook"),
    ("chapters: [{key: a, notebook: a.ipynb, title: A, requires: [], needs: [weather]}]", r"chapters\[0\]\.needs"),
    ("chapters: [{key: a, notebook: a.ipynb, title: A, requires: []},"
     " {key: a, notebook: b.ipynb, title: B, requires: []}]", "key 重复"),
    ("pages: []", "chapters 列表"),
])
def test_bad_chapter_lists_name_file_and_key(tmp_path, body, message):
    path = write(tmp_path, body)
    with pytest.raises(ConfigError, match=message) as error:
        load_chapters(path)
    assert str(path) in str(error.value)


def test_chapter_needs_a_notebook_and_importable_engines(tmp_path):
    (tmp_path / "here.ipynb").write_text("{}", encoding="utf-8")
    chapters = (
        Chapter("ok", "here.ipynb", "有", ("nidb.framework",)),
        Chapter("no_engine", "here.ipynb", "无引擎", ("nidb.not_a_module",)),
        Chapter("no_notebook", "gone.ipynb", "无笔记本", ("nidb.framework",)),
    )
    ready, skipped = available_chapters(chapters, tmp_path)
    assert [c.key for c in ready] == ["ok"]
    assert [c.key for c in skipped] == ["no_engine", "no_notebook"]


def test_applicants_need_names_the_years_that_have_some():
    dataset = SimpleNamespace(applicants=pd.DataFrame({"application_year": pd.array([2023, 2025, 2025], "Int64")}))
    chapter = Chapter("selection", "02-selection.ipynb", "遴选", (), ("applicants",))
    assert unmet_needs(chapter, dataset, 2025) is None
    assert unmet_needs(chapter, dataset, 2022) == "2022 年没有申报对象（有申报对象的年份：2023、2025）"
