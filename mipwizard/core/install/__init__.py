"""The install engine: the guide's procedure as idempotent, resumable steps with live output."""

from __future__ import annotations

from .engine import (
    InstallEngine,
    InstallEvent,
    InstallResult,
    Outcome,
    PlanFinished,
    StepFinished,
    StepOutput,
    StepStarted,
)
from .journal import Journal
from .plan import InstallSettings, build_plan, exareme2_overlay, exareme2_overlay_path, install_url
from .steps import Command, Probe, Step, StepContext, StepFailed

__all__ = [
    "Command",
    "InstallEngine",
    "InstallEvent",
    "InstallResult",
    "InstallSettings",
    "Journal",
    "Outcome",
    "PlanFinished",
    "Probe",
    "Step",
    "StepContext",
    "StepFailed",
    "StepFinished",
    "StepOutput",
    "StepStarted",
    "build_plan",
    "exareme2_overlay",
    "exareme2_overlay_path",
    "install_url",
]
