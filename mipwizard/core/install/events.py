"""What an install run reports: typed events, in order, the run's result, and a step's failure.

The engine emits them to one callback; the CLI prints them, the wizard posts each to its Install
screen as a typed Textual message and matches on the class (never on a class name).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

# "warning": finished, but something needs fixing that does not stop the install (its message says what).
Outcome = Literal["done", "already", "skipped", "failed", "warning"]


class StepFailed(Exception):
    """A step could not finish; ``message`` says why and what to do (already redacted)."""

    def __init__(self, message: str, *, tail: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.tail = tail or []


@dataclass(frozen=True)
class StepStarted:
    step_id: str
    title: str


@dataclass(frozen=True)
class StepOutput:
    step_id: str
    lines: list[str]


@dataclass(frozen=True)
class StepFinished:
    step_id: str
    outcome: Outcome
    seconds: float
    message: str = ""


@dataclass
class InstallResult:
    ok: bool
    failed_step: str | None = None
    message: str = ""
    log_path: Path | None = None
    url: str | None = None
    tail: list[str] = field(default_factory=list)  # last output lines of the failed step
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # "step-id: what and the fix", for the faces to show last


@dataclass(frozen=True)
class PlanFinished:
    result: InstallResult


InstallEvent = StepStarted | StepOutput | StepFinished | PlanFinished
