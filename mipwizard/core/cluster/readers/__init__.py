"""Typed readers for what microk8s, kubectl and helm print.

Built on the real outputs in ``shared/reference/transcripts``. Every reader is tolerant: missing
fields get defaults, unknown ones are ignored, odd variants (Python-style ``True``, helm's
revision as a string, empty lists, the "not running" message) parse instead of raising. A text
that is not the expected format at all raises ``ReaderError`` naming the command.

One module per source; this package re-exports the names the rest of the engine uses.
"""

from __future__ import annotations

from ..kinds import CLUSTER_KINDS, OBJECT_KINDS
from .base import Condition, ReaderError
from .helm import HelmRelease, HelmRevision, parse_helm_history, parse_helm_list
from .ingress import Ingress, IngressClass, parse_ingress_classes, parse_ingresses
from .microk8s import (
    NOT_RUNNING_MARK,
    PERMISSION_MARK,
    WORKER_MARK,
    Addon,
    MicroK8sStatus,
    parse_status,
    parse_status_pretty,
    parse_status_yaml,
    status_problem,
)
from .nodes import MIP_LABELS, Node, parse_nodes
from .objects import ClusterRead, ObjectFacts, parse_cluster, parse_objects
from .pods import ContainerState, ContainerStatus, Event, Pod, Terminated, Waiting, parse_events, parse_pods
from .storage import Pv, Pvc, StorageClass, parse_pvcs, parse_pvs, parse_storage_classes

__all__ = [
    "CLUSTER_KINDS",
    "MIP_LABELS",
    "NOT_RUNNING_MARK",
    "OBJECT_KINDS",
    "PERMISSION_MARK",
    "WORKER_MARK",
    "Addon",
    "ClusterRead",
    "Condition",
    "ContainerState",
    "ContainerStatus",
    "Event",
    "HelmRelease",
    "HelmRevision",
    "Ingress",
    "IngressClass",
    "MicroK8sStatus",
    "Node",
    "ObjectFacts",
    "Pod",
    "Pv",
    "Pvc",
    "ReaderError",
    "StorageClass",
    "Terminated",
    "Waiting",
    "parse_cluster",
    "parse_events",
    "parse_helm_history",
    "parse_helm_list",
    "parse_ingress_classes",
    "parse_ingresses",
    "parse_nodes",
    "parse_objects",
    "parse_pods",
    "parse_pvcs",
    "parse_pvs",
    "parse_status",
    "parse_status_pretty",
    "parse_status_yaml",
    "parse_storage_classes",
    "status_problem",
]
