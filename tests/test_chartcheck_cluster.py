"""The chart check against the fake machine: facts read with kubectl, renders through microk8s helm3 template."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mipwizard.core.chartcheck import (
    ChartCall,
    RenderError,
    check_chart,
    read_cluster_facts,
    render,
)
from mipwizard.core.cluster.queries import ClusterQueries, ClusterUnreachable

from .chartcheck_helpers import EXA_020, MIP_800, MIP_MASTER, chart_path
from .fake_toolchain import FakeToolchain
from .realhelm import requires_real_charts, requires_real_helm

SECRET_VALUE = "s3cr3t-value-never-read"


@pytest.fixture
def cluster(fake_toolchain: FakeToolchain) -> FakeToolchain:
    fake_toolchain.install_microk8s(addons=("dns", "helm3", "ingress", "hostpath-storage"))
    return fake_toolchain


def test_facts_come_from_one_json_query_per_kind(cluster: FakeToolchain) -> None:
    cluster.add_objects({"apiVersion": "v1", "kind": "Secret",
                         "metadata": {"name": "mip-secret", "namespace": "default"},
                         "stringData": {"a.PASSWORD": SECRET_VALUE}})
    node = cluster.state()["hostname"].lower()
    facts = read_cluster_facts(ClusterQueries(use_sudo=False))
    assert facts.k8s_version == "1.32.3"
    assert {"default", "kube-system", "ingress"} <= facts.namespaces
    assert facts.storage_classes == frozenset({"microk8s-hostpath"})
    assert facts.default_storage_class == "microk8s-hostpath"
    assert (facts.ingress_classes, facts.default_ingress_class) == (frozenset({"public", "nginx"}), "public")
    assert facts.secrets == {"default": {"mip-secret": frozenset({"a.PASSWORD"})}}
    assert SECRET_VALUE not in repr(facts)
    assert facts.node_labels[node]["kubernetes.io/hostname"] == node
    gets = [c[2:4] for c in cluster.calls_of("microk8s", "kubectl", "get")]
    assert sorted(g[1] for g in gets) == ["ingressclasses", "namespaces", "nodes", "secrets", "storageclasses"]


def test_a_stopped_cluster_is_unreachable(cluster: FakeToolchain) -> None:
    cluster.set_running(False)
    with pytest.raises(ClusterUnreachable):
        read_cluster_facts(ClusterQueries(use_sudo=False))


@requires_real_helm
@requires_real_charts
def test_check_chart_renders_through_microk8s_helm3_template(cluster: FakeToolchain) -> None:
    facts = read_cluster_facts(ClusterQueries(use_sudo=False))
    call = ChartCall("mip", chart_path(MIP_MASTER), (chart_path(MIP_MASTER) / ".direct",))
    found = check_chart(call, facts, queries=ClusterQueries(use_sudo=False))
    assert {"namespace", "storage-class", "secret", "ingress-class"} <= {f.kind for f in found}
    template = cluster.calls_of("microk8s", "helm3", "template")
    assert template == [["microk8s", "helm3", "template", "mip", str(call.chart), "--namespace", "default", "-f",
                         str(call.values_files[0]), "--kube-version", "v1.32.3"]]
    assert not cluster.calls_of("microk8s", "helm3", "upgrade")  # the check never deploys


@requires_real_helm
@requires_real_charts
def test_800_checks_clean_on_the_fake_machine(cluster: FakeToolchain) -> None:
    node = cluster.state()["hostname"].lower()
    cluster.add_node(node + "-w", labels={"master": "true", "worker": "true"})
    facts = read_cluster_facts(ClusterQueries(use_sudo=False))
    call = ChartCall("mip", chart_path(MIP_800), (chart_path(MIP_800) / ".direct",))
    assert check_chart(call, facts.with_host_paths(frozenset()), queries=ClusterQueries(use_sudo=False)) == []


@requires_real_helm
@requires_real_charts
def test_host_paths_are_probed_on_this_machine(cluster: FakeToolchain, tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    overlay = tmp_path / "exareme2.yaml"
    overlay.write_text(f"db:\n  storage_location: {tmp_path / 'db'}\n  csvs_location: {tmp_path / 'csvs'}\n")
    facts = read_cluster_facts(ClusterQueries(use_sudo=False))
    found = check_chart(ChartCall("exareme2", chart_path(EXA_020), (overlay,)), facts,
                        queries=ClusterQueries(use_sudo=False))
    missing = {f.what.split(" mounts ")[1].split(" ")[0] for f in found if f.kind == "host-path"}
    assert str(tmp_path / "csvs") in missing
    assert str(tmp_path / "db") not in missing


@requires_real_helm
def test_a_render_failure_is_one_finding_with_secrets_masked(cluster: FakeToolchain, tmp_path: Path) -> None:
    from mipwizard.core.redact import Redactor

    chart = tmp_path / "c"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (chart / "templates" / "x.yaml").write_text('{{ fail (printf "bad %s" .Values.token) }}\n')
    values = tmp_path / "v.yaml"
    values.write_text(json.dumps({"token": SECRET_VALUE}))
    call = ChartCall("c", chart, (values,))
    with pytest.raises(RenderError) as caught:
        render(call, queries=ClusterQueries(use_sudo=False), redactor=Redactor([SECRET_VALUE]))
    assert SECRET_VALUE not in str(caught.value) and "bad ***HIDDEN***" in str(caught.value)
    facts = read_cluster_facts(ClusterQueries(use_sudo=False))
    found = check_chart(call, facts, queries=ClusterQueries(use_sudo=False), redactor=Redactor([SECRET_VALUE]))
    assert [f.kind for f in found] == ["render"]
    assert all(SECRET_VALUE not in a for f in found for a in f.to_json().values())
    assert all(SECRET_VALUE not in " ".join(c) for c in cluster.calls())  # never in an argv
