"""``helm list -o json`` and ``helm history -o json``."""

from __future__ import annotations

from typing import Any

from pydantic import field_validator

from .base import Loose, ReaderError, load, validate


class HelmRelease(Loose):
    name: str
    namespace: str = "default"
    revision: int = 0
    updated: str = ""
    status: str = "unknown"
    chart: str = ""
    app_version: str = ""

    @field_validator("revision", mode="before")
    @classmethod
    def _revision(cls, value: Any) -> int:  # helm list prints it as a string
        try:
            return int(str(value).strip())
        except ValueError:
            return 0

    @field_validator("updated", "app_version", "chart", "status", "namespace", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        return "" if value is None else str(value)

    @property
    def healthy(self) -> bool:
        return self.status == "deployed"


def parse_helm_list(text: str) -> list[HelmRelease]:
    """``helm3 list -A -o json`` (or ``-o yaml``); ``[]`` when there is no release."""
    data = load(text, "helm list")
    if data is None:
        return []
    if not isinstance(data, list):
        raise ReaderError("helm list: expected a JSON list of releases")
    return [validate(HelmRelease, i, "helm list") for i in data if isinstance(i, dict) and i.get("name")]


class HelmRevision(Loose):
    """One row of ``helm history NAME -o json`` (keys of helm's releaseHistory)."""

    revision: int = 0
    updated: str = ""
    status: str = "unknown"
    chart: str = ""
    app_version: str = ""
    description: str = ""

    @field_validator("revision", mode="before")
    @classmethod
    def _revision(cls, value: Any) -> int:
        try:
            return int(str(value).strip())
        except ValueError:
            return 0

    @field_validator("updated", "app_version", "chart", "status", "description", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        return "" if value is None else str(value)


def parse_helm_history(text: str) -> list[HelmRevision]:
    """``helm history NAME -o json``, oldest first."""
    data = load(text, "helm history")
    if data is None:
        return []
    if not isinstance(data, list):
        raise ReaderError("helm history: expected a JSON list of revisions")
    revisions = [validate(HelmRevision, i, "helm history") for i in data if isinstance(i, dict)]
    return sorted(revisions, key=lambda r: r.revision)
