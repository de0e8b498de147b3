"""nbval in strict mode on the stored report notebooks (notebooks/ is outside testpaths)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nidb.report.execute import KERNEL_ENV

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_stored_notebooks_reproduce_their_outputs():
    """Every cell of every stored notebook re-runs to the stored output (nbval strict, sanitized)."""
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert len(notebooks) == 8  # seven chapters and the base profile
    env = {**os.environ, **KERNEL_ENV}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env",
         "--nbval-sanitize-with", str(ROOT / "notebooks" / "nbval-sanitize.cfg"),
         "-p", "no:cacheprovider", "-o", "addopts=", "-q", *map(str, notebooks)],
        cwd=ROOT / "notebooks", env=env, capture_output=True, text=True,
    )
    hint = "\nIf an engine changed on purpose, re-store the outputs with `make notebooks` and commit them.\n"
    assert done.returncode == 0, hint + done.stdout[-4000:] + done.stderr[-2000:]


def test_stored_notebooks_carry_no_run_metadata_and_declare_parameters():
    """No papermill timestamps or injected cells are committed; each template has its parameters cell."""
    import nbformat

    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        text = path.read_text(encoding="utf-8")
        assert "papermill" not in text and "injected-parameters" not in text and "iopub." not in text, path.name
        nb = nbformat.read(str(path), as_version=4)
        params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1, path.name
        names = {line.split("=")[0].strip() for line in params[0].source.splitlines() if "=" in line}
        assert {"year", "data_dir", "method", "appendix_dir"} <= names, path.name
        assert any("notice" in c.metadata.get("tags", []) for c in nb.cells), path.name  # the demo-data notice
