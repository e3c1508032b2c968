"""Atomic, private file writes that keep the previous version.

A profile or answers file is never half-written: the new text goes to a temporary file in the
same folder, is flushed to disk, then renamed over the old one. The old one is first copied to
``<name>.bak-<timestamp>``; only the newest ``KEEP_BACKUPS`` copies are kept.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

KEEP_BACKUPS = 5


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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        made = _keep_backup(path) if backup else None
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(path.parent)
    return made


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
