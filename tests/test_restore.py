"""mipwizard restore: byte-identical files, the damaged state kept aside, a damaged archive refused
before anything is stopped, and kill -9 at every stage followed by the same command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mipwizard.cli.main import main
from tests.backup_fakes import replicas, seed_mip_state, tree
from tests.conftest import install_fake_cluster

STAGES = ["planned", "stopping", "stopped", "extracting", "extracted", "swapping", "swapped", "starting",
          "started", "ready"]


@pytest.fixture
def mip(fake_toolchain, answers_data, tmp_path, monkeypatch):
    fake = install_fake_cluster(fake_toolchain, answers_data, tmp_path, monkeypatch)
    fake.mip_path = tmp_path / "mip-deployment"
    seed_mip_state(fake, fake.mip_path)
    fake.archive = tmp_path / "b.tar.gz"
    assert main(["backup", "-o", str(fake.archive)]) == 0
    fake.good = {name: tree(fake.mip_path / name) for name in (".stored_data", "config")}
    fake.good_profile = (fake.chart / ".direct").read_bytes()
    return fake


def damage(fake) -> dict[str, dict]:
    pg = fake.mip_path / ".stored_data" / "portalbackenddb"
    (pg / "base" / "16384" / "2619").write_text("garbage")
    (pg / "PG_VERSION").unlink()
    (pg / "new-file").write_text("written after the backup")
    (fake.mip_path / "config" / "keycloak" / "keycloak.json").write_text("{}")
    (fake.chart / ".direct").write_text("broken: [")
    return {name: tree(fake.mip_path / name) for name in (".stored_data", "config")}


def _asides(folder: Path, name: str) -> list[Path]:
    return sorted(folder.glob(f"{name}.before-restore-*"))


def test_backup_damage_restore_gives_identical_files_and_keeps_the_damage_aside(mip, capsys):
    damaged = damage(mip)
    capsys.readouterr()
    assert main(["restore", str(mip.archive), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "restored:" in out and "Ready" in out
    for name in (".stored_data", "config"):
        assert tree(mip.mip_path / name) == mip.good[name]
        (aside,) = _asides(mip.mip_path, name)
        assert tree(aside) == damaged[name]
    assert (mip.chart / ".direct").read_bytes() == mip.good_profile
    assert (mip.chart / ".direct").stat().st_mode & 0o777 == 0o600
    # Stopped (scale to 0) and started again with the replicas it had.
    scales = [c for c in mip.calls() if c[:3] == ["microk8s", "kubectl", "scale"]]
    assert ["microk8s", "kubectl", "scale", "deployment/portalbackend", "-n", "default", "--replicas=0"] in scales
    assert ["microk8s", "kubectl", "scale", "deployment/portalbackend", "-n", "default", "--replicas=1"] in scales
    assert replicas(mip) == {"frontend": 1, "gateway": 1, "portalbackend": 1, "keycloak": 1,
                             "exareme2-controller": 1}
    assert not (Path(os.environ["MIPWIZARD_STATE_DIR"]) / "restore-journal.json").exists()


def test_corrupted_archive_is_refused_before_anything_is_stopped(mip, capsys):
    data = bytearray(mip.archive.read_bytes())
    data[len(data) // 3] ^= 0x55
    mip.archive.write_bytes(bytes(data))
    damaged = damage(mip)
    before = len(mip.calls())
    assert main(["restore", str(mip.archive), "--yes"]) == 1
    assert "damaged" in capsys.readouterr().err
    assert not any(c[:3] == ["microk8s", "kubectl", "scale"] for c in mip.calls()[before:])
    assert tree(mip.mip_path / ".stored_data") == damaged[".stored_data"]
    assert not _asides(mip.mip_path, ".stored_data")


def test_dry_run_changes_nothing(mip, capsys):
    damaged = damage(mip)
    assert main(["restore", str(mip.archive), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "dry run: nothing was changed" in out and "moved aside" in out
    assert tree(mip.mip_path / ".stored_data") == damaged[".stored_data"]
    assert not any(c[:3] == ["microk8s", "kubectl", "scale"] for c in mip.calls())


def test_replay_dumps_puts_the_databases_back(mip, capsys):
    content = mip.mip_path / ".stored_data" / "portalbackenddb" / "fake-db.sql"
    good = content.read_text()
    assert main(["restore", str(mip.archive), "--yes", "--replay-dumps"]) == 0
    assert content.read_text() == good
    assert "replayed the dump into default/deployment/portalbackend" in capsys.readouterr().out


def _run(fake, *args: str, crash: str | None = None) -> subprocess.CompletedProcess[str]:
    env = fake.env()
    if crash:
        env["MIPWIZARD_TEST_CRASH_AT"] = crash
    return subprocess.run([sys.executable, "-m", "mipwizard", *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def _all_files(folder: Path, name: str) -> dict[str, str]:
    """sha of every file in the root, its staging copy and its aside copies, by path relative to each."""
    found: dict[str, str] = {}
    for place in sorted(folder.glob(f"{name}*")):
        for rel, (sha, _mode) in tree(place).items():
            if sha != "dir":
                found[f"{place.name}/{rel}"] = sha
    return found


@pytest.mark.parametrize("stage", STAGES)
def test_kill_9_at_each_stage_then_the_same_command_completes(mip, stage):
    damaged = damage(mip)
    result = _run(mip, "restore", str(mip.archive), "--yes", crash=stage)
    assert result.returncode == -9, result.stderr
    # Nothing lost at the moment of the kill: every damaged file is in the live folder or set aside.
    live_or_aside = {}
    for place in [mip.mip_path / ".stored_data", *_asides(mip.mip_path, ".stored_data")]:
        for rel, (sha, _mode) in tree(place).items():
            live_or_aside.setdefault(rel, set()).add(sha)
    for rel, (sha, _mode) in damaged[".stored_data"].items():
        assert sha in live_or_aside.get(rel, set()), f"{rel} lost after kill at {stage}"
    again = _run(mip, "restore", str(mip.archive), "--yes")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "resuming the restore" in again.stdout
    for name in (".stored_data", "config"):
        assert tree(mip.mip_path / name) == mip.good[name]
        (aside,) = _asides(mip.mip_path, name)
        assert tree(aside) == damaged[name]
    assert not list(mip.mip_path.glob("*.mipwizard-restore-*"))
    assert set(replicas(mip).values()) == {1}


@pytest.mark.parametrize("stage", ["stopping", "extracting", "swapping", "started"])
def test_kill_9_then_rollback_puts_the_previous_state_back(mip, stage):
    damaged = damage(mip)
    assert _run(mip, "restore", str(mip.archive), "--yes", crash=stage).returncode == -9
    back = _run(mip, "restore", "--rollback", "--yes")
    assert back.returncode == 0, back.stdout + back.stderr
    for name in (".stored_data", "config"):
        assert tree(mip.mip_path / name) == damaged[name]
    assert not list(mip.mip_path.glob("*.mipwizard-restore-*"))
    assert set(replicas(mip).values()) == {1}


def test_another_archive_while_a_restore_is_unfinished_is_refused(mip, tmp_path):
    assert _run(mip, "restore", str(mip.archive), "--yes", crash="stopped").returncode == -9
    other = tmp_path / "other.tar.gz"
    assert main(["backup", "-o", str(other), "--no-dumps"]) == 0
    result = _run(mip, "restore", str(other), "--yes")
    assert result.returncode == 1 and "is unfinished" in result.stderr
