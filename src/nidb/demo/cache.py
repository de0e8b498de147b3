"""The cached default demo directory.

The demo lives in the user cache directory (`NIDB_CACHE_DIR` overrides it), in a
sub-directory named after the generator version, a digest of the generator code,
contract and catalogue, and the seed: a changed generator gets a fresh directory.
It is written to a temporary directory first and renamed into place, so parallel
callers never see a half-written demo. Generating a directory prunes, after an hour,
the directories of superseded generators and the staging left by crashed runs.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path


from nidb.demo.writer import (
    DEFAULT_SEED,
    GENERATOR_VERSION,
    generator_digest,
    write_demo,
)
from nidb.errors import NidbError
from nidb.inputs.stored import CACHE_ENV, cache_root

# A staging directory this old was left by a crashed run; a demo directory of another
# generator digest this old is no longer read by anyone and is pruned.
STALE_SECONDS = 3600


def _remove_stale(root: Path, keep_prefix: str) -> None:
    """Delete staging directories of crashed runs and demo directories of older generators."""
    cutoff = time.time() - STALE_SECONDS
    staging = root.glob(".v*-seed*-*")
    superseded = (d for d in root.glob("v*-seed*") if not d.name.startswith(keep_prefix))
    for stale in (*staging, *superseded):
        if stale.is_dir() and stale.stat().st_mtime < cutoff:
            shutil.rmtree(stale, ignore_errors=True)


def demo_dir(seed: int = DEFAULT_SEED) -> Path:
    """The default demo directory for this generator and seed, generated when missing."""
    root = cache_root() / "demo"
    prefix = f"v{GENERATOR_VERSION}-{generator_digest()[:12]}-"
    target = root / f"{prefix}seed{seed}"
    if (target / "README.md").is_file():
        return target
    try:
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=root))
    except OSError as exc:
        raise NidbError(f"无法写入缓存目录 {root}（{exc.strerror}）；请用环境变量 {CACHE_ENV} 指定可写目录。") from None
    _remove_stale(root, prefix)
    try:
        write_demo(staging, seed)
        os.rename(staging, target)
    except OSError:
        if not (target / "README.md").is_file():  # not a lost race: a real failure
            raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target
