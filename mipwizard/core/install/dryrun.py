"""``--dry-run``: every step's real action run against a recording runner on a fresh machine.

Nothing runs and nothing is written: the runner notes each command, the context notes each file
and manifest, and ``FreshFacts`` answers the queries as a fresh server would. What is listed is
therefore exactly what the action would do there (subiquity's dry-run idea).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from ..redact import Redactor
from ..runner import ProcessRunner, RunResult
from .facts import FreshFacts
from .settings import InstallSettings
from .steps import Step, StepContext, StepFailed


class RecordingRunner(ProcessRunner):
    """A runner that runs nothing: each command is noted and "succeeds"."""

    records = True

    def __init__(self, *, redactor: Redactor) -> None:
        super().__init__(redactor=redactor, as_root=True)
        self.lines: list[str] = []

    def record(self, line: str) -> None:
        self.lines.append(self.redactor.redact(line))

    def run(self, argv: list[str], **_options: object) -> RunResult:
        """Note the command (the options — sudo, timeout, output — change nothing it would run)."""
        self.record(f"$ {shlex.join(argv)}")
        return RunResult(0)


@dataclass
class StepListing:
    step: Step
    lines: list[str] = field(default_factory=list)  # "$ command", "write FILE", "$ … < Secret"
    stops: str = ""  # the action would stop here (e.g. join_command not set)


def dry_run(plan: list[Step], *, redactor: Redactor, settings: InstallSettings, node: str) -> list[StepListing]:
    runner = RecordingRunner(redactor=redactor)
    facts = FreshFacts(settings, node)
    listings = []
    for step in plan:
        runner.lines = []
        ctx = StepContext(runner, step_id=step.id, on_lines=lambda _lines: None, cancel=None, facts=facts)
        listing = StepListing(step)
        try:
            step.perform(ctx)
        except StepFailed as exc:
            listing.stops = redactor.redact(exc.message)
        listing.lines = list(runner.lines)
        listings.append(listing)
    return listings


def helm_calls(plan: list[Step], *, redactor: Redactor, settings: InstallSettings, node: str) -> list[list[str]]:
    """The ``microk8s helm3 upgrade --install`` argvs the plan's actions would run, in order (what
    ``mipwizard chart check`` renders). Charts and values come from the checkouts when they exist."""
    calls = []
    for listing in dry_run(plan, redactor=redactor, settings=settings, node=node):
        for line in listing.lines:
            if line.startswith("$ microk8s helm3 upgrade "):
                calls.append(shlex.split(line[2:]))
    return calls
