"""Run one external program with live, redacted, batched output; timeouts and cancel.

Why the output does not go through per-line callbacks: a child printing a million lines would
mean a million Python calls. The child writes into a pipe we own; one reader thread reads it in
64 KiB blocks, redacts them through a ``StreamRedactor`` (a secret split by a block boundary is
still masked), and hands lines to ``on_lines`` in batches bounded by time (``batch_seconds``) and
size (``batch_lines``). The same batches go to the log file. ``on_lines`` is only ever called
from that reader thread, in order.

Processes are started by ``process.spawn``: each in its own session under a guard, so a timeout,
a cancel, Ctrl+C/SIGTERM/SIGHUP here or mipwizard's death end its whole process group.
"""

from __future__ import annotations

import os
import select
import shlex
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .process import SudoPrompt, capture_output, resolve, spawn
from .redact import Redactor
from .system import Captured, ProgramNotFound, is_root, privileged_argv

if TYPE_CHECKING:
    from .logfile import LogFile

LinesCallback = Callable[[list[str]], None]

READ_SIZE = 64 * 1024
MAX_LINE_BYTES = 64 * 1024  # a "line" longer than this is cut, so memory stays bounded
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
        prompt = SudoPrompt(self.sudo_password) if (privileged and self.sudo_password and not self.as_root) else None
        try:
            full = self._resolve(argv, privileged, prompt)
        except ProgramNotFound as exc:
            message = self.redactor.redact(str(exc))
            return self._early_failure(127, message, tail, on_lines, started)

        read_fd, write_fd = os.pipe()
        reader = _Reader(read_fd, self, on_lines, tail, prompt)
        try:
            try:
                child = spawn(
                    full,
                    stdin=subprocess.PIPE if prompt else subprocess.DEVNULL,
                    stdout=write_fd,
                    stderr=subprocess.STDOUT,
                    cwd=cwd,
                )
            finally:
                os.close(write_fd)  # the child has its copy; ours must go so EOF arrives when it exits
        except Exception as exc:
            os.close(read_fd)
            message = self.redactor.redact(f"cannot start {argv[0]}: {exc.__class__.__name__}: {exc}")
            return self._early_failure(126, message.splitlines()[0], tail, on_lines, started)
        if prompt is not None:
            prompt.stdin = child.popen.stdin
        reader.start()
        timed_out = cancelled = False
        deadline = started + timeout if timeout else None
        try:
            nap = 0.001
            while child.alive():
                if reader.eof.is_set():  # output closed: the child is exiting, look again soon
                    time.sleep(nap)
                    nap = min(nap * 2, POLL_SECONDS)
                else:
                    reader.eof.wait(POLL_SECONDS)
                if prompt is not None:
                    prompt.close_if_not_asked()
                if cancel is not None and cancel.is_set():
                    cancelled = True
                    break
                if deadline is not None and time.monotonic() >= deadline:
                    timed_out = True
                    break
            if timed_out or cancelled:
                child.terminate()
        except BaseException:  # Ctrl+C, SIGTERM/SIGHUP (Terminated) or a dying caller: never leave it behind
            child.terminate(grace=0.5)
            reader.stop.set()
            reader.join(DRAIN_SECONDS)
            raise
        finally:
            if prompt is not None:
                prompt.close()
        exit_code = child.reap()  # strays holding the pipe die here, so the drain ends
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

    def query(
        self,
        argv: list[str],
        *,
        privileged: bool = False,
        timeout: float = 60.0,
        on_wait: Callable[[float], None] | None = None,
    ) -> Captured:
        """A short captured query (not streamed); a sudo password only answers sudo's prompt."""
        needs_sudo = privileged and not self.as_root
        password = self.sudo_password if needs_sudo else None
        return capture_output(argv, timeout=timeout, privileged=needs_sudo, password=password, on_wait=on_wait)

    # --- internals -----------------------------------------------------------------------------

    def _resolve(self, argv: list[str], privileged: bool, prompt: SudoPrompt | None) -> list[str]:
        full = resolve(argv)
        if prompt is not None:
            return prompt.sudo_argv(full)
        if privileged and not self.as_root:
            return privileged_argv(full, as_root=False)
        return full

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


class _Reader(threading.Thread):
    """Reads the child's merged stdout/stderr and delivers redacted lines in batches."""

    def __init__(
        self,
        fd: int,
        runner: ProcessRunner,
        on_lines: LinesCallback | None,
        tail: deque[str],
        prompt: SudoPrompt | None,
    ) -> None:
        super().__init__(name=f"output reader fd {fd}", daemon=True)
        self.fd = fd
        self.runner = runner
        self.on_lines = on_lines
        self.tail = tail
        self.prompt = prompt
        self.eof = threading.Event()
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self._pending: list[str] = []
        self._last_flush = time.monotonic()
        self._stream = runner.redactor.stream(max_hold=MAX_LINE_BYTES)
        self._before_prompt = b""

    def run(self) -> None:
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
                self._add(self._stream.feed(self._answer_prompt(chunk)))
                if (
                    len(self._pending) >= self.runner.batch_lines
                    or time.monotonic() - self._last_flush >= self.runner.batch_seconds
                ):
                    self._flush()
            self._add(self._stream.feed(self._before_prompt) + self._stream.flush())
            self._flush()
        except BaseException as exc:  # a failing on_lines must not be lost silently
            self.error = exc
        finally:
            os.close(self.fd)
            self.eof.set()

    def _answer_prompt(self, chunk: bytes) -> bytes:
        """Until sudo has asked, hold the text after the last newline: the prompt may be in it."""
        if self.prompt is None or not (self.prompt.pending or self._before_prompt):
            return chunk
        data = self._before_prompt + chunk
        if self.prompt.pending and self.prompt.marker_bytes not in data:
            cut = data.rfind(b"\n") + 1
            self._before_prompt = data[cut:]
            return data[:cut]
        self._before_prompt = b""
        return self.prompt.answer_in(data)

    def _add(self, block: bytes) -> None:
        if not block:
            return
        text = block.decode("utf-8", "replace")
        if text.endswith("\n"):
            text = text[:-1]
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
