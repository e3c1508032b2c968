"""The checks: what in a rendered chart makes ``helm upgrade`` fail, or the pods never start, on this cluster.

Each rule reads the manifests and the facts and returns findings; ``check_manifests`` runs them all.
Objects the manifests themselves create (a Namespace, a Secret, a StorageClass) count as existing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .model import ClusterFacts, Finding, Manifest, object_id
from .schema import schema_findings

CLUSTER_SCOPED = frozenset({
    "Namespace", "StorageClass", "IngressClass", "PersistentVolume", "ClusterRole", "ClusterRoleBinding",
    "CustomResourceDefinition", "PriorityClass", "Node", "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration", "APIService", "RuntimeClass", "CSIDriver", "VolumeAttachment",
})
WORKLOADS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "Pod", "CronJob"})
INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
CREATING_HOST_PATH_TYPES = frozenset({"DirectoryOrCreate", "FileOrCreate"})


@dataclass(frozen=True)
class Scope:
    """The manifests of one helm call, indexed, with the facts they are checked against."""

    manifests: list[Manifest]
    facts: ClusterFacts
    namespace: str
    create_namespace: bool
    host_roots: tuple[str, ...] | None = None

    def ns_of(self, m: Manifest) -> str | None:
        if m.get("kind") in CLUSTER_SCOPED:
            return None
        return str((m.get("metadata") or {}).get("namespace") or self.namespace)

    def oid(self, m: Manifest) -> str:
        return object_id(m, self.ns_of(m))

    def created(self, kind: str) -> list[Manifest]:
        return [m for m in self.manifests if m.get("kind") == kind]

    def created_names(self, kind: str) -> set[str]:
        return {str(_name(m)) for m in self.created(kind)}


def _name(m: Manifest) -> Any:
    return (m.get("metadata") or {}).get("name")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def pod_spec(m: Manifest) -> dict[str, Any] | None:
    """The pod template's spec of a workload (CronJob: the job's), or None."""
    kind, spec = m.get("kind"), _dict(m.get("spec"))
    if kind not in WORKLOADS:
        return None
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        spec = _dict(_dict(spec.get("jobTemplate")).get("spec"))
    return _dict(_dict(spec.get("template")).get("spec"))


def _containers(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for key in ("initContainers", "containers"):
        for c in _list(spec.get(key)):
            if isinstance(c, dict):
                yield c


# --- namespaces --------------------------------------------------------------------------------
def namespaces(s: Scope) -> list[Finding]:
    known = set(s.facts.namespaces) | s.created_names("Namespace")
    if s.create_namespace:
        known.add(s.namespace)
    missing: dict[str, list[str]] = {}
    if s.namespace not in known:
        missing[s.namespace] = [f"the release (helm -n {s.namespace})"]
    for m in s.manifests:
        ns = s.ns_of(m)
        if ns is not None and ns not in known:
            missing.setdefault(ns, []).append(s.oid(m))
    return [
        Finding(
            "namespace",
            f'namespace "{ns}" does not exist; {len(objs)} object(s) go there, e.g. {objs[0]}',
            f'a namespace that a template names is never created by helm; the deploy stops with: '
            f'namespaces "{ns}" not found',
            f"set the chart's namespace to one that exists (default), or: microk8s kubectl create namespace {ns}",
            objs[0],
        )
        for ns, objs in missing.items()
    ]


# --- storage classes ---------------------------------------------------------------------------
def _claims(s: Scope) -> Iterator[tuple[Manifest, dict[str, Any]]]:
    for m in s.manifests:
        if m.get("kind") == "PersistentVolumeClaim":
            yield m, _dict(m.get("spec"))
        elif m.get("kind") == "StatefulSet":
            for t in _list(_dict(m.get("spec")).get("volumeClaimTemplates")):
                yield m, _dict(_dict(t).get("spec"))


def storage_classes(s: Scope) -> list[Finding]:
    known = set(s.facts.storage_classes) | s.created_names("StorageClass")
    default = s.facts.default_storage_class or next(
        (str(_name(m)) for m in s.created("StorageClass")
         if _dict(_dict(m.get("metadata")).get("annotations")).get("storageclass.kubernetes.io/is-default-class")
         == "true"), None)
    static = {str(_dict(pv.get("spec")).get("storageClassName") or "") for pv in s.created("PersistentVolume")}
    found: list[Finding] = []
    missing: dict[str, list[str]] = {}
    for m, spec in _claims(s):
        cls = spec.get("storageClassName")
        if cls is None and default is None and not spec.get("volumeName") and "" not in static:
            found.append(Finding(
                "storage-class", f"{s.oid(m)} asks for the default storage class, and the cluster has none",
                "the claim stays Pending and its pod never starts",
                "microk8s enable hostpath-storage, or give the claim a storageClassName that exists", s.oid(m)))
        elif cls and cls not in known and cls not in static:
            missing.setdefault(str(cls), []).append(s.oid(m))
    have = ", ".join(sorted(known)) or "none"
    for cls, claims in missing.items():
        found.append(Finding(
            "storage-class", f'storage class "{cls}" does not exist (the cluster has: {have}); '
            f"{len(claims)} claim(s) ask for it, e.g. {claims[0]}",
            "the claims stay Pending and their pods never start",
            "set the chart's storage class to one the cluster has (microk8s: microk8s-hostpath, after "
            "microk8s enable hostpath-storage)", claims[0]))
    return found


# --- Secrets -----------------------------------------------------------------------------------
def _secret_refs(m: Manifest) -> Iterator[tuple[str, str | None, bool]]:
    """(secret name, key or None, optional) for each Secret a manifest needs."""
    if m.get("kind") == "Ingress":
        for tls in _list(_dict(m.get("spec")).get("tls")):
            if _dict(tls).get("secretName"):
                yield str(tls["secretName"]), None, False
        return
    spec = pod_spec(m)
    if spec is None:
        return
    for c in _containers(spec):
        for env in _list(c.get("env")):
            ref = _dict(_dict(_dict(env).get("valueFrom")).get("secretKeyRef"))
            if ref.get("name"):
                yield str(ref["name"]), str(ref.get("key") or ""), bool(ref.get("optional"))
        for src in _list(c.get("envFrom")):
            ref = _dict(_dict(src).get("secretRef"))
            if ref.get("name"):
                yield str(ref["name"]), None, bool(ref.get("optional"))
    for vol in _list(spec.get("volumes")):
        vol = _dict(vol)
        secret = _dict(vol.get("secret"))
        if secret.get("secretName"):
            yield str(secret["secretName"]), None, bool(secret.get("optional"))
        for source in _list(_dict(vol.get("projected")).get("sources")):
            ref = _dict(_dict(source).get("secret"))
            if ref.get("name"):
                yield str(ref["name"]), None, bool(ref.get("optional"))
    for pull in _list(spec.get("imagePullSecrets")):
        if _dict(pull).get("name"):
            yield str(pull["name"]), None, False


def secrets(s: Scope) -> list[Finding]:
    have: dict[tuple[str, str], set[str]] = {}
    for ns, by_name in s.facts.secrets.items():
        for name, names in by_name.items():
            have[(ns, name)] = set(names)
    for m in s.created("Secret"):
        created = set(_dict(m.get("data"))) | set(_dict(m.get("stringData")))
        have.setdefault((s.ns_of(m) or s.namespace, str(_name(m))), set()).update(created)
    missing: dict[tuple[str, str], list[str]] = {}
    found: list[Finding] = []
    seen: set[tuple[str, str, str | None]] = set()
    for m in s.manifests:
        ns = s.ns_of(m) or s.namespace
        for name, key, optional in _secret_refs(m):
            keys = have.get((ns, name))
            if optional:
                continue
            if keys is None:
                users = missing.setdefault((ns, name), [])
                if s.oid(m) not in users:
                    users.append(s.oid(m))
            elif key and key not in keys and (ns, name, key) not in seen:
                seen.add((ns, name, key))
                found.append(Finding(
                    "secret-key", f'{s.oid(m)} reads key "{key}" of Secret "{name}" ({ns}), which has no such key',
                    "the container cannot start (CreateContainerConfigError: couldn't find key)",
                    f"add the key {key} to Secret {name} in {ns}", s.oid(m)))
    absent: list[Finding] = []
    for (ns, name), users in missing.items():
        only_tls = all(u.startswith("Ingress/") for u in users)
        absent.append(Finding(
            "secret", f'Secret "{name}" (namespace {ns}) does not exist; needed by {", ".join(users)}',
            "no template of the chart creates it: "
            + ("the Ingress serves the controller's self-signed certificate instead" if only_tls
               else "the pods stay in CreateContainerConfigError"),
            f"create Secret {name} in {ns} before deploying (mipwizard creates the ones the release needs); "
            "never put its values on a command line", users[0]))
    return absent + found


# --- Ingress -----------------------------------------------------------------------------------
def ingress_classes(s: Scope) -> list[Finding]:
    served = set(s.facts.ingress_classes) | s.created_names("IngressClass")
    found: list[Finding] = []
    for m in s.created("Ingress"):
        spec = _dict(m.get("spec"))
        annotation = _dict(_dict(m.get("metadata")).get("annotations")).get(INGRESS_CLASS_ANNOTATION)
        field = spec.get("ingressClassName")
        if annotation and field and annotation != field:
            found.append(Finding(
                "ingress-class", f'{s.oid(m)} names class "{field}" and, in its annotation, "{annotation}"',
                "the API server refuses an Ingress whose annotation and ingressClassName differ",
                "give both the same class (microk8s: public)", s.oid(m)))
        cls = field or annotation or s.facts.default_ingress_class
        if cls is None:
            found.append(Finding(
                "ingress-class", f"{s.oid(m)} names no ingress class and the cluster has no default one",
                "no ingress controller serves it: the UI is not reachable", "set its class to public "
                "(microk8s enable ingress serves it)", s.oid(m)))
        elif cls not in served:
            have = ", ".join(sorted(served)) or "none (microk8s enable ingress)"
            found.append(Finding(
                "ingress-class", f'{s.oid(m)} has ingress class "{cls}", which no controller here serves (served: '
                f"{have})", "nothing routes its traffic: the UI is not reachable through it",
                "set the chart's ingress class to public (microk8s' ingress addon)", s.oid(m)))
    return found


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def ingress_hosts(s: Scope) -> list[Finding]:
    found: list[Finding] = []
    for m in s.created("Ingress"):
        spec = _dict(m.get("spec"))
        hosts = [str(_dict(r).get("host") or "") for r in _list(spec.get("rules"))]
        hosts += [str(h) for t in _list(spec.get("tls")) for h in _list(_dict(t).get("hosts"))]
        for host in dict.fromkeys(h for h in hosts if h and _is_ip(h)):
            found.append(Finding(
                "ingress-host", f'{s.oid(m)} has the IP address "{host}" as its host',
                "Kubernetes accepts only DNS names as Ingress hosts: the API server refuses it",
                "use the server's DNS name as public host (an IP-only server is reached through its NodePort "
                "or an Ingress without host)", s.oid(m)))
    return found


# --- nodes and host paths ----------------------------------------------------------------------
def _matches(expr: dict[str, Any], labels: dict[str, str]) -> bool:
    key, op, values = str(expr.get("key")), expr.get("operator"), [str(v) for v in _list(expr.get("values"))]
    if op == "In":
        return labels.get(key) in values
    if op == "NotIn":
        return labels.get(key) not in values
    if op == "Exists":
        return key in labels
    if op == "DoesNotExist":
        return key not in labels
    return True  # Gt/Lt: not used by the MIP charts; never a false alarm


def _required_terms(m: Manifest) -> list[dict[str, Any]]:
    """The required node-affinity terms of a PersistentVolume or a workload's pods (any one suffices)."""
    if m.get("kind") == "PersistentVolume":
        required = _dict(_dict(_dict(m.get("spec")).get("nodeAffinity")).get("required"))
    else:
        spec = pod_spec(m) or {}
        affinity = _dict(_dict(spec.get("affinity")).get("nodeAffinity"))
        required = _dict(affinity.get("requiredDuringSchedulingIgnoredDuringExecution"))
    return [_dict(t) for t in _list(required.get("nodeSelectorTerms"))]


def _term_text(term: dict[str, Any]) -> str:
    parts = [f"{e.get('key')} {e.get('operator')} {','.join(map(str, _list(e.get('values'))))}".strip()
             for e in map(_dict, _list(term.get("matchExpressions")))]
    return " and ".join(parts)


def node_selectors(s: Scope) -> list[Finding]:
    """nodeSelector and required node affinity (pods and PersistentVolumes) must fit some node."""
    found: list[Finding] = []
    nodes = [dict(labels) for labels in s.facts.node_labels.values()]
    for m in s.manifests:
        spec = pod_spec(m)
        selector = {str(k): str(v) for k, v in _dict(spec.get("nodeSelector") if spec else None).items()}
        if selector and not any(all(n.get(k) == v for k, v in selector.items()) for n in nodes):
            pairs = " ".join(f"{k}={v}" for k, v in selector.items())
            found.append(Finding(
                "node-label", f"{s.oid(m)} runs only on a node labelled {pairs}, and no node has that",
                "its pods stay Pending (FailedScheduling)",
                f"label the node that should run it: microk8s kubectl label node <node> {pairs}", s.oid(m)))
        terms = _required_terms(m)
        fits = any(all(_matches(_dict(e), n) for e in _list(t.get("matchExpressions"))) for t in terms for n in nodes)
        if terms and not fits:
            what = " or ".join(_term_text(t) for t in terms)
            found.append(Finding(
                "node-label", f"{s.oid(m)} needs a node where {what}, and no node fits",
                "the volume cannot bind (or the pods stay Pending)" if m.get("kind") == "PersistentVolume"
                else "its pods stay Pending (FailedScheduling)",
                "label the node that should hold it (microk8s kubectl label node <node> KEY=VALUE)", s.oid(m)))
    return found


def host_path_refs(manifests: list[Manifest]) -> Iterator[tuple[Manifest, str, str]]:
    """(manifest, path, hostPath type) for every hostPath volume and local/hostPath PersistentVolume."""
    for m in manifests:
        if m.get("kind") == "PersistentVolume":
            pv = _dict(m.get("spec"))
            for key in ("hostPath", "local"):
                source = _dict(pv.get(key))
                if source.get("path"):
                    yield m, str(source["path"]), str(source.get("type") or "")
            continue
        spec = pod_spec(m)
        for vol in _list(spec.get("volumes")) if spec is not None else []:
            source = _dict(_dict(vol).get("hostPath"))
            if source.get("path"):
                yield m, str(source["path"]), str(source.get("type") or "")


def host_paths(s: Scope) -> list[Finding]:
    found: list[Finding] = []
    if s.host_roots is not None:
        roots = [r.rstrip("/") + "/" for r in s.host_roots]
        for m, path, _ in host_path_refs(s.manifests):
            if not any((path.rstrip("/") + "/").startswith(r) for r in roots):
                found.append(Finding(
                    "host-path", f"{s.oid(m)} mounts {path} from the host, outside the answers' folders",
                    "the pod does not see the data or configuration where the answers put them (the chart's "
                    "default path is used)", f"set the chart's paths under {' or '.join(s.host_roots)} (the "
                    "release's values writer does)", s.oid(m)))
    existing = s.facts.host_paths
    if existing is None:
        return found
    for m, path, kind in host_path_refs(s.manifests):
        if kind in CREATING_HOST_PATH_TYPES or path in existing:
            continue
        found.append(Finding(
            "host-path", f"{s.oid(m)} mounts {path} from the host, which does not exist",
            "the pod gets an empty folder (or does not start): its data is not where the answers put it",
            f"create {path} (mipwizard's data step), or point the chart's paths at the answers' folders", s.oid(m)))
    return found


RULES: tuple[Callable[[Scope], list[Finding]], ...] = (
    namespaces, storage_classes, secrets, ingress_classes, ingress_hosts, node_selectors, host_paths,
)


def check_manifests(
    manifests: list[Manifest], facts: ClusterFacts, *, namespace: str = "default", create_namespace: bool = False,
    schema: bool = True, host_roots: tuple[str, ...] | None = None,
) -> list[Finding]:
    """Everything in ``manifests`` (one helm call's render, released into ``namespace``) that this
    cluster would refuse or never run; [] when helm may go ahead. ``host_roots``: when given, every
    hostPath must lie under one of them (the answers' folders)."""
    scope = Scope([m for m in manifests if isinstance(m, dict) and m], facts, namespace, create_namespace,
                  tuple(str(r) for r in host_roots) if host_roots is not None else None)
    found = [f for rule in RULES for f in rule(scope)]
    if schema:
        found += schema_findings(scope.manifests, facts.k8s_version, scope.oid)
    return found
