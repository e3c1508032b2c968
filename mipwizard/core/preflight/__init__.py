"""Preflight: can this machine run MIP in the chosen role, and if not, what exactly to do.

Every check reads its facts through one ``Probe`` (``FakeProbe`` in tests) and reports a
``CheckResult``: status, a summary with the measured and the required value, and a fix.
"""

from __future__ import annotations

from .context import AnswersFacts, HostFacts
from .machine import MACHINE_ENV, machine_probe
from .model import MINIMUMS, CheckResult, CheckSpec, Minimums, Status
from .network import local_interface_addresses
from .probe import DiskFact, FactUnavailable, FakeProbe, Listener, Probe
from .runner import ALL_IDS, NETWORK_IDS, check_specs, iter_checks, run_checks, validate_ignore

__all__ = [
    "ALL_IDS",
    "MACHINE_ENV",
    "MINIMUMS",
    "NETWORK_IDS",
    "AnswersFacts",
    "CheckResult",
    "CheckSpec",
    "DiskFact",
    "FactUnavailable",
    "FakeProbe",
    "HostFacts",
    "Listener",
    "Minimums",
    "Probe",
    "Status",
    "check_specs",
    "iter_checks",
    "local_interface_addresses",
    "machine_probe",
    "run_checks",
    "validate_ignore",
]
