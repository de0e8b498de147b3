"""The run manifest: input hashes, parameters, method, package versions, git commit."""

from __future__ import annotations

import json
import subprocess

import pytest

from nidb.report.manifest import (
    build_manifest,
    build_time,
    git_state,
    input_hashes,
    write_manifest,
)

ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # FIPS 180-2 test vector
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def inputs(tmp_path):
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (data / "bases.csv").write_bytes(b"abc")
    (data / "sub" / "empty.csv").write_bytes(b"")
    method = tmp_path / "method.yaml"
    method.write_text("name: 测试方法\n", encoding="utf-8")
    return data, method


def test_input_hashes_are_sha256_of_each_file(inputs):
    data, _ = inputs
    assert input_hashes(data) == {"bases.csv": ABC_SHA256, "sub/empty.csv": EMPTY_SHA256}


def test_git_state_records_commit_and_dirty_flag(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "f.txt").write_text("1")
    git(repo, "add", "f.txt")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "init")
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert git_state(repo) == {"commit": head, "dirty": False}
    (repo / "f.txt").write_text("2")
    assert git_state(repo) == {"commit": head, "dirty": True}


def test_git_state_outside_a_repository(tmp_path):
    assert git_state(tmp_path) == {"commit": None, "dirty": None}


def test_build_time_honours_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")
    assert build_time() == "1970-01-02T00:00:00+00:00"


def test_manifest_holds_everything_needed_to_rebuild(inputs, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    data, method = inputs
    manifest = build_manifest(
        data_dir=data, method_file=method, parameters={"year": 2025}, chapters=["overview"],
        seeds={"PYTHONHASHSEED": 0}, repo=tmp_path, demo=True,
    )
    assert manifest["inputs"]["bases.csv"] == ABC_SHA256
    assert manifest["method"]["content"] == "name: 测试方法\n"
    assert manifest["method"]["sha256"] == input_hashes(method.parent)["method.yaml"]
    assert manifest["parameters"] == {"year": 2025}
    assert manifest["built_at"] == "1970-01-01T00:00:00+00:00"
    assert manifest["demo_data"] is True
    assert manifest["packages"]["pandas"].split(".")[0] == "3"
    assert manifest["git"] == {"commit": None, "dirty": None}
    path = write_manifest(manifest, tmp_path / "manifest.json")
    assert json.loads(path.read_text(encoding="utf-8")) == manifest


def test_a_workbook_given_as_data_is_hashed(tmp_path):
    import hashlib

    from nidb.report.manifest import input_hashes

    workbook = tmp_path / "填报.xlsx"
    workbook.write_bytes(b"PK\x03\x04 workbook bytes")
    assert input_hashes(workbook) == {"填报.xlsx": hashlib.sha256(workbook.read_bytes()).hexdigest()}
