"""The benchmark scripts stay runnable: each one's imports resolve (they are not run here:
`make bench` runs them and prints the figures)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.mark.parametrize("script", sorted(BENCHMARKS.glob("bench_*.py")), ids=lambda p: p.stem)
def test_benchmark_script_imports(script: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # the scripts import their shared helpers as `timing`
    namespace = runpy.run_path(str(script), run_name="benchmark_import_check")  # top level only, no main()
    assert callable(namespace.get("main")), f"{script.name} has no main()"
    sys.modules.pop("timing", None)
