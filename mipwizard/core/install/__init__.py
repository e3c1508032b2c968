"""The install engine: the guide's procedure as idempotent, resumable steps with live output."""

from __future__ import annotations

from .dryrun import RecordingRunner, StepListing, dry_run, helm_calls
from .engine import InstallEngine
from .events import (
    InstallEvent,
    InstallResult,
    Outcome,
    PlanFinished,
    StepFinished,
    StepOutput,
    StepStarted,
)
from .journal import Journal
from .plan import build_plan, install_url, label_command
from .settings import InstallSettings, local_node_name
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
    "RecordingRunner",
    "Step",
    "StepContext",
    "StepFailed",
    "StepFinished",
    "StepListing",
    "StepOutput",
    "StepStarted",
    "build_plan",
    "dry_run",
    "helm_calls",
    "install_url",
    "label_command",
    "local_node_name",
]
