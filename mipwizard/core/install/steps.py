"""What a plan is made of: steps, their commands, and the context they run in."""

from __future__ import annotations

import shlex
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..fingerprint import keyed_fingerprint
from ..redact import Redactor
from ..runner import ProcessRunner, RunResult
from ..system import Captured


class StepFailed(Exception):
    """A step could not finish; ``message`` says why and what to do (already redacted)."""

    def __init__(self, message: str, *, tail: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.tail = tail or []


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
    commands: list[Command] = field(default_factory=list)  # what a fresh machine runs (dry-run)
    writes: list[str] = field(default_factory=list)  # files written by mipwizard itself (dry-run)
    fingerprint: str = ""  # of the answers parts this step depends on
    probe: ProbeFn | None = None
    action: ActionFn | None = None  # default: run ``commands`` in order
    # Helm releases: "deployed" does not say with which values, so the journal must also have
    # recorded this fingerprint for the probe's "done" to count.
    needs_journal: bool = False
    # Set on the last step of a plan: what the finished install tells the user.
    result_url: str | None = None
    done_message: str = ""


QUERY_HANG_FIX = "check that microk8s is running (`microk8s status`) and try again"


def fingerprint(*parts: Any) -> str:
    """Keyed (HMAC, per-machine key): the inputs may hold a secret a plain hash would give away."""
    return keyed_fingerprint(*parts)


class StepContext:
    """Given to probes and actions: run commands (streamed), run short queries (captured)."""

    def __init__(
        self,
        runner: ProcessRunner,
        *,
        step_id: str,
        on_lines: Callable[[list[str]], None],
        cancel: threading.Event | None,
        cache: dict[str, Any],
    ) -> None:
        self.runner = runner
        self.step_id = step_id
        self.on_lines = on_lines
        self.cancel = cancel
        self.cache = cache  # shared by the steps of one run (e.g. the parsed microk8s status)

    @property
    def redactor(self) -> Redactor:
        return self.runner.redactor

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
        """A short read-only query whose output we parse (not streamed; noted in the log)."""
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

    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()
