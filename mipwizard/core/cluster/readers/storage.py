"""``kubectl get pvc -A -o json``, ``get pv -o json`` and ``get storageclasses -o json``."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from .base import Loose, Meta, NamespacedObject, items, validate

# The class a PVC asked for before ``spec.storageClassName`` existed (old charts still set it).
BETA_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"
DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)


class _ClaimRef(Loose):
    name: str = ""
    namespace: str = ""


class _PvcSpec(Loose):
    storage_class_name: str | None = Field(None, alias="storageClassName")
    volume_name: str = Field("", alias="volumeName")
    access_modes: list[str] = Field(default_factory=list, alias="accessModes")
    selector: dict[str, Any] | None = None


class _Phase(Loose):
    phase: str = ""


class Pvc(NamespacedObject):
    spec: _PvcSpec = Field(default_factory=_PvcSpec)
    status: _Phase = Field(default_factory=_Phase)

    @property
    def phase(self) -> str:
        return self.status.phase or "Pending"

    @property
    def storage_class(self) -> str | None:
        """The class asked for: ``""`` means "no class" (a static PV), None means "the default"."""
        if self.spec.storage_class_name is not None:
            return self.spec.storage_class_name
        return self.metadata.annotations.get(BETA_CLASS_ANNOTATION)


class _PvSpec(Loose):
    storage_class_name: str = Field("", alias="storageClassName")
    claim_ref: _ClaimRef | None = Field(None, alias="claimRef")
    host_path: dict[str, Any] | None = Field(None, alias="hostPath")
    local: dict[str, Any] | None = None

    @field_validator("storage_class_name", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        return "" if value is None else str(value)


class Pv(Loose):
    metadata: Meta = Field(default_factory=Meta)
    spec: _PvSpec = Field(default_factory=_PvSpec)
    status: _Phase = Field(default_factory=_Phase)

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def phase(self) -> str:
        return self.status.phase or "Available"

    @property
    def path(self) -> str:
        for source in (self.spec.host_path, self.spec.local):
            if source and isinstance(source.get("path"), str):
                return str(source["path"])
        return ""

    def claimed_by(self, pvc: Pvc) -> bool:
        ref = self.spec.claim_ref
        return ref is not None and ref.name == pvc.name and (ref.namespace or "default") == pvc.namespace


class StorageClass(Loose):
    metadata: Meta = Field(default_factory=Meta)
    provisioner: str = ""

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def is_default(self) -> bool:
        return any(self.metadata.annotations.get(a, "").lower() == "true" for a in DEFAULT_CLASS_ANNOTATIONS)


def parse_pvcs(text: str) -> list[Pvc]:
    return [validate(Pvc, i, "kubectl get pvc") for i in items(text, "kubectl get pvc")]


def parse_pvs(text: str) -> list[Pv]:
    return [validate(Pv, i, "kubectl get pv") for i in items(text, "kubectl get pv")]


def parse_storage_classes(text: str) -> list[StorageClass]:
    what = "kubectl get storageclasses"
    return [validate(StorageClass, i, what) for i in items(text, what)]
