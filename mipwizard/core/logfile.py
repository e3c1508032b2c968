"""A bounded, rotated, private log file that several threads may write to.

Rotation is the standard library's ``RotatingFileHandler`` (``<name>.1`` … ``<name>.N``, only
``backups`` old copies kept), so a chatty install can never fill the disk. What we change is how
the file is opened: never through a symbolic link, created 0600 (an existing looser file is fixed
to 0600), refused when it belongs to someone else, in a folder made 0700. Callers write
already-redacted text: this class never sees a secret it could mask.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from .safe_fs import ensure_private_dir, open_private

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_BACKUPS = 5


class _PrivateRotatingHandler(logging.handlers.RotatingFileHandler):
    def _open(self) -> TextIO:  # type: ignore[override]  # (typeshed: TextIOWrapper; any text stream works)
        fd = open_private(Path(self.baseFilename))
        return os.fdopen(fd, "a", encoding="utf-8", errors="replace")

    def handleError(self, record: logging.LogRecord) -> None:
        # A full disk must not print a traceback into the wizard's screen; the run goes on.
        self.failed = True


class LogFile:
    def __init__(self, path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, backups: int = DEFAULT_BACKUPS) -> None:
        self.path = Path(path)
        self.max_bytes = max(1024, max_bytes)
        self.backups = max(1, backups)  # the handler never rotates without one
        ensure_private_dir(self.path.parent)
        self._handler = _PrivateRotatingHandler(
            self.path, maxBytes=self.max_bytes, backupCount=self.backups, encoding="utf-8"
        )
        self._handler.setFormatter(logging.Formatter("%(message)s"))
        self._closed = False

    def note(self, text: str) -> None:
        """One timestamped line (a command started, a step finished…)."""
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        self.write_lines([f"[{stamp}] {text}"])

    def write_lines(self, lines: Iterable[str]) -> None:
        text = "\n".join(lines)
        if not text or self._closed:
            return
        record = logging.LogRecord("mipwizard.install", logging.INFO, "", 0, text, None, None)
        self._handler.handle(record)

    def close(self) -> None:
        self._closed = True
        self._handler.close()

    def __enter__(self) -> LogFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
