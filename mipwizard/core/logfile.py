"""A bounded, rotated, private log file that several threads may write to.

When the file passes ``max_bytes`` it becomes ``<name>.1`` (older copies shift to ``.2`` …) and
only ``backups`` old copies are kept, so a chatty install can never fill the disk. Callers write
already-redacted text: this class never sees a secret it could mask.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_BACKUPS = 5


class LogFile:
    def __init__(self, path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, backups: int = DEFAULT_BACKUPS) -> None:
        self.path = Path(path)
        self.max_bytes = max(1024, max_bytes)
        self.backups = max(0, backups)
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._handle = self._open()

    def _open(self) -> TextIO:
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return os.fdopen(fd, "a", encoding="utf-8", errors="replace")

    def note(self, text: str) -> None:
        """One timestamped line (a command started, a step finished…)."""
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        self.write_lines([f"[{stamp}] {text}"])

    def write_lines(self, lines: Iterable[str]) -> None:
        text = "\n".join(lines)
        if not text:
            return
        with self._lock:
            if self._handle.closed:
                return
            self._handle.write(text + "\n")
            self._handle.flush()
            if self._handle.tell() >= self.max_bytes:
                self._rotate()

    def _rotate(self) -> None:
        self._handle.close()
        if self.backups == 0:
            with contextlib.suppress(OSError):
                self.path.unlink()
        else:
            for n in range(self.backups - 1, 0, -1):
                older = self.path.with_name(f"{self.path.name}.{n}")
                if older.exists():
                    os.replace(older, self.path.with_name(f"{self.path.name}.{n + 1}"))
            os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))
        self._handle = self._open()

    def close(self) -> None:
        with self._lock:
            if not self._handle.closed:
                self._handle.close()

    def __enter__(self) -> LogFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
