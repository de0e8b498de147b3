"""Validated datasets kept in nidb's cache: the same tables, never stale, inputs only read."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from io_inputs import YEAR, tree_hashes, write_inputs

import nidb.inputs.dataset as dataset_module
from nidb.errors import InputError
from nidb.inputs.dataset import TABLE_NAMES, load_dataset


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("NIDB_CACHE_DIR", str(root))
    monkeypatch.delenv("NIDB_NO_DATASET_CACHE", raising=False)
    return root


def no_validation(monkeypatch) -> None:
    """Make any validation fail loudly, so that a load that succeeds came from the cache."""

    def refuse(*args, **kwargs):
        raise AssertionError("validated again")

    monkeypatch.setattr(dataset_module, "validate_paths", refuse)


def test_a_second_load_of_the_same_files_is_the_stored_dataset(tmp_path, cache, monkeypatch):
    data = write_inputs(tmp_path / "data")
    before = tree_hashes(data)
    first = load_dataset(data, year=YEAR)
    assert len(list((cache / "datasets").glob("*.pickle"))) == 1
    no_validation(monkeypatch)
    second = load_dataset(data, year=YEAR)
    for name in TABLE_NAMES:
        pd.testing.assert_frame_equal(second.table(name), first.table(name))
    assert second.files == first.files
    assert tree_hashes(data) == before  # the inputs are only read


def test_a_changed_file_is_validated_again(tmp_path, cache):
    data = write_inputs(tmp_path / "data")
    load_dataset(data, year=YEAR)
    annual = data / "annual.csv"
    lines = annual.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index(next(h for h in header if "年份" in h))] = "下一年"
    annual.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="下一年"):
        load_dataset(data, year=YEAR)


def test_a_new_file_in_the_directory_and_another_year_are_other_keys(tmp_path, cache, monkeypatch):
    data = write_inputs(tmp_path / "data")
    load_dataset(data, year=YEAR)
    calls = []
    original = dataset_module.validate_paths
    monkeypatch.setattr(dataset_module, "validate_paths", lambda *a, **k: calls.append(1) or original(*a, **k))
    load_dataset(data, year=YEAR + 1)
    (data / "notes.txt").write_text("x", encoding="utf-8")
    load_dataset(data, year=YEAR)
    assert len(calls) == 2


def test_invalid_inputs_are_never_stored(tmp_path, cache):
    data = write_inputs(tmp_path / "data")
    (data / "bases.csv").write_text("基地编号\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(InputError):
            load_dataset(data, year=YEAR)
    assert not list(cache.glob("datasets/*.pickle"))


def test_the_cache_can_be_turned_off_or_be_unwritable(tmp_path, cache, monkeypatch):
    data = write_inputs(tmp_path / "data")
    monkeypatch.setenv("NIDB_NO_DATASET_CACHE", "1")
    load_dataset(data, year=YEAR)
    assert not (cache / "datasets").exists()
    monkeypatch.delenv("NIDB_NO_DATASET_CACHE")
    cache.mkdir()
    (cache / "datasets").write_text("not a folder", encoding="utf-8")  # nothing can be stored there
    assert len(load_dataset(data, year=YEAR).bases) > 0


def test_a_damaged_entry_is_a_miss(tmp_path, cache):
    data = write_inputs(tmp_path / "data")
    load_dataset(data, year=YEAR)
    (entry,) = (cache / "datasets").glob("*.pickle")
    entry.write_bytes(b"damaged")
    assert len(load_dataset(data, year=YEAR).bases) > 0
