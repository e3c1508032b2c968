"""The release catalogue: the pairs of MIP and Exareme2 refs mipwizard knows how to deploy.

An install pins a release (answers ``release:``, default the first entry) so nothing ever follows a
moving branch; ``mip_deployment.ref`` / ``exareme2.ref`` override a ref by hand. What the checkout
actually holds is decided by layout detection (``layout.py``), never by the release's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from ..profile_kinds import Auth


class ValuesModel(str, Enum):
    """How the MIP chart of a release is configured."""

    PROFILES_8 = "mip8-profiles"  # 8.0.0: the 8 profiles, the chart creates mip-secret, namespace default
    PROFILES_MASTER = "mip-master-profiles"  # the same profiles + managed_cluster/namespace/external Secrets
    VALUES_9 = "mip9-values"  # 9.x: one values file (cluster, network, keycloak, platform-*)


class EngineLayout(str, Enum):
    """Which values the Exareme2 chart reads."""

    SEED = "exareme2-seed"  # 0.20: db.credentials_location, db.storage_location, db.csvs_location
    HOSTPATH = "exareme2-hostpath"  # 0.25–0.28: storage.hostPath.*, monetdb.*
    EXAFLOW = "exaflow"  # exaflow: exaflow_images, workers read <hostPath.db.localworker>/csvs


HBP_MIP_REPO = "https://github.com/HBPMedical/mip-deployment"
NEW_MIP_REPO = "https://github.com/Medical-Informatics-Platform/mip-deployment"
EXAREME2_REPO = "https://github.com/madgik/Exareme2"

ALL_AUTHS = (Auth.EXTERNAL, Auth.INTERNAL, Auth.INTERNAL_HTTP, Auth.NONE)


@dataclass(frozen=True)
class Release:
    name: str
    mip_repo_url: str
    mip_ref: str
    exareme2_repo_url: str
    exareme2_ref: str
    chart_folder: str  # the MIP chart inside the mip-deployment checkout
    values_model: ValuesModel
    engine_layout: EngineLayout
    auth_kinds: tuple[Auth, ...]
    note: str
    # Engines whose data is loaded by hand with mipdb (exaflow loads the CSVs itself at start).
    loads_data_with_mipdb: bool = True

    def supports(self, auth: Auth) -> bool:
        return auth in self.auth_kinds

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "mip_deployment": {"repo_url": self.mip_repo_url, "ref": self.mip_ref},
            "exareme2": {"repo_url": self.exareme2_repo_url, "ref": self.exareme2_ref},
            "chart_folder": self.chart_folder,
            "values_model": self.values_model.value,
            "engine_layout": self.engine_layout.value,
            "auth_kinds": [a.value for a in self.auth_kinds],
            "note": self.note,
        }


def _pair(
    name: str, mip: tuple[str, str], exareme2_ref: str, models: tuple[ValuesModel, EngineLayout], note: str,
    *, chart_folder: str = "kubernetes", auth_kinds: tuple[Auth, ...] = ALL_AUTHS, loads_data_with_mipdb: bool = True,
) -> Release:
    """One catalogue line: the MIP checkout (repo, ref), the Exareme2 ref, how both charts are configured."""
    return Release(name, mip[0], mip[1], EXAREME2_REPO, exareme2_ref, chart_folder, models[0], models[1],
                   auth_kinds, note, loads_data_with_mipdb)


CATALOGUE: tuple[Release, ...] = (
    _pair("8.0.0", (HBP_MIP_REPO, "8.0.0"), "0.20.0", (ValuesModel.PROFILES_8, EngineLayout.SEED),
          "the default: the last tagged pair that matches the guide's 8 profiles (Exareme2 0.20.0)"),
    _pair("guide-f7c6441", (HBP_MIP_REPO, "f7c64415c48f56bdb25188721d5857a5d79e2547"), "0.28.0",
          (ValuesModel.PROFILES_MASTER, EngineLayout.HOSTPATH),
          "the deployment guide's own snapshot (HBPMedical master at f7c6441) with Exareme2 0.28.0"),
    _pair("9.0.2", (NEW_MIP_REPO, "9.0.2"), "ad132e20ea068d8e39fb25153ccf3f34d5450226",
          (ValuesModel.VALUES_9, EngineLayout.EXAFLOW),
          "the project's new home: one values file, exaflow (Exareme2 master at ad132e20), external Keycloak only",
          chart_folder="deployment/kubernetes", auth_kinds=(Auth.EXTERNAL,), loads_data_with_mipdb=False),
)
DEFAULT_RELEASE: Release = CATALOGUE[0]
RELEASE_NAMES: tuple[str, ...] = tuple(r.name for r in CATALOGUE)


def release_by_name(name: str) -> Release:
    """The catalogue entry called ``name``; ValueError naming the choices otherwise."""
    for release in CATALOGUE:
        if release.name == name:
            return release
    raise ValueError(f"{name!r} is not a known release — choose one of: {', '.join(RELEASE_NAMES)}")


_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$")


def check_git_ref(value: str) -> str:
    """A tag, branch or commit given by hand. It goes into git's argv, so it never starts with "-"."""
    value = value.strip()
    if not _REF.match(value) or ".." in value or value.endswith((".lock", "/", ".")):
        raise ValueError(
            f"{value!r} is not a git ref — give a tag (e.g. 8.0.0), a branch (e.g. master) or a commit hash"
        )
    return value
