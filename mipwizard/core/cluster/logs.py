"""Pod logs to a pipe or terminal at near ``cat`` speed, with bounded memory, secrets masked.

``kubectl logs [-f]`` writes into a pipe we read in large blocks; each block of whole lines is
written out in one call. The redactor only runs on a block that contains a known secret or one of
the words its patterns need (byte checks, no per-line work), so ordinary log output costs a
couple of memory scans. The child runs in its own session and dies with us (pipe closed, Ctrl+C).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from typing import BinaryIO

from ..redact import _HINTS, Redactor
from ..system import find_program

READ_SIZE = 1 << 20
MAX_LINE = 1 << 20  # a "line" longer than this is written out unsplit, so memory stays bounded
_HINT_BYTES = tuple(h.encode() for h in _HINTS)


class BlockFilter:
    """Redacts blocks of whole lines, skipping the (costly) redactor when nothing could match."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self.secrets = [s.encode() for s in redactor.secrets]

    def __call__(self, block: bytes) -> bytes:
        if any(s in block for s in self.secrets):
            return self._redact(block)
        low = block.lower()
        if any(h in low for h in _HINT_BYTES):
            return self._redact(block)
        return block

    def _redact(self, block: bytes) -> bytes:
        return self.redactor.redact(block.decode("utf-8", "replace")).encode("utf-8")


def stream_logs(argv: list[str], out: BinaryIO, *, redactor: Redactor) -> tuple[int, bool]:
    """Run ``argv`` (a ``kubectl logs`` command; stderr merged) copying its output to ``out``.

    Returns (exit code, True when the reader went away, e.g. ``| head``).
    """
    program = argv[0] if os.sep in argv[0] else find_program(argv[0])
    proc = subprocess.Popen(
        [program, *argv[1:]],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    clean = BlockFilter(redactor)
    rest = b""
    try:
        while True:
            chunk = os.read(fd, READ_SIZE)
            if not chunk:
                break
            data = rest + chunk if rest else chunk
            cut = data.rfind(b"\n") + 1
            if cut == 0 and len(data) < MAX_LINE:
                rest = data
                continue
            if cut == 0:
                cut = len(data)
            rest = data[cut:]
            out.write(clean(data[:cut]))
            out.flush()  # one flush per block read: a follower sees new lines at once
        if rest:
            out.write(clean(rest))
            out.flush()
        return proc.wait(), False
    except (BrokenPipeError, ValueError):
        return 0, True
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        proc.stdout.close()
