"""tests/snapshot_skips.py, in a run of its own: a skipped snapshot test (a clone without ../shared)
keeps its snapshot and does not fail the run, while a snapshot whose test is gone still does.

With ../shared beside the checkout nothing skips, so the normal run never reaches the patch; this
reproduces the bare clone in a tiny project (syrupy only, one file per snapshot like the SVGs).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

CONFTEST = f"""
import os, sys
sys.path.insert(0, {str(ROOT / "tests")!r})
import snapshot_skips
if not os.environ.get("NO_PATCH"):
    snapshot_skips.install()
"""

TESTS = """
import os
import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension

@pytest.fixture
def snap(snapshot):
    return snapshot.use_extension(SingleFileSnapshotExtension)

@pytest.mark.skipif(bool(os.environ.get("SKIP")), reason="../shared reference material is not present")
def test_needs_shared(snap):
    assert snap == b"drawn with the reference charts"

def test_always(snap):
    assert snap == b"drawn anywhere"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # not this checkout's pyproject options
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_shots.py").write_text(TESTS)
    assert run(tmp_path, "--snapshot-update").returncode == 0  # both snapshots written
    return tmp_path


def run(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in {"SKIP", "NO_PATCH"}}
    environ.update(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", **env)  # syrupy alone: fast
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "syrupy", "-p", "no:cacheprovider", *args],
                          cwd=project, env=environ, capture_output=True, text=True, timeout=60)


def snapshots(project: Path) -> list[str]:
    return sorted(p.name for p in (project / "__snapshots__" / "test_shots").iterdir())


def test_a_skipped_snapshot_test_neither_fails_the_run_nor_loses_its_snapshot(project: Path) -> None:
    assert snapshots(project) == ["test_always.raw", "test_needs_shared.raw"]
    done = run(project, SKIP="1")
    assert done.returncode == 0, done.stdout
    assert "unused" not in done.stdout
    assert run(project, "--snapshot-update", SKIP="1").returncode == 0
    assert snapshots(project) == ["test_always.raw", "test_needs_shared.raw"]  # kept for the runs that reach it


def test_syrupy_alone_calls_it_unused(project: Path) -> None:
    """The behaviour the patch exists for (if a syrupy upgrade fixes it, snapshot_skips can go)."""
    done = run(project, SKIP="1", NO_PATCH="1")
    assert done.returncode == 1 and "1 snapshot unused" in done.stdout, done.stdout


def test_a_snapshot_whose_test_is_gone_still_fails_the_run(project: Path) -> None:
    stale = project / "__snapshots__" / "test_shots" / "test_removed_long_ago.raw"
    stale.write_bytes(b"old")
    done = run(project, SKIP="1")
    assert done.returncode == 1 and "1 snapshot unused" in done.stdout, done.stdout
    assert run(project, "--snapshot-update", SKIP="1").returncode == 0
    assert snapshots(project) == ["test_always.raw", "test_needs_shared.raw"]  # only the stale one deleted
