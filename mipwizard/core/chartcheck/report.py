"""The chart check of an answers file: every helm call the install plan would make, checked
against the running cluster (what ``mipwizard chart check`` shows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..cluster.queries import ClusterQueries
from ..redact import Redactor
from .cluster import read_cluster_facts
from .model import ChartCall, ClusterFacts, Finding
from .schema import schema_version

if TYPE_CHECKING:
    from ..answers import Answers


@dataclass
class CallResult:
    call: ChartCall
    findings: list[Finding] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "release": self.call.release,
            "chart": str(self.call.chart),
            "namespace": self.call.namespace,
            "values_files": [str(v) for v in self.call.values_files],
            "ok": not self.findings,
            "findings": [f.to_json() for f in self.findings],
        }


@dataclass
class ChartReport:
    facts: ClusterFacts
    results: list[CallResult]

    @property
    def ok(self) -> bool:
        return all(not r.findings for r in self.results)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "kubernetes": self.facts.k8s_version,
            "schemas": schema_version(self.facts.k8s_version),
            "releases": [r.to_json() for r in self.results],
        }


def planned_calls(answers: Answers) -> list[ChartCall]:
    """The helm upgrade calls of the install plan for ``answers``, in plan order."""
    from ..install import InstallSettings, build_plan, helm_calls, local_node_name

    # The helm steps' own actions, run against the install's recording runner (charts and values
    # from the checkouts when they exist): one description of each step, never a copy.
    settings = InstallSettings(node_name=local_node_name())
    argvs = helm_calls(build_plan(answers, settings), redactor=Redactor(answers.secrets()), settings=settings,
                       node=settings.node_name or "")
    return [call for call in map(ChartCall.from_argv, argvs) if call is not None]


def host_roots(answers: Answers) -> tuple[str, ...]:
    """Where the answers put things on the host: every hostPath must lie under one of these."""
    return tuple(str(p) for p in (answers.data_root, answers.mip_deployment.path, answers.exareme2.path))


def check_answers(answers: Answers, *, queries: ClusterQueries | None = None) -> ChartReport:
    """Read the cluster's facts once, then render and check each planned helm call. Raises
    ClusterUnreachable / FactsError (from ``read_cluster_facts``)."""
    q = queries or ClusterQueries()
    facts = read_cluster_facts(q)
    redactor = Redactor(answers.secrets())
    roots = host_roots(answers)
    results = []
    for call in planned_calls(answers):
        results.append(CallResult(call, _check(call, facts, q, redactor, roots)))
    return ChartReport(facts, results)


def _check(
    call: ChartCall, facts: ClusterFacts, q: ClusterQueries, redactor: Redactor, roots: tuple[str, ...]
) -> list[Finding]:
    from . import check_chart

    if not (call.chart / "Chart.yaml").is_file():
        return [Finding("render", f"{call.chart} holds no chart (no Chart.yaml)",
                        "there is nothing to deploy: the checkout is missing or at a ref without this chart",
                        "run mipwizard install (its checkouts step clones the release's repositories)",
                        str(call.chart))]
    missing = [v for v in call.values_files if not v.is_file()]
    if missing:
        return [Finding("render", f"values file {missing[0]} does not exist yet",
                        "helm cannot read it; the install writes it in the step before the deploy",
                        f"run mipwizard install --answers FILE (or write {missing[0].name} first)", str(call.chart))]
    return check_chart(call, facts, queries=q, redactor=redactor, host_roots=roots)
