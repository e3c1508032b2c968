"""The storage and ingress objects a diagnosis needs, read in one ``kubectl get`` of five kinds."""

from __future__ import annotations

from dataclasses import dataclass, field

from .base import items, validate
from .ingress import Ingress, IngressClass
from .storage import Pv, Pvc, StorageClass

# One query: ``kubectl get KINDS -A -o json`` prints a List whose items say their ``kind``.
OBJECT_KINDS = "persistentvolumeclaims,persistentvolumes,storageclasses,ingresses,ingressclasses"


@dataclass
class ObjectFacts:
    pvcs: list[Pvc] = field(default_factory=list)
    pvs: list[Pv] = field(default_factory=list)
    storage_classes: list[StorageClass] = field(default_factory=list)
    ingresses: list[Ingress] = field(default_factory=list)
    ingress_classes: list[IngressClass] = field(default_factory=list)

    def pvc(self, name: str, namespace: str) -> Pvc | None:
        return next((c for c in self.pvcs if c.name == name and c.namespace == namespace), None)


def parse_objects(text: str) -> ObjectFacts:
    what = "kubectl get " + OBJECT_KINDS.split(",")[0]
    facts = ObjectFacts()
    for item in items(text, what):
        kind = item.get("kind")
        if kind == "PersistentVolumeClaim":
            facts.pvcs.append(validate(Pvc, item, what))
        elif kind == "PersistentVolume":
            facts.pvs.append(validate(Pv, item, what))
        elif kind == "StorageClass":
            facts.storage_classes.append(validate(StorageClass, item, what))
        elif kind == "Ingress":
            facts.ingresses.append(validate(Ingress, item, what))
        elif kind == "IngressClass":
            facts.ingress_classes.append(validate(IngressClass, item, what))
    return facts
