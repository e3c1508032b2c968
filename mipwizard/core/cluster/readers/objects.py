"""The storage and ingress objects a diagnosis needs, read in one ``kubectl get`` of five kinds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..kinds import OBJECT_KINDS
from .base import View, items
from .ingress import Ingress, IngressClass
from .nodes import Node
from .pods import Event, Pod
from .storage import Pv, Pvc, StorageClass


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
            read.pods.append(Pod(item))
        elif kind == "Node":
            read.nodes.append(Node(item))
        elif kind == "Event":
            read.events.append(Event(item))
        else:
            rest.append(item)
    read.events.sort(key=lambda e: e.when)
    read.objects = _objects(rest)
    return read


def parse_objects(text: str) -> ObjectFacts:
    return _objects(items(text, "kubectl get " + OBJECT_KINDS.split(",")[0]))


# Each kind the List may hold -> (its view, the ObjectFacts list it goes to).
_OBJECT_VIEWS: dict[str, tuple[type[View], str]] = {
    "PersistentVolumeClaim": (Pvc, "pvcs"),
    "PersistentVolume": (Pv, "pvs"),
    "StorageClass": (StorageClass, "storage_classes"),
    "Ingress": (Ingress, "ingresses"),
    "IngressClass": (IngressClass, "ingress_classes"),
}


def _objects(found: list[dict[str, Any]]) -> ObjectFacts:
    facts = ObjectFacts()
    for item in found:
        view = _OBJECT_VIEWS.get(str(item.get("kind")))
        if view is not None:
            getattr(facts, view[1]).append(view[0](item))
    return facts
