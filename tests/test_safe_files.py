"""Privilege-safe files: no link followed where a user could plant one; private files checked."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from mipwizard.core.data.folders import folder_commands
from mipwizard.core.errors import UserError
from mipwizard.core.fileio import atomic_write_set, recover_set
from mipwizard.core.fingerprint import keyed_fingerprint, machine_key
from mipwizard.core.lock import InstallLock, InstallLocked
from mipwizard.core.logfile import LogFile
from mipwizard.core.safe_fs import UnsafePath, ensure_private_dir, read_regular_file

from .conftest import disk_full_at_write

ADMIN_UID = 4242  # a less-privileged user (we run as root)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_a_planted_link_in_the_data_folders_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data).mkdir()
    victim = tmp_path / "root-home"
    victim.mkdir()
    os.chown(data, ADMIN_UID, ADMIN_UID)  # a data root the admin user owns: it can plant links there
    (data / "mipfed1").symlink_to(victim)
    with pytest.raises(UnsafePath, match=r"mipfed1 is a symbolic link .* remove the link"):
        folder_commands(data, "mipfed1", ["dementia"], "mipadmin:mipadmin")
    (data / "mipfed1").unlink()
    (data / "mipfed1").mkdir()
    os.chown(data / "mipfed1", ADMIN_UID, ADMIN_UID)  # the federation folder: the admin user's
    (data / "mipfed1" / "dementia").symlink_to(victim)
    with pytest.raises(UnsafePath, match="dementia is a symbolic link"):
        folder_commands(data, "mipfed1", ["dementia"], "mipadmin:mipadmin")


def test_data_folder_commands_never_follow_links_or_take_options(tmp_path: Path) -> None:
    mkdir, chown = folder_commands(tmp_path, "fed", ["dementia"], "u:g")
    assert mkdir[:3] == ["mkdir", "-p", "--"]
    assert chown[:4] == ["chown", "-h", "--", "u:g"]


def test_log_file_never_follows_a_link_and_is_made_private(tmp_path: Path) -> None:
    target = tmp_path / "etc-shadow"
    target.write_text("root:x\n")
    logs = tmp_path / "logs"
    logs.mkdir(mode=0o755)
    (logs / "install.log").symlink_to(target)
    with pytest.raises(UnsafePath, match="is a symbolic link"):
        LogFile(logs / "install.log")
    assert target.read_text() == "root:x\n"
    (logs / "install.log").unlink()
    (logs / "install.log").write_text("old\n")
    (logs / "install.log").chmod(0o644)
    with LogFile(logs / "install.log") as log:
        log.write_lines(["new"])
    assert mode(logs / "install.log") == 0o600 and mode(logs) == 0o700  # checked and fixed, not trusted


def test_private_folder_is_checked(tmp_path: Path) -> None:
    made = ensure_private_dir(tmp_path / "state" / "deep")
    assert mode(made) == 0o700
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "linked").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(UnsafePath, match="symbolic link"):
        ensure_private_dir(tmp_path / "linked")


@pytest.mark.parametrize("kind", ["fifo", "device", "folder", "huge"])
def test_inputs_must_be_small_regular_files(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "answers.yaml"
    if kind == "fifo":
        os.mkfifo(path)  # opening it for reading would block forever without O_NONBLOCK
    elif kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "folder":
        path.mkdir()
    else:
        path.write_bytes(b"x" * 2000)
    with pytest.raises(UserError) as caught:
        read_regular_file(path, max_bytes=1000, what="answers file")
    assert str(path) in str(caught.value)


def test_install_lock_names_its_holder_and_is_taken_over_when_free(tmp_path: Path) -> None:
    first = InstallLock(tmp_path / "install.lock", command="mipwizard install --yes").acquire()
    with pytest.raises(InstallLocked) as caught:
        InstallLock(tmp_path / "install.lock").acquire()
    assert f"pid {os.getpid()}" in str(caught.value) and "mipwizard install --yes" in str(caught.value)
    first.release()
    # a holder that died left its note: the lock is free (the kernel dropped it), so it is taken over
    (tmp_path / "install.lock").write_text(json.dumps({"pid": 999999, "started": "long ago"}))
    with InstallLock(tmp_path / "install.lock") as second:
        assert second.held
    assert mode(tmp_path / "install.lock") == 0o600


def test_keyed_fingerprint_uses_a_private_machine_key(tmp_path: Path) -> None:
    key = machine_key(tmp_path)
    assert len(key) == 32 and mode(tmp_path / "fingerprint.key") == 0o600
    assert keyed_fingerprint("profile with secret", key=key) != keyed_fingerprint("profile with secret", key=b"x" * 32)
    import hashlib

    plain = hashlib.sha256(json.dumps(["profile with secret"]).encode()).hexdigest()[:16]
    assert keyed_fingerprint("profile with secret", key=key) != plain


def test_profile_set_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:

    atomic_write_set(tmp_path, {".a": "old a", ".b": "old b", ".c": "old c"})
    disk_full_at_write(monkeypatch, 3)
    with pytest.raises(OSError, match="No space"):
        atomic_write_set(tmp_path, {".a": "new a", ".b": "new b", ".c": "new c"})
    assert [(tmp_path / n).read_text() for n in (".a", ".b", ".c")] == ["old a", "old b", "old c"]
    assert not list(tmp_path.glob("*.tmp"))


def test_a_set_write_killed_after_its_manifest_is_completed(tmp_path: Path) -> None:
    atomic_write_set(tmp_path, {".a": "old a", ".b": "old b"})
    from mipwizard.core import fileio

    # what a run killed between the manifest and the renames leaves behind
    tmp_a = fileio._write_temp(tmp_path / ".a", b"new a", 0o600)
    tmp_b = fileio._write_temp(tmp_path / ".b", b"new b", 0o600)
    os.replace(tmp_a, tmp_path / ".a")  # one rename done, one not: a mixed set on disk
    fileio._write_manifest(tmp_path, json.dumps({os.path.basename(tmp_a): ".a", os.path.basename(tmp_b): ".b"}))
    stale = fileio._write_temp(tmp_path / ".c", b"secret from a killed run", 0o600)
    recover_set(tmp_path)
    assert [(tmp_path / n).read_text() for n in (".a", ".b")] == ["new a", "new b"]
    assert not Path(stale).exists() and not (tmp_path / fileio.SET_MANIFEST).exists()


def test_the_wizards_install_is_refused_while_another_holds_the_lock(tmp_path: Path, answers: object) -> None:
    import threading

    from mipwizard.tui.env import WizardEnv, _real_installer

    env = WizardEnv(state_dir=tmp_path / "state", log_dir=tmp_path / "logs")
    with InstallLock(tmp_path / "state" / "install.lock", command="mipwizard install --yes"):
        handle = _real_installer(env, answers, lambda event: None)
        result = handle.run(from_step=None, cancel=threading.Event())
    assert not result.ok and "another install is running" in result.message
    assert "mipwizard install --yes" in result.message
