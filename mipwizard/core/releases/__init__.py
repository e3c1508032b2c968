"""Releases: which MIP and Exareme2 refs are deployed, how their charts are laid out, and the
writers that turn the answers into what each layout reads."""

from __future__ import annotations

from .catalogue import (
    CATALOGUE,
    DEFAULT_RELEASE,
    RELEASE_NAMES,
    EngineLayout,
    Release,
    ValuesModel,
    release_by_name,
)

__all__ = [
    "CATALOGUE",
    "DEFAULT_RELEASE",
    "RELEASE_NAMES",
    "EngineLayout",
    "Release",
    "ValuesModel",
    "release_by_name",
]
