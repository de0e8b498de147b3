"""A Quarto render leaves the repository clean: Quarto finds its `.gitignore` line already
there, and everything a render writes is ignored (else every later manifest records
`git.dirty: true`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GITIGNORE = ROOT / ".gitignore"
#: what a render of _quarto.yml writes (scratch, site, freezer, figure folders, staging)
RENDER_OUTPUTS = [
    ".quarto/xref/index.json",
    "reports/.quarto/idx/x.json",
    "_freeze/reports/2025/01-overview/execute-results/html.json",
    "reports/_site/index.html",
    "reports/.site-abc123/index.html",
    "reports/.build-2025-x/01-overview.ipynb",
    "reports/2025/01-overview_files/figure-html/cell-3-output-1.png",
    "index_files/libs/bootstrap/bootstrap.min.css",
    "reports/2025/methodology.quarto_ipynb",
    "reports/profiles/2025/B001.qmd",
    "reports/explore.qmd",  # the navbar's 探索 page, written by `nidb report`
]
git = shutil.which("git")
in_git = git is not None and (ROOT / ".git").exists()


def quarto_entries_to_add(root: Path) -> list[str]:
    """The lines Quarto's `ensureGitignore` (src/project/project-gitignore.ts) would append."""
    lines = [line.strip() for line in (root / ".gitignore").read_text(encoding="utf-8").splitlines()]
    required = ["/.quarto/"]
    if (root / "env" / "pyvenv.cfg").exists() or (root / "env" / "conda-meta").exists():
        required.insert(0, "/env/")
    missing = [entry for entry in required if entry not in lines]
    if "/_*.local" not in lines and any(p.name.startswith("_") and p.name.endswith(".local") for p in root.iterdir()):
        missing.append("/_*.local")
    return missing


def test_quarto_finds_its_line_and_appends_nothing():
    assert "/.quarto/" in GITIGNORE.read_text(encoding="utf-8").splitlines()
    assert quarto_entries_to_add(ROOT) == []


def test_quarto_would_append_to_a_gitignore_without_the_line(tmp_path):
    (tmp_path / ".gitignore").write_text(GITIGNORE.read_text(encoding="utf-8").replace("/.quarto/\n", ""))
    assert quarto_entries_to_add(tmp_path) == ["/.quarto/"]


@pytest.mark.skipif(not in_git, reason="needs git and the repository")
@pytest.mark.parametrize("path", RENDER_OUTPUTS)
def test_what_a_render_writes_is_ignored(path):
    done = subprocess.run([git, "check-ignore", "--no-index", "-q", path], cwd=ROOT)
    assert done.returncode == 0, f"{path} is not ignored"


@pytest.mark.skipif(not in_git, reason="needs git and the repository")
def test_no_tracked_file_is_ignored():
    done = subprocess.run(
        [git, "ls-files", "--cached", "--ignored", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout == ""
