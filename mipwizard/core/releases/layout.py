"""Which values model a checkout's charts read — decided from the files, not the release's name.

An unknown layout stops the install before anything is deployed, saying what was found and which
release to pin: no more "a warning, then a broken deploy".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .catalogue import CATALOGUE, EngineLayout, ValuesModel

MIP_CHART_FOLDERS = ("kubernetes", "deployment/kubernetes")


class LayoutError(Exception):
    """The checkout holds a chart mipwizard cannot configure; the message says what to pin."""


@dataclass(frozen=True)
class MipChart:
    chart_dir: Path
    model: ValuesModel
    values: dict[str, Any]


@dataclass(frozen=True)
class EngineChart:
    chart_dir: Path
    layout: EngineLayout
    values: dict[str, Any]


def _pin_hint() -> str:
    names = ", ".join(r.name for r in CATALOGUE)
    return f"pin a known release with `release:` ({names}; see `mipwizard releases`)"


def _values(chart_dir: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load((chart_dir / "values.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        problem = exc.__class__.__name__
        raise LayoutError(f"{chart_dir}/values.yaml cannot be read ({problem}) — {_pin_hint()}") from None
    return data if isinstance(data, dict) else {}


def has(data: object, dotted: str) -> bool:
    for part in dotted.split("."):
        if not isinstance(data, dict) or part not in data:
            return False
        data = data[part]
    return True


def detect_mip(checkout: Path) -> MipChart:
    found = [checkout / f for f in MIP_CHART_FOLDERS if (checkout / f / "Chart.yaml").is_file()]
    if not found:
        raise LayoutError(
            f"{checkout} holds no MIP chart (no Chart.yaml in {' or '.join(MIP_CHART_FOLDERS)}) — {_pin_hint()}"
        )
    chart = found[0]
    values = _values(chart)
    templates = chart / "templates"
    if has(values, "cluster.managed") and ("platform-ui" in values or "platform-backend" in values):
        return MipChart(chart, ValuesModel.VALUES_9, values)
    if "managed_cluster" in values and "datacatalog" in values:
        return MipChart(chart, ValuesModel.PROFILES_MASTER, values)
    if "datacatalogue" in values and (templates / "mip-secret.yaml").is_file():
        return MipChart(chart, ValuesModel.PROFILES_8, values)
    keys = ", ".join(sorted(str(k) for k in values)[:12]) or "nothing"
    raise LayoutError(
        f"{chart}/values.yaml has a layout mipwizard does not know (top-level keys: {keys}) — nothing was "
        f"deployed; {_pin_hint()}, or set mip_deployment.ref to one of its refs"
    )


def detect_engine(checkout: Path) -> EngineChart:
    chart = checkout / "kubernetes"
    if not (chart / "Chart.yaml").is_file():
        raise LayoutError(f"{checkout} holds no Exareme2 chart (no kubernetes/Chart.yaml) — {_pin_hint()}")
    values = _values(chart)
    if "exaflow_images" in values and has(values, "storage.hostPath.db.localworker"):
        return EngineChart(chart, EngineLayout.EXAFLOW, values)
    if has(values, "storage.hostPath.db.localworker") and "monetdb" in values:
        return EngineChart(chart, EngineLayout.HOSTPATH, values)
    if has(values, "db.csvs_location") and has(values, "db.storage_location"):
        return EngineChart(chart, EngineLayout.SEED, values)
    keys = ", ".join(sorted(str(k) for k in values)[:12]) or "nothing"
    raise LayoutError(
        f"{chart}/values.yaml has an Exareme2 layout mipwizard does not know (top-level keys: {keys}) — nothing "
        f"was deployed; {_pin_hint()}, or set exareme2.ref to one of its tags (e.g. 0.20.0, 0.28.0)"
    )
