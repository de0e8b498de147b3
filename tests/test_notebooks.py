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
    assert len(notebooks) == 7  # six chapter groups and the base profile
    env = {**os.environ, **KERNEL_ENV}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env",
         "--nbval-sanitize-with", str(ROOT / "notebooks" / "nbval-sanitize.cfg"),
         "-p", "no:cacheprovider", "-o", "addopts=", "-q", *map(str, notebooks)],
        cwd=ROOT / "notebooks", env=env, capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
