"""Pod logs to a byte stream (a pipe, a terminal), fast and with bounded memory.

``kubectl logs`` output is read by the shared ``ProcessRunner`` in 64 KiB blocks, redacted, and
written here in one large write per batch — never one print/flush per line.
"""

from __future__ import annotations

import threading
from typing import BinaryIO

from ..redact import Redactor


class BatchWriter:
    """``on_lines`` callback writing batches to ``out``; a closed reader (``| head``) cancels the run."""

    def __init__(self, out: BinaryIO, cancel: threading.Event) -> None:
        self.out = out
        self.cancel = cancel
        self.broken = False
        self.lines = 0

    def __call__(self, lines: list[str]) -> None:
        if self.broken:
            return
        try:
            self.out.write(("\n".join(lines) + "\n").encode("utf-8", "replace"))
            self.out.flush()  # one flush per batch (~50 ms): a follower sees lines promptly
            self.lines += len(lines)
        except (BrokenPipeError, ValueError):
            self.broken = True
            self.cancel.set()


def stream_logs(argv: list[str], out: BinaryIO, *, redactor: Redactor, privileged: bool = False) -> tuple[int, bool]:
    """Run ``argv`` (a ``kubectl logs`` command), copying its output to ``out``.

    Returns (exit code, reader went away).
    """
    from ..runner import ProcessRunner

    cancel = threading.Event()
    writer = BatchWriter(out, cancel)
    runner = ProcessRunner(redactor=redactor, batch_seconds=0.05, batch_lines=20000)
    result = runner.run(argv, privileged=privileged, on_lines=writer, cancel=cancel, tail_lines=5)
    if writer.broken:
        return 0, True
    return result.exit_code, False
