"""Notebook parameters are honoured, and a bad year or base id stops in the first cell."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from nidb.demo import demo_dir
from nidb.inputs.dataset import load_dataset
from nidb.report.chapters import notebooks_dir
from nidb.report.execute import NotebookError, NotebookJob, execute_notebook
from nidb.selection import load_selection_method, select
from nidb.selection.method import DEFAULT_METHOD_PATH

pytestmark = pytest.mark.slow
YEAR = 2025


def k_per_dimension_method(folder: Path) -> Path:
    text = DEFAULT_METHOD_PATH.read_text(encoding="utf-8")
    changed = text.replace("quantitative_rule:\n  mode: all\n  k: 1", "quantitative_rule:\n  mode: k_per_dimension\n  k: 2")
    assert changed != text
    path = folder / "selection-k2.yaml"
    path.write_text(changed, encoding="utf-8")
    return path


def markdown_outputs(path: Path) -> str:
    nb = nbformat.read(str(path), as_version=4)
    return "\n".join(o["data"]["text/markdown"] for c in nb.cells if c.cell_type == "code"
                     for o in c.get("outputs", []) if "text/markdown" in o.get("data", {}))


def test_selection_notebook_uses_its_method_parameter_like_nidb_select(tmp_path):
    method = k_per_dimension_method(tmp_path)
    expected = int((select(load_dataset(demo_dir()), YEAR, load_selection_method(method)).summary["overall"]
                    == "通过").sum())
    default = int((select(load_dataset(demo_dir()), YEAR, load_selection_method()).summary["overall"]
                   == "通过").sum())
    assert expected != default  # the method changes the result, so the check below can fail
    out = execute_notebook(NotebookJob(notebooks_dir() / "02-selection.ipynb", tmp_path / "02.ipynb",
                                       {"year": YEAR, "method": str(method)}))
    passed = re.search(r"通过 (\d+) 个", markdown_outputs(out))
    assert passed and int(passed[1]) == expected


@pytest.mark.parametrize(("notebook", "parameters", "message"), [
    ("01-overview.ipynb", {"year": 2031}, "没有 2031 年的数据"),
    ("profile.ipynb", {"year": YEAR, "base_id": "B9999"}, "没有编号为 B9999 的示范基地"),
])
def test_a_missing_year_or_base_stops_in_the_first_cell(tmp_path, notebook, parameters, message):
    with pytest.raises(NotebookError, match=message) as error:
        execute_notebook(NotebookJob(notebooks_dir() / notebook, tmp_path / notebook, parameters))
    assert "InputError" in str(error.value) and "缺失" not in str(error.value)
