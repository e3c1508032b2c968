"""``kubectl get pvc -A -o json``, ``get pv -o json`` and ``get storageclasses -o json``."""

from __future__ import annotations

from .base import Named, NamespacedObject, Object, View, as_dict, child, optional_child, optional_text, read_all, text

# The class a PVC asked for before ``spec.storageClassName`` existed (old charts still set it).
BETA_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"
DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)


class ClaimRef(Named):
    namespace = text("namespace")


class PvcSpec(View):
    storage_class_name = optional_text("storageClassName")
    volume_name = text("volumeName")


class PvSpec(View):
    storage_class_name = text("storageClassName")
    claim_ref = optional_child("claimRef", ClaimRef)


class Phase(View):
    phase = text("phase")


class Phased(Object):
    """A volume or claim: its ``status.phase``, or what an object without one is in."""

    status = child("status", Phase)
    NO_PHASE = ""

    @property
    def phase(self) -> str:
        return self.status.phase or self.NO_PHASE


class Pvc(Phased, NamespacedObject):
    spec = child("spec", PvcSpec)
    NO_PHASE = "Pending"

    @property
    def storage_class(self) -> str | None:
        """The class asked for: ``""`` means "no class" (a static PV), None means "the default"."""
        asked = self.spec.storage_class_name
        return asked if asked is not None else self.metadata.annotations.get(BETA_CLASS_ANNOTATION)


class Pv(Phased):
    spec = child("spec", PvSpec)
    NO_PHASE = "Available"

    @property
    def path(self) -> str:
        for key in ("hostPath", "local"):
            path = as_dict(self.spec.raw.get(key)).get("path")
            if isinstance(path, str):
                return path
        return ""

    def claimed_by(self, pvc: Pvc) -> bool:
        ref = self.spec.claim_ref
        return ref is not None and ref.name == pvc.name and (ref.namespace or "default") == pvc.namespace


class StorageClass(Object):
    provisioner = text("provisioner")

    @property
    def is_default(self) -> bool:
        return any(self.metadata.annotations.get(a, "").lower() == "true" for a in DEFAULT_CLASS_ANNOTATIONS)


def parse_pvcs(text: str) -> list[Pvc]:
    return read_all(Pvc, text, "kubectl get pvc")


def parse_pvs(text: str) -> list[Pv]:
    return read_all(Pv, text, "kubectl get pv")


def parse_storage_classes(text: str) -> list[StorageClass]:
    return read_all(StorageClass, text, "kubectl get storageclasses")
