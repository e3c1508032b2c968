"""``helm list -o json`` and ``helm history -o json``."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .base import ReaderError, as_int, as_text, load


@dataclass
class HelmRelease:
    name: str
    namespace: str = "default"
    revision: int = 0
    updated: str = ""
    status: str = "unknown"
    chart: str = ""
    app_version: str = ""

    @property
    def healthy(self) -> bool:
        return self.status == "deployed"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class HelmRevision:
    """One row of ``helm history NAME -o json`` (keys of helm's releaseHistory)."""

    revision: int = 0
    updated: str = ""
    status: str = "unknown"
    chart: str = ""
    app_version: str = ""
    description: str = ""


def _fields(row: dict[str, Any]) -> dict[str, Any]:
    """The columns both outputs share; helm prints the revision as text, a missing status is "unknown"."""
    return {
        "revision": as_int(row.get("revision")),
        "updated": as_text(row.get("updated")),
        "status": as_text(row.get("status"), "unknown"),
        "chart": as_text(row.get("chart")),
        "app_version": as_text(row.get("app_version")),
    }


def _rows(text: str, what: str) -> list[dict[str, Any]]:
    data = load(text, what)
    if data is None:
        return []
    if not isinstance(data, list):
        raise ReaderError(f"{what}: expected a JSON list of {'releases' if 'list' in what else 'revisions'}")
    return [row for row in data if isinstance(row, dict)]


def parse_helm_list(text: str) -> list[HelmRelease]:
    """``helm3 list -A -o json`` (or ``-o yaml``); ``[]`` when there is no release."""
    return [
        HelmRelease(name=str(row["name"]), namespace=as_text(row.get("namespace"), "default"), **_fields(row))
        for row in _rows(text, "helm list")
        if row.get("name")
    ]


def parse_helm_history(text: str) -> list[HelmRevision]:
    """``helm history NAME -o json``, oldest first."""
    revisions = [
        HelmRevision(description=as_text(row.get("description")), **_fields(row))
        for row in _rows(text, "helm history")
    ]
    return sorted(revisions, key=lambda r: r.revision)
