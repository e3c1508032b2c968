"""``kubectl get pvc -A -o json``, ``get pv -o json`` and ``get storageclasses -o json``."""

from __future__ import annotations

from .base import NamespacedObject, Object, View, as_dict, as_text, cached_property, read_all

# The class a PVC asked for before ``spec.storageClassName`` existed (old charts still set it).
BETA_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"
DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)


class ClaimRef(View):
    @property
    def name(self) -> str:
        return self.text("name")

    @property
    def namespace(self) -> str:
        return self.text("namespace")


class PvcSpec(View):
    @property
    def storage_class_name(self) -> str | None:
        return self.optional_text("storageClassName")

    @property
    def volume_name(self) -> str:
        return self.text("volumeName")


class PvSpec(View):
    @property
    def storage_class_name(self) -> str:
        return self.text("storageClassName")

    @property
    def claim_ref(self) -> ClaimRef | None:
        return self.optional_view("claimRef", ClaimRef)


def _phase(obj: View, default: str) -> str:
    return as_text(as_dict(obj.raw.get("status")).get("phase")) or default


class Pvc(NamespacedObject):
    @cached_property
    def spec(self) -> PvcSpec:
        return self.view("spec", PvcSpec)

    @property
    def phase(self) -> str:
        return _phase(self, "Pending")

    @property
    def storage_class(self) -> str | None:
        """The class asked for: ``""`` means "no class" (a static PV), None means "the default"."""
        asked = self.spec.storage_class_name
        return asked if asked is not None else self.metadata.annotations.get(BETA_CLASS_ANNOTATION)


class Pv(Object):
    @cached_property
    def spec(self) -> PvSpec:
        return self.view("spec", PvSpec)

    @property
    def phase(self) -> str:
        return _phase(self, "Available")

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
    @property
    def provisioner(self) -> str:
        return self.text("provisioner")

    @property
    def is_default(self) -> bool:
        return any(self.metadata.annotations.get(a, "").lower() == "true" for a in DEFAULT_CLASS_ANNOTATIONS)


def parse_pvcs(text: str) -> list[Pvc]:
    return read_all(Pvc, text, "kubectl get pvc")


def parse_pvs(text: str) -> list[Pv]:
    return read_all(Pv, text, "kubectl get pv")


def parse_storage_classes(text: str) -> list[StorageClass]:
    return read_all(StorageClass, text, "kubectl get storageclasses")
