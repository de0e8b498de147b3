"""The report's output folder: writable check, lock against a second run, leftovers of a killed run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nidb.errors import NidbError
from nidb.report.workspace import check_writable, clean_leftovers, output_lock


def test_unwritable_output_is_one_line_before_any_work(tmp_path: Path):
    blocker = tmp_path / "报告.txt"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    with pytest.raises(NidbError) as err:
        check_writable(blocker / "reports")
    assert str(err.value).startswith(f"输出目录不可写：{blocker / 'reports'}")
    assert "\n" not in str(err.value)


def _make_read_only(folder: Path, on: bool) -> bool:
    """Make `folder` unwritable (for root, whom modes do not stop: the immutable attribute)."""
    if os.geteuid() != 0:
        folder.chmod(0o555 if on else 0o755)
        return True
    done = subprocess.run(["chattr", "+i" if on else "-i", str(folder)], capture_output=True)
    return done.returncode == 0


def test_read_only_output_folder(tmp_path: Path):
    out = tmp_path / "reports"
    out.mkdir()
    if not _make_read_only(out, True):
        pytest.skip("this file system cannot make a folder read-only for root")
    try:
        with pytest.raises(NidbError) as err:
            check_writable(out)
        assert str(err.value).startswith(f"输出目录不可写：{out}（") and "\n" not in str(err.value)
    finally:
        _make_read_only(out, False)


def test_second_run_into_the_same_folder_stops_with_a_clear_message(tmp_path: Path):
    out = tmp_path / "reports"
    holder = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from nidb.report.workspace import output_lock\n"
        "with output_lock(Path(sys.argv[1])):\n"
        "    print('held', flush=True)\n"
        "    time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", holder, str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        with pytest.raises(NidbError, match="另一个 nidb 正在写入此目录"):
            with output_lock(out):
                pass
    finally:
        proc.kill()
        proc.wait()
    with output_lock(out):  # released when the holder died, however it died
        pass
    assert list(out.iterdir()) == []  # no lock file left behind


def test_leftovers_of_a_killed_run_are_removed_and_a_half_swap_undone(tmp_path: Path):
    out = tmp_path / "reports"
    (out / ".build-2024-abc" / "appendix").mkdir(parents=True)
    (out / ".site-xyz").mkdir()
    (out / "2024").mkdir()
    (out / "2024" / "new.txt").write_text("new", encoding="utf-8")
    (out / ".2024.previous-123").mkdir()  # the swap finished: the kept copy goes
    (out / ".2023.previous-77").mkdir()  # killed between the two renames: the old year comes back
    (out / ".2023.previous-77" / "old.txt").write_text("old", encoding="utf-8")
    clean_leftovers(out)
    assert sorted(p.name for p in out.iterdir()) == ["2023", "2024"]
    assert (out / "2023" / "old.txt").read_text(encoding="utf-8") == "old"
