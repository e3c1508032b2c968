"""The guard between mipwizard and each program it runs (stdlib only; run as a script, not imported).

``python -I -S guard.py DEATH_FD GRACE PROGRAM [ARG…]``, started in a new session, so the guard
leads the process group its program and the program's children (sudo, snap, helm…) inherit.
DEATH_FD is the read end of a pipe whose write end only mipwizard holds: end-of-file there means
mipwizard is gone, whatever killed it (``kill -9`` included), and the guard ends the whole group
(SIGTERM, which sudo relays to its command, then SIGKILL after GRACE seconds). The guard exits
with its program's status, dying by the same signal when the program was killed.
"""

import os
import select
import sys
import time

TYPE_CHECKING = False  # (mypy takes it as true; importing it from typing costs ~2 ms)
if TYPE_CHECKING:
    import signal
else:
    # ``_signal``: signal's functions and numbers without its enums, whose import (``enum``,
    # ~6 ms with -I -S) would delay every program mipwizard runs (benchmarks/bench_status.py).
    import _signal as signal

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


def _end_group(wake: int, pid: int, grace: float) -> None:
    os.killpg(os.getpgrp(), signal.SIGTERM)  # the guard itself ignores it
    end = time.monotonic() + grace
    while time.monotonic() < end:
        select.select([wake], [], [], max(0.0, end - time.monotonic()))
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            break
    os.killpg(os.getpgrp(), signal.SIGKILL)  # what ignored SIGTERM, and the guard with it


def main(argv: list[str]) -> int:
    death_fd, grace, program = int(argv[1]), float(argv[2]), argv[3:]
    for sig in _STOP_SIGNALS:  # the group is signalled as a whole: the guard outlives its program
        signal.signal(sig, signal.SIG_IGN)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    pid = os.fork()
    if pid == 0:
        for sig in (*_STOP_SIGNALS, signal.SIGCHLD):
            signal.signal(sig, signal.SIG_DFL)
        for fd in (death_fd, wake_r, wake_w):
            os.close(fd)
        try:
            os.execv(program[0], program)  # noqa: S606 (an argv list, no shell)
        except OSError as exc:
            os.write(2, f"cannot run {program[0]}: {exc.strerror}\n".encode())
            os._exit(127 if isinstance(exc, FileNotFoundError) else 126)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        ready, _, _ = select.select([death_fd, wake_r], [], [])
        if wake_r in ready:
            os.read(wake_r, 512)
        if death_fd in ready and not os.read(death_fd, 1):
            _end_group(wake_r, pid, grace)
    code = os.waitstatus_to_exitcode(status)
    if code < 0:  # killed by a signal: die the same way, so the caller sees it
        if -code not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
