"""The storage and ingress objects a diagnosis needs, read in one ``kubectl get`` of five kinds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .base import items, validate
from .ingress import Ingress, IngressClass
from .nodes import Node
from .pods import Event, Pod
from .storage import Pv, Pvc, StorageClass

# One query: ``kubectl get KINDS -A -o json`` prints a List whose items say their ``kind``.
OBJECT_KINDS = "persistentvolumeclaims,persistentvolumes,storageclasses,ingresses,ingressclasses"
# Everything a snapshot reads from the API server, in one kubectl process (one round trip).
CLUSTER_KINDS = "pods,nodes,events," + OBJECT_KINDS


@dataclass
class ObjectFacts:
    pvcs: list[Pvc] = field(default_factory=list)
    pvs: list[Pv] = field(default_factory=list)
    storage_classes: list[StorageClass] = field(default_factory=list)
    ingresses: list[Ingress] = field(default_factory=list)
    ingress_classes: list[IngressClass] = field(default_factory=list)

    def pvc(self, name: str, namespace: str) -> Pvc | None:
        return next((c for c in self.pvcs if c.name == name and c.namespace == namespace), None)


@dataclass
class ClusterRead:
    pods: list[Pod] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    objects: ObjectFacts = field(default_factory=ObjectFacts)


def parse_cluster(text: str) -> ClusterRead:
    """``kubectl get pods,nodes,events,<OBJECT_KINDS> -A -o json``: one List, split by ``kind``."""
    what = "kubectl get pods,…"
    read = ClusterRead()
    rest = []
    for item in items(text, what):
        kind = item.get("kind")
        if kind == "Pod":
            read.pods.append(validate(Pod, item, what))
        elif kind == "Node":
            read.nodes.append(validate(Node, item, what))
        elif kind == "Event":
            read.events.append(validate(Event, item, what))
        else:
            rest.append(item)
    read.events.sort(key=lambda e: e.when)
    read.objects = _objects(rest, what)
    return read


def parse_objects(text: str) -> ObjectFacts:
    return _objects(items(text, "kubectl get " + OBJECT_KINDS.split(",")[0]), "kubectl get persistentvolumeclaims")


def _objects(found: list[dict[str, Any]], what: str) -> ObjectFacts:
    facts = ObjectFacts()
    for item in found:
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
