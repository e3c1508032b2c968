"""The fake cluster's objects as kubectl prints them: nodes, pods (generated from helm releases
and enabled addons, or set raw by a test), events. Shapes follow transcripts/kubectl-get-*.json.
"""

from __future__ import annotations

import copy

import _secret_refs
from _common import k8s_suffix, rfc3339, uid_for

TYPE_CHECKING = False  # typing costs ms at every fake call; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any

CREATED = "2026-11-24T09:00:00Z"

# component -> containers, per chart
EXAREME2_IMAGES = {
    "controller": ["controller"],
    "localnode": ["monetdb", "rabbitmq", "node"],
    "globalnode": ["monetdb", "rabbitmq", "node"],
}
MIP_COMPONENTS = [
    "frontend",
    "gateway",
    "gateway-db",
    "portalbackend",
    "portalbackend-db",
    "keycloak",
    "keycloak-db",
]
IMAGE_OF = {
    "controller": "madgik/exareme2_controller:latest",
    "monetdb": "madgik/exareme2_db:latest",
    "rabbitmq": "madgik/exareme2_rabbitmq:latest",
    "node": "madgik/exareme2_node:latest",
    "frontend": "hbpmip/portal-frontend:10.0.1",
    "gateway": "hbpmip/gateway:1.8.0",
    "gateway-db": "postgres:14-alpine",
    "portalbackend": "hbpmip/portal-backend:8.2.0",
    "portalbackend-db": "postgres:11.3-alpine",
    "keycloak": "jboss/keycloak:15.0.2",
    "keycloak-db": "postgres:12.2",
    "calico-node": "docker.io/calico/node:v3.25.1",
    "calico-kube-controllers": "docker.io/calico/kube-controllers:v3.25.1",
    "coredns": "coredns/coredns:1.10.1",
    "nginx-ingress-microk8s": "registry.k8s.io/ingress-nginx/controller:v1.8.0",
    "hostpath-provisioner": "cdkbot/hostpath-provisioner:1.5.0",
}


def node_names(state: dict) -> list[str]:
    return list(state["nodes"])


def _pod_name(state: dict, base: str, deployment: bool = True, replica: int = 0) -> str:
    restarts = state["restarts"].get(base, 0)
    seed = f"{base}#{restarts}" + (f"@{replica}" if replica else "")  # a DaemonSet's pod per node
    if deployment:
        return f"{base}-{k8s_suffix(base, 10)}-{k8s_suffix(seed, 5)}"
    return f"{base}-{k8s_suffix(seed, 5)}"


def pod_specs(state: dict) -> list[dict]:
    """(namespace, base name, containers, node, release) for every pod the cluster should run."""
    if state["microk8s"] is None:
        return []
    nodes = node_names(state) or [state["hostname"].lower()]
    master = next((n for n, d in state["nodes"].items() if d["labels"].get("master") == "true"), nodes[0])
    workers = [n for n, d in state["nodes"].items() if d["labels"].get("worker") == "true"] or [master]
    specs: list[dict] = []
    for i, n in enumerate(nodes):
        specs.append(_spec("kube-system", "calico-node", ["calico-node"], n, None, deployment=False, replica=i))
    specs.append(_spec("kube-system", "calico-kube-controllers", ["calico-kube-controllers"], master, None))
    addons = state["microk8s"]["addons"]
    if "dns" in addons:
        specs.append(_spec("kube-system", "coredns", ["coredns"], master, None))
    if "hostpath-storage" in addons or "storage" in addons:
        specs.append(_spec("kube-system", "hostpath-provisioner", ["hostpath-provisioner"], master, None))
    if "ingress" in addons:
        for i, n in enumerate(nodes):
            specs.append(
                _spec("ingress", "nginx-ingress-microk8s-controller", ["nginx-ingress-microk8s"], n, None,
                      deployment=False, replica=i)
            )
    for name, rel in state["releases"].items():
        ns = rel["namespace"]
        kind = rel.get("kind")
        if kind == "exareme2":
            specs.append(_spec(ns, f"{name}-controller-deployment", ["controller"], master, name,
                               selector={"master": "true"}))
            specs.append(_spec(ns, f"{name}-globalnode-deployment", EXAREME2_IMAGES["globalnode"], master, name,
                               selector={"master": "true"}))
            for i in range(max(1, int(rel.get("localnodes") or 1))):
                node = workers[i % len(workers)]
                specs.append(
                    _spec(ns, f"{name}-localnode{i + 1}-deployment", EXAREME2_IMAGES["localnode"], node, name,
                          selector={"worker": "true"})
                )
        elif kind == "mip":
            # A pod per container the real helm rendered (checked for its Secrets), else the fixed list.
            rendered = _secret_refs.rendered_containers(state, rel) or [(c, None) for c in MIP_COMPONENTS]
            for comp, problem in rendered:
                specs.append(_spec(ns, f"{name}-{comp}", [comp], master, name, problem=problem))
        else:
            specs.append(_spec(ns, name, [name], master, name))
    return specs


def _spec(
    ns: str,
    base: str,
    containers: list[str],
    node: str,
    release: str | None,
    *,
    deployment: bool = True,
    selector: dict[str, str] | None = None,
    replica: int = 0,
    problem: tuple[str, str] | None = None,
) -> dict:
    return {"namespace": ns, "base": base, "containers": containers, "node": node, "release": release,
            "deployment": deployment, "selector": selector or {}, "replica": replica, "problem": problem}


def _schedulable(state: dict, selector: dict[str, str]) -> bool:
    return any(all(n["labels"].get(k) == v for k, v in selector.items()) for n in state["nodes"].values())


def _container_ready(name: str, pod: str, ns: str) -> dict:
    return {
        "name": name,
        "state": {"running": {"startedAt": CREATED}},
        "lastState": {},
        "ready": True,
        "restartCount": 0,
        "image": IMAGE_OF.get(name, f"{name}:latest"),
        "imageID": f"docker.io/library/{name}@sha256:{k8s_suffix(name, 8)}",
        "containerID": f"containerd://{uid_for(pod + name).replace('-', '')}",
        "started": True,
    }


def _conditions(ready: bool, scheduled: bool = True, reason: str | None = None, message: str | None = None) -> list:
    def cond(kind: str, ok: bool, **extra: Any) -> dict:
        c = {"type": kind, "status": "True" if ok else "False", "lastProbeTime": None, "lastTransitionTime": CREATED}
        c.update({k: v for k, v in extra.items() if v is not None})
        return c

    if not scheduled:
        return [cond("PodScheduled", False, reason="Unschedulable", message=message)]
    not_ready = {} if ready else {"reason": "ContainersNotReady", "message": message}
    return [
        cond("Initialized", True),
        cond("Ready", ready, **not_ready),
        cond("ContainersReady", ready, **not_ready),
        cond("PodScheduled", True),
    ]


def build_pod(state: dict, spec: dict, scenario: str, ip_index: int) -> dict:
    name = _pod_name(state, spec["base"], spec["deployment"], spec["replica"])
    ns = spec["namespace"]
    uid = uid_for(f"{ns}/{name}")
    node = spec["node"]
    host_ip = state["nodes"].get(node, {}).get("ip", state["ip"])
    labels = {"app": spec["base"]}
    if spec["release"]:
        labels["app.kubernetes.io/instance"] = spec["release"]
        labels["app.kubernetes.io/managed-by"] = "Helm"
    containers = [{"name": c, "image": IMAGE_OF.get(c, f"{c}:latest")} for c in spec["containers"]]
    pod: dict[str, Any] = {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": uid,
            "resourceVersion": str(1000 + ip_index),
            "creationTimestamp": CREATED,
            "labels": labels,
        },
        "spec": {"containers": containers, "nodeName": node, "restartPolicy": "Always"},
        "status": {
            "phase": "Running",
            "conditions": _conditions(True),
            "hostIP": host_ip,
            "podIP": f"10.1.{ip_index // 250}.{ip_index % 250 + 2}",
            "podIPs": [{"ip": f"10.1.{ip_index // 250}.{ip_index % 250 + 2}"}],
            "startTime": CREATED,
            "containerStatuses": [_container_ready(c, name, ns) for c in spec["containers"]],
            "qosClass": "BestEffort",
        },
    }
    status = pod["status"]
    first = spec["containers"][0]
    cs0 = status["containerStatuses"][0]
    if scenario == "crashloop":
        cs0.update(
            state={"waiting": {
                "reason": "CrashLoopBackOff",
                "message": f"back-off 1m20s restarting failed container={first} pod={name}_{ns}({uid})",
            }},
            lastState={"terminated": {
                "exitCode": 1,
                "reason": "Error",
                "startedAt": CREATED,
                "finishedAt": CREATED,
                "containerID": cs0["containerID"],
            }},
            ready=False,
            restartCount=4,
            started=False,
        )
        status["conditions"] = _conditions(False, message=f"containers with unready status: [{first}]")
    elif scenario == "imagepull":
        status["phase"] = "Pending"
        cs0.update(
            state={"waiting": {"reason": "ImagePullBackOff", "message": f'Back-off pulling image "{cs0["image"]}"'}},
            ready=False,
            started=False,
            imageID="",
        )
        cs0.pop("containerID", None)
        status["conditions"] = _conditions(False, message=f"containers with unready status: [{first}]")
    elif scenario == "pending":
        status.clear()
        status.update(
            phase="Pending",
            conditions=_conditions(False, scheduled=False, message=PENDING_MESSAGE),
            qosClass="BestEffort",
        )
        pod["spec"].pop("nodeName")
    elif scenario == "creating":
        status["phase"] = "Pending"
        status.pop("podIP")
        status.pop("podIPs")
        for cs in status["containerStatuses"]:
            cs.update(state={"waiting": {"reason": "ContainerCreating"}}, ready=False, started=False, imageID="")
            cs.pop("containerID", None)
        names = ", ".join(spec["containers"])
        status["conditions"] = _conditions(False, message=f"containers with unready status: [{names}]")
    return pod


PENDING_MESSAGE = (
    "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. "
    "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
)


def current_pods(state: dict, *, counted: bool = False) -> list[dict]:
    """Every pod, raw (set_pods) or generated, with the scenario and ready-after applied.

    ``counted``: this is a `get pods` call that already incremented ``get_pods_calls``."""
    if state["pods"] is not None:
        return copy.deepcopy(state["pods"])
    specs = pod_specs(state)
    scenario = state["pod_scenario"]["name"]
    target = state["pod_scenario"].get("pod")
    release_specs = [s for s in specs if s["release"]]
    if target:
        victims = {s["base"] for s in release_specs if target in s["base"]}
    elif release_specs:
        victims = {release_specs[0]["base"]}
    else:
        victims = set()
    calls = state["get_pods_calls"] if counted else state["get_pods_calls"] + 1
    warming = calls <= state["ready_after"]
    by_labels = state.get("schedule_by_labels", False)
    pods = []
    for i, spec in enumerate(specs):
        how = "healthy"
        if by_labels and spec["selector"] and not _schedulable(state, spec["selector"]):
            how = "pending"
        elif spec["release"] and warming:
            how = "creating"
        elif spec["base"] in victims and scenario != "healthy":
            how = scenario
        pod = build_pod(state, spec, how, i)
        if how == "healthy" and spec["problem"]:
            _secret_refs.mark(pod, spec["problem"])  # a Secret or key the kubelet cannot find
        if spec["selector"]:
            pod["spec"]["nodeSelector"] = dict(spec["selector"])
        pods.append(pod)
    return pods


def pod_list(items: list[dict], kind: str = "PodList") -> dict:
    # Key order as in transcripts/kubectl-get-pods.json.
    return {"kind": kind, "apiVersion": "v1", "metadata": {"resourceVersion": "981519"}, "items": items}


def node_object(state: dict, name: str) -> dict:
    node = state["nodes"][name]
    ready = bool(node["ready"]) and state["microk8s"] is not None and state["microk8s"]["running"]
    conditions = []
    for kind, reason, message in (
        ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ):
        conditions.append({"lastHeartbeatTime": rfc3339(), "lastTransitionTime": CREATED, "message": message,
                           "reason": reason, "status": "False", "type": kind})
    conditions.append({
        "lastHeartbeatTime": rfc3339(),
        "lastTransitionTime": CREATED,
        "message": (
            "kubelet is posting ready status. AppArmor enabled" if ready else "Kubelet stopped posting node status."
        ),
        "reason": "KubeletReady" if ready else "NodeStatusUnknown",
        "status": "True" if ready else "Unknown",
        "type": "Ready",
    })
    version = node.get("version") or (state["microk8s"] or {}).get("version", "v1.32.3")
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
            "creationTimestamp": CREATED,
            "labels": dict(node["labels"]),
            "name": name,
            "resourceVersion": "1769699",
            "uid": uid_for("node/" + name),
        },
        "spec": {},
        "status": {
            "addresses": [{"address": node["ip"], "type": "InternalIP"}, {"address": name, "type": "Hostname"}],
            "allocatable": {"cpu": "4", "ephemeral-storage": "61202244Ki", "hugepages-1Gi": "0",
                            "hugepages-2Mi": "0", "memory": "16279948Ki", "pods": "110"},
            "capacity": {"cpu": "4", "ephemeral-storage": "62251268Ki", "hugepages-1Gi": "0",
                         "hugepages-2Mi": "0", "memory": "16382348Ki", "pods": "110"},
            "conditions": conditions,
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": uid_for("boot/" + name),
                "containerRuntimeVersion": "containerd://1.6.28",
                "kernelVersion": "5.15.0-119-generic",
                "kubeProxyVersion": version,
                "kubeletVersion": version,
                "machineID": uid_for("machine/" + name).replace("-", ""),
                "operatingSystem": "linux",
                "osImage": "Ubuntu 22.04.4 LTS",
                "systemUUID": uid_for("system/" + name),
            },
        },
    }


def node_list(state: dict) -> dict:
    return {
        "kind": "NodeList",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": "27195722"},
        "items": [node_object(state, n) for n in state["nodes"]],
    }


def events_for(pods: list[dict]) -> list[dict]:
    """Warning events matching each unhealthy pod (what `kubectl get events` would show)."""
    events = []
    for pod in pods:
        meta, status = pod["metadata"], pod.get("status", {})
        node = pod.get("spec", {}).get("nodeName")
        if status.get("phase") == "Pending" and not status.get("containerStatuses"):
            msg = next((c.get("message") for c in status.get("conditions", []) if c.get("reason") == "Unschedulable"),
                       PENDING_MESSAGE)
            events.append(_event(pod, "Warning", "FailedScheduling", msg, "default-scheduler", None, None, 12))
            continue
        for cs in status.get("containerStatuses", []):
            waiting = cs.get("state", {}).get("waiting") or {}
            reason = waiting.get("reason")
            field = f"spec.containers{{{cs['name']}}}"
            if reason == "CrashLoopBackOff":
                events.append(_event(pod, "Warning", "BackOff",
                                     f"Back-off restarting failed container {cs['name']} in pod "
                                     f"{meta['name']}_{meta['namespace']}({meta.get('uid', '')})",
                                     "kubelet", node, field, 21))
            elif reason == "CreateContainerConfigError":
                events.append(_event(pod, "Warning", "Failed", f"Error: {waiting.get('message')}", "kubelet", node,
                                     field, 3))
            elif reason in ("ImagePullBackOff", "ErrImagePull"):
                image = cs.get("image", "")
                events.append(_event(pod, "Warning", "Failed",
                                     f'Failed to pull image "{image}": rpc error: code = NotFound desc = failed to '
                                     f'pull and unpack image "docker.io/{image}": failed to resolve reference '
                                     f'"docker.io/{image}": docker.io/{image}: not found',
                                     "kubelet", node, field, 4))
                events.append(_event(pod, "Warning", "Failed", "Error: ErrImagePull", "kubelet", node, field, 4))
                events.append(_event(pod, "Normal", "BackOff", f'Back-off pulling image "{image}"', "kubelet", node,
                                     field, 9))
                events.append(_event(pod, "Warning", "Failed", "Error: ImagePullBackOff", "kubelet", node, field, 9))
    return events


def _event(pod: dict, kind: str, reason: str, message: str, component: str, node: str | None, field: str | None,
           count: int) -> dict:
    meta = pod["metadata"]
    involved = {"apiVersion": "v1", "kind": "Pod", "name": meta["name"], "namespace": meta["namespace"],
                "resourceVersion": meta.get("resourceVersion", "1"), "uid": meta.get("uid", "")}
    if field:
        involved["fieldPath"] = field
    source: dict[str, str] = {"component": component}
    if node:
        source["host"] = node
    return {
        "apiVersion": "v1",
        "count": count,
        "eventTime": None,
        "firstTimestamp": CREATED,
        "involvedObject": involved,
        "kind": "Event",
        "lastTimestamp": rfc3339(),
        "message": message,
        "metadata": {
            "creationTimestamp": CREATED,
            "name": f"{meta['name']}.{k8s_suffix(meta['name'] + reason + message, 16)}",
            "namespace": meta["namespace"],
            "resourceVersion": "2001",
            "uid": uid_for(meta["name"] + reason + message),
        },
        "reason": reason,
        "reportingComponent": component if component != "kubelet" else "kubelet",
        "reportingInstance": node or "",
        "source": source,
        "type": kind,
    }
