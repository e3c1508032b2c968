"""Run a command on a pseudo-terminal of a given size, as a user's ssh session would (no tmux needed)."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import termios
import time
from collections.abc import Mapping, Sequence


def run_on_terminal(argv: Sequence[str], *, columns: int = 80, rows: int = 24,
                    env: Mapping[str, str] | None = None, timeout: float = 60,
                    stdin_text: str | None = None, quit_after: tuple[str, str] | None = None,
                    signal_after: tuple[str, int] | None = None) -> tuple[int, str]:
    """(exit code, everything written to the terminal, \\r\\n turned into \\n).

    ``quit_after=(text, keys)`` types ``keys`` once ``text`` has been written (a full-screen app);
    ``signal_after=(text, signum)`` sends it that signal instead.
    """
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    run_env = dict(os.environ if env is None else env)
    run_env.pop("COLUMNS", None)
    run_env.pop("LINES", None)
    proc = subprocess.Popen(list(argv), stdin=terminal, stdout=terminal, stderr=terminal, env=run_env,
                            close_fds=True, start_new_session=True)
    os.close(terminal)
    if stdin_text is not None:
        os.write(controller, stdin_text.encode())
    chunks: list[bytes] = []
    end = time.monotonic() + timeout
    try:
        while time.monotonic() < end:
            ready, _, _ = select.select([controller], [], [], 0.2)
            if ready:
                try:
                    data = os.read(controller, 65536)
                except OSError:  # the other side closed: the program ended
                    break
                if not data:
                    break
                chunks.append(data)
                if quit_after is not None and quit_after[0].encode() in b"".join(chunks):
                    os.write(controller, quit_after[1].encode())
                    quit_after = None
                if signal_after is not None and signal_after[0].encode() in b"".join(chunks):
                    proc.send_signal(signal_after[1])
                    signal_after = None
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=max(1.0, end - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(controller)
    return code, b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
