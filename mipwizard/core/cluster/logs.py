"""Pod logs to a pipe or terminal at near ``cat`` speed, with bounded memory, secrets masked.

``kubectl logs [-f]`` writes into a pipe we read in large blocks; each block of whole lines is
written out in one call. The redactor only runs on a block that contains a known secret or one of
the words its patterns need (byte checks, no per-line work), so ordinary log output costs a
couple of memory scans. The child runs in its own session and dies with us (pipe closed, Ctrl+C).
"""

from __future__ import annotations

import os
import subprocess
from typing import BinaryIO

from ..process import resolve, spawn
from ..redact import Redactor

READ_SIZE = 1 << 20
MAX_LINE = 1 << 20  # a "line" longer than this is cut (never inside a secret), so memory stays bounded


def stream_logs(argv: list[str], out: BinaryIO, *, redactor: Redactor) -> tuple[int, bool]:
    """Run ``argv`` (a ``kubectl logs`` command; stderr merged) copying its output to ``out``.

    Returns (exit code, True when the reader went away, e.g. ``| head``). However this ends —
    EOF, a closed reader, Ctrl+C, SIGTERM — the command's whole process group ends with it.
    """

    child = spawn(resolve(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert child.popen.stdout is not None
    fd = child.popen.stdout.fileno()
    stream = redactor.stream(max_hold=MAX_LINE)
    finished = False
    try:
        while True:
            chunk = os.read(fd, READ_SIZE)
            if not chunk:
                break
            block = stream.feed(chunk)
            if block:
                out.write(block)
                out.flush()  # one flush per block read: a follower sees new lines at once
        out.write(stream.flush())
        out.flush()
        finished = True
        return child.reap(), False
    except (BrokenPipeError, ValueError):
        return 0, True
    finally:
        if not finished:
            child.terminate()
            child.reap()
        child.popen.stdout.close()
