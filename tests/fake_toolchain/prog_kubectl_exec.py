"""Fake ``microk8s kubectl`` for backup/restore/upgrade: exec (imitating ``pg_dumpall`` and ``psql``
inside PostgreSQL containers), scale, ``get deployments,statefulsets`` and ``get pv``.

The workloads are those of every deployed helm release that the real helm rendered (its
Deployments/StatefulSets, each PostgreSQL container's data folder found through its PVC and the PV
with the PVC's selector labels), plus, for releases without rendered manifests, the entries of
``state["workloads"]`` (set by tests/backup_fakes.py). ``kubectl scale`` keeps its replicas in
``state["replicas"]``. The fake database is that folder: ``PG_VERSION`` (the major version that initialised it,
at the layout the image uses) and ``fake-db.sql`` (the "tables"). Like the real server, a container
whose image major differs from the folder's ``PG_VERSION`` cannot start, and exec into a workload
scaled to 0 fails.
"""

from __future__ import annotations

import json
import os
import sys

from _common import err, out, unsupported

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

KIND_ALIASES = {"deploy": "deployment", "deployment": "deployment", "deployments": "deployment",
                "sts": "statefulset", "statefulset": "statefulset", "statefulsets": "statefulset"}
CONTENT = "fake-db.sql"


def dispatch(ctx: Any, argv: list[str]) -> int | None:
    """Handle the calls this module imitates; None lets prog_kubectl handle the rest."""
    if not argv:
        return None
    if argv[0] == "exec":
        return exec_(ctx, argv[1:])
    if argv[0] == "scale":
        return scale(ctx, argv[1:])
    if argv[0] == "get" and len(argv) > 1:
        kinds = argv[1].split(",")
        if all(k in KIND_ALIASES for k in kinds):
            return get_workloads(ctx, {KIND_ALIASES[k] for k in kinds}, argv[2:])
        if argv[1] in ("pv", "persistentvolumes") and ctx.state().get("workloads"):
            return get_pv(ctx)  # the static workloads' volumes; rendered releases' PVs: _objects.py
    return None


def _flags(argv: list[str], with_value: set[str]) -> tuple[dict[str, str], list[str], list[str]]:
    values: dict[str, str] = {}
    positional: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            return values, positional, argv[i + 1:]
        if a.startswith("--") and "=" in a:
            k, v = a.split("=", 1)
            values[k] = v
        elif a in with_value:
            values[a] = argv[i + 1] if i + 1 < len(argv) else ""
            i += 1
        elif a.startswith("-"):
            values[a] = ""
        else:
            positional.append(a)
        i += 1
    return values, positional, []


def _from_manifests(release: dict, secrets: dict) -> list[dict]:
    import _secret_refs

    docs = [d for d in release.get("manifests") or [] if isinstance(d, dict)]
    ns_default = release["namespace"]
    pvs = [d for d in docs if d.get("kind") == "PersistentVolume"]
    pvcs = {(d.get("metadata") or {}).get("name"): d for d in docs if d.get("kind") == "PersistentVolumeClaim"}

    def host_path(claim: str) -> str | None:
        pvc = pvcs.get(claim) or {}
        wanted = ((pvc.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        for pv in pvs:
            labels = (pv.get("metadata") or {}).get("labels") or {}
            if wanted and all(labels.get(k) == v for k, v in wanted.items()):
                return ((pv.get("spec") or {}).get("hostPath") or {}).get("path")
        return None

    found = []
    for d in docs:
        if d.get("kind") not in ("Deployment", "StatefulSet"):
            continue
        pod = ((d.get("spec") or {}).get("template") or {}).get("spec") or {}
        claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in pod.get("volumes") or []
                  if v.get("persistentVolumeClaim")}
        containers = []
        for c in pod.get("containers") or []:
            entry = {"name": c["name"], "image": str(c.get("image", ""))}
            if image_major(entry["image"]) and "postgres" in entry["image"]:
                for m in c.get("volumeMounts") or []:
                    path = host_path(claims.get(m.get("name"), ""))
                    if path and m.get("mountPath", "").startswith("/var/lib/postgres"):
                        entry.update(data=path, mount=m["mountPath"])
                        break
            containers.append(entry)
        meta = d.get("metadata") or {}
        blocked = _secret_refs.workload_problems(d, ns_default, secrets)  # never Ready without its Secrets
        found.append({"kind": d["kind"].lower(), "name": meta.get("name"), "namespace": meta.get("namespace")
                      or ns_default, "release": release["name"],
                      "replicas": int((d.get("spec") or {}).get("replicas", 1)), "containers": containers,
                      "blocked": sorted(message for _reason, message in blocked.values())})
    return found


def live_workloads(state: dict) -> list[dict]:
    import _secret_refs

    derived, found = set(), []
    secrets = _secret_refs.secret_keys(state)
    for release in state.get("releases", {}).values():
        if release.get("manifests"):
            derived.add(release["name"])
            found += _from_manifests(release, secrets)
    found += [dict(w) for w in state.get("workloads", []) if w["release"] not in derived]
    overrides = state.get("replicas", {})
    for w in found:
        w["replicas"] = overrides.get(f"{w['namespace']}/{w['kind']}/{w['name']}", w["replicas"])
    return found


def _find(state: dict, ref: str, ns: str) -> dict | None:
    kind, _, name = ref.partition("/")
    kind = KIND_ALIASES.get(kind, kind)
    for w in live_workloads(state):
        if w["name"] == name and w["namespace"] == ns and w["kind"] == kind:
            return w
    return None


def get_workloads(ctx: Any, kinds: set[str], argv: list[str]) -> int:
    values, _pos, _rest = _flags(argv, {"-n", "--namespace", "-o", "--output"})
    if values.get("-o", values.get("--output")) != "json":
        return unsupported(ctx)
    ns = None if ("-A" in values or "--all-namespaces" in values) else values.get("-n", "default")
    items = [_object(w) for w in live_workloads(ctx.state())
             if w["kind"] in kinds and (ns is None or w["namespace"] == ns)]
    out(json.dumps({"apiVersion": "v1", "kind": "List", "items": items, "metadata": {"resourceVersion": ""}},
                   indent=4))
    return 0


def _object(w: dict) -> dict:
    containers, volumes = [], []
    for c in w["containers"]:
        spec: dict = {"name": c["name"], "image": c["image"]}
        if c.get("data"):
            claim = f"{w['name']}-{c['name']}-claim0"
            volumes.append({"name": claim, "persistentVolumeClaim": {"claimName": claim}})
            spec["volumeMounts"] = [{"name": claim, "mountPath": c.get("mount", "/var/lib/postgresql/data")}]
        containers.append(spec)
    n = int(w["replicas"])
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment" if w["kind"] == "deployment" else "StatefulSet",
        "metadata": {"name": w["name"], "namespace": w["namespace"], "generation": 1,
                     "annotations": {"meta.helm.sh/release-name": w["release"],
                                     "meta.helm.sh/release-namespace": w["namespace"]},
                     "labels": {"app": w["name"], "app.kubernetes.io/managed-by": "Helm"}},
        "spec": {"replicas": n, "selector": {"matchLabels": {"app": w["name"]}},
                 "template": {"metadata": {"labels": {"app": w["name"]}},
                              "spec": {"containers": containers, "volumes": volumes}}},
        "status": ({"observedGeneration": 1, "replicas": n, "readyReplicas": n, "availableReplicas": n,
                    "updatedReplicas": n} if n and not _crashing(w) and not w.get("blocked")
                   else {"observedGeneration": 1, "replicas": n, "unavailableReplicas": n}),
    }


def get_pv(ctx: Any) -> int:
    items = []
    for w in live_workloads(ctx.state()):
        for c in w["containers"]:
            if c.get("data"):
                claim = f"{w['name']}-{c['name']}-claim0"
                items.append({"apiVersion": "v1", "kind": "PersistentVolume",
                              "metadata": {"name": claim.replace("claim", "vol")},
                              "spec": {"claimRef": {"kind": "PersistentVolumeClaim", "name": claim,
                                                    "namespace": w["namespace"]},
                                       "hostPath": {"path": c["data"], "type": "DirectoryOrCreate"},
                                       "storageClassName": "k8s-local-storage"},
                              "status": {"phase": "Bound"}})
    out(json.dumps({"apiVersion": "v1", "kind": "List", "items": items, "metadata": {"resourceVersion": ""}},
                   indent=4))
    return 0


def scale(ctx: Any, argv: list[str]) -> int:
    values, pos, _rest = _flags(argv, {"-n", "--namespace"})
    replicas = values.get("--replicas")
    if not pos or replicas is None or not replicas.isdigit():
        err("error: required flag(s) \"replicas\" not set")
        return 1
    ns = values.get("-n", values.get("--namespace", "default"))
    with ctx.store.update() as state:
        w = _find(state, pos[0], ns)
        if w is None:
            err(f'Error from server (NotFound): deployments.apps "{pos[0].split("/")[-1]}" not found')
            return 1
        state.setdefault("replicas", {})[f"{w['namespace']}/{w['kind']}/{w['name']}"] = int(replicas)
    out(f"{w['kind']}.apps/{w['name']} scaled")
    return 0


# --- the fake PostgreSQL --------------------------------------------------------------------------------

def image_major(image: str) -> int:
    tag = image.rsplit(":", 1)[-1]
    digits = ""
    for ch in tag:
        if not ch.isdigit():
            break
        digits += ch
    return int(digits or 0)


def pg_folder(container: dict) -> str:
    """Where PG_VERSION lives: the mount itself (<=17: /var/lib/postgresql/data), or
    <mount>/<major>/docker for 18+ images mounted at /var/lib/postgresql."""
    data = container["data"]
    major = image_major(container["image"])
    return os.path.join(data, str(major), "docker") if major >= 18 else data


def folder_major(container: dict) -> int | None:
    """The major version of the database files in the container's data folder (any layout)."""
    data = container["data"]
    candidates = [os.path.join(data, "PG_VERSION")]
    if os.path.isdir(data):
        candidates += [os.path.join(data, d, "docker", "PG_VERSION") for d in sorted(os.listdir(data))]
    for path in candidates:
        try:
            with open(path, encoding="utf-8") as fh:
                return int(fh.read().strip().split(".")[0])
        except (OSError, ValueError):
            continue
    return None


def _crashing(w: dict) -> bool:
    for c in w["containers"]:
        if c.get("data") and image_major(c["image"]) and folder_major(c) not in (None, image_major(c["image"])):
            return True
    return False


def _init_db(container: dict) -> str:
    folder = pg_folder(container)
    if folder_major(container) is None:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "PG_VERSION"), "w", encoding="utf-8") as fh:
            fh.write(f"{image_major(container['image'])}\n")
    return folder


def exec_(ctx: Any, argv: list[str]) -> int:
    values, pos, command = _flags(argv, {"-n", "--namespace", "-c", "--container"})
    if not pos or not command:
        err("error: you must specify at least one command for the container")
        return 1
    ns = values.get("-n", values.get("--namespace", "default"))
    state = ctx.state()
    w = _find(state, pos[0], ns)
    if w is None:
        err(f'Error from server (NotFound): deployments.apps "{pos[0].split("/")[-1]}" not found')
        return 1
    if int(w["replicas"]) == 0:
        err(f"error: cannot exec into {pos[0]}: no pods (it is scaled to 0)")
        return 1
    name = values.get("-c", values.get("--container"))
    container = next((c for c in w["containers"] if c["name"] == name), None)
    if container is None:
        err(f"error: container {name} is not valid for pod {w['name']}")
        return 1
    script = command[2] if command[:2] == ["sh", "-c"] and len(command) > 2 else " ".join(command)
    if not container.get("data"):
        return unsupported(ctx)
    have, want = folder_major(container), image_major(container["image"])
    if have is not None and have != want:
        err("error: Internal error occurred: unable to upgrade connection: container not found "
            f'("{name}"): the container is in CrashLoopBackOff (FATAL: database files are incompatible with server: '
            f"The data directory was initialized by PostgreSQL version {have}, which is not compatible with this "
            f"version {want})")
        return 1
    if "-U" in script and "$" not in script.split("-U", 1)[1].split()[0]:
        err("fake: the user must come from the container's environment ($POSTGRES_USER), not from argv")
        return 1
    folder = _init_db(container)
    content = os.path.join(folder, CONTENT)
    if "pg_dumpall" in script:
        sys.stdout.write("--\n-- PostgreSQL database cluster dump\n--\n")
        sys.stdout.write(f"-- Dumped from database version {want}\n-- Dumped by pg_dumpall version {want}\n")
        sys.stdout.write("SET default_transaction_read_only = off;\n")
        try:
            with open(content, encoding="utf-8") as fh:
                sys.stdout.write(fh.read())
        except FileNotFoundError:
            pass
        sys.stdout.write("--\n-- PostgreSQL database cluster dump complete\n--\n")
        return 0
    if "psql" in script:
        if "-i" not in values and "--stdin" not in values:
            return 0  # no stdin: psql reads nothing
        statements = [line for line in sys.stdin.read().splitlines()
                      if line.strip() and not line.startswith("--") and not line.startswith("SET ")]
        with open(content + ".tmp", "w", encoding="utf-8") as fh:
            fh.write("".join(s + "\n" for s in statements))
        os.replace(content + ".tmp", content)
        return 0
    return unsupported(ctx)
