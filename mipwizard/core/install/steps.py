"""What a plan is made of: steps, their commands, and the context they run in.

A step is described once: its ``action`` does the work through the context (``run``, ``query``,
``write``, ``apply``). ``--dry-run`` runs the very same actions with a recording runner and a
fresh machine's facts (``dryrun.py``), so the listing cannot disagree with the run.
"""

from __future__ import annotations

import shlex
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..fileio import atomic_write_text
from ..fingerprint import keyed_fingerprint
from ..redact import Redactor
from ..runner import ProcessRunner, RunResult
from ..system import Captured, ProgramNotFound
from .events import StepFailed as StepFailed  # raised by steps; its home is below the facts they read

if TYPE_CHECKING:
    from .facts import Facts


class StepWarning(Exception):
    """A step found something to fix that does not stop the install (the login check after it):
    the step ends as a warning, the run goes on and succeeds; ``message`` says what and the fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Command:
    """One program run by a step, as an argv list (never a shell string)."""

    argv: tuple[str, ...]
    privileged: bool = True  # prefixed with sudo when mipwizard is not root
    timeout: float | None = 1800.0

    def display(self) -> str:
        return shlex.join(self.argv)


@dataclass(frozen=True)
class Probe:
    done: bool
    detail: str = ""


ProbeFn = Callable[["StepContext"], Probe]
ActionFn = Callable[["StepContext"], "str | None"]


@dataclass
class Step:
    id: str
    title: str
    check: str = ""  # how "already done" is decided, in words (dry-run shows it)
    commands: list[Command] = field(default_factory=list)  # run in order when there is no action
    fingerprint: str = ""  # of the answers parts this step depends on
    probe: ProbeFn | None = None
    action: ActionFn | None = None  # default: run ``commands`` in order
    # Helm releases: "deployed" does not say with which values, so the journal must also have
    # recorded this fingerprint for the probe's "done" to count.
    needs_journal: bool = False
    # Set on the last step of a plan: what the finished install tells the user.
    result_url: str | None = None
    done_message: str = ""

    def perform(self, ctx: StepContext) -> str:
        if self.action is not None:
            return self.action(ctx) or "done"
        for command in self.commands:
            ctx.run(command)
        return "done"


QUERY_HANG_FIX = "check that microk8s is running (`microk8s status`) and try again"


def fingerprint(*parts: Any) -> str:
    """Keyed (HMAC, per-machine key): the inputs may hold a secret a plain hash would give away."""
    return keyed_fingerprint(*parts)


class StepContext:
    """Given to probes and actions: run commands (streamed), run short queries (captured),
    write files, apply manifests through stdin; ``facts`` caches what the run learnt."""

    def __init__(
        self,
        runner: ProcessRunner,
        *,
        step_id: str,
        on_lines: Callable[[list[str]], None],
        cancel: threading.Event | None,
        facts: Facts,
    ) -> None:
        self.runner = runner
        self.step_id = step_id
        self.on_lines = on_lines
        self.cancel = cancel
        self.facts = facts
        facts.bind(self)

    @property
    def redactor(self) -> Redactor:
        return self.runner.redactor

    @property
    def recording(self) -> bool:
        """True in ``--dry-run``: nothing runs, the recording runner notes what would."""
        return bool(getattr(self.runner, "records", False))

    def say(self, *lines: str) -> None:
        """Lines of our own in the step's live output (and the log)."""
        redacted = [self.redactor.redact(line) for line in lines]
        if self.runner.log is not None:
            self.runner.log.write_lines(redacted)
        self.on_lines(redacted)

    def run(self, command: Command) -> RunResult:
        """Run a command with live output; raise ``StepFailed`` unless it succeeds."""
        result = self.runner.run(
            list(command.argv),
            privileged=command.privileged,
            timeout=command.timeout,
            on_lines=self.on_lines,
            cancel=self.cancel,
        )
        if not result.ok:
            shown = self.redactor.redact(command.display())
            raise StepFailed(f"`{shown}` {result.describe()}", tail=result.tail)
        return result

    def query(self, argv: list[str], *, privileged: bool = False, timeout: float = 60.0) -> Captured:
        """A short read-only query whose output we parse (not streamed; noted in the log).
        In a dry run the machine is a fresh one: every query finds nothing."""
        if self.recording:
            return Captured(list(argv), 1, "", "(dry run: a fresh machine)")
        shown = self.redactor.redact(shlex.join(argv))
        result = self.runner.query(
            argv,
            privileged=privileged,
            timeout=timeout,
            on_wait=lambda s: self.say(f"… still waiting for `{shown}` ({s:.0f} s)"),
        )
        if self.runner.log is not None:
            self.runner.log.note(f"check: {shown} -> exit {result.exit_code}")
        if result.timed_out:  # a hung check is a failure, never "not done yet" or success
            raise StepFailed(f"`{shown}` did not answer within {timeout:g} s and was stopped — {QUERY_HANG_FIX}")
        return result

    def apply(self, argv: list[str], document: str, *, what: str, timeout: float = 120.0) -> None:
        """Run ``argv`` (``kubectl apply -f -``) with ``document`` on stdin — secrets never go in argv."""
        if self.recording:
            self.runner.record(f"$ {shlex.join(argv)}  < {what}")  # type: ignore[attr-defined]
            return
        code, lines = self._piped(argv, document, timeout=timeout)
        output = [line for line in lines if line.strip()]
        self.say(*output)
        if code != 0:
            tail = [self.redactor.redact(line) for line in output[-15:]]
            raise StepFailed(f"`{shlex.join(argv)}` ({what}) failed with exit code {code}", tail=tail)

    def write(self, path: Path, text: str, *, mode: int = 0o600, backup: bool = True, what: str = "") -> None:
        """Write a file of ours atomically (the previous version kept); a clear stop if we cannot."""
        if self.recording:
            self.runner.record(f"write {path}" + (f"  ({what})" if what else ""))  # type: ignore[attr-defined]
            return
        try:
            atomic_write_text(path, text, mode=mode, backup=backup)
        except OSError as exc:
            raise StepFailed(f"cannot write {path}: {exc.strerror} — run mipwizard as root (sudo)") from None
        self.say(f"wrote {path}")

    def change(self, what: str, effect: Callable[[], object]) -> object:
        """A change made by mipwizard itself (a rename, a symlink…): done, or noted in a dry run."""
        if self.recording:
            self.runner.record(what)  # type: ignore[attr-defined]
            return None
        return effect()

    def _piped(self, argv: list[str], document: str, *, timeout: float) -> tuple[int, list[str]]:
        """Run ``argv`` with ``document`` on its stdin, through the one process boundary. Not root:
        sudo's stdin belongs to its password prompt, so the document goes in a private file (0600,
        removed at once) named on stdin's place (``-f -`` becomes ``-f FILE``)."""
        import subprocess

        from ..process import resolve, spawn

        if not self.runner.as_root:
            return self._via_private_file(argv, document, timeout=timeout)
        try:
            full = resolve(list(argv))
        except ProgramNotFound as exc:
            return 127, [str(exc)]
        child = spawn(full, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            out, _ = child.popen.communicate(document.encode(), timeout=timeout)
        except subprocess.TimeoutExpired:
            child.terminate()
            child.reap()
            return -1, [f"timed out after {timeout:g} s and was stopped"]
        code = child.reap()
        if self.runner.log is not None:
            self.runner.log.note(f"$ {self.redactor.redact(shlex.join(argv))} (stdin) -> exit {code}")
        return code, out.decode("utf-8", "replace").splitlines()

    def _via_private_file(self, argv: list[str], document: str, *, timeout: float) -> tuple[int, list[str]]:
        import os
        import tempfile

        fd, name = tempfile.mkstemp(prefix="mipwizard-apply-", suffix=".json")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(document)
            lines: list[str] = []
            result = self.runner.run([name if a == "-" else a for a in argv], privileged=True, timeout=timeout,
                                     on_lines=lines.extend, cancel=self.cancel)
            return (0 if result.ok else (result.exit_code or 1)), lines
        finally:
            os.unlink(name)

    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()
