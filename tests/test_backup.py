"""mipwizard backup: one 0600 archive, a manifest that verifies, dumps taken in the containers."""

from __future__ import annotations

import json
import os
import tarfile
from pathlib import Path

import pytest

from mipwizard.cli.main import main
from tests.backup_fakes import seed_mip_state
from tests.conftest import EXTERNAL_SECRET, INTERNAL_SECRET, install_fake_cluster


@pytest.fixture
def mip(fake_toolchain, answers_data, tmp_path, monkeypatch):
    fake = install_fake_cluster(fake_toolchain, answers_data, tmp_path, monkeypatch)
    fake.mip_path = tmp_path / "mip-deployment"
    fake.seeded = seed_mip_state(fake, fake.mip_path)
    (tmp_path / "state" / "mip-secret.yaml").write_text("portalbackend-db.DB_ADMIN_PASSWORD: gen-Pass-93jf02kd\n")
    os.chmod(tmp_path / "state" / "mip-secret.yaml", 0o600)
    return fake


def _members(path: Path) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(path) as tar:
        return {m.name: m for m in tar.getmembers()}


def _manifest(path: Path) -> dict:
    with tarfile.open(path) as tar:
        handle = tar.extractfile("MANIFEST.json")
        assert handle is not None
        return json.loads(handle.read())


def test_backup_archive_is_private_and_its_manifest_verifies(mip, tmp_path, capsys):
    out = tmp_path / "b.tar.gz"
    assert main(["backup", "-o", str(out)]) == 0
    assert (out.stat().st_mode & 0o777) == 0o600
    members = _members(out)
    assert "roots/stored_data/portalbackenddb/PG_VERSION" in members
    assert "roots/config/keycloak/keycloak.json" in members
    assert "roots/answers" in members
    assert "roots/profile-kubernetes.direct" in members
    assert "roots/state.mip-secret.yaml" in members
    dumps = sorted(n for n in members if n.startswith("dumps/"))
    assert dumps == [
        "dumps/default.deployment.gateway.gateway-db.sql",
        "dumps/default.deployment.keycloak.keycloak-db.sql",
        "dumps/default.deployment.portalbackend.portalbackend-db.sql",
    ]
    manifest = _manifest(out)
    assert {d["major"] for d in manifest["databases"]} == {11, 12, 14}
    assert manifest["commits"]["mip_deployment"]
    assert manifest["members"]["roots/stored_data/portalbackenddb/PG_VERSION"]["size"] == 3
    capsys.readouterr()
    assert main(["backup", "--verify", str(out)]) == 0
    assert "members match MANIFEST.json" in capsys.readouterr().out
    # The dump was taken inside the database's container, as its own $POSTGRES_USER: no password in any argv.
    execs = [c for c in mip.calls() if c[:3] == ["microk8s", "kubectl", "exec"]]
    assert len(execs) == 3
    assert all("pg_dumpall" in c[-1] and "${POSTGRES_USER" in c[-1] for c in execs)


def test_no_secret_in_manifest_or_output(mip, tmp_path, capsys):
    out = tmp_path / "b.tar.gz"
    assert main(["backup", "-o", str(out)]) == 0
    text = json.dumps(_manifest(out)) + capsys.readouterr().out
    for secret in (EXTERNAL_SECRET, INTERNAL_SECRET, "gen-Pass-93jf02kd"):
        assert secret not in text
    for call in mip.calls():
        assert not any(s in " ".join(call) for s in (EXTERNAL_SECRET, "gen-Pass-93jf02kd"))


def test_corrupted_archive_fails_verification(mip, tmp_path, capsys):
    out = tmp_path / "b.tar.gz"
    assert main(["backup", "-o", str(out), "--no-dumps"]) == 0
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0xFF
    out.write_bytes(bytes(data))
    capsys.readouterr()
    assert main(["backup", "--verify", str(out)]) == 1
    assert "damaged" in capsys.readouterr().err


def test_with_data_and_keep(mip, tmp_path, capsys):
    data = tmp_path / "data" / "mipfed1" / "dementia"
    (data / "a.csv").write_text("subjectcode,age\n1,70\n")
    folder = tmp_path / "backups"
    folder.mkdir()
    for n in range(3):
        old = folder / f"mipwizard-backup-old-2026010{n}-000000.tar.gz"
        old.write_bytes(b"x")
        os.utime(old, (1000 + n, 1000 + n))
    assert main(["backup", "-o", str(folder), "--with-data", "--keep", "2", "--no-dumps"]) == 0
    left = sorted(p.name for p in folder.iterdir())
    assert len(left) == 2 and "mipwizard-backup-old-20260102-000000.tar.gz" in left
    made = next(p for p in folder.iterdir() if "old" not in p.name)
    assert "roots/data/dementia/a.csv" in _members(made)
    assert "pruned" in capsys.readouterr().out


def test_encrypted_backup_is_age_and_verifies_with_the_passphrase(mip, tmp_path, capsys):
    import pyrage

    secret = tmp_path / "pass"
    secret.write_text("correct horse battery\n")
    out = tmp_path / "b.tar.gz"
    assert main(["backup", "-o", str(out), "--encrypt", "--passphrase-file", str(secret), "--no-dumps"]) == 0
    enc = tmp_path / "b.tar.gz.age"
    assert not out.exists() and (enc.stat().st_mode & 0o777) == 0o600
    assert enc.read_bytes().startswith(b"age-encryption.org/v1\n")
    plain = pyrage.passphrase.decrypt(enc.read_bytes(), "correct horse battery")
    assert plain[:2] == b"\x1f\x8b"  # a gzip: any age tool gives back the plain archive
    assert main(["backup", "--verify", str(enc), "--passphrase-file", str(secret)]) == 0
    secret.write_text("wrong passphrase!\n")
    assert main(["backup", "--verify", str(enc), "--passphrase-file", str(secret)]) == 1
    assert "wrong passphrase" in capsys.readouterr().err


def test_schedule_writes_a_timer_and_unschedule_removes_it(mip, tmp_path, monkeypatch, capsys):
    units = tmp_path / "systemd"
    units.mkdir()
    monkeypatch.setenv("MIPWIZARD_SYSTEMD_DIR", str(units))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "systemctl.log"
    (bin_dir / "systemctl").write_text(f'#!/bin/sh\necho "$@" >> {log}\n')
    (bin_dir / "systemctl").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    assert main(["backup", "--schedule", "daily", "--keep", "5", "--with-data"]) == 0
    timer = (units / "mipwizard-backup.timer").read_text()
    service = (units / "mipwizard-backup.service").read_text()
    assert "OnCalendar=daily" in timer and "Persistent=true" in timer
    assert "backup --with-data --keep 5" in service and "Type=oneshot" in service
    assert log.read_text().splitlines() == ["daemon-reload", "enable --now mipwizard-backup.timer"]
    assert main(["backup", "--unschedule"]) == 0
    assert not any(units.iterdir())
    assert "disable --now mipwizard-backup.timer" in log.read_text()


def test_backup_refuses_to_overwrite(mip, tmp_path, capsys):
    out = tmp_path / "b.tar.gz"
    out.write_text("keep me")
    assert main(["backup", "-o", str(out)]) == 1
    assert out.read_text() == "keep me"
    assert "never overwritten" in capsys.readouterr().err
