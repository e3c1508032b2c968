"""Rendered manifests of both sides of an upgrade, what differs between them, and the PostgreSQL
databases each side runs (image major version and data folder, read from the PV hostPaths)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import UserError
from ..system import capture, privileged_argv

Doc = dict[str, Any]
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job")


def render(chart: Path, values: list[Path], *, release: str = "mip", namespace: str = "default",
           sudo: bool = False) -> list[Doc]:
    """``microk8s helm3 template`` (what the cluster would receive), as a list of objects."""
    argv = ["microk8s", "helm3", "template", release, str(chart), "-n", namespace]
    for path in values:
        argv += ["-f", str(path)]
    result = capture(privileged_argv(argv) if sudo else argv, timeout=120)
    if not result.ok:
        first = next((line for line in result.stderr.splitlines() if line.strip()), f"exit {result.exit_code}")
        raise UserError(f"cannot render the chart in {chart}: {first.strip()} — nothing was changed")
    try:
        return [d for d in yaml.safe_load_all(result.stdout) if isinstance(d, dict)]
    except yaml.YAMLError as exc:
        raise UserError(f"helm rendered {chart} into invalid YAML ({exc.__class__.__name__})") from None


CLUSTER_SCOPED = {"Namespace", "PersistentVolume", "StorageClass", "IngressClass", "ClusterRole",
                  "ClusterRoleBinding", "PriorityClass", "CustomResourceDefinition"}


def key(doc: Doc, namespace: str = "default") -> str:
    """``Kind/namespace/name``: an object without a namespace lands in the release's (``-n``)."""
    meta = doc.get("metadata") or {}
    ns = None if doc.get("kind") in CLUSTER_SCOPED else (meta.get("namespace") or namespace)
    return f"{doc.get('kind')}/{ns + '/' if ns else ''}{meta.get('name')}"


def _pod(doc: Doc) -> Doc:
    spec = doc.get("spec") or {}
    if doc.get("kind") == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    return ((spec.get("template") or {}).get("spec")) or {}


def _containers(doc: Doc) -> dict[str, Doc]:
    return {str(c.get("name")): c for c in _pod(doc).get("containers") or [] if isinstance(c, dict)}


def _env_names(container: Doc) -> set[str]:
    return {str(e.get("name")) for e in container.get("env") or [] if isinstance(e, dict)}


def _volumes(doc: Doc) -> set[str]:
    found = set()
    for v in _pod(doc).get("volumes") or []:
        if not isinstance(v, dict):
            continue
        source = next((f"{k}:{(s or {}).get('claimName') or (s or {}).get('name') or (s or {}).get('path') or ''}"
                       for k, s in v.items() if k != "name" and isinstance(s, dict)), "?")
        found.add(f"{v.get('name')} ({source})")
    return found


def diff(old: list[Doc], new: list[Doc]) -> list[str]:
    """What changes, one line each: objects added/removed, images, env names (never values), volumes,
    hostPaths. Env values are left out on purpose: they may hold secrets."""
    a, b = {key(d): d for d in old}, {key(d): d for d in new}
    lines = [f"+ {k}" for k in sorted(set(b) - set(a))] + [f"- {k}" for k in sorted(set(a) - set(b))]
    for k in sorted(set(a) & set(b)):
        before, after = a[k], b[k]
        if before.get("kind") == "PersistentVolume":
            pa = ((before.get("spec") or {}).get("hostPath") or {}).get("path")
            pb = ((after.get("spec") or {}).get("hostPath") or {}).get("path")
            if pa != pb:
                lines.append(f"~ {k}: hostPath {pa} → {pb}")
        if before.get("kind") not in WORKLOAD_KINDS:
            continue
        ca, cb = _containers(before), _containers(after)
        for name in sorted(set(cb) - set(ca)):
            lines.append(f"~ {k}: container {name} added ({cb[name].get('image')})")
        for name in sorted(set(ca) - set(cb)):
            lines.append(f"~ {k}: container {name} removed")
        for name in sorted(set(ca) & set(cb)):
            if ca[name].get("image") != cb[name].get("image"):
                lines.append(f"~ {k}: {name} image {ca[name].get('image')} → {cb[name].get('image')}")
            added, gone = _env_names(cb[name]) - _env_names(ca[name]), _env_names(ca[name]) - _env_names(cb[name])
            if added:
                lines.append(f"~ {k}: {name} env added {', '.join(sorted(added))}")
            if gone:
                lines.append(f"~ {k}: {name} env removed {', '.join(sorted(gone))}")
        va, vb = _volumes(before), _volumes(after)
        if vb - va:
            lines.append(f"~ {k}: volumes added {', '.join(sorted(vb - va))}")
        if va - vb:
            lines.append(f"~ {k}: volumes removed {', '.join(sorted(va - vb))}")
    return lines


@dataclass(frozen=True)
class Database:
    workload: str  # e.g. deployment/portalbackend
    namespace: str
    container: str
    image: str
    major: int
    host_path: str | None  # the hostPath of the PV its data claim binds to
    mount_path: str

    @property
    def data_folder(self) -> Path | None:
        """Where PG_VERSION lives: the official images ≥ 18 keep it in <mount>/<major>/docker."""
        if self.host_path is None:
            return None
        base = Path(self.host_path)
        if self.mount_path.rstrip("/") == "/var/lib/postgresql":
            return base / str(self.major) / "docker"
        return base


def databases(docs: Iterable[Doc], namespace: str = "default") -> list[Database]:
    from ..backup.workloads import Container

    docs = list(docs)
    pvs = [d for d in docs if d.get("kind") == "PersistentVolume"]
    pvcs = {(d.get("metadata") or {}).get("name"): d for d in docs if d.get("kind") == "PersistentVolumeClaim"}

    def host_path(claim: str) -> str | None:
        pvc = pvcs.get(claim) or {}
        spec = pvc.get("spec") or {}
        wanted = (spec.get("selector") or {}).get("matchLabels") or {}
        for pv in pvs:
            labels = (pv.get("metadata") or {}).get("labels") or {}
            named = spec.get("volumeName") == (pv.get("metadata") or {}).get("name")
            if named or (wanted and all(labels.get(k) == v for k, v in wanted.items())):
                path = ((pv.get("spec") or {}).get("hostPath") or {}).get("path")
                return str(path) if path else None
        return None

    found = []
    for doc in docs:
        if doc.get("kind") not in ("Deployment", "StatefulSet"):
            continue
        claims = {v.get("name"): (v.get("persistentVolumeClaim") or {}).get("claimName")
                  for v in _pod(doc).get("volumes") or [] if isinstance(v, dict)}
        for name, c in _containers(doc).items():
            major = Container(name, str(c.get("image", ""))).postgres_major
            if major is None:
                continue
            mount = next((m for m in c.get("volumeMounts") or []
                          if str(m.get("mountPath", "")).startswith("/var/lib/postgres") and claims.get(m.get("name"))),
                         None)
            meta = doc.get("metadata") or {}
            found.append(Database(
                f"{str(doc['kind']).lower()}/{meta.get('name')}", str(meta.get("namespace") or namespace), name,
                str(c.get("image")), major, host_path(str(claims[mount["name"]])) if mount else None,
                str(mount["mountPath"]) if mount else "",
            ))
    return found


def folder_major(folder: Path) -> int | None:
    """The major version of the database files under ``folder`` (PG_VERSION at any official layout)."""
    candidates = [folder / "PG_VERSION", *sorted(folder.glob("*/docker/PG_VERSION")),
                  *sorted(folder.glob("*/PG_VERSION"))]
    for path in candidates:
        try:
            return int(path.read_text(encoding="utf-8").strip().split(".")[0])
        except (OSError, ValueError):
            continue
    return None


def _secret_names(doc: Doc) -> set[str]:
    pod = _pod(doc)
    names = {str((v.get("secret") or {}).get("secretName")) for v in pod.get("volumes") or []
             if isinstance(v, dict) and v.get("secret")}
    for c in [*(pod.get("containers") or []), *(pod.get("initContainers") or [])]:
        for e in c.get("env") or []:
            ref = ((e.get("valueFrom") or {}).get("secretKeyRef") or {}) if isinstance(e, dict) else {}
            if ref.get("name"):
                names.add(str(ref["name"]))
        for e in c.get("envFrom") or []:
            if isinstance(e, dict) and (e.get("secretRef") or {}).get("name"):
                names.add(str(e["secretRef"]["name"]))
    return names


def carried_secrets(old: list[Doc], new: list[Doc], namespace: str = "default") -> list[tuple[str, str]]:
    """Secrets the old chart created that the new one reads but no longer creates: helm deletes them
    during the upgrade, so they are read before and applied again after (the database passwords)."""

    def ns_of(doc: Doc) -> str:
        return str((doc.get("metadata") or {}).get("namespace") or namespace)

    def created(docs: list[Doc]) -> set[tuple[str, str]]:
        return {(ns_of(d), str((d.get("metadata") or {}).get("name"))) for d in docs if d.get("kind") == "Secret"}

    read = {(ns_of(d), name) for d in new if d.get("kind") in WORKLOAD_KINDS for name in _secret_names(d)}
    return sorted((read - created(new)) & created(old))
