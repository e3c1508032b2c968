"""Storage and ingress objects as ``kubectl get … -o json`` prints them (kubectl v1.32 shapes:
managedFields elided, key order as the API server sends): what the upstream charts and microk8s'
addons create, for the diagnosis tests (as raw JSON) and the fake cluster (``add_objects``)."""

from __future__ import annotations

import hashlib
from typing import Any


def uid_for(seed: str) -> str:
    h = hashlib.md5(seed.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"

CREATED = "2026-11-24T09:00:00Z"


def _meta(name: str, namespace: str | None = None, annotations: dict | None = None, labels: dict | None = None) -> dict:
    meta: dict[str, Any] = {}
    if annotations:
        meta["annotations"] = dict(annotations)
    meta["creationTimestamp"] = CREATED
    if labels:
        meta["labels"] = dict(labels)
    meta["name"] = name
    if namespace is not None:
        meta["namespace"] = namespace
    meta["resourceVersion"] = "4242"
    meta["uid"] = uid_for(f"{namespace}/{name}")
    return meta


def storage_class(name: str = "microk8s-hostpath", *, default: bool = True,
                  provisioner: str = "microk8s.io/hostpath") -> dict:
    """What ``microk8s enable hostpath-storage`` creates (default class, WaitForFirstConsumer)."""
    notes = {"storageclass.kubernetes.io/is-default-class": "true"} if default else {}
    return {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": _meta(name, None, notes),
            "provisioner": provisioner, "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer"}


def ingress_class(name: str = "public", *, default: bool = False) -> dict:
    """microk8s' ingress addon creates ``public`` and ``nginx``, both served by its nginx controller."""
    notes = {"ingressclass.kubernetes.io/is-default-class": "true"} if default else {}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": _meta(name, None, notes),
            "spec": {"controller": "k8s.io/ingress-nginx"}}


def pvc(name: str, namespace: str = "default", *, storage_class: str | None = None, phase: str = "Pending",
        volume_name: str = "", size: str = "1Gi") -> dict:
    """A claim; ``storage_class=""`` asks for a static PV, None for the default class."""
    spec: dict[str, Any] = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}
    if storage_class is not None:
        spec["storageClassName"] = storage_class
    spec["volumeMode"] = "Filesystem"
    if volume_name:
        spec["volumeName"] = volume_name
    status: dict[str, Any] = {"phase": phase}
    if phase == "Bound":
        status.update(accessModes=["ReadWriteOnce"], capacity={"storage": size})
    notes = {"meta.helm.sh/release-name": "mip", "meta.helm.sh/release-namespace": namespace}
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {**_meta(name, namespace, notes, {"app.kubernetes.io/managed-by": "Helm"}),
                         "finalizers": ["kubernetes.io/pvc-protection"]},
            "spec": spec, "status": status}


def pv(name: str, *, storage_class: str = "", path: str = "/data", phase: str = "Available",
       claim: tuple[str, str] | None = None, size: str = "1Gi") -> dict:
    """A static hostPath PersistentVolume; ``claim`` = (namespace, name) it is reserved for / bound to."""
    spec: dict[str, Any] = {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": size}}
    if claim:
        spec["claimRef"] = {"kind": "PersistentVolumeClaim", "namespace": claim[0], "name": claim[1]}
    spec["hostPath"] = {"path": path, "type": ""}
    spec["persistentVolumeReclaimPolicy"] = "Retain"
    spec["storageClassName"] = storage_class
    spec["volumeMode"] = "Filesystem"
    return {"apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {**_meta(name), "finalizers": ["kubernetes.io/pv-protection"]},
            "spec": spec, "status": {"lastPhaseTransitionTime": CREATED, "phase": phase}}


def ingress(name: str, namespace: str = "default", *, class_name: str | None = None,
            class_annotation: str | None = None, host: str = "mip.example.org") -> dict:
    notes = {"meta.helm.sh/release-name": "mip", "meta.helm.sh/release-namespace": namespace}
    if class_annotation:
        notes["kubernetes.io/ingress.class"] = class_annotation
    spec: dict[str, Any] = {}
    if class_name:
        spec["ingressClassName"] = class_name
    spec["rules"] = [{"host": host, "http": {"paths": [{"backend": {"service": {"name": "frontend-service",
                                                                                  "port": {"number": 80}}},
                                                        "path": "/", "pathType": "Prefix"}]}}]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": _meta(name, namespace, notes),
            "spec": spec, "status": {"loadBalancer": {}}}


def microk8s_objects() -> list[dict]:
    """What hostpath-storage and ingress create: class microk8s-hostpath, ingress classes public (default) and nginx."""
    return [storage_class(), ingress_class("nginx"), ingress_class("public", default=True)]


def object_list(items: list[dict]) -> dict:
    """``kubectl get A,B -o json`` of several kinds: a plain ``List``."""
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}
