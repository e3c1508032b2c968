"""The chart check: render a helm call and check its manifests against the cluster before helm runs.

    facts = read_cluster_facts()                      # one -o json query per kind
    findings = check_chart(ChartCall.from_argv(argv), facts)
    if findings: ...                                  # helm does not run; each says what, why, fix

``check_manifests(manifests, facts)`` is the pure part (tests feed it real renders).
"""

from __future__ import annotations

from ..cluster.queries import ClusterQueries
from ..redact import Redactor
from .cluster import FactsError, RenderError, probe_host_paths, read_cluster_facts, render, template_argv
from .model import ChartCall, ClusterFacts, Finding, Manifest
from .rules import check_manifests
from .schema import schema_version, supported_versions

__all__ = [
    "ChartCall",
    "ClusterFacts",
    "FactsError",
    "Finding",
    "Manifest",
    "RenderError",
    "check_chart",
    "check_manifests",
    "probe_host_paths",
    "read_cluster_facts",
    "render",
    "schema_version",
    "supported_versions",
    "template_argv",
]


def check_chart(
    call: ChartCall,
    facts: ClusterFacts,
    *,
    queries: ClusterQueries | None = None,
    redactor: Redactor | None = None,
    host_roots: tuple[str, ...] | None = None,
) -> list[Finding]:
    """Render ``call`` and check it; a render failure is one finding ("render"). hostPaths are
    probed on this machine unless ``facts.host_paths`` is already set; with ``host_roots`` each
    must lie under one of them (the answers' folders)."""
    try:
        manifests = render(call, kube_version=facts.k8s_version, queries=queries, redactor=redactor)
    except RenderError as exc:
        return [Finding("render", str(exc), "helm would stop at the same error before deploying anything",
                        "fix the values file (or pin a release whose chart renders)", str(call.chart))]
    if facts.host_paths is None:
        facts = facts.with_host_paths(probe_host_paths(manifests))
    return check_manifests(manifests, facts, namespace=call.namespace, create_namespace=call.create_namespace,
                           host_roots=host_roots)
