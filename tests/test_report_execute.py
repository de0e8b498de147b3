"""The papermill runner: parameters, parallel runs, cleaned notebooks, located failures."""

from __future__ import annotations

import json

import nbformat
import pytest

from nidb.report.execute import NotebookError, NotebookJob, clean_notebook, execute_all


def template(path, body: str):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("year = 2000\nname = ''")
    params.metadata["tags"] = ["parameters"]
    params["id"] = "params"
    body_cell = nbformat.v4.new_code_cell(body)
    body_cell["id"] = "body"
    nb.cells = [params, body_cell]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return path


def test_clean_notebook_folds_injected_parameters_and_drops_run_metadata():
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("year = 2000")
    params.metadata["tags"] = ["parameters"]
    injected = nbformat.v4.new_code_cell("# Parameters\nyear = 2025\n")
    injected.metadata.update({"tags": ["injected-parameters"], "papermill": {"duration": 0.1}})
    body = nbformat.v4.new_code_cell("print(year)")
    body.metadata.update({"papermill": {"start_time": "2026-01-01T00:00:00"}, "execution": {"iopub.status.idle": "x"},
                          "tags": []})
    nb.cells = [params, injected, body]
    nb.metadata["papermill"] = {"start_time": "2026-01-01T00:00:00"}
    cleaned = clean_notebook(nb)
    assert [c.source for c in cleaned.cells] == [
        "# Parameters (values used for this run)\nyear = 2025\n", "print(year)",
    ]
    assert cleaned.cells[0].metadata["tags"] == ["parameters"]
    assert cleaned.cells[1].metadata == {}
    assert "papermill" not in cleaned.metadata


@pytest.mark.slow
def test_execute_all_runs_in_parallel_with_parameters(tmp_path):
    source = template(tmp_path / "t.ipynb", "import os\nprint(year, name, os.environ['SOURCE_DATE_EPOCH'])")
    jobs = [NotebookJob(source, tmp_path / "out" / f"{y}.ipynb", {"year": y, "name": "<b>"}) for y in (2024, 2025)]
    done = []
    outputs = execute_all(jobs, workers=2, progress=done.append)
    assert outputs == [job.output for job in jobs]
    assert len(done) == 2
    for year, path in zip((2024, 2025), outputs):
        nb = nbformat.read(str(path), as_version=4)
        assert nb.cells[1].outputs[0]["text"] == f"{year} <b> 1700000000\n"
        assert len(nb.cells) == 2  # the injected cell was folded into the parameters cell
        raw = json.loads(path.read_text(encoding="utf-8"))
        assert "papermill" not in json.dumps(raw) and "iopub" not in json.dumps(raw)


@pytest.mark.slow
def test_failure_names_the_notebook(tmp_path):
    source = template(tmp_path / "bad.ipynb", "raise ValueError('坏数据')")
    with pytest.raises(NotebookError, match="第九章.*ValueError.*坏数据"):
        execute_all([NotebookJob(source, tmp_path / "bad-out.ipynb", {}, label="第九章")], workers=1)


def test_kernel_runs_this_interpreter():
    import sys
    from pathlib import Path

    from jupyter_client.kernelspec import KernelSpecManager

    from nidb.report.execute import kernel_name

    argv0 = KernelSpecManager().get_kernel_spec(kernel_name()).argv[0]
    # jupyter_client starts a bare "python" as sys.executable
    assert argv0 in {"python", "python3"} or Path(argv0).resolve() == Path(sys.executable).resolve()
