"""The seam to the chart check (``mipwizard.core.chartcheck``): called before every helm call.

The chart check renders the chart with ``microk8s helm3 template`` and checks the manifests
against the cluster (namespaces, storage classes, Secrets, ingress class, IP hosts, node labels,
hostPaths under the answers' folders, strict schemas); a finding stops the step and helm does
not run. Without that module (an older build) the layout detection still refuses unknown charts.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from .steps import StepContext, StepFailed


def check_before_helm(ctx: StepContext, release: str, chart: Path, values: list[Path], roots: tuple[str, ...]) -> None:
    if ctx.recording:
        return
    try:  # by name: this build may predate the chart check
        chartcheck: Any = importlib.import_module("mipwizard.core.chartcheck")
    except ImportError:
        return
    from ..cluster.queries import ClusterQueries, ClusterUnreachable
    from ..system import Captured

    def through_the_install(argv: list[str], *, timeout: float = 60.0, stdin_text: str | None = None) -> Captured:
        # the install's own privileges: root, or sudo with the password it was given (never -n guessing)
        return ctx.query(list(argv), privileged=True, timeout=timeout)

    queries = ClusterQueries(capture_fn=through_the_install, use_sudo=False)
    try:
        facts = chartcheck.read_cluster_facts(queries)
    except (ClusterUnreachable, chartcheck.FactsError) as exc:
        raise StepFailed(f"the chart check cannot read the cluster ({exc}) — is microk8s running?") from None
    call = chartcheck.ChartCall(release, chart, tuple(values))
    findings = chartcheck.check_chart(call, facts, queries=queries, redactor=ctx.redactor, host_roots=roots)
    if findings:
        ctx.say(*[f"chart check: {f.what} — {f.why}; fix: {f.fix}" for f in findings])
        first = findings[0]
        raise StepFailed(
            f"the chart check found {len(findings)} problem(s) in the {release} chart, so helm did not run: "
            f"{first.what} — {first.fix} (see `mipwizard chart check`)"
        )
