"""Which machine the preflight probes: this one, or a synthetic one described in JSON (demos, tests)."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import UserError
from .probe import FakeProbe, Probe

# A synthetic machine file (tests/machines/*.json): the wizard, `check` and `install` probe it
# instead of this machine, so a demo or a test on a 2-core VM sees the machine it describes.
MACHINE_ENV = "MIPWIZARD_MACHINE"


def machine_probe(machine_file: str | Path | None = None) -> Probe:
    """The probe for ``machine_file``, else for ``$MIPWIZARD_MACHINE``, else for this machine."""
    chosen = machine_file or os.environ.get(MACHINE_ENV) or None
    if chosen is None:
        return Probe()
    try:
        return FakeProbe.from_json(chosen)
    except (OSError, ValueError) as exc:
        raise UserError(f"{chosen}: cannot read the machine description ({exc})") from None
