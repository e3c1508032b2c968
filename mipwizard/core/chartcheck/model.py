"""What the chart check works on: the cluster's facts, one helm call, and what it finds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Manifest = dict[str, Any]


@dataclass(frozen=True)
class Finding:
    """One reason not to run helm: what is wrong, why it breaks the install, how to fix it.

    ``kind``: namespace, storage-class, secret, secret-key, ingress-class, ingress-host, node-label,
    host-path, schema, unknown-kind, render. ``obj``: the object, ``Kind/namespace/name``
    (``Kind/name`` when cluster-scoped), or the chart for a render failure.
    """

    kind: str
    what: str
    why: str
    fix: str
    obj: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "object": self.obj, "what": self.what, "why": self.why, "fix": self.fix}


@dataclass(frozen=True)
class ClusterFacts:
    """What the manifests are checked against (read by ``read_cluster_facts``, or built by tests).

    ``secrets``: namespace -> Secret name -> its keys (never the values). ``host_paths``: the
    hostPaths known to exist on this machine; None when not probed (the host-path rule is skipped).
    """

    k8s_version: str  # e.g. "1.32.3"
    namespaces: frozenset[str] = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})
    storage_classes: frozenset[str] = frozenset()
    default_storage_class: str | None = None
    secrets: Mapping[str, Mapping[str, frozenset[str]]] = field(default_factory=dict)
    ingress_classes: frozenset[str] = frozenset()
    default_ingress_class: str | None = None
    node_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    host_paths: frozenset[str] | None = None

    def with_host_paths(self, existing: frozenset[str]) -> ClusterFacts:
        from dataclasses import replace

        return replace(self, host_paths=existing)


@dataclass(frozen=True)
class ChartCall:
    """One ``helm upgrade --install`` (or ``template``): what to render, with which values."""

    release: str
    chart: Path
    values_files: tuple[Path, ...] = ()
    namespace: str = "default"
    create_namespace: bool = False

    @classmethod
    def from_argv(cls, argv: tuple[str, ...] | list[str]) -> ChartCall | None:
        """The call in ``[sudo] microk8s helm3 upgrade --install NAME CHART [-f F]… [-n NS]``, or None.
        ``--set`` is refused by design (values go in files, never in argv), so it is not read."""
        words = list(argv)
        if "microk8s" in words:  # drop a sudo prefix
            words = words[words.index("microk8s"):]
        if words[:2] not in (["microk8s", "helm3"], ["microk8s", "helm"]) or len(words) < 3:
            return None
        if words[2] not in ("upgrade", "install", "template"):
            return None
        positional: list[str] = []
        files: list[Path] = []
        namespace, create = "default", False
        rest = iter(words[3:])
        for word in rest:
            flag, eq, value = word.partition("=")
            if flag in ("-f", "--values"):
                files.append(Path(value if eq else next(rest, "")))
            elif flag in ("-n", "--namespace"):
                namespace = value if eq else next(rest, "default")
            elif flag == "--create-namespace":
                create = True
            elif flag == "--timeout":
                if not eq:
                    next(rest, None)
            elif not word.startswith("-"):
                positional.append(word)
        if len(positional) != 2:
            return None
        return cls(positional[0], Path(positional[1]), tuple(files), namespace, create)


def object_id(manifest: Manifest, namespace: str | None) -> str:
    """``Kind/namespace/name`` (``Kind/name`` when ``namespace`` is None)."""
    kind = str(manifest.get("kind") or "?")
    name = str((manifest.get("metadata") or {}).get("name") or "?")
    return f"{kind}/{name}" if namespace is None else f"{kind}/{namespace}/{name}"
