"""What an install checks out: each repository's URL, ref and folder, from the release and the
answers' overrides (``mip_deployment.ref``, ``exareme2.ref``, ``*.repo_url``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .catalogue import Release, release_by_name

if TYPE_CHECKING:
    from ..answers import Answers


@dataclass(frozen=True)
class Pin:
    key: str  # the answers section: "exareme2" or "mip_deployment"
    url: str
    ref: str
    path: Path
    by_hand: bool  # the ref comes from the answers, not from the release

    def describe(self) -> str:
        source = f"{self.key}.ref" if self.by_hand else "the release"
        return f"{self.url} at {self.ref} (from {source}) in {self.path}"


def release_of(answers: Answers) -> Release:
    return release_by_name(answers.release)


def pins(answers: Answers) -> tuple[Pin, Pin]:
    """(exareme2, mip_deployment): the order the install checks them out."""
    release = release_of(answers)
    exa, mip = answers.exareme2, answers.mip_deployment
    return (
        Pin("exareme2", exa.repo_url or release.exareme2_repo_url, exa.ref or release.exareme2_ref, exa.path,
            exa.ref is not None),
        Pin("mip_deployment", mip.repo_url or release.mip_repo_url, mip.ref or release.mip_ref, mip.path,
            mip.ref is not None),
    )


def mip_chart_dir(answers: Answers) -> Path:
    """The MIP chart folder of the release (layout detection confirms it from the checkout)."""
    return answers.mip_deployment.path / release_of(answers).chart_folder
