"""The troubleshooting CLI on the fake machine: the worker case, pending-* recovery, --previous,
and the new diagnoses read through the fake kubectl (one get per kind)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mipwizard.cli.main import main
from mipwizard.core.cluster.readers import OBJECT_KINDS

from . import k8s_objects as k8s
from .conftest import install_fake_cluster, requires_shared

pytestmark = requires_shared()


@pytest.fixture
def cluster(fake_toolchain: Any, answers_data: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    return install_fake_cluster(fake_toolchain, answers_data, tmp_path, monkeypatch)


@pytest.fixture
def worker(fake_toolchain: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A machine that joined a cluster as a worker (microk8s join … --worker)."""
    monkeypatch.setenv("MIPWIZARD_STATE_DIR", str(tmp_path / "state"))
    fake_toolchain.install_microk8s(addons=("dns",))
    fake_toolchain.mark_joined(master="10.0.0.5")
    return fake_toolchain


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


# --- the worker -------------------------------------------------------------------------------------


def test_status_on_a_worker_says_so_and_what_to_run_on_the_master(
    worker: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "status")
    assert code == 0, out
    assert out.startswith("WORKER  mip-master is a worker node of the cluster run by 10.0.0.5:16443")
    assert "neither" not in out  # the old "neither 'microk8s is running' nor 'not running'"
    for check in ("snap", "kubelite", "clustered.lock", "master"):
        assert f"ok {check}" in out
    assert "mipwizard node label mip-master --worker" in out and "WORKER OK" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    code, out, _ = run(capsys, "status", "--json")
    data = json.loads(out)
    assert data["unreachable"]["reason"] == "worker" and data["worker"]["master"] == "10.0.0.5:16443"
    assert data["worker"]["ok"] and "mipwizard status" in data["worker"]["on_master"]


def test_worker_with_kubelite_down_is_not_ok(worker: Any, capsys: pytest.CaptureFixture[str]) -> None:
    worker.set_running(False)  # the services stop with it (snap info shows them inactive)
    code, out, _ = run(capsys, "status")
    assert code == 1 and "!! kubelite" in out and "sudo snap start microk8s.daemon-kubelite" in out
    assert "WORKER NOT READY" in out
    code, out, _ = run(capsys, "wait-ready", "--timeout", "0.2", "--interval", "0.1")
    assert code == 1 and "kubelite" in out and "Gave up" in out


def test_wait_ready_on_a_worker(worker: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "wait-ready", "--timeout", "5", "--interval", "0.1")
    assert code == 0, out
    assert "worker: local checks pass" in out and "wait for the pods on the master" in out


# --- pending-* release --------------------------------------------------------------------------------


def test_pending_upgrade_is_diagnosed_then_rolled_back(cluster: Any, capsys: pytest.CaptureFixture[str]) -> None:
    cluster.set_release_status("mip", "pending-upgrade", history=["superseded", "deployed", "pending-upgrade"])
    code, out, _ = run(capsys, "status", "--json")
    [problem] = [p for p in json.loads(out)["problems"] if p["kind"] == "release"]
    assert "mipwizard recover-release mip -n default" in problem["fix"]
    code, out, err = run(capsys, "recover-release", "mip")  # no terminal, no --yes: refused (usage, exit 2)
    assert code == 2 and "--yes" in err and cluster.helm_releases()["mip"]["status"] == "pending-upgrade"
    code, out, err = run(capsys, "recover-release", "mip", "--yes")
    assert code == 0, err
    assert "revision 2" in out and "rollback mip 2 -n default" in out
    assert cluster.helm_releases()["mip"]["status"] == "deployed"
    assert cluster.calls_of("microk8s", "helm3", "rollback", "mip", "2")


def test_never_deployed_release_is_uninstalled(cluster: Any, capsys: pytest.CaptureFixture[str]) -> None:
    cluster.set_release_status("exareme2", "pending-install", history=["pending-install"])
    code, out, err = run(capsys, "recover-release", "exareme2", "--yes")
    assert code == 0, err
    assert "ever deployed" in out and "exareme2" not in cluster.helm_releases()
    code, _, err = run(capsys, "recover-release", "mip", "--yes")
    assert code == 1 and "not pending" in err


def test_helm_refuses_a_pending_release_like_the_real_one(cluster: Any) -> None:
    cluster.set_release_status("mip", "pending-upgrade")
    proc = subprocess.run(
        ["microk8s", "helm3", "upgrade", "--install", "mip", str(cluster.chart)],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ,
    )
    assert proc.returncode == 1 and "another operation (install/upgrade/rollback) is in progress" in proc.stderr


# --- logs --previous -------------------------------------------------------------------------------------


def test_logs_previous_shows_the_container_that_died(cluster: Any) -> None:
    cluster.pod_scenario("crashloop")
    pod = next(p for p in cluster.pods() if "exareme2-controller" in p["metadata"]["name"])
    name, ns = pod["metadata"]["name"], pod["metadata"]["namespace"]
    cluster.set_log_lines(f"{name}/previous", ["starting", "KeyError: 'NODE_IDENTIFIER'"])
    argv = [sys.executable, "-m", "mipwizard", "logs", name, "-n", ns, "--previous"]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["starting", "KeyError: 'NODE_IDENTIFIER'"]
    assert ["microk8s", "kubectl", "logs", "--previous", name, "-n", ns] in cluster.calls()


def test_logs_previous_of_a_container_that_never_ended(cluster: Any) -> None:
    pod = next(p for p in cluster.pods() if "exareme2-controller" in p["metadata"]["name"])
    argv = [sys.executable, "-m", "mipwizard", "logs", pod["metadata"]["name"], "-p"]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 1 and "previous terminated container" in proc.stdout


# --- diagnoses through the fake kubectl -----------------------------------------------------------------


def test_status_reads_each_kind_once_and_names_the_chart_objects_problems(
    cluster: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    cluster.add_objects(
        k8s.pvc("mip-postgres", storage_class="ceph-rbd"),
        k8s.ingress("mip-ingress", class_name="nginx-public"),
    )
    cluster.clear_calls()
    code, out, _ = run(capsys, "status", "--json")
    reasons = {p["reason"]: p for p in json.loads(out)["problems"]}
    assert code == 1
    assert (
        "ceph-rbd" in reasons["ClaimPending"]["summary"]
        and "microk8s-hostpath" not in reasons["ClaimPending"]["summary"]
    )
    assert "nginx-public" in reasons["IngressClassNotServed"]["summary"]
    gets = [c for c in cluster.calls() if c[:3] == ["microk8s", "kubectl", "get"]]
    # one kubectl for every kind (pods, nodes, events, PVCs, PVs, classes, Ingresses), none per pod
    assert gets == [["microk8s", "kubectl", "get", "pods,nodes,events," + OBJECT_KINDS, "-A", "-o", "json"]]


def test_a_forbidden_kind_falls_back_to_one_read_per_kind(cluster: Any, capsys: pytest.CaptureFixture[str]) -> None:
    forbidden = 'Error from server (Forbidden): events is forbidden: User "mipadmin" cannot list resource "events"'
    cluster.fail("microk8s", "kubectl", "get", "pods,nodes,events," + OBJECT_KINDS, stderr=forbidden)
    cluster.fail("microk8s", "kubectl", "get", "events", stderr=forbidden)
    code, out, _ = run(capsys, "status", "--json")
    data = json.loads(out)
    assert code == 0 and data["healthy"] and len(data["pods"]) == len(cluster.pods())
    assert data["errors"] and "Forbidden" in data["errors"][0]  # events only cost detail
    kinds = [c[3] for c in cluster.calls_of("microk8s", "kubectl", "get")]
    assert sorted(kinds[1:]) == sorted(["pods", "nodes", "events", OBJECT_KINDS])


def test_status_names_a_node_ip_that_is_not_machine_main_ip(cluster: Any, capsys: pytest.CaptureFixture[str]) -> None:
    cluster.set_node_ip("mip-master", "172.17.0.1")  # several interfaces: the kubelet took the other one
    code, out, _ = run(capsys, "status")
    text = " ".join(out.split())
    assert code == 1 and "InternalIP 172.17.0.1, not MACHINE_MAIN_IP 10.20.30.40" in text
    assert "--node-ip=10.20.30.40" in text


PORTAL_MANIFEST = """---
# Source: mip/templates/portalbackend.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: portalbackend
  namespace: default
spec:
  selector:
    matchLabels: {app: portalbackend}
  template:
    metadata:
      labels: {app: portalbackend}
    spec:
      containers:
        - name: portalbackend
          image: hbpmip/portal-backend:8.0.0
          env:
            - name: KEYCLOAK_CLIENT_SECRET
              valueFrom:
                secretKeyRef: {name: keycloak-credentials, key: client-secret}
"""


def test_failed_release_shows_the_chart_checks_findings(cluster: Any, capsys: pytest.CaptureFixture[str]) -> None:
    cluster.set_release_status("mip", "failed")
    with cluster._store.update() as state:  # what helm deployed (helm3 get manifest mip)
        state["releases"]["mip"]["manifest"] = PORTAL_MANIFEST
    code, out, _ = run(capsys, "status", "--json")
    [problem] = [p for p in json.loads(out)["problems"] if p["kind"] == "release"]
    assert code == 1 and "chart check found" in problem["summary"]
    assert "keycloak-credentials" in problem["detail"]
    assert ["microk8s", "helm3", "get", "manifest", "mip", "-n", "default"] in cluster.calls()
