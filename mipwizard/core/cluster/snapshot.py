"""One look at the cluster: what was read, the problems found in it, and the one readiness rule.

``ready`` (every node and pod Ready or Completed, nothing unread) is the rule the recovery watch,
``status`` and the Troubleshoot screen all use; ``healthy`` is ready with no problem found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .diagnose import cluster_problems
from .health import PodHealth
from .problem import Problem
from .readers import Event, HelmRelease, MicroK8sStatus, Node, ObjectFacts, Pod
from .worker import WorkerReport

# Reads whose failure only costs diagnosis detail (the pods, nodes and releases decide readiness).
DETAIL_ONLY = ("kubectl get events", "kubectl get persistentvolumeclaims")


@dataclass
class Unreachable:
    reason: str  # not-installed, not-running, permission, timeout, error, worker
    message: str
    fix: str

    def to_json(self) -> dict[str, str]:
        return {"reason": self.reason, "message": self.message, "fix": self.fix}


@dataclass
class ClusterSnapshot:
    taken_at: float
    unreachable: Unreachable | None = None
    status: MicroK8sStatus | None = None
    nodes: list[Node] = field(default_factory=list)
    pods: list[Pod] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    releases: list[HelmRelease] = field(default_factory=list)
    objects: ObjectFacts = field(default_factory=ObjectFacts)
    errors: list[str] = field(default_factory=list)  # queries that failed while the cluster answered
    pod_health: list[PodHealth] = field(default_factory=list)
    main_ip: str | None = None  # MACHINE_MAIN_IP from the answers: the master node's InternalIP must be it
    worker: WorkerReport | None = None  # set when this machine is a joined worker
    # The chart check's findings per failed release (mipwizard.core.chartcheck), when the caller ran it.
    release_findings: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def reachable(self) -> bool:
        return self.unreachable is None

    @property
    def problems(self) -> list[Problem]:
        found = cluster_problems(
            self.status,
            self.nodes,
            self.releases,
            self.objects,
            main_ip=self.main_ip,
            findings=self.release_findings,
        )
        for health in self.pod_health:
            found += health.problems
        return found

    @property
    def ready(self) -> bool:
        """Every node Ready and every pod Ready (or Completed); at least one node; nothing unread."""
        unknown = any(not e.startswith(DETAIL_ONLY) for e in self.errors)
        return self.reachable and bool(self.nodes) and not unknown and not self.not_ready()

    @property
    def healthy(self) -> bool:
        return self.ready and not self.problems

    def not_ready(self) -> list[str]:
        """What is still not ready: ``node NAME`` and ``NS/POD (state)`` entries."""
        items = [f"node {n.name}" for n in self.nodes if not n.ready]
        items += [f"{h.key} ({h.state})" for h in self.pod_health if not h.healthy]
        return items

    def counts(self) -> str:
        ready_pods = sum(1 for h in self.pod_health if h.healthy)
        ready_nodes = sum(1 for n in self.nodes if n.ready)
        return f"nodes {ready_nodes}/{len(self.nodes)} Ready, pods {ready_pods}/{len(self.pod_health)} Ready"

    def to_json(self) -> dict[str, Any]:
        status = self.status
        return {
            "reachable": self.reachable,
            "healthy": self.healthy,
            "unreachable": self.unreachable.to_json() if self.unreachable else None,
            "worker": self.worker.to_json() if self.worker else None,
            "microk8s": None
            if status is None
            else {
                "running": status.running,
                "message": status.message,
                "high_availability": status.ha_enabled,
                "addons_enabled": status.enabled_addons,
            },
            "nodes": [
                {
                    "name": n.name,
                    "ready": n.ready,
                    "mip_labels": n.mip_roles,
                    "kubelet_version": n.kubelet_version,
                    "internal_ip": n.internal_ip,
                }
                for n in self.nodes
            ],
            "releases": [r.to_json() for r in self.releases],
            "pods": [h.to_json() for h in self.pod_health],
            "problems": [p.to_json() for p in self.problems],
            "not_ready": self.not_ready(),
            "errors": self.errors,
        }
