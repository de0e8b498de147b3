"""`nidb report` under faults, run as the user runs it (a subprocess): killed while notebooks run
and while the site renders, a second run into the same folder, and a rerun that must give the
same bytes. A killed run leaves the previous year folder and site exactly as they were, its
workers and kernels end with it, and the next run removes what it left.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from test_report_pipeline import demo_subset

pytestmark = pytest.mark.slow
EPOCH = "1700000000"


def command(data: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "nidb.cli", "report", "--data", str(data), "--out", str(out)]


def environment() -> dict[str, str]:
    return {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONHASHSEED": "0"}


def tree(folder: Path) -> dict[str, str]:
    """SHA-256 of every file, leftovers of a run (dot folders) excluded."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.relative_to(folder).parts[0].startswith(".")
    }


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def start(data: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(command(data, out), env=environment(), stderr=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)


def wait_for(proc: subprocess.Popen, fragment: str, timeout: float = 900) -> None:
    """Read the run's progress lines until one contains `fragment`."""
    deadline = time.monotonic() + timeout
    for line in proc.stderr:
        if fragment in line:
            return
        assert time.monotonic() < deadline, f"no progress line with {fragment!r}"
    pytest.fail(f"the run ended before {fragment!r} (exit {proc.wait()})")


def kill_and_check_no_orphans(proc: subprocess.Popen) -> None:
    """SIGKILL the run; every worker and kernel it started must end too."""
    children = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    _, alive = psutil.wait_procs(children, timeout=30)
    assert alive == [], f"processes still running after the report was killed: {[p.cmdline() for p in alive]}"


def test_faults_leave_the_previous_report_and_rebuilds_are_byte_identical(tmp_path):
    """One sequence (the steps depend on each other): build; a second run stops while a run
    executes notebooks, which is then killed; a run killed while rendering; a rerun."""
    data = demo_subset(tmp_path / "data")
    out = tmp_path / "reports"
    done = subprocess.run(command(data, out), env=environment(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    before = tree(out)
    assert "_site/index.html" in before and any(name.endswith("/manifest.json") for name in before)
    assert leftovers(out) == []
    notebooks = [name for name in before if name.endswith(".ipynb")]
    assert notebooks and all(".build-" not in (out / name).read_text(encoding="utf-8") for name in notebooks)

    # a second run into the same folder stops; the first, killed while its notebooks run, changes nothing
    proc = start(data, out)
    try:
        wait_for(proc, "个章节笔记本")
        second = subprocess.run(command(data, out), env=environment(), capture_output=True, text=True, timeout=600)
        assert second.returncode == 1
        assert second.stderr.strip().splitlines()[-1].startswith(f"错误：另一个 nidb 正在写入此目录：{out}")
        assert "Traceback" not in second.stderr
        time.sleep(3)  # let the kernels start and write
    finally:
        kill_and_check_no_orphans(proc)
    assert tree(out) == before
    assert leftovers(out)  # the killed run's staging folder, removed by the next run

    # killed while the site renders: the previous year folder and site are as they were
    proc = start(data, out)
    try:
        wait_for(proc, "生成 HTML 预览")
    finally:
        kill_and_check_no_orphans(proc)
    assert tree(out) == before

    # the next run removes the leftovers and gives the same bytes (SOURCE_DATE_EPOCH is set)
    done = subprocess.run(command(data, out), env=environment(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert leftovers(out) == []
    after = tree(out)
    assert after.keys() == before.keys()
    assert [name for name in after if after[name] != before[name]] == []
