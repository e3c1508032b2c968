"""Atomic, private file writes that keep the previous version.

A profile or answers file is never half-written: the new text goes to a temporary file in the
same folder, is flushed to disk, then renamed over the old one. The old one is first copied to
``<name>.bak-<timestamp>``; only the newest ``KEEP_BACKUPS`` copies are kept.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

KEEP_BACKUPS = 5
TEMP_SUFFIX = ".tmp"
SET_MANIFEST = ".mipwizard-write-set.json"


def backup_path(path: Path, stamp: str) -> Path:
    return path.with_name(f"{path.name}.bak-{stamp}")


def list_backups(path: Path) -> list[Path]:
    """Backups of ``path``, oldest first."""
    return sorted(path.parent.glob(f"{path.name}.bak-*"))


def _keep_backup(path: Path) -> Path | None:
    if not path.exists():
        return None
    # Microseconds keep names unique and their sort order chronological within one second.
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S.%f")
    target = backup_path(path, stamp)
    n = 1
    while target.exists():
        target = backup_path(path, f"{stamp}.{n}")
        n += 1
    shutil.copy2(path, target)
    os.chmod(target, 0o600)
    for old in list_backups(path)[:-KEEP_BACKUPS]:
        with contextlib.suppress(OSError):
            old.unlink()
    return target


def atomic_write_text(path: Path, text: str, *, mode: int = 0o600, backup: bool = True) -> Path | None:
    """Write ``text`` to ``path`` atomically with ``mode``; return the backup made, if any.

    Nothing is written (and no backup made) when the content is already identical.
    """
    path = Path(path)
    data = text.encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        if (path.stat().st_mode & 0o777) != mode:
            os.chmod(path, mode)
        return None
    # A private file's new folder is private too (the state folder: 0700, not 0755).
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700 if not mode & 0o077 else 0o755)
    tmp_name = _write_temp(path, data, mode)
    try:
        made = _keep_backup(path) if backup else None
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(path.parent)
    return made


def _write_temp(path: Path, data: bytes, mode: int) -> str:
    """``data`` in a new temporary file next to ``path``, on disk (fsync); removed if that fails."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    return tmp_name


def atomic_write_set(folder: Path, files: dict[str, str], *, mode: int = 0o600) -> tuple[list[str], list[Path]]:
    """Write several files of one folder as a set: afterwards all are new or all are as before.

    Every new file is written to a temporary file first (a full disk fails here, nothing
    changed); then a manifest naming each temporary file and its target is made durable, and the
    renames follow. A run killed after the manifest is completed by ``recover_set`` on the next
    read or write; one killed before it leaves only temporary files, which that removes.
    Returns (file names changed, backups made).
    """
    folder = Path(folder)
    recover_set(folder)
    changed = {name: text.encode("utf-8") for name, text in files.items() if not _same(folder / name, text)}
    temps: dict[str, str] = {}
    try:
        for name, data in changed.items():
            temps[name] = _write_temp(folder / name, data, mode)
        backups = [made for name in changed if (made := _keep_backup(folder / name)) is not None]
        manifest = json.dumps({os.path.basename(tmp): name for name, tmp in temps.items()})
        _write_manifest(folder, manifest)
    except BaseException:
        for tmp in temps.values():
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    recover_set(folder)  # the renames, exactly as a later run would complete them
    return list(changed), backups


def recover_set(folder: Path) -> None:
    """Finish a set write a killed run left (its manifest is on disk), and remove stale temp files."""
    folder = Path(folder)
    manifest = folder / SET_MANIFEST
    try:
        pending: dict[str, str] = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pending = {}
    for tmp, name in pending.items():
        if (folder / tmp).is_file() and "/" not in tmp + name:
            os.replace(folder / tmp, folder / name)
    if pending:
        _fsync_dir(folder)
    with contextlib.suppress(OSError):
        manifest.unlink()
    with contextlib.suppress(OSError):
        for stale in folder.glob(f".*{TEMP_SUFFIX}"):  # ours: .<name>.<random>.tmp (manifest's too)
            stale.unlink()
    _fsync_dir(folder)


def _write_manifest(folder: Path, text: str) -> None:
    tmp = _write_temp(folder / SET_MANIFEST, text.encode(), 0o600)
    os.replace(tmp, folder / SET_MANIFEST)
    _fsync_dir(folder)


def _same(path: Path, text: str) -> bool:
    try:
        return path.read_bytes() == text.encode("utf-8")
    except OSError:
        return False


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
