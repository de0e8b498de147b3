"""Validated datasets kept between runs in nidb's cache, keyed by what they depend on.

Reading and checking the demo's 13.7 MB of CSV is most of what a command such as
``nidb evaluate`` spends. A dataset that validated without a problem is therefore
stored (pickled) in ``<cache>/datasets/`` under a SHA-256 key over everything its
validation depends on: the resolved input path; the name, size and bytes of every
file in the data directory (or of the workbook); the current year of the
no-future-year rule and the open lists in force; nidb's own code, contract and framework files; and the pandas,
pyarrow and Python versions. Changing any of them gives another key, so an entry is
never stale, only unused: inputs are hashed on every run, never trusted by date. The
input files are only read. A cache that cannot be read or written costs time, not
results; ``NIDB_NO_DATASET_CACHE=1`` turns it off. Only the newest few entries are kept.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

CACHE_ENV = "NIDB_CACHE_DIR"
OFF_ENV = "NIDB_NO_DATASET_CACHE"
KEEP = 4  # entries kept (the newest)
_CODE_SUFFIXES = (".py", ".yaml", ".csv")


def cache_root() -> Path:
    """Root of nidb's cache: $NIDB_CACHE_DIR, else the platform's user cache directory."""
    import platformdirs

    return Path(os.environ.get(CACHE_ENV) or platformdirs.user_cache_dir("nidb"))


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """Digest of nidb's source, contract, framework and reference files, and library versions."""
    import pandas
    import pyarrow

    package = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(f"{sys.version}|{pandas.__version__}|{pyarrow.__version__}".encode())
    for path in sorted(p for p in package.rglob("*") if p.suffix in _CODE_SUFFIXES and p.is_file()):
        h.update(str(path.relative_to(package)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def dataset_key(path: Path, year: int, *, extra: str = "") -> str | None:
    """The key of the dataset read from ``path`` (a directory or a file) for ``year`` and
    ``extra`` (other settings of the validation, as text); None when an input cannot be
    read (validation then reports it) or when caching is off (nothing to look up, nothing hashed)."""
    if os.environ.get(OFF_ENV):
        return None
    h = hashlib.sha256(f"{_code_digest()}|{path.resolve()}|{year}|{extra}".encode())
    try:
        files = sorted(path.iterdir()) if path.is_dir() else [path]
        for file in files:
            h.update(f"|{file.name}|{file.is_dir()}".encode())
            if file.is_file():
                data = file.read_bytes()
                h.update(f"{len(data)}|".encode())
                h.update(data)
    except OSError:
        return None
    return h.hexdigest()


def _folder() -> Path:
    return cache_root() / "datasets"


def load_stored(key: str | None) -> Any | None:
    """The stored object of ``key``, or None (none stored, caching off, unreadable)."""
    if key is None or os.environ.get(OFF_ENV):
        return None
    try:
        with open(_folder() / f"{key}.pickle", "rb") as handle:
            return pickle.load(handle)
    except Exception:  # a missing, partial or foreign entry is a cache miss
        return None


def store(key: str | None, value: Any) -> None:
    """Store ``value`` under ``key`` (atomically: written aside, then renamed) and prune old entries."""
    if key is None or os.environ.get(OFF_ENV):
        return
    folder = _folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".part", delete=False) as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, folder / f"{key}.pickle")
        entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
        for part in folder.glob("*.part"):  # left by a run killed while writing, if old
            if part.stat().st_mtime < (folder / f"{key}.pickle").stat().st_mtime - 3600:
                part.unlink(missing_ok=True)
    except OSError:
        return
