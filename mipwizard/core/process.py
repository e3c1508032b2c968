"""The one place a child process is started (install runner, queries, logs, bundle all come here).

Every program runs under ``guard.py`` in a session of its own: a timeout, a cancel or a Ctrl+C
ends the whole process group (sudo, snap and the programs they fork included), and so does
mipwizard's death by any cause, ``kill -9`` included — the guard sees the death pipe close.
A program that exits normally takes its strays along: what is left in its group is killed.

A sudo password goes to sudo's prompt only: sudo is asked to print a marker as its prompt
(``-p``), and the password is written to its stdin when the marker shows up, never before; if
sudo does not ask (cached credentials, NOPASSWD), its command never sees the password.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import selectors
import signal
import subprocess
import sys
import threading
import time

from .system import Captured, ProgramNotFound, find_program, privileged_argv

TYPE_CHECKING = False  # (mypy takes it as true; ``typing`` costs ~3 ms before status' reads start)
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import IO, Any

GUARD_SCRIPT = os.path.join(os.path.dirname(__file__), "guard.py")  # os.path: pathlib is not imported yet
KILL_GRACE_SECONDS = 2.0  # SIGTERM first, SIGKILL after this
PROMPT_WAIT_SECONDS = 5.0  # sudo asks at once or not at all; then its stdin is closed
READ_SIZE = 64 * 1024
PIPE_SIZE = 1024 * 1024  # Linux' default limit for a pipe's size (/proc/sys/fs/pipe-max-size)

_death_lock = threading.Lock()
_death_pipe: tuple[int, int, int] | None = None  # (owner pid, read end, write end)


def _death_fd() -> int:
    """The read end of the pipe every guard watches; only this process holds the write end."""
    global _death_pipe
    with _death_lock:
        if _death_pipe is None or _death_pipe[0] != os.getpid():  # (a forked copy needs its own)
            read_end, write_end = os.pipe()  # not inheritable: no child ever holds the write end
            _death_pipe = (os.getpid(), read_end, write_end)
        return _death_pipe[1]


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP (an SSH session dropped) received: handled like Ctrl+C, exit 128 + signal.

    A KeyboardInterrupt, so every cleanup path written for Ctrl+C (killing a running command's
    group, releasing the install lock) runs for these too.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.exit_code = 128 + signum


def stop_signals_interrupt() -> None:
    """Make SIGTERM and SIGHUP raise ``Terminated`` in the main thread (for the headless CLI)."""

    def handler(signum: int, frame: object) -> None:
        raise Terminated(signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handler)


class Child:
    """A program running under its guard; ``pgid`` is its process group."""

    def __init__(self, popen: subprocess.Popen[bytes]) -> None:
        self.popen = popen
        self.pgid = popen.pid

    def alive(self) -> bool:
        """True while the program runs (the guard is not reaped here, so the group id stays ours)."""
        if self.popen.returncode is not None:
            return False
        try:
            return os.waitid(os.P_PID, self.popen.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
        except ChildProcessError:
            return False

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pgid, sig)

    def terminate(self, grace: float = KILL_GRACE_SECONDS) -> None:
        """SIGTERM the group, SIGKILL whatever is left after ``grace`` seconds."""
        self.signal_group(signal.SIGTERM)
        end = time.monotonic() + grace
        while self.alive() and time.monotonic() < end:
            time.sleep(0.01)
        self.signal_group(signal.SIGKILL)

    def reap(self) -> int:
        """Wait for the program, kill the strays left in its group, return its exit code."""
        if self.popen.returncode is None:
            with contextlib.suppress(ChildProcessError):
                os.waitid(os.P_PID, self.popen.pid, os.WEXITED | os.WNOWAIT)
        self.signal_group(signal.SIGKILL)
        return self.popen.wait()


def resolve(argv: list[str]) -> list[str]:
    """``argv`` with its program looked up on PATH now (raises ``ProgramNotFound``)."""
    if not argv:
        raise ValueError("empty argv")
    program = argv[0] if os.sep in argv[0] else find_program(argv[0])
    return [program, *argv[1:]]


def spawn(argv: list[str], *, stdin: Any, stdout: Any, stderr: Any, cwd: Path | None = None) -> Child:
    """Start resolved ``argv`` under a guard, in a new session."""
    fd = _death_fd()
    guard = [sys.executable or "python3", "-I", "-S", str(GUARD_SCRIPT), str(fd), str(KILL_GRACE_SECONDS)]
    popen = subprocess.Popen(
        [*guard, *argv],
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        cwd=str(cwd) if cwd else None,
        start_new_session=True,
        pass_fds=(fd,),
    )
    return Child(popen)


class SudoPrompt:
    """Answers sudo's prompt (and only it) with the password, on the child's stdin pipe."""

    def __init__(self, password: str) -> None:
        self.password = password
        import secrets  # here: status starts its reads before anything heavy is imported

        self.marker = f"[mipwizard-sudo-{secrets.token_hex(6)}]"
        self.marker_bytes = self.marker.encode()
        self.stdin: IO[bytes] | None = None
        self.started = time.monotonic()
        self._lock = threading.Lock()  # the reader answers, the waiting loop may give up

    @property
    def pending(self) -> bool:
        return self.stdin is not None

    def sudo_argv(self, argv: list[str]) -> list[str]:
        return [find_program("sudo"), "-S", "-p", self.marker, "--", *argv]

    def answer_in(self, data: bytes) -> bytes:
        """``data`` with the prompt removed; the password is sent when the prompt is in it."""
        if self.marker_bytes in data:
            with self._lock:
                if self.stdin is not None:
                    with contextlib.suppress(OSError):
                        self.stdin.write(self.password.encode() + b"\n")
                        self.stdin.flush()
            self.close()
        return data.replace(self.marker_bytes, b"")

    def close_if_not_asked(self) -> None:
        if self.stdin is not None and time.monotonic() - self.started > PROMPT_WAIT_SECONDS:
            self.close()

    def close(self) -> None:
        with self._lock:
            if self.stdin is not None:
                with contextlib.suppress(OSError):
                    self.stdin.close()
                self.stdin = None


def capture_output(
    argv: list[str],
    *,
    timeout: float = 30.0,
    privileged: bool = False,
    password: str | None = None,
    on_wait: Callable[[float], None] | None = None,
    wait_every: float = 10.0,
) -> Captured:
    """Run a short query and collect stdout and stderr; a timeout kills its group (never raised).

    ``privileged`` prefixes sudo when needed (the password, if given, answers its prompt only).
    ``on_wait(elapsed)`` is called every ``wait_every`` seconds while the query runs.
    """
    try:
        pending = start_capture(argv, privileged=privileged, password=password)
    except ProgramNotFound as exc:
        return Captured(list(argv), 127, "", str(exc))
    except OSError as exc:
        return Captured(list(argv), 127, "", f"cannot run {argv[0]}: {exc.strerror}")
    return pending.result(timeout=timeout, on_wait=on_wait, wait_every=wait_every)


def run_streams(
    argv: list[str],
    *,
    input_bytes: bytes | None = None,
    stdin: IO[bytes] | None = None,
    stdout: IO[bytes] | None = None,
    timeout: float = 60.0,
) -> Captured:
    """Run ``argv`` under its guard with data on stdin (bytes, or an open file) and stdout to an open
    file (or collected); stderr is collected. A timeout kills its group and is reported, never raised."""
    try:
        full = resolve(argv)
        child = spawn(
            full,
            stdin=subprocess.PIPE if input_bytes is not None else (stdin or subprocess.DEVNULL),
            stdout=stdout or subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except ProgramNotFound as exc:
        return Captured(list(argv), 127, "", str(exc))
    except OSError as exc:
        return Captured(list(argv), 127, "", f"cannot run {argv[0]}: {exc.strerror}")
    feeder = None
    if input_bytes is not None:  # from a thread: a child that writes before it reads cannot block us
        feeder = threading.Thread(target=_feed, args=(child.popen.stdin, input_bytes), daemon=True)
        feeder.start()
    out, err, timed_out = _collect(child, timeout, None, None, timeout)
    code = PendingCapture(full, child, None)._finish()
    if feeder is not None:
        feeder.join(timeout=1.0)
    text_out, text_err = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    if timed_out:
        return Captured(full, -1, text_out, f"timed out after {timeout:g} s", timed_out=True)
    return Captured(full, code, text_out, text_err)


def _feed(pipe: IO[bytes] | None, data: bytes) -> None:
    if pipe is None:
        return
    with contextlib.suppress(BrokenPipeError, OSError):
        pipe.write(data)
    with contextlib.suppress(BrokenPipeError, OSError):
        pipe.close()


def start_capture(
    argv: list[str], *, privileged: bool = False, password: str | None = None, drain_timeout: float | None = None
) -> PendingCapture:
    """Start a query now, collect it later (raises ``ProgramNotFound`` or ``OSError``).

    With ``drain_timeout`` its output is read from now on, in a thread, into memory (the timeout
    counts from now): a program whose pipe is full stops until someone reads it, and ``status``
    starts its reads while it imports (a 3 MB get of 600 pods used to wait there for them)."""
    prompt = SudoPrompt(password) if (privileged and password) else None
    full = resolve(argv)
    if privileged:
        full = prompt.sudo_argv(full) if prompt else privileged_argv(full)
    stdin = subprocess.PIPE if prompt else subprocess.DEVNULL
    child = spawn(full, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if prompt is not None:
        prompt.stdin = child.popen.stdin
    with contextlib.suppress(OSError, AttributeError):  # a larger pipe: fewer stops while the reader waits for the GIL
        fcntl.fcntl(child.popen.stdout.fileno(), fcntl.F_SETPIPE_SZ, PIPE_SIZE)  # type: ignore[union-attr]
    pending = PendingCapture(full, child, prompt)
    if drain_timeout is not None and prompt is None:  # a sudo prompt is answered by who waits
        pending.drain(drain_timeout)
    return pending


class PendingCapture:
    """A query running under its guard: ``result`` collects it, ``stop`` ends its group."""

    def __init__(self, full: list[str], child: Child, prompt: SudoPrompt | None) -> None:
        self.argv = full
        self.child = child
        self.prompt = prompt
        self._reader: threading.Thread | None = None
        self._read: list[tuple[bytes, bytes, bool] | BaseException] = []
        self._read_timeout = 0.0

    def drain(self, timeout: float) -> None:
        """Read the output in a thread from now on (``result`` then waits for that thread)."""

        def read() -> None:
            try:
                self._read.append(_collect(self.child, timeout, None, None, timeout))
            except BaseException as exc:  # handed to the caller of result()
                self._read.append(exc)

        self._read_timeout = timeout
        self._reader = threading.Thread(target=read, name="query-output", daemon=True)
        self._reader.start()

    def result(
        self, *, timeout: float = 30.0, on_wait: Callable[[float], None] | None = None, wait_every: float = 10.0
    ) -> Captured:
        if self._reader is None:
            out, err, timed_out = _collect(self.child, timeout, self.prompt, on_wait, wait_every)
        else:
            out, err, timed_out = self._drained()
            timeout = self._read_timeout
        code = self._finish()
        text_out, text_err = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
        if timed_out:
            return Captured(self.argv, -1, text_out, f"timed out after {timeout:g} s", timed_out=True)
        return Captured(self.argv, code, text_out, text_err)

    def _drained(self) -> tuple[bytes, bytes, bool]:
        assert self._reader is not None
        try:
            while self._reader.is_alive():  # the reader ends the program at its timeout
                self._reader.join(0.5)
        except BaseException:  # Ctrl+C, SIGTERM while waiting: never leave the query running
            self.child.terminate(grace=0.5)
            raise
        found = self._read[0]
        if isinstance(found, BaseException):
            raise found
        return found

    def stop(self) -> None:
        self.child.terminate(grace=0.0)
        if self._reader is not None:
            self._reader.join(timeout=KILL_GRACE_SECONDS)  # the pipes close with the group
        self._finish()

    def _finish(self) -> int:
        code = self.child.reap()
        for stream in (self.child.popen.stdout, self.child.popen.stderr):
            if stream is not None:
                stream.close()
        return code


def _collect(
    child: Child,
    timeout: float,
    prompt: SudoPrompt | None,
    on_wait: Callable[[float], None] | None,
    wait_every: float,
) -> tuple[bytes, bytes, bool]:
    assert child.popen.stderr is not None
    err_fd = child.popen.stderr.fileno()
    out_fd = child.popen.stdout.fileno() if child.popen.stdout is not None else -1  # -1: stdout went to a file
    streams = {fd: bytearray() for fd in (out_fd, err_fd) if fd >= 0}
    started = time.monotonic()
    next_note = started + wait_every
    with selectors.DefaultSelector() as selector:
        for fd in streams:
            selector.register(fd, selectors.EVENT_READ)
        try:
            while selector.get_map():
                now = time.monotonic()
                if now - started >= timeout:
                    child.terminate()
                    return bytes(streams.get(out_fd, b"")), bytes(streams[err_fd]), True
                if on_wait is not None and now >= next_note:
                    on_wait(now - started)
                    next_note += wait_every
                wait = min(timeout - (now - started), next_note - now if on_wait else timeout, 0.5)
                for key, _ in selector.select(max(0.0, wait)):
                    fd = key.fd
                    data = os.read(fd, READ_SIZE)
                    if not data:
                        selector.unregister(fd)
                        continue
                    streams[fd] += data
                    if prompt is not None and fd == err_fd and prompt.pending:
                        streams[fd] = bytearray(prompt.answer_in(bytes(streams[fd])))
                if prompt is not None:
                    prompt.close_if_not_asked()
                if not child.alive():  # strays may hold the pipes open: end them, then drain
                    child.signal_group(signal.SIGKILL)
        except BaseException:  # Ctrl+C, SIGTERM: never leave the query running
            child.terminate(grace=0.5)
            raise
        finally:
            if prompt is not None:
                prompt.close()
    return bytes(streams.get(out_fd, b"")), bytes(streams[err_fd]), False
