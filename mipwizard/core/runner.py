"""Run one external program through ``sh``: argv only, live batched output, timeouts, cancel.

Why the output does not go through ``sh``'s per-line callbacks: a child printing a million lines
would mean a million Python calls. The child writes into a pipe we own; one reader thread reads
it in 64 KiB chunks, redacts whole blocks of complete lines, and hands them to ``on_lines`` in
batches bounded by time (``batch_seconds``) and size (``batch_lines``). The same batches go to
the log file. ``on_lines`` is only ever called from that reader thread, in order.

The child runs in its own session, so a timeout or a cancel kills its whole process group, and a
Ctrl+C on the terminal reaches only us: we then kill the child and re-raise.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import shlex
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .redact import Redactor
from .system import ProgramNotFound, find_program, is_root, privileged_argv

if TYPE_CHECKING:
    from .logfile import LogFile

LinesCallback = Callable[[list[str]], None]

READ_SIZE = 64 * 1024
MAX_LINE_BYTES = 64 * 1024  # a "line" longer than this is cut, so memory stays bounded
KILL_GRACE_SECONDS = 2.0  # SIGTERM first, SIGKILL after this
DRAIN_SECONDS = 2.0  # output still flowing after the child exited (a grandchild holds the pipe)
POLL_SECONDS = 0.05


@dataclass
class RunResult:
    exit_code: int
    timed_out: bool = False
    cancelled: bool = False
    tail: list[str] = field(default_factory=list)
    seconds: float = 0.0
    timeout: float | None = None

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out and not self.cancelled

    def describe(self) -> str:
        """What happened, in words, e.g. ``timed out after 30 s (killed)``."""
        if self.timed_out:
            return f"timed out after {self.timeout or self.seconds:g} s and was killed"
        if self.cancelled:
            return "was cancelled (killed)"
        if self.exit_code < 0:
            name = _signal_name(-self.exit_code)
            return f"was killed by signal {name}"
        if self.exit_code == 127 and self.tail and "not found" in self.tail[-1]:
            return self.tail[-1]
        return f"failed with exit code {self.exit_code}"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


class ProcessRunner:
    """Runs programs for the install engine (and anyone else who streams output live)."""

    def __init__(
        self,
        *,
        redactor: Redactor,
        log: LogFile | None = None,
        sudo_password: str | None = None,
        as_root: bool | None = None,
        batch_seconds: float = 0.05,
        batch_lines: int = 5000,
    ) -> None:
        self.redactor = redactor
        self.log = log
        self.sudo_password = sudo_password or None
        if self.sudo_password:
            redactor.add(self.sudo_password)
        self.as_root = is_root() if as_root is None else as_root
        self.batch_seconds = batch_seconds
        self.batch_lines = max(1, batch_lines)

    def display(self, argv: list[str]) -> str:
        """``argv`` shell-quoted with secrets masked (for logs and screens)."""
        return self.redactor.redact(shlex.join(argv))

    def run(
        self,
        argv: list[str],
        *,
        privileged: bool = False,
        timeout: float | None = None,
        on_lines: LinesCallback | None = None,
        cancel: threading.Event | None = None,
        cwd: Path | None = None,
        tail_lines: int = 40,
    ) -> RunResult:
        started = time.monotonic()
        tail: deque[str] = deque(maxlen=max(1, tail_lines))
        self._note(f"$ {self.display(argv)}")
        try:
            full = self._resolve(argv, privileged)
        except ProgramNotFound as exc:
            message = self.redactor.redact(str(exc))
            return self._early_failure(127, message, tail, on_lines, started)

        password = self.sudo_password if (privileged and not self.as_root) else None
        read_fd, write_fd = os.pipe()
        reader = _Reader(read_fd, self, on_lines, tail)
        try:
            process = self._spawn(full, write_fd, password, cwd)
        except Exception as exc:
            os.close(read_fd)
            message = self.redactor.redact(f"cannot start {argv[0]}: {exc.__class__.__name__}: {exc}")
            return self._early_failure(126, message.splitlines()[0], tail, on_lines, started)
        reader.start()
        timed_out = cancelled = False
        deadline = started + timeout if timeout else None
        try:
            nap = 0.001
            while process.is_alive()[0]:
                if reader.eof.is_set():  # output closed: the child is exiting, look again soon
                    time.sleep(nap)
                    nap = min(nap * 2, POLL_SECONDS)
                else:
                    reader.eof.wait(POLL_SECONDS)
                if cancel is not None and cancel.is_set():
                    cancelled = True
                    break
                if deadline is not None and time.monotonic() >= deadline:
                    timed_out = True
                    break
            if timed_out or cancelled:
                _kill_group(process)
        except BaseException:  # Ctrl+C (KeyboardInterrupt) or a dying caller: never leave the child behind
            _kill_group(process, grace=0.5)
            reader.stop.set()
            reader.join(DRAIN_SECONDS)
            raise
        exit_code = process.wait()
        reader.join(DRAIN_SECONDS)
        if reader.is_alive():
            reader.stop.set()
            reader.join()
        seconds = time.monotonic() - started
        result = RunResult(exit_code, timed_out, cancelled, [], seconds, timeout)
        if timed_out or cancelled:
            message = f"mipwizard: the command {result.describe()}"
            reader.deliver([message])
        result.tail = list(tail)
        if reader.error is not None:
            raise reader.error
        self._note(f"exit {exit_code} after {seconds:.1f} s" + (" (timed out)" if timed_out else ""))
        return result

    # --- internals -----------------------------------------------------------------------------

    def _resolve(self, argv: list[str], privileged: bool) -> list[str]:
        if not argv:
            raise ValueError("empty argv")
        program = argv[0] if os.sep in argv[0] else find_program(argv[0])
        full = [program, *argv[1:]]
        if privileged and not self.as_root:
            full = privileged_argv(full, as_root=False, password_on_stdin=self.sudo_password is not None)
        return full

    def _spawn(self, full: list[str], write_fd: int, password: str | None, cwd: Path | None) -> _Process:
        import sh

        out = os.fdopen(write_fd, "wb", buffering=0)
        stdin: Any = password + "\n" if password else open(os.devnull, "rb")  # noqa: SIM115
        try:
            running = sh.Command(full[0])(
                *full[1:],
                _bg=True,
                _bg_exc=False,
                _out=out,
                _err_to_out=True,
                _in=stdin,
                _tty_out=False,
                _new_session=True,
                _cwd=str(cwd) if cwd else None,
                _ok_code=list(range(256)),
                _preexec_fn=_die_with_parent,
                _no_out=True,
                _no_err=True,
            )
        finally:
            out.close()  # the child has its copy; ours must go so EOF arrives when it exits
            if not isinstance(stdin, str):
                stdin.close()
        return _Process(running)

    def _early_failure(
        self, code: int, message: str, tail: deque[str], on_lines: LinesCallback | None, started: float
    ) -> RunResult:
        tail.append(message)
        if self.log is not None:
            self.log.write_lines([message])
        if on_lines is not None:
            on_lines([message])
        return RunResult(code, tail=list(tail), seconds=time.monotonic() - started)

    def _note(self, text: str) -> None:
        if self.log is not None:
            self.log.note(text)


class _Process:
    """The few things we need from sh's RunningCommand."""

    def __init__(self, running: Any) -> None:
        self._running = running
        self._oproc = running.process
        self.pgid: int = self._oproc.pgid or self._oproc.pid

    def is_alive(self) -> tuple[bool, int | None]:
        alive, code = self._oproc.is_alive()
        return bool(alive), code

    def wait(self) -> int:
        code = self._oproc.wait()
        return int(code)

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pgid, sig)


def _kill_group(process: _Process, *, grace: float = KILL_GRACE_SECONDS) -> None:
    """SIGTERM the child's process group, then SIGKILL whatever is left after ``grace``."""
    process.signal_group(signal.SIGTERM)
    end = time.monotonic() + grace
    while time.monotonic() < end:
        if not process.is_alive()[0]:
            break
        time.sleep(0.02)
    process.signal_group(signal.SIGKILL)


_PR_SET_PDEATHSIG = 1
try:
    _libc: Any = ctypes.CDLL(None, use_errno=True)
    _prctl: Any = _libc.prctl
except (OSError, AttributeError):  # not Linux
    _prctl = None


def _die_with_parent() -> None:
    """In the child: if mipwizard itself is killed (even with kill -9), take the child along.

    An orphan still changing the system while the user re-runs the install would be worse.
    """
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class _Reader(threading.Thread):
    """Reads the child's merged stdout/stderr and delivers redacted lines in batches."""

    def __init__(self, fd: int, runner: ProcessRunner, on_lines: LinesCallback | None, tail: deque[str]) -> None:
        super().__init__(name=f"output reader fd {fd}", daemon=True)
        self.fd = fd
        self.runner = runner
        self.on_lines = on_lines
        self.tail = tail
        self.eof = threading.Event()
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self._pending: list[str] = []
        self._last_flush = time.monotonic()

    def run(self) -> None:
        rest = b""
        try:
            while not self.stop.is_set():
                wait = self.runner.batch_seconds if self._pending else 0.25
                if self._pending:
                    wait = max(0.0, self._last_flush + self.runner.batch_seconds - time.monotonic())
                ready, _, _ = select.select([self.fd], [], [], wait)
                if not ready:
                    self._flush()
                    continue
                chunk = os.read(self.fd, READ_SIZE)
                if not chunk:
                    break
                data = rest + chunk
                cut = data.rfind(b"\n")
                if cut < 0:
                    rest = data
                    if len(rest) > MAX_LINE_BYTES:
                        self._add(rest)
                        rest = b""
                else:
                    self._add(data[:cut])
                    rest = data[cut + 1 :]
                if (
                    len(self._pending) >= self.runner.batch_lines
                    or time.monotonic() - self._last_flush >= self.runner.batch_seconds
                ):
                    self._flush()
            if rest:
                self._add(rest)
            self._flush()
        except BaseException as exc:  # a failing on_lines must not be lost silently
            self.error = exc
        finally:
            os.close(self.fd)
            self.eof.set()

    def _add(self, block: bytes) -> None:
        text = self.runner.redactor.redact(block.decode("utf-8", "replace"))
        lines = text.split("\n")
        if "\r" in text:  # CRLF endings and progress bars redrawn with \r: keep what is visible last
            lines = [line.rstrip("\r").rsplit("\r", 1)[-1] for line in lines]
        self._pending.extend(lines)

    def _flush(self) -> None:
        self._last_flush = time.monotonic()
        if not self._pending:
            return
        lines, self._pending = self._pending, []
        size = self.runner.batch_lines
        for start in range(0, len(lines), size):
            self.deliver(lines[start : start + size] if len(lines) > size else lines)

    def deliver(self, lines: list[str]) -> None:
        self.tail.extend(lines)
        if self.runner.log is not None:
            self.runner.log.write_lines(lines)
        if self.on_lines is not None:
            self.on_lines(lines)
