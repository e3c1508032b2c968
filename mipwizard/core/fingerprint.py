"""Keyed fingerprints: tell "same inputs as last time" without storing anything a dictionary cracks.

The install journal records a fingerprint of each step's inputs, and those inputs can hold a
secret (a rendered profile has the client secret in it). A plain SHA-256 of them lets anyone who
reads the journal (or a support bundle) test guesses offline; an HMAC with a random per-machine
key, kept 0600 in the state folder and never bundled, does not.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import stat
import threading
from pathlib import Path
from typing import Any

from .safe_fs import UnsafePath, ensure_private_dir

KEY_FILE = "fingerprint.key"
KEY_BYTES = 32

_lock = threading.Lock()
_keys: dict[Path, bytes] = {}


def machine_key(folder: Path | None = None) -> bytes:
    """This machine's fingerprint key (created on first use, 0600, in the state folder)."""
    from .paths import state_dir

    path = Path(folder or state_dir()) / KEY_FILE
    with _lock:
        key = _keys.get(path)
        if key is None:
            key = _keys[path] = _read_or_create(path)
        return key


def _read_or_create(path: Path) -> bytes:
    ensure_private_dir(path.parent)
    for _ in range(3):
        with contextlib.suppress(FileNotFoundError):
            return _read_key(path)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        except FileExistsError:
            continue  # another run made it first: read theirs
        key = secrets.token_bytes(KEY_BYTES)
        try:
            os.write(fd, key)
            os.fsync(fd)
        finally:
            os.close(fd)
        return key
    raise UnsafePath(f"{path}: cannot create the fingerprint key — check the state folder")


def _read_key(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise UnsafePath(
            f"{path}: cannot read the fingerprint key ({exc.strerror}) — remove it; a new one is made"
        ) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
            raise UnsafePath(f"{path} is not our own regular file — remove it; a new key is made")
        if info.st_mode & 0o777 != 0o600:
            os.fchmod(fd, 0o600)
        key = os.read(fd, KEY_BYTES + 1)
    finally:
        os.close(fd)
    if len(key) != KEY_BYTES:
        raise UnsafePath(f"{path} is damaged (wrong length) — remove it; a new key is made")
    return key


def keyed_fingerprint(*parts: Any, key: bytes | None = None) -> str:
    """A short HMAC-SHA256 of ``parts`` (JSON-encoded) under the machine key."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hmac.new(key or machine_key(), text.encode(), hashlib.sha256).hexdigest()[:16]
