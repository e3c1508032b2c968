"""The Exareme2 values overlay for each engine layout, passed to helm with -f after values.yaml
(upstream's values.yaml stays untouched).

Every layout gets the node count, the federation and SMPC; the storage keys differ. 0.28 and
exaflow mount ``<storage.hostPath.db.localworker>/csvs`` as the workers' data, so that path is a
symlink to ``data_root/federation`` (``data_link``) and the install probes where it resolves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .catalogue import EngineLayout

if TYPE_CHECKING:
    from ..answers import Answers

OVERLAY_NAME = "values.mipwizard.yaml"
HEADER = "# Written by mipwizard install from your answers; passed to helm with -f after values.yaml.\n"


@dataclass(frozen=True)
class EngineValues:
    overlay: dict[str, Any]
    folders: list[Path] = field(default_factory=list)  # hostPaths the chart mounts: made before it deploys
    data_link: Path | None = None  # <localworker>/csvs -> data_root/federation

    def text(self) -> str:
        return HEADER + yaml.safe_dump(self.overlay, sort_keys=False, default_flow_style=False)


def overlay_path(chart_dir: Path) -> Path:
    return chart_dir / OVERLAY_NAME


def engine_values(answers: Answers, layout: EngineLayout) -> EngineValues:
    exa = answers.exareme2
    stored = exa.path / ".stored_data"
    data_dir = answers.data_root / answers.federation
    if layout is EngineLayout.SEED:
        overlay: dict[str, Any] = {
            "localnodes": exa.localnodes,
            "db": {
                "credentials_location": f"{exa.path}/credentials",
                "storage_location": f"{stored}/db",
                "csvs_location": str(data_dir),
            },
            "controller": {"cleanup_file_folder": f"{stored}/cleanup"},
            "smpc": {"enabled": exa.smpc},
        }
        return EngineValues(overlay, [exa.path / "credentials", stored / "db", stored / "cleanup"])
    local, glob = stored / "localworker", stored / "globalworker"
    host_path: dict[str, Any] = {"db": {"localworker": str(local), "globalworker": str(glob)}}
    folders = [local / "db", local / "credentials", glob / "db", glob / "credentials", glob / "csvs"]
    if layout is EngineLayout.HOSTPATH:
        host_path = {"controller_cleanup": f"{stored}/cleanup", **host_path}
        folders.append(stored / "cleanup")
    overlay = {
        "namespace": "default",
        "managed_cluster": False,
        "localnodes": exa.localnodes,
        "federation": answers.federation,
        "storage": {"type": "hostPath", "hostPath": host_path},
        "smpc": {"enabled": exa.smpc},
    }
    return EngineValues(overlay, folders, local / "csvs")
