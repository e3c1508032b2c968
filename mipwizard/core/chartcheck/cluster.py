"""Reading the cluster's facts (one ``-o json`` query per kind) and rendering a chart with
``microk8s helm3 template`` (argv only; values come in files, so no secret is ever in argv)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ..cluster.queries import ClusterQueries
from ..cluster.readers import parse_nodes
from ..redact import Redactor
from .model import ChartCall, ClusterFacts, Manifest
from .rules import CREATING_HOST_PATH_TYPES, host_path_refs

DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"
DEFAULT_INGRESS_CLASS = "ingressclass.kubernetes.io/is-default-class"
RENDER_TIMEOUT = 180.0


class FactsError(Exception):
    """The cluster answered, but a query failed or printed what we cannot read."""


class RenderError(Exception):
    """``helm template`` failed; the message is helm's own (redacted)."""


def _items(queries: ClusterQueries, *args: str) -> list[dict[str, Any]]:
    result = queries.run("kubectl", "get", *args, "-o", "json")
    if not result.ok:
        first = next((line for line in result.stderr.splitlines() if line.strip()), f"exit {result.exit_code}")
        raise FactsError(f"microk8s kubectl get {args[0]}: {first.strip()}")
    try:
        doc = json.loads(result.stdout)
    except ValueError:
        raise FactsError(f"microk8s kubectl get {args[0]} -o json printed no JSON") from None
    items = doc.get("items") if isinstance(doc, dict) else None
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _names(items: list[dict[str, Any]]) -> frozenset[str]:
    return frozenset(str((i.get("metadata") or {}).get("name")) for i in items if (i.get("metadata") or {}).get("name"))


def _default(items: list[dict[str, Any]], annotation: str) -> str | None:
    for i in items:
        meta = i.get("metadata") or {}
        if (meta.get("annotations") or {}).get(annotation) == "true":
            return str(meta.get("name"))
    return None


def read_cluster_facts(queries: ClusterQueries | None = None) -> ClusterFacts:
    """The facts of the running cluster. Raises ClusterUnreachable (not installed, stopped, no
    permission) or FactsError. Secret values are dropped as soon as they are read: only names and
    keys are kept."""
    q = queries or ClusterQueries()
    q.status()  # ClusterUnreachable when microk8s is not running
    nodes_out = q.run("kubectl", "get", "nodes", "-o", "json")
    if not nodes_out.ok:
        raise FactsError(f"microk8s kubectl get nodes: {nodes_out.stderr.strip()[:200]}")
    nodes = parse_nodes(nodes_out.stdout)
    versions = sorted((n.kubelet_version for n in nodes if n.kubelet_version), key=_version_key)
    classes = _items(q, "storageclasses")
    ingress = _items(q, "ingressclasses")
    secrets: dict[str, dict[str, frozenset[str]]] = {}
    for s in _items(q, "secrets", "-A"):
        meta = s.get("metadata") or {}
        keys = frozenset(str(k) for k in (s.get("data") or {}))
        secrets.setdefault(str(meta.get("namespace") or "default"), {})[str(meta.get("name"))] = keys
    return ClusterFacts(
        k8s_version=(versions[0] if versions else "v1.32.0").lstrip("v"),
        namespaces=_names(_items(q, "namespaces")),
        storage_classes=_names(classes),
        default_storage_class=_default(classes, DEFAULT_CLASS),
        secrets=secrets,
        ingress_classes=_names(ingress),
        default_ingress_class=_default(ingress, DEFAULT_INGRESS_CLASS),
        node_labels={n.name: dict(n.labels) for n in nodes},
    )


def _version_key(version: str) -> tuple[int, ...]:
    import re

    return tuple(int(p) for p in re.findall(r"\d+", version)[:3])


def probe_host_paths(manifests: list[Manifest], exists: Callable[[str], bool] = os.path.exists) -> frozenset[str]:
    """Which hostPaths of ``manifests`` exist on this machine (the ones kubelet would not create)."""
    return frozenset(path for _, path, kind in host_path_refs(manifests)
                     if kind not in CREATING_HOST_PATH_TYPES and exists(path))


def template_argv(call: ChartCall, kube_version: str | None = None) -> list[str]:
    """``helm3 template`` arguments for ``call`` (after ``microk8s``)."""
    argv = ["helm3", "template", call.release, str(call.chart), "--namespace", call.namespace]
    for values in call.values_files:
        argv += ["-f", str(values)]
    if kube_version:
        argv += ["--kube-version", "v" + kube_version.lstrip("v")]
    return argv


def render(
    call: ChartCall,
    *,
    kube_version: str | None = None,
    queries: ClusterQueries | None = None,
    redactor: Redactor | None = None,
    timeout: float = RENDER_TIMEOUT,
) -> list[Manifest]:
    """What ``call`` would send to the cluster, through ``microk8s helm3 template``. Raises
    RenderError with helm's message (secrets masked), or ClusterUnreachable when microk8s is absent."""
    q = queries or ClusterQueries()
    for values in call.values_files:
        if not Path(values).is_file():
            raise RenderError(f"values file {values} does not exist")
    result = q.run(*template_argv(call, kube_version), timeout=timeout)
    mask = redactor.redact if redactor is not None else Redactor().redact
    if not result.ok:
        lines = [line for line in result.stderr.splitlines() if line.strip()] or [result.stdout.strip()[-300:]]
        detail = "\n".join(lines[-5:])
        if result.timed_out:
            detail = f"timed out after {timeout:g} s"
        raise RenderError(mask(f"helm template of {call.chart} failed: {detail}"))
    try:
        docs = list(yaml.load_all(result.stdout, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    except yaml.YAMLError as exc:
        raise RenderError(mask(f"helm template of {call.chart} printed invalid YAML: {str(exc)[:200]}")) from None
    return [d for d in docs if isinstance(d, dict) and d]
