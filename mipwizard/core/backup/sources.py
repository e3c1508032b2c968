"""What a MIP's state is made of, as "roots": folders and files put back whole on restore.

Upstream (BackupAndRecovery.md) names two folders under the mip-deployment checkout:
``.stored_data`` (the PostgreSQL data folders) and ``config``. mipwizard adds what it wrote itself:
the answers, the profiles and values overlays, and the secrets it generated (an explicit list of
file names in its state folder: nothing else there is picked up by accident).
``--with-data`` adds ``<data_root>/<federation>`` (the CSVs; usually large, and often kept elsewhere).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..answers import Answers
from ..profile_kinds import PROFILE_NAMES

# Secret files mipwizard writes into its state folder (generated database passwords, realm
# credentials). Listed by name on purpose: a stray file in the state folder is never archived.
STATE_SECRET_FILES = (
    "mip-secret.json",  # the releases' generated database/Keycloak passwords (core/releases/secrets.py)
    "mip-secret.yaml",
    "mip-secret.env",
    "mip-secrets.yaml",
    "secrets.yaml",
    "keycloak-credentials.yaml",
    "generated-secrets.yaml",
)
UPSTREAM_FOLDERS = (".stored_data", "config")
CHART_FOLDERS = ("kubernetes", "deployment/kubernetes")  # 8.x and 9.x layouts
OVERLAY_GLOB = "values.mipwizard*.yaml"


@dataclass(frozen=True)
class Root:
    """One folder or file, archived under ``roots/<name>`` and restored to ``path`` as a unit."""

    name: str
    path: Path
    kind: str  # "dir" or "file"
    secret: bool = False  # holds secrets (only its hash and size go in the manifest, as for all)

    @property
    def member(self) -> str:
        return f"roots/{self.name}"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "path": str(self.path), "kind": self.kind, "secret": self.secret}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Root:
        kind = str(data["kind"])
        if kind not in ("dir", "file"):
            raise ValueError(f"unknown root kind {kind!r}")
        return cls(str(data["name"]), Path(str(data["path"])), kind, bool(data.get("secret", False)))


def collect_roots(
    answers: Answers, *, answers_path: Path | None, state_dir: Path, with_data: bool = False
) -> list[Root]:
    """The roots that exist now, in a stable order (folders first, then files)."""
    mip = answers.mip_deployment.path
    roots: list[Root] = []
    for upstream in UPSTREAM_FOLDERS:
        path = mip / upstream
        if path.is_dir():
            roots.append(Root(upstream.lstrip("."), path, "dir"))
    if with_data:
        data = answers.data_root / answers.federation
        if data.is_dir():
            roots.append(Root("data", data, "dir"))
    if answers_path is not None and answers_path.is_file():
        roots.append(Root("answers", answers_path, "file", secret=True))
    for chart_folder in CHART_FOLDERS:
        folder = mip / chart_folder
        tag = chart_folder.replace("/", "-")
        for name in PROFILE_NAMES:
            path = folder / f".{name}"
            if path.is_file():
                roots.append(Root(f"profile-{tag}.{name}", path, "file", secret=True))
        for path in sorted(folder.glob(OVERLAY_GLOB)) if folder.is_dir() else []:
            roots.append(Root(f"overlay-mip-{tag}.{path.name}", path, "file", secret=True))
    exa_chart = answers.exareme2.path / "kubernetes"
    for path in sorted(exa_chart.glob(OVERLAY_GLOB)) if exa_chart.is_dir() else []:
        roots.append(Root(f"overlay-exareme2.{path.name}", path, "file"))
    for name in STATE_SECRET_FILES:
        path = state_dir / name
        if path.is_file():
            roots.append(Root(f"state.{name}", path, "file", secret=True))
    return roots
