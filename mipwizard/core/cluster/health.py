"""Pod, node and release health with a short diagnosis and a fix for each problem.

A pod's ``phase`` says ``Running`` while its container crash-loops, so health comes from the
container states: waiting reason, last termination, restarts and readiness (init containers too).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from .readers import MIP_LABELS, ContainerStatus, Event, HelmRelease, MicroK8sStatus, Node, Pod

REQUIRED_ADDONS = ("dns", "helm3", "ingress")  # the guide: microk8s enable dns helm3 ingress
REGISTRY_DOC = "ClusterInstallWithMicrok8s.md, 'Images Registry Management'"
_IMAGE_REASONS = {"ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull", "RegistryUnavailable"}
_STARTING_REASONS = {"ContainerCreating", "PodInitializing"}
_CONFIG_REASONS = {"CreateContainerConfigError", "CreateContainerError", "RunContainerError"}


@dataclass
class Problem:
    """One thing wrong, what it means, and what to do."""

    kind: str  # "pod", "node", "release", "addon", "cluster"
    target: str  # "namespace/pod", node name, release name, addon name
    reason: str  # e.g. CrashLoopBackOff
    summary: str
    fix: str
    container: str = ""
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PodHealth:
    pod: Pod
    state: str  # Ready, Starting, Completed, or the problem reason (CrashLoopBackOff, Pending...)
    healthy: bool  # ready, or finished successfully
    problems: list[Problem] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.pod.namespace}/{self.pod.name}"

    @property
    def ready_text(self) -> str:
        ready, total = self.pod.ready_count
        return f"{ready}/{total}"

    def to_json(self) -> dict[str, Any]:
        return {
            "namespace": self.pod.namespace,
            "name": self.pod.name,
            "phase": self.pod.phase,
            "state": self.state,
            "ready": self.ready_text,
            "restarts": self.pod.restarts,
            "node": self.pod.node_name,
            "healthy": self.healthy,
            "containers": self.pod.container_names,
            "problems": [p.to_json() for p in self.problems],
        }


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def pod_events(pod: Pod, events: Iterable[Event]) -> list[Event]:
    return [e for e in events if e.about("Pod", pod.name, pod.namespace)]


def pod_health(pod: Pod, events: Iterable[Event] = (), nodes: Iterable[Node] = ()) -> PodHealth:
    evs = pod_events(pod, events)
    key = f"{pod.namespace}/{pod.name}"
    if pod.phase == "Succeeded":
        return PodHealth(pod, "Completed", True)
    problems: list[Problem] = []
    for status in pod.status.init_container_statuses:
        problems += _container_problems(pod, key, status, evs, init=True)
    for status in pod.status.container_statuses:
        problems += _container_problems(pod, key, status, evs, init=False)
    if pod.phase == "Failed":
        reason = pod.status.reason or "Failed"
        fix = (
            "the node ran short of memory or disk; free space (df -h, /var/snap) and delete the pod"
            if reason == "Evicted"
            else f"read its logs: mipwizard logs {pod.name} -n {pod.namespace}"
        )
        problems.append(Problem("pod", key, reason, _short(pod.status.message or "the pod failed"), fix))
    if pod.phase == "Pending" and not pod.status.container_statuses and not problems:
        problems.append(_pending_problem(pod, key, evs, list(nodes)))
    ready, total = pod.ready_count
    all_ready = total > 0 and ready == total and pod.phase == "Running"
    if problems:
        return PodHealth(pod, problems[0].reason, False, problems)
    if all_ready and pod.metadata.deletion_timestamp is None:
        return PodHealth(pod, "Ready", True)
    state = "Terminating" if pod.metadata.deletion_timestamp else "Starting"
    return PodHealth(pod, state, False)


def _container_problems(pod: Pod, key: str, status: ContainerStatus, evs: list[Event], *, init: bool) -> list[Problem]:
    waiting, terminated = status.state.waiting, status.state.terminated
    last = status.last_state.terminated
    label = f"{'init container' if init else 'container'} {status.name}"
    logs = f"mipwizard logs {pod.name} -n {pod.namespace} -c {status.name}"
    if waiting and waiting.reason in _IMAGE_REASONS:
        text = " ".join([waiting.message, *(e.message for e in evs if e.warning)])
        rate_limited = "toomanyrequests" in text.lower() or "rate limit" in text.lower()
        summary = f"{label} cannot pull image {status.image or '?'}"
        if rate_limited:
            summary += " — Docker Hub pull rate limit reached"
        fix = (
            "check the image name/tag and that this machine reaches the registry; Docker Hub limits "
            "anonymous pulls (resets within a day) — for a lasting fix run a local registry "
            f"(microk8s enable registry; push the images to <master_ip>:32000; see {REGISTRY_DOC})"
        )
        return [Problem("pod", key, waiting.reason, summary, fix, status.name, _short(waiting.message))]
    if waiting and waiting.reason == "CrashLoopBackOff":
        why = ""
        if last:
            why = f": last run ended with {last.reason or 'an error'} (exit code {last.exit_code})"
        summary = f"{label} keeps crashing{why}, restarted {status.restart_count} times"
        fix = f"read its logs: {logs}"
        if last and last.reason == "OOMKilled":
            fix = f"it runs out of memory — give the machine more RAM (guide: 16 GB master); logs: {logs}"
        detail = _short(last.message if last and last.message else waiting.message)
        return [Problem("pod", key, "CrashLoopBackOff", summary, fix, status.name, detail)]
    if waiting and waiting.reason in _CONFIG_REASONS:
        summary = f"{label} cannot be created: {_short(waiting.message, 120)}"
        fix = (
            "a Secret/ConfigMap or volume it needs is missing: check the profile, "
            "then re-deploy with mipwizard switch-profile"
        )
        return [Problem("pod", key, waiting.reason, summary, fix, status.name, _short(waiting.message))]
    if waiting and waiting.reason and waiting.reason not in _STARTING_REASONS:
        return [
            Problem(
                "pod",
                key,
                waiting.reason,
                f"{label} waits: {_short(waiting.message, 120)}",
                f"read: {logs}",
                status.name,
            )
        ]
    if terminated and terminated.exit_code != 0 and not (init and status.ready):
        summary = f"{label} exited with {terminated.reason or 'an error'} (exit code {terminated.exit_code})"
        return [
            Problem(
                "pod",
                key,
                terminated.reason or "Error",
                summary,
                f"read its logs: {logs}",
                status.name,
                _short(terminated.message),
            )
        ]
    if not init and status.state.running and not status.ready and status.restart_count >= 3:
        summary = f"{label} runs but is not ready after {status.restart_count} restarts"
        return [Problem("pod", key, "NotReady", summary, f"read its logs: {logs}", status.name)]
    return []


def _pending_problem(pod: Pod, key: str, evs: list[Event], nodes: list[Node]) -> Problem:
    cond = next((c for c in pod.status.conditions if c.type == "PodScheduled" and c.status == "False"), None)
    messages = [cond.message] if cond and cond.message else []
    messages += [e.message for e in evs if e.reason == "FailedScheduling"]
    text = messages[-1] if messages else ""
    low = text.lower()
    if "persistentvolumeclaim" in low or ("volume" in low and "bind" in low):
        fix = "a PersistentVolumeClaim is unbound: microk8s enable hostpath-storage; check microk8s kubectl get pvc -A"
        return Problem("pod", key, "Pending", "waits for its storage (PVC unbound)", fix, detail=_short(text))
    if "insufficient" in low:
        fix = (
            "not enough CPU/memory on the nodes (guide: master 4 cores/16 GB, worker 2 cores/8 GB): "
            "free resources or add a worker"
        )
        return Problem("pod", key, "Pending", "no node has enough resources", fix, detail=_short(text))
    if "affinity" in low or "selector" in low or "taint" in low or pod.spec.node_selector:
        wanted = [f"{k}={v}" for k, v in pod.spec.node_selector.items()]
        missing = [label for label in MIP_LABELS[:2] if not any(label in n.mip_roles for n in nodes)]
        need = ", ".join(wanted) or ", ".join(f"{m}=true" for m in missing) or "master=true / worker=true"
        fix = f"label a node: microk8s kubectl label node <hostname> {need.split(', ')[0]} (needed: {need})"
        return Problem("pod", key, "Pending", "no node matches its node labels", fix, detail=_short(text))
    summary = "not scheduled yet" + (f": {_short(text, 120)}" if text else "")
    fix = (
        "wait a minute; if it stays Pending check node labels (master/worker), free resources and PVCs "
        "(microk8s kubectl describe pod)"
    )
    return Problem("pod", key, "Pending", summary, fix, detail=_short(text))


def node_problems(nodes: list[Node]) -> list[Problem]:
    problems: list[Problem] = []
    for node in nodes:
        if not node.ready:
            cond = node.condition("Ready")
            detail = _short(f"{cond.reason}: {cond.message}") if cond else "no Ready condition"
            fix = (
                "sudo microk8s start; if it stays NotReady: sudo microk8s inspect, "
                "journalctl -u snap.microk8s.daemon-kubelite"
            )
            problems.append(
                Problem("node", node.name, "NotReady", f"node {node.name} is not Ready", fix, detail=detail)
            )
        for pressure in node.pressures:
            fix = "free disk space (df -h; /var/snap/microk8s) or memory on this node"
            problems.append(Problem("node", node.name, pressure, f"node {node.name} reports {pressure}", fix))
    if nodes:
        for label in ("master", "worker"):
            if not any(label in n.mip_roles for n in nodes):
                fix = f"microk8s kubectl label node <hostname> {label}=true (a local install labels its one node both)"
                problems.append(Problem("node", "*", f"no-{label}", f"no node is labelled {label}=true", fix))
    return problems


def release_problems(releases: list[HelmRelease]) -> list[Problem]:
    problems = []
    for rel in releases:
        if rel.healthy:
            continue
        if rel.status.startswith("pending"):
            fix = "another helm operation is running or was interrupted: wait, or microk8s helm3 rollback " + rel.name
        else:
            fix = f"see microk8s helm3 status {rel.name}; re-deploy with mipwizard switch-profile <profile>"
        summary = f"helm release {rel.name} is {rel.status} (revision {rel.revision})"
        problems.append(Problem("release", rel.name, rel.status, summary, fix))
    return problems


def addon_problems(status: MicroK8sStatus) -> list[Problem]:
    if not status.running or not status.addons:
        return []
    return [
        Problem("addon", name, "disabled", f"addon {name} is not enabled", f"microk8s enable {name}")
        for name in REQUIRED_ADDONS
        if not status.addon_enabled(name)
    ]
