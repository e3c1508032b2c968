"""What the MIP chart reads on microk8s, per values model.

8.0.0 and master: the 8 profiles stay upstream-identical; ``values.mipwizard.yaml`` is passed to
helm after the profile and sets what the chart must read on a single microk8s cluster:
  - ``namespace: default`` — helm never creates a namespace a template names (master says federation-b);
  - ``managed_cluster: false`` (master) — else ceph storage classes, an ``nginx-public`` Ingress, cert-manager;
  - ``datacatalog`` (master) — its templates read ``datacatalog:`` while the profiles carry ``datacatalogue:``;
  - every storage ``data_path`` under ``mip_deployment.path`` — upstream hard-codes /opt/mip-deployment.
9.x: one values file from the answers (``mip9_values.render_mip9_values``, owned by the chart check).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .catalogue import ValuesModel

if TYPE_CHECKING:
    from ..answers import Answers

OVERLAY_NAME = "values.mipwizard.yaml"
UPSTREAM_ROOT = "/opt/mip-deployment"
HEADER = "# Written by mipwizard install from your answers; passed to helm with -f after the profile.\n"


def rebase(path: str, root: Path) -> str:
    """An upstream hostPath moved under ``root`` (``mip_deployment.path``)."""
    if path == UPSTREAM_ROOT or path.startswith(UPSTREAM_ROOT + "/"):
        return str(root) + path[len(UPSTREAM_ROOT):]
    return path


def data_paths(values: object, root: Path) -> dict[str, Any]:
    """A values tree holding only the chart's ``data_path`` keys, rebased under ``root``."""
    found: dict[str, Any] = {}
    if isinstance(values, dict):
        for key, value in values.items():
            if key == "data_path" and isinstance(value, str):
                found[key] = rebase(value, root)
            elif isinstance(value, dict):
                inner = data_paths(value, root)
                if inner:
                    found[str(key)] = inner
    return found


def host_folders(overlay: object) -> list[Path]:
    """Every ``data_path`` of an overlay (the folders made before the chart deploys)."""
    out: list[Path] = []
    if isinstance(overlay, dict):
        for key, value in overlay.items():
            if key == "data_path" and isinstance(value, str):
                out.append(Path(value))
            else:
                out += host_folders(value)
    return out


def mip_overlay(answers: Answers, model: ValuesModel, chart_values: dict[str, Any]) -> dict[str, Any]:
    overlay: dict[str, Any] = {"namespace": "default"}
    if model is ValuesModel.PROFILES_MASTER:
        overlay["managed_cluster"] = False
        overlay["datacatalog"] = {"PROTOCOL": "https", "HOST": answers.datacatalogue_host}
    overlay.update(data_paths(chart_values, answers.mip_deployment.path))
    return overlay


def overlay_text(overlay: dict[str, Any]) -> str:
    return HEADER + yaml.safe_dump(overlay, sort_keys=False, default_flow_style=False)


def mip9_values_text(answers: Answers) -> str:
    """The 9.x values file; raises LookupError until the chart check's renderer is there."""
    try:
        from .mip9_values import render_mip9_values  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise LookupError(
            "this mipwizard cannot write the 9.x values file yet — pin release 8.0.0 or guide-f7c6441"
        ) from None
    try:
        data = render_mip9_values(answers)
    except ValueError as exc:  # Mip9ValuesRefused: what 9.x cannot deploy from these answers, and why
        raise LookupError(str(exc)) from None
    return "# Written by mipwizard install from your answers (the 9.x values model).\n" + yaml.safe_dump(
        data, sort_keys=False, default_flow_style=False
    )
