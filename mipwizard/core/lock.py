"""One install at a time: an ``flock`` on ``<state folder>/install.lock``.

Held by ``mipwizard install`` and the wizard's Install alike, for the whole run. A second run is
refused with who holds the lock (pid, start time, command) and exits. The kernel drops an flock
when its holder dies, however it dies, so a lock left by a dead process is simply taken over;
the holder note in the file is then overwritten. The file is opened close-on-exec (no child,
no stray grandchild, keeps it locked) and never through a link.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from pathlib import Path
from types import TracebackType

from .errors import UserError
from .safe_fs import ensure_private_dir, open_private

LOCK_FILE = "install.lock"


class InstallLocked(UserError):
    """Another install holds the lock; the message names it and says what to do."""

    def __init__(self, message: str, holder: dict[str, object]) -> None:
        super().__init__(message)
        self.holder = holder


class InstallLock:
    def __init__(self, path: Path | None = None, *, command: str | None = None) -> None:
        from .paths import state_dir

        self.path = Path(path) if path is not None else state_dir() / LOCK_FILE
        self.command = command or " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv))
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> InstallLock:
        if self._fd is not None:
            return self
        ensure_private_dir(self.path.parent)
        fd = open_private(self.path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise InstallLocked(_describe(holder, self.path), holder) from None
        except BaseException:
            os.close(fd)
            raise
        note = {"pid": os.getpid(), "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "command": self.command}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(note) + "\n").encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.ftruncate(fd, 0)  # no stale holder note left behind
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __del__(self) -> None:
        self.release()

    def __enter__(self) -> InstallLock:
        return self.acquire()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()


def _read_holder(fd: int) -> dict[str, object]:
    try:
        data = json.loads(os.pread(fd, 4096, 0).decode("utf-8", "replace") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _describe(holder: dict[str, object], path: Path) -> str:
    pid, started, command = holder.get("pid"), holder.get("started"), holder.get("command")
    who = f"pid {pid}" if pid else "another process"
    when = f", started {started}" if started else ""
    what = f" (`{command}`)" if command else ""
    return (
        f"another install is running: {who}{when}{what} — wait for it to finish (or stop it), "
        f"then run again; only one install may change this machine at a time ({path})"
    )
