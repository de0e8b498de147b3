"""Run manifest: what went into a report, so that anyone can rebuild it byte for byte.

Records SHA-256 hashes of every input file, the parameters, the method file (path, hash
and content), versions of Python and of the packages that shape results, the git commit
of the code (with a dirty flag) and the seeds in force.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from nidb.output import build_moment

MANIFEST_VERSION = 1
PACKAGES = (
    "nidb", "numpy", "pandas", "scipy", "statsmodels", "SALib", "openpyxl",
    "pyyaml", "matplotlib", "papermill", "nbclient", "nbconvert", "nbformat", "ipykernel",
)


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def input_hashes(data_dir: Path) -> dict[str, str]:
    """SHA-256 of every file under `data_dir`, keyed by its POSIX path relative to it; for a
    single workbook given as data, of that file, keyed by its name."""
    if data_dir.is_file():
        return {data_dir.name: file_sha256(data_dir)}
    return {
        path.relative_to(data_dir).as_posix(): file_sha256(path)
        for path in sorted(data_dir.rglob("*"))
        if path.is_file()
    }


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str | None]:
    """Installed version of each named distribution (None when not installed)."""
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_state(repo: Path) -> dict[str, Any]:
    """Commit hash of `repo` and whether its tracked files differ from it (None outside git)."""
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None}
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def build_time() -> str:
    """ISO time of the build: SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    return build_moment()[0].isoformat()


def build_manifest(
    *,
    data_dir: Path,
    method_file: Path | None,
    parameters: dict[str, Any],
    chapters: list[str],
    seeds: dict[str, int],
    repo: Path,
    demo: bool,
    rule_files: dict[str, Path] | None = None,
) -> dict[str, Any]:
    """The manifest of one report run as a JSON-ready dict.

    `rule_files` names the rule and method files the run read (framework, methods, rules),
    each recorded with its path and SHA-256.
    """
    method: dict[str, Any] | None = None
    if method_file is not None:
        method = {
            "path": str(method_file),
            "sha256": file_sha256(method_file),
            "content": method_file.read_text(encoding="utf-8"),
        }
    return {
        "manifest_version": MANIFEST_VERSION,
        "built_at": build_time(),
        "built_clock": build_moment()[1],
        "parameters": parameters,
        "demo_data": demo,
        "data_dir": str(data_dir),
        "inputs": input_hashes(data_dir),
        "method": method,
        "rule_files": {
            label: {"path": str(path), "sha256": file_sha256(path)} for label, path in (rule_files or {}).items()
        },
        "chapters": chapters,
        "seeds": seeds,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": package_versions(),
        "git": git_state(repo),
    }


def write_manifest(manifest: dict[str, Any], path: Path) -> Path:
    """Write a manifest as sorted, indented UTF-8 JSON and return its path."""
    path.write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return path
