"""What one Troubleshoot refresh shows, worked out in the worker thread from a snapshot: the
diagnosis, the cluster lines and the table's cells. No widgets here: the screen's UI thread only
puts it on screen (600 pods: ~20 ms of Python it does not spend)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...core.cluster.health import PodHealth
    from ...core.cluster.problem import Problem
    from ...core.cluster.snapshot import ClusterSnapshot


@dataclass(frozen=True)
class ClusterView:
    """One refresh as the Troubleshoot screen shows it."""

    snapshot: ClusterSnapshot
    problems: list[Problem]
    healthy: bool
    cluster_text: str
    rows: dict[str, tuple[str, ...]]  # the table's cells, by pod key, in the order shown
    health: dict[str, PodHealth]


def cluster_view(snap: ClusterSnapshot) -> ClusterView:
    rows: dict[str, tuple[str, ...]] = {}
    for health in snap.pod_health:
        pod = health.pod
        state = health.state if health.healthy else f"! {health.state}"
        rows[health.key] = (pod.namespace, pod.name, health.ready_text, str(pod.restarts), state)
    problems = snap.problems if snap.reachable else []
    return ClusterView(
        snapshot=snap,
        problems=problems,
        healthy=snap.ready and not problems,
        cluster_text=_cluster_text(snap),
        rows=rows,
        health={h.key: h for h in snap.pod_health},
    )


MANY_NODES = 4  # more than this: counts and the nodes that need a look (the helm line must stay in view)


def _nodes_text(snap: ClusterSnapshot) -> str:
    nodes = snap.nodes
    if len(nodes) <= MANY_NODES:
        listed = [
            f"{n.name} {'Ready' if n.ready else 'NOT READY'} [{','.join(n.mip_roles) or 'no MIP labels'}]"
            for n in nodes
        ]
        return "nodes: " + ("; ".join(listed) or "none")
    ready = sum(1 for n in nodes if n.ready)
    masters = [n.name for n in nodes if "master" in n.mip_roles]
    workers = sum(1 for n in nodes if "worker" in n.mip_roles)
    text = f"nodes: {ready}/{len(nodes)} Ready · master {', '.join(masters) or 'none labelled'} · {workers} workers"
    if unready := [n.name for n in nodes if not n.ready]:
        text += " · NOT READY: " + ", ".join(unready)
    if unlabelled := [n.name for n in nodes if not n.mip_roles]:
        text += " · no MIP labels: " + ", ".join(unlabelled)
    return text


def _cluster_text(snap: ClusterSnapshot) -> str:
    lines = []
    if snap.status is not None:
        lines.append("microk8s running · addons: " + (", ".join(snap.status.enabled_addons) or "none"))
    lines.append(_nodes_text(snap))
    releases = [f"{r.name} {r.status} r{r.revision}" for r in snap.releases]
    lines.append("helm: " + (", ".join(releases) or "no release"))
    lines += [f"(could not read: {e})" for e in snap.errors]
    return "\n".join(lines)
