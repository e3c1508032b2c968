"""Why a helm release failed, in the chart check's words: its deployed manifest checked against
the cluster (``mipwizard.core.chartcheck``), for the Troubleshoot screen and ``status``.

Above both the cluster queries and the chart check (it joins the two); asked only when a
release is ``failed``, so a healthy cluster pays nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .cluster.queries import ClusterQueries, ClusterUnreachable
from .cluster.readers import HelmRelease
from .cluster.snapshot import ClusterSnapshot

if TYPE_CHECKING:
    from .chartcheck import Finding


def add_release_findings(queries: ClusterQueries, snap: ClusterSnapshot) -> ClusterSnapshot:
    """``snap`` with the chart check's findings for each failed release (shown in its problem)."""
    snap.release_findings = dict(failed_release_findings(queries, snap.releases))
    return snap


def failed_release_findings(queries: ClusterQueries, releases: list[HelmRelease]) -> dict[str, list[Finding]]:
    """Release name -> the chart check's findings on what it deployed ([] when none found)."""
    failed = [r for r in releases if r.status == "failed"]
    if not failed:
        return {}  # the usual case: status does not load the chart check (nor yaml) at all
    import yaml

    from .chartcheck import FactsError, check_manifests, read_cluster_facts

    try:
        facts = read_cluster_facts(queries)
    except (FactsError, ClusterUnreachable):
        return {}
    found: dict[str, list[Finding]] = {}
    for rel in failed:
        result = queries.run("helm3", "get", "manifest", rel.name, "-n", rel.namespace)
        if not result.ok:
            continue
        try:
            docs: list[Any] = list(yaml.load_all(result.stdout, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
        except yaml.YAMLError:
            continue
        manifests = [d for d in docs if isinstance(d, dict) and d]
        found[rel.name] = check_manifests(manifests, facts, namespace=rel.namespace, schema=False)
    return found
