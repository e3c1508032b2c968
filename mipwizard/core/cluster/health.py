"""Pod, node and release health with a short diagnosis and a fix for each problem.

A pod's ``phase`` says ``Running`` while its container crash-loops, so health comes from the
container states: waiting reason, last termination, restarts and readiness (init containers too).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .diagnose import pvc_diagnosis
from .problem import Problem, short
from .readers import MIP_LABELS, ContainerStatus, Event, Node, ObjectFacts, Pod

REGISTRY_DOC = "ClusterInstallWithMicrok8s.md, 'Images Registry Management'"
_IMAGE_REASONS = {"ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull", "RegistryUnavailable"}
_STARTING_REASONS = {"ContainerCreating", "PodInitializing"}
_CONFIG_REASONS = {"CreateContainerConfigError", "CreateContainerError", "RunContainerError"}
# kubelet: `secret "mip-secret" not found`, `configmap "x" not found`, `couldn't find key k in Secret ns/name`
_MISSING = re.compile(r'\b(secret|configmap)s? "([^"]+)" not found', re.IGNORECASE)
_MISSING_KEY = re.compile(r"couldn't find key (\S+) in (Secret|ConfigMap) ([^/\s]+)/(\S+)", re.IGNORECASE)
# The Secrets mipwizard's install writes from the answers (the chart reads them, no template creates them).
CREATED_AT_INSTALL = {
    "mip-secret": "the MIP databases' and Keycloak's users and passwords",
    "keycloak-credentials": "the Keycloak client id and secret (client-id, client-secret)",
}


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


def pod_events(pod: Pod, events: Iterable[Event]) -> list[Event]:
    return [e for e in events if e.about("Pod", pod.name, pod.namespace)]


def events_by_pod_name(events: Iterable[Event]) -> dict[str, list[Event]]:
    """The events about pods, by pod name: each pod then looks through its own few (``pod_events``),
    not through every event of the cluster (600 pods × 1,000 events)."""
    found: dict[str, list[Event]] = {}
    for event in events:
        if event.involved_object.kind == "Pod":
            found.setdefault(event.involved_object.name, []).append(event)
    return found


def pod_health(
    pod: Pod, events: Iterable[Event] = (), nodes: Iterable[Node] = (), objects: ObjectFacts | None = None
) -> PodHealth:
    """The one rule for "is this pod fine": Ready (every container), or Completed; else why not."""
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
        problems.append(Problem("pod", key, reason, short(pod.status.message or "the pod failed"), fix))
    if pod.phase == "Pending" and not pod.status.container_statuses and not problems:
        problems.append(_pending_problem(pod, key, evs, list(nodes), objects or ObjectFacts()))
    if not problems:
        problems += _mount_problems(pod, key, evs)
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
    if waiting is None and terminated is None and status.ready:
        return []  # running and ready: most containers of a federation (600 pods per status)
    last = status.last_state.terminated
    label = f"{'init container' if init else 'container'} {status.name}"
    logs = f"mipwizard logs {pod.name} -n {pod.namespace} -c {status.name}"
    if waiting and waiting.reason in _IMAGE_REASONS:
        text = " ".join([waiting.message, *(e.message for e in evs if e.warning)])
        summary, fix = _image_diagnosis(pod, status.image or "?", text)
        return [Problem("pod", key, waiting.reason, f"{label} {summary}", fix, status.name, short(waiting.message))]
    if waiting and waiting.reason == "CrashLoopBackOff":
        why = ""
        if last:
            why = f": last run ended with {last.reason or 'an error'} (exit code {last.exit_code})"
        summary = f"{label} keeps crashing{why}, restarted {status.restart_count} times"
        fix = f"read its logs: {logs}"
        if last and last.reason == "OOMKilled":
            fix = f"it runs out of memory — give the machine more RAM (guide: 16 GB master); logs: {logs}"
        detail = short(last.message if last and last.message else waiting.message)
        return [Problem("pod", key, "CrashLoopBackOff", summary, fix, status.name, detail)]
    if waiting and waiting.reason in _CONFIG_REASONS:
        missing = missing_object_problem(pod, key, waiting.message, status.name)
        if missing is not None:
            return [missing]
        summary = f"{label} cannot be created: {short(waiting.message, 120)}"
        fix = f"read why: microk8s kubectl describe pod {pod.name} -n {pod.namespace} (Events at the end)"
        return [Problem("pod", key, waiting.reason, summary, fix, status.name, short(waiting.message))]
    if waiting and waiting.reason and waiting.reason not in _STARTING_REASONS:
        return [
            Problem(
                "pod",
                key,
                waiting.reason,
                f"{label} waits: {short(waiting.message, 120)}",
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
                short(terminated.message),
            )
        ]
    if not init and status.state.running and not status.ready and status.restart_count >= 3:
        summary = f"{label} runs but is not ready after {status.restart_count} restarts"
        return [Problem("pod", key, "NotReady", summary, f"read its logs: {logs}", status.name)]
    return []


def _image_diagnosis(pod: Pod, image: str, text: str) -> tuple[str, str]:
    low = text.lower()
    again = f"then: microk8s kubectl delete pod {pod.name} -n {pod.namespace}"
    if "toomanyrequests" in low or "rate limit" in low or "429 too many requests" in low:
        return (
            f"cannot pull image {image}: Docker Hub's pull rate limit is reached",
            "anonymous pulls are limited per IP for 6 hours: wait, or pull once with a Docker Hub account "
            f"(sudo microk8s ctr image pull --user <dockerhub-user> docker.io/{image}), {again}; lasting fix: "
            f"a local registry (microk8s enable registry; see {REGISTRY_DOC})",
        )
    if "not found" in low or "manifest unknown" in low or "invalid reference" in low:
        return (
            f"cannot pull image {image}: the registry has no such image or tag",
            "the chart's image name or tag is wrong: check the release's values (image tags) and re-deploy",
        )
    return (
        f"cannot pull image {image}",
        "this machine cannot reach the registry (proxy, DNS, firewall?): try sudo microk8s ctr image pull "
        f"docker.io/{image}; offline: import it (microk8s images import < image.tar), {again}",
    )


def missing_object_problem(pod: Pod, key: str, message: str, container: str = "") -> Problem | None:
    """A Secret or ConfigMap (or a key in it) the pod needs and nobody created, with how to create it."""
    ns = pod.namespace
    if found := _MISSING_KEY.search(message):
        item, kind, ns, name = found.group(1), found.group(2).lower(), found.group(3), found.group(4)
        summary = f"{kind} {ns}/{name} has no key {item}"
        reason = "SecretKeyMissing" if kind == "secret" else "ConfigMapKeyMissing"
    elif found := _MISSING.search(message):
        kind, name = found.group(1).lower(), found.group(2)
        item = ""
        summary = f"{kind} {ns}/{name} does not exist"
        reason = "SecretMissing" if kind == "secret" else "ConfigMapMissing"
    else:
        return None
    keys = pod.secret_keys(name) if kind == "secret" else []
    by_hand = (
        f"microk8s kubectl create {kind} generic {name} -n {ns} --from-env-file=<file>"
        if kind == "secret"
        else f"microk8s kubectl create configmap {name} -n {ns} --from-file=<file>"
    )
    wanted = f" (a KEY=value line for each of: {', '.join(keys)})" if keys else ""
    if kind == "secret" and name in CREATED_AT_INSTALL:
        fix = (
            f"mipwizard's install creates {name} ({CREATED_AT_INSTALL[name]}) from your answers: run "
            f"mipwizard install again (done steps are skipped); by hand: {by_hand}{wanted}"
        )
    else:
        fix = f"no chart template creates it: {by_hand}{wanted}, then delete the pod to retry"
    if item:
        fix = f"add key {item}: microk8s kubectl edit {kind} {name} -n {ns}, or re-create it: {fix}"
    return Problem("pod", key, reason, f"waits for {summary}", fix, container, short(message))


def _mount_problems(pod: Pod, key: str, evs: list[Event]) -> list[Problem]:
    """A pod stuck in ContainerCreating because a volume's Secret/ConfigMap is missing (FailedMount)."""
    for event in reversed(evs):
        if event.reason == "FailedMount":
            missing = missing_object_problem(pod, key, event.message)
            if missing is not None:
                return [missing]
    return []


def _pending_problem(pod: Pod, key: str, evs: list[Event], nodes: list[Node], objects: ObjectFacts) -> Problem:
    cond = next((c for c in pod.status.conditions if c.type == "PodScheduled" and c.status == "False"), None)
    messages = [cond.message] if cond and cond.message else []
    messages += [e.message for e in evs if e.reason == "FailedScheduling"]
    text = messages[-1] if messages else ""
    low = text.lower()
    if "persistentvolumeclaim" in low or ("volume" in low and "bind" in low):
        claims = [c for c in (objects.pvc(n, pod.namespace) for n in pod.claim_names) if c is not None]
        unbound = next((c for c in claims if c.phase != "Bound"), None)
        if unbound is None:
            fix = f"see which claim: microk8s kubectl get pvc -n {pod.namespace}; describe it for the reason"
            return Problem("pod", key, "Pending", "waits for its storage (PVC unbound)", fix, detail=short(text))
        why, fix = pvc_diagnosis(unbound, objects)
        summary = f"waits for PVC {unbound.name}: {why}"
        return Problem("pod", key, "Pending", summary, fix, detail=short(text))
    if "insufficient" in low:
        fix = (
            "not enough CPU/memory on the nodes (guide: master 4 cores/16 GB, worker 2 cores/8 GB): "
            "free resources or add a worker"
        )
        return Problem("pod", key, "Pending", "no node has enough resources", fix, detail=short(text))
    if "affinity" in low or "selector" in low or "taint" in low or pod.spec.node_selector:
        wanted = [f"{k}={v}" for k, v in pod.spec.node_selector.items()]
        missing = [label for label in MIP_LABELS[:2] if not any(label in n.mip_roles for n in nodes)]
        need = ", ".join(wanted) or ", ".join(f"{m}=true" for m in missing) or "master=true / worker=true"
        fix = f"label a node: microk8s kubectl label node <hostname> {need.split(', ')[0]} (needed: {need})"
        return Problem("pod", key, "Pending", "no node matches its node labels", fix, detail=short(text))
    summary = "not scheduled yet" + (f": {short(text, 120)}" if text else "")
    fix = (
        "wait a minute; if it stays Pending check node labels (master/worker), free resources and PVCs "
        "(microk8s kubectl describe pod)"
    )
    return Problem("pod", key, "Pending", summary, fix, detail=short(text))
