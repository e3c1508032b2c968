"""The fake ``microk8s helm3`` renders through a real helm 3 and fails where a cluster would."""

from __future__ import annotations

import json
import subprocess

import pytest

from .fake_toolchain import FakeToolchain
from .realhelm import REAL_CHARTS, REAL_HELM, requires_real_charts, requires_real_helm


def real(test):  # type: ignore[no-untyped-def]
    """Needs both the real helm and the real chart trees of ../shared."""
    return requires_real_helm(requires_real_charts(test))


def run(fake: FakeToolchain, *argv: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, env=fake.env(), input=stdin, timeout=120)


@pytest.fixture
def cluster(fake_toolchain: FakeToolchain) -> FakeToolchain:
    fake_toolchain.install_microk8s(addons=("dns", "helm3", "ingress"))
    return fake_toolchain


def chart(name: str) -> str:
    assert REAL_CHARTS is not None
    return str(REAL_CHARTS / name)


@requires_real_helm
def test_real_helm_is_helm_3() -> None:
    assert REAL_HELM is not None
    done = subprocess.run([str(REAL_HELM), "version", "--short"], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("v3.")


@real
def test_template_is_the_real_render(cluster: FakeToolchain) -> None:
    mip = chart("mip-deployment@8.0.0/kubernetes")
    done = run(cluster, "microk8s", "helm3", "template", "mip", mip, "-f", f"{mip}/.direct")
    assert done.returncode == 0, done.stderr
    assert "# Source: mip/templates/" in done.stdout
    assert "kind: PersistentVolume\n" in done.stdout


@requires_real_helm
def test_template_render_error_is_helms(cluster: FakeToolchain, tmp_path) -> None:
    broken = tmp_path / "broken"
    (broken / "templates").mkdir(parents=True)
    (broken / "Chart.yaml").write_text("apiVersion: v2\nname: broken\nversion: 0.1.0\n")
    (broken / "templates" / "x.yaml").write_text("{{ .Values.nope.deeper }}\n")
    done = run(cluster, "microk8s", "helm3", "template", "b", str(broken))
    assert done.returncode == 1
    assert "nil pointer evaluating interface {}.deeper" in done.stderr


@real
def test_upgrade_install_keeps_what_the_cluster_receives(cluster: FakeToolchain) -> None:
    done = run(cluster, "microk8s", "helm3", "upgrade", "--install", "exareme2", chart("exareme2@0.20.0/kubernetes"))
    assert done.returncode == 0, done.stderr
    kinds = sorted(m["kind"] for m in cluster.manifests("exareme2"))
    assert kinds == ["Deployment", "Deployment", "Deployment", "Service", "Service"]
    status = json.loads(run(cluster, "microk8s", "helm3", "status", "exareme2", "-o", "json").stdout)
    assert "kind: Deployment" in status["manifest"]
    assert "kind: Deployment" in run(cluster, "microk8s", "helm3", "get", "manifest", "exareme2").stdout


@real
def test_a_namespace_no_one_creates_stops_helm(cluster: FakeToolchain) -> None:
    """HBPMedical master says namespace federation-b: helm stops there (issue #11)."""
    done = run(cluster, "microk8s", "helm3", "upgrade", "--install", "mip", chart("mip-deployment@f7c6441/kubernetes"))
    assert done.returncode == 1
    assert 'Error: namespaces "federation-b" not found' in done.stderr
    assert "mip" not in cluster.helm_releases()
    run(cluster, "microk8s", "kubectl", "create", "namespace", "federation-b")
    again = run(cluster, "microk8s", "helm3", "upgrade", "--install", "mip", chart("mip-deployment@f7c6441/kubernetes"))
    assert again.returncode == 0, again.stderr


@real
def test_release_namespace_must_exist_unless_created(cluster: FakeToolchain) -> None:
    exa = chart("exareme2@0.20.0/kubernetes")
    done = run(cluster, "microk8s", "helm3", "upgrade", "--install", "exareme2", exa, "-n", "mip")
    assert done.returncode == 1
    assert 'namespaces "mip" not found' in done.stderr
    done = run(cluster, "microk8s", "helm3", "upgrade", "--install", "exareme2", exa, "-n", "mip", "--create-namespace")
    assert done.returncode == 0, done.stderr
    names = json.loads(run(cluster, "microk8s", "kubectl", "get", "namespaces", "-o", "json").stdout)["items"]
    assert "mip" in {n["metadata"]["name"] for n in names}


@real
def test_a_manifest_the_schema_rejects_is_not_deployed(cluster: FakeToolchain) -> None:
    pytest.importorskip("kubernetes_validate")
    done = run(cluster, "microk8s", "helm3", "upgrade", "--install", "mip",
               chart("mip-deployment@9.0.2/deployment/kubernetes"), "--set", "cluster.managed=false")
    assert done.returncode == 1
    assert 'ValidationError(Service.spec): unknown field "nodePort"' in done.stderr
    assert "mip" not in cluster.helm_releases()


@real
def test_upgrade_of_existing_release_says_upgrade_failed(cluster: FakeToolchain) -> None:
    exa = chart("exareme2@0.20.0/kubernetes")
    assert run(cluster, "microk8s", "helm3", "upgrade", "--install", "exareme2", exa).returncode == 0
    done = run(cluster, "microk8s", "helm3", "upgrade", "--install", "exareme2", exa, "--set", "localnodes=x{{")
    assert done.returncode == 1
    assert done.stderr.startswith("Error: UPGRADE FAILED: ")
    assert cluster.helm_releases()["exareme2"]["revision"] == 1


def test_kubectl_apply_from_stdin_and_get_secrets(cluster: FakeToolchain) -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "mip-secret"}, "stringData": {"k": "v"}}
    done = run(cluster, "microk8s", "kubectl", "apply", "-f", "-", stdin=json.dumps(secret))
    assert (done.returncode, done.stdout) == (0, "secret/mip-secret created\n")
    items = json.loads(run(cluster, "microk8s", "kubectl", "get", "secrets", "-A", "-o", "json").stdout)["items"]
    assert [(i["metadata"]["namespace"], i["metadata"]["name"], sorted(i["data"])) for i in items] == [
        ("default", "mip-secret", ["k"])
    ]
    classes = json.loads(run(cluster, "microk8s", "kubectl", "get", "ingressclasses", "-o", "json").stdout)["items"]
    assert {c["metadata"]["name"] for c in classes} == {"public", "nginx"}
    missing = run(cluster, "microk8s", "kubectl", "apply", "-f", "-", "-n", "nowhere", stdin=json.dumps(secret))
    assert missing.returncode == 1 and 'namespaces "nowhere" not found' in missing.stderr


def test_without_a_real_helm_nothing_is_rendered(cluster: FakeToolchain, monkeypatch: pytest.MonkeyPatch) -> None:
    env = cluster.env()
    env.pop("MIPWIZARD_REAL_HELM", None)
    chart_dir = cluster.state_dir / "chart"
    (chart_dir / "templates").mkdir(parents=True)
    (chart_dir / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    done = subprocess.run(["microk8s", "helm3", "template", "c", str(chart_dir)], capture_output=True, text=True,
                          env=env, check=False)
    assert (done.returncode, done.stdout.startswith("# fake: no real helm")) == (0, True)
    done = subprocess.run(["microk8s", "helm3", "upgrade", "--install", "c", str(chart_dir)], capture_output=True,
                          text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert cluster.manifests("c") == []
