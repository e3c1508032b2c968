"""The kubelet's Secret check, for pods made from real-helm renders: a container whose env
(``secretKeyRef``) or ``envFrom`` (``secretRef``) names a missing Secret, or a key the Secret does
not hold, is not started (waiting, ``CreateContainerConfigError``); a ``secret`` volume that cannot
be mounted keeps every container of the pod in ``ContainerCreating`` (event ``FailedMount``).
``optional: true`` references never block. Messages are the kubelet's.
Stdlib only (the fake runs with -S).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CONFIG_ERROR = "CreateContainerConfigError"
CREATING = "ContainerCreating"


def secret_keys(state: dict) -> dict[tuple[str, str], set[str]]:
    """(namespace, name) -> data keys of every Secret the cluster holds (applied or from a release)."""
    import _objects

    found: dict[tuple[str, str], set[str]] = {}
    for obj in _objects.all_objects(state):
        if obj.get("kind") == "Secret":
            meta = obj.get("metadata") or {}
            keys = set(obj.get("data") or {}) | set(obj.get("stringData") or {})
            found[(meta.get("namespace") or "default", str(meta.get("name")))] = keys
    return found


def _missing(secrets: dict, ns: str, name: str, key: str | None) -> str | None:
    keys = secrets.get((ns, name))
    if keys is None:
        return f'secret "{name}" not found'
    if key is not None and key not in keys:
        return f"couldn't find key {key} in Secret {ns}/{name}"
    return None


def problems(pod_spec: dict, ns: str, secrets: dict) -> dict[str, tuple[str, str]]:
    """container name -> (waiting reason, message) for the containers the kubelet would not start."""
    for volume in pod_spec.get("volumes") or []:
        source = (volume or {}).get("secret")
        if not isinstance(source, dict) or source.get("optional"):
            continue
        name = str(source.get("secretName"))
        why = _missing(secrets, ns, name, None)
        for item in source.get("items") or [] if why is None else []:
            if item.get("key") not in secrets[(ns, name)]:
                why = f"references non-existent secret key: {item.get('key')}"
                break
        if why is not None:
            message = f'MountVolume.SetUp failed for volume "{volume.get("name")}" : {why}'
            return {str(c.get("name")): (CREATING, message) for c in pod_spec.get("containers") or []}
    found: dict[str, tuple[str, str]] = {}
    for c in [*(pod_spec.get("initContainers") or []), *(pod_spec.get("containers") or [])]:
        refs = [((e.get("valueFrom") or {}).get("secretKeyRef") or {}, True) for e in c.get("env") or []]
        refs += [((e or {}).get("secretRef") or {}, False) for e in c.get("envFrom") or []]
        for ref, keyed in refs:
            if not ref.get("name") or ref.get("optional"):
                continue
            why = _missing(secrets, ns, str(ref["name"]), str(ref.get("key")) if keyed else None)
            if why is not None:
                found[str(c.get("name"))] = (CONFIG_ERROR, why)
                break
    return found


def workload_problems(doc: dict, ns: str, secrets: dict) -> dict[str, tuple[str, str]]:
    """``problems`` of a Deployment/StatefulSet/DaemonSet's pod template."""
    pod = ((doc.get("spec") or {}).get("template") or {}).get("spec") or {}
    return problems(pod, (doc.get("metadata") or {}).get("namespace") or ns, secrets)


def rendered_containers(state: dict, release: dict) -> list[tuple[str, Any]]:
    """(container, (reason, message) or None) of every container the release's rendered
    workloads run; [] when nothing was rendered (no real helm, or a chart without workloads)."""
    docs = [d for d in release.get("manifests") or []
            if isinstance(d, dict) and d.get("kind") in ("Deployment", "StatefulSet", "DaemonSet")]
    if not docs:
        return []
    secrets = secret_keys(state)
    found = []
    for doc in docs:
        blocked = workload_problems(doc, release["namespace"], secrets)
        pod = ((doc.get("spec") or {}).get("template") or {}).get("spec") or {}
        found += [(str(c.get("name")), blocked.get(str(c.get("name")))) for c in pod.get("containers") or []]
    return found


def mark(pod: dict, problem: tuple[str, str]) -> None:
    """The generated (healthy) pod as the kubelet leaves it: its container waiting, not Ready."""
    reason, message = problem
    status = pod["status"]
    status["phase"] = "Pending"
    for cs in status.get("containerStatuses") or []:
        cs.update(state={"waiting": {"reason": reason, "message": message}}, ready=False, started=False)
        if reason == CREATING:
            cs["state"]["waiting"].pop("message")
            cs.pop("containerID", None)
    names = ", ".join(cs["name"] for cs in status.get("containerStatuses") or [])
    for cond in status.get("conditions") or []:
        if cond["type"] in ("Ready", "ContainersReady"):
            cond.update(status="False", reason="ContainersNotReady",
                        message=f"containers with unready status: [{names}]")
