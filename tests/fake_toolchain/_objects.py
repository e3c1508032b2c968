"""The fake cluster's API objects besides nodes and pods: namespaces, storage classes, ingress
classes, Secrets (what the chart check reads), PVCs, PVs and Ingresses (what the diagnoses read),
as ``kubectl get KIND[,KIND…] -o json`` serves them, plus ``kubectl apply -f -`` and
``kubectl create namespace``. A claim's and a volume's status is worked out as the controllers
would: Bound when its class exists (or, for a static claim, its PersistentVolume), else Pending.

What exists: what a fresh microk8s has (default, kube-system, kube-public, kube-node-lease), what
its addons add (ingress: namespace ``ingress`` and IngressClasses ``public`` (default) and
``nginx``; hostpath-storage/storage: StorageClass ``microk8s-hostpath`` (default)), objects applied
with kubectl (``state["objects"]``) and the manifests of every deployed helm release.
Stdlib only (the fake runs with -S); YAML input needs PyYAML from the venv (``_yaml``).
"""

from __future__ import annotations

import json
import sys

from _common import err, out, rfc3339, uid_for

TYPE_CHECKING = False  # typing costs ms at every fake call; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any

# kubectl's names for the kinds served here -> (Kind, List kind, apiVersion, namespaced)
KINDS = {
    "namespace": ("Namespace", "v1", False),
    "storageclass": ("StorageClass", "storage.k8s.io/v1", False),
    "ingressclass": ("IngressClass", "networking.k8s.io/v1", False),
    "secret": ("Secret", "v1", True),
    "pvc": ("PersistentVolumeClaim", "v1", True),
    "pv": ("PersistentVolume", "v1", False),
    "ingress": ("Ingress", "networking.k8s.io/v1", True),
}
ALIASES = {
    "ns": "namespace", "namespace": "namespace", "namespaces": "namespace",
    "sc": "storageclass", "storageclass": "storageclass", "storageclasses": "storageclass",
    "ingressclass": "ingressclass", "ingressclasses": "ingressclass",
    "secret": "secret", "secrets": "secret",
    "pvc": "pvc", "persistentvolumeclaim": "pvc", "persistentvolumeclaims": "pvc",
    "pv": "pv", "persistentvolume": "pv", "persistentvolumes": "pv",
    "ing": "ingress", "ingress": "ingress", "ingresses": "ingress",
}
BASE_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")
DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"
DEFAULT_INGRESS = "ingressclass.kubernetes.io/is-default-class"
CLUSTER_SCOPED = {"Namespace", "StorageClass", "IngressClass", "PersistentVolume", "ClusterRole",
                  "ClusterRoleBinding", "CustomResourceDefinition", "PriorityClass", "Node"}


def _meta(name: str, namespace: str | None = None, annotations: dict | None = None) -> dict:
    meta: dict = {"name": name, "uid": uid_for(f"{namespace}/{name}"), "creationTimestamp": "2026-11-24T09:00:00Z",
                  "resourceVersion": "1"}
    if namespace:
        meta["namespace"] = namespace
    if annotations:
        meta["annotations"] = annotations
    return meta


def _addon_objects(state: dict) -> list[dict]:
    addons = set((state.get("microk8s") or {}).get("addons") or [])
    objs = [{"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(n)} for n in BASE_NAMESPACES]
    if "ingress" in addons:
        objs.append({"apiVersion": "v1", "kind": "Namespace", "metadata": _meta("ingress")})
        for name, default in (("public", True), ("nginx", False)):
            objs.append({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
                         "metadata": _meta(name, annotations={DEFAULT_INGRESS: "true"} if default else None),
                         "spec": {"controller": "k8s.io/ingress-nginx"}})
    if addons & {"hostpath-storage", "storage"}:
        objs.append({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                     "metadata": _meta("microk8s-hostpath", annotations={DEFAULT_CLASS: "true"}),
                     "provisioner": "microk8s.io/hostpath", "reclaimPolicy": "Delete",
                     "volumeBindingMode": "WaitForFirstConsumer"})
    return objs


def all_objects(state: dict) -> list[dict]:
    """Every object of the fake cluster (later ones replace earlier ones with the same key)."""
    found: dict[tuple, dict] = {}
    sources = [_addon_objects(state), state.get("objects") or []]
    sources += [r.get("manifests") or [] for r in state["releases"].values() if r.get("status") == "deployed"]
    for source in sources:
        for obj in source:
            found[key(obj, "default")] = obj
    return list(found.values())


def key(obj: dict, namespace: str) -> tuple:
    kind = obj.get("kind", "")
    meta = obj.get("metadata") or {}
    ns = None if kind in CLUSTER_SCOPED else (meta.get("namespace") or namespace)
    return kind, ns, meta.get("name")


def namespaces(state: dict) -> set[str]:
    return {o["metadata"]["name"] for o in all_objects(state) if o.get("kind") == "Namespace"}


def get(ctx: Any, kinds: str | list[str], names: list[str], output: str | None, ns: str | None) -> int:
    """``kubectl get KIND[,KIND…] [NAME…] [-n NS | -A] -o json`` (the only output the tools read)."""
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if output != "json":
        err(f"fake: kubectl get {','.join(kinds)} supports only -o json (extend tests/fake_toolchain/_objects.py)")
        return 1
    items = [i for kind in kinds for i in items_of(ctx.state(), kind, ns)]
    if names:
        picked = [o for o in items if o["metadata"]["name"] in names]
        missing = [n for n in names if n not in {o["metadata"]["name"] for o in picked}]
        if missing:
            err(f'Error from server (NotFound): {kinds[0]}s "{missing[0]}" not found')
            return 1
        if len(names) == 1 and len(kinds) == 1:
            out(json.dumps(picked[0], indent=4))
            return 0
        items = picked
    out(json.dumps({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}},
                   indent=4))
    return 0


def items_of(state: dict, kind: str, ns: str | None) -> list[dict]:
    """The objects of one kind as served (``ns`` None: all namespaces)."""
    every = all_objects(state)
    kind_name, api_version, namespaced = KINDS[kind]
    mine = [o for o in every if o.get("kind") == kind_name]
    if namespaced and ns is not None:
        mine = [o for o in mine if (o["metadata"].get("namespace") or "default") == ns]
    return [_served(o, api_version, every) for o in mine]


def _claim_status(pvc: dict, every: list[dict]) -> dict:
    spec = pvc.get("spec") or {}
    wanted = spec.get("storageClassName")
    classes = [o for o in every if o.get("kind") == "StorageClass"]
    meta = pvc.get("metadata") or {}
    if wanted == "" or spec.get("volumeName"):
        bound = any(
            o.get("kind") == "PersistentVolume"
            and (o["metadata"]["name"] == spec.get("volumeName")
                 or ((o.get("spec") or {}).get("claimRef") or {}).get("name") == meta.get("name"))
            for o in every
        )
    elif wanted is None:
        bound = any((o["metadata"].get("annotations") or {}).get(DEFAULT_CLASS) == "true" for o in classes)
    else:
        bound = any(o["metadata"]["name"] == wanted for o in classes)
    if not bound:
        return {"phase": "Pending"}
    size = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
    return {"accessModes": spec.get("accessModes", ["ReadWriteOnce"]), "capacity": {"storage": size},
            "phase": "Bound"}


def _served(obj: dict, api_version: str, every: list[dict] | None = None) -> dict:
    served = dict(obj)
    served.setdefault("apiVersion", api_version)
    if served.get("kind") == "PersistentVolumeClaim" and "status" not in served:
        served["status"] = _claim_status(served, every or [])
    elif served.get("kind") == "PersistentVolume" and "status" not in served:
        served["status"] = {"phase": "Bound" if (served.get("spec") or {}).get("claimRef") else "Available"}
    elif served.get("kind") == "Ingress" and "status" not in served:
        served["status"] = {"loadBalancer": {}}
    if served.get("kind") == "Secret":
        served.setdefault("type", "Opaque")
        if "stringData" in served:  # the API server folds stringData into data (base64)
            import base64

            data = dict(served.get("data") or {})
            for k, v in served.pop("stringData").items():
                data[k] = base64.b64encode(str(v).encode()).decode()
            served["data"] = data
    return served


def _yaml() -> Any:
    try:
        import site

        site.main()
        import yaml

        return yaml
    except ImportError:
        return None


def parse_documents(text: str) -> list[dict] | None:
    """JSON or (with PyYAML) multi-document YAML; None when it cannot be read."""
    try:
        doc = json.loads(text)
        docs = doc.get("items", [doc]) if doc.get("kind") == "List" else [doc]
        return [d for d in docs if isinstance(d, dict)]
    except (ValueError, AttributeError):
        pass
    yaml = _yaml()
    if yaml is None:
        return None
    try:
        return [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]
    except yaml.YAMLError:
        return None


def apply(ctx: Any, files: list[str], ns: str) -> int:
    """``kubectl apply -f -`` (stdin only: the wizard never puts a Secret in a file or argv)."""
    if files == ["-"]:
        text = sys.stdin.read()
    elif len(files) == 1 and files[0].startswith("/"):  # a private file (a non-root install: stdin is sudo's)
        try:
            with open(files[0], encoding="utf-8") as fh:
                text = fh.read()
        except OSError as exc:
            err(f"error: the path \"{files[0]}\" does not exist ({exc.strerror})")
            return 1
    else:
        err("fake: kubectl apply supports only -f - (stdin) or one absolute file")
        return 1
    docs = parse_documents(text)
    if docs is None:
        err("error: error parsing STDIN: error converting YAML to JSON")
        return 1
    existing = namespaces(ctx.state())
    with ctx.store.update() as state:
        objects = state.setdefault("objects", [])
        for doc in docs:
            kind, name = doc.get("kind"), (doc.get("metadata") or {}).get("name")
            if not kind or not name:
                err('error: error validating "STDIN": error validating data: [apiVersion not set, kind not set]')
                return 1
            k = key(doc, ns)
            if k[1] is not None:
                doc.setdefault("metadata", {})["namespace"] = k[1]
                if k[1] not in existing:
                    err(f'Error from server (NotFound): error when creating "STDIN": namespaces "{k[1]}" not found')
                    return 1
            if kind == "Namespace":
                existing.add(name)
            known = next((i for i, o in enumerate(objects) if key(o, "default") == k), None)
            doc["metadata"].setdefault("creationTimestamp", rfc3339())
            if known is None:
                objects.append(doc)
                out(f"{kind.lower()}/{name} created")
            else:
                objects[known] = doc
                out(f"{kind.lower()}/{name} configured")
    return 0


def create_namespace(ctx: Any, name: str) -> int:
    if name in namespaces(ctx.state()):
        err(f'Error from server (AlreadyExists): namespaces "{name}" already exists')
        return 1
    with ctx.store.update() as state:
        state.setdefault("objects", []).append({"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(name)})
    out(f"namespace/{name} created")
    return 0
