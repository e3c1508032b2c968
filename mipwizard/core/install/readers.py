"""What the install steps need from probe outputs, read by the cluster readers
(``mipwizard.core.cluster.readers``, formats in transcripts/) — one parser per format."""

from __future__ import annotations

from dataclasses import dataclass

from ..cluster.health import pod_health
from ..cluster.readers import MicroK8sStatus as MicroK8sStatus  # re-exported: the steps type with it
from ..cluster.readers import ReaderError, parse_helm_list, parse_pods, parse_status_yaml

# Pod states that will not fix themselves quickly; named in the output and in a timeout message.
BAD_REASONS = {"CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError", "InvalidImageName"}


def read_microk8s_status(text: str) -> MicroK8sStatus:
    """``microk8s status --format yaml``; anything unreadable counts as not running."""
    try:
        return parse_status_yaml(text)
    except ReaderError as exc:
        return MicroK8sStatus(running=False, message=str(exc))


@dataclass(frozen=True)
class PodState:
    namespace: str
    name: str
    ready: bool
    reason: str  # Ready, Starting, Completed, or the problem (CrashLoopBackOff, Pending…)

    @property
    def bad(self) -> bool:
        return self.reason in BAD_REASONS

    def describe(self) -> str:
        return f"{self.namespace}/{self.name} ({self.reason})"


def read_pods(text: str) -> list[PodState]:
    """``kubectl get pods -A -o json``: readiness from container statuses, not the phase
    (a pod in CrashLoopBackOff still says ``Running``)."""
    states = []
    for pod in parse_pods(text):
        health = pod_health(pod)
        states.append(PodState(pod.namespace, pod.name, health.healthy, health.state))
    return states


def read_helm_releases(text: str) -> dict[str, str]:
    """``helm list -A -o json``: release name -> status (deployed, failed, pending-upgrade…)."""
    return {release.name: release.status for release in parse_helm_list(text or "[]")}
