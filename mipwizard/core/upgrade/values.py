"""The values a release's MIP chart is deployed with, written into its chart folder.

8.0.0 and the guide's snapshot read the 8 profiles (the active one is passed with ``-f``); every
hostPath their values.yaml puts under ``/opt/mip-deployment`` is moved under
``mip_deployment.path`` by an overlay, so the folders backup and restore handle are the ones the
chart mounts. The snapshot's values.yaml also targets a managed cluster in namespace
``federation-b``; the overlay puts it back on this microk8s (namespace ``default``, no CephFS).
9.x reads one values file (``mip9_values``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..answers import Answers
from ..errors import UserError
from ..profile_kinds import profile_kind
from ..releases import Release
from ..releases.catalogue import ValuesModel

OVERLAY = "values.mipwizard.yaml"
UPSTREAM_ROOT = "/opt/mip-deployment"
HEADER = "# Written by mipwizard upgrade from your answers; passed to helm with -f after values.yaml.\n"


def hostpath_overlay(values: Any, root: Path) -> dict[str, Any]:
    """The keys of ``values`` whose string starts with /opt/mip-deployment, moved under ``root``."""
    if isinstance(values, dict):
        out = {}
        for k, v in values.items():
            sub = hostpath_overlay(v, root)
            if sub != {} and sub is not None:
                out[k] = sub
        return out
    if isinstance(values, str) and (values == UPSTREAM_ROOT or values.startswith(UPSTREAM_ROOT + "/")):
        moved = str(root) + values[len(UPSTREAM_ROOT):]
        return moved if moved != values else {}  # type: ignore[return-value]
    return {}


def release_values(answers: Answers, release: Release, chart: Path) -> list[tuple[Path, str]]:
    """(path, text) of each values file, in helm's ``-f`` order."""
    if release.values_model is ValuesModel.VALUES_9:
        from ..releases.mip9_values import render_mip9_values

        try:
            data = render_mip9_values(answers)
        except ValueError as exc:
            raise UserError(f"{release.name}: {exc}") from None
        return [(chart / OVERLAY, HEADER + yaml.safe_dump(data, sort_keys=False))]
    from ..profiles import render_profile

    profile = chart / profile_kind(answers.active_profile).filename
    files = [(profile, render_profile(answers, answers.active_profile))]
    try:
        upstream = yaml.safe_load((chart / "values.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(f"cannot read {chart / 'values.yaml'} ({exc.__class__.__name__}) — is the checkout complete?"
                        ) from None
    overlay = hostpath_overlay(upstream, answers.mip_deployment.path)
    if release.values_model is ValuesModel.PROFILES_MASTER:
        overlay.update(namespace="default", managed_cluster=False)
    if overlay:
        files.append((chart / OVERLAY, HEADER + yaml.safe_dump(overlay, sort_keys=False)))
    return files
