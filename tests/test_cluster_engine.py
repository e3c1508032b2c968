"""ClusterQueries, recovery watch and profile switch planning, with an injected capture."""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from mipwizard.core.cluster.access import logs_argv
from mipwizard.core.cluster.queries import ClusterQueries
from mipwizard.core.cluster.report import format_status
from mipwizard.core.cluster.watch import wait_ready
from mipwizard.core.errors import UsageError, UserError
from mipwizard.core.system import Captured

from . import k8s_objects as k8s
from .conftest import EXTERNAL_SECRET, INTERNAL_SECRET, TRANSCRIPTS, requires_shared

pytestmark = requires_shared()

STATUS_YAML = """microk8s:
  running: True
high-availability:
  enabled: False
addons:
  - name: dns
    repository: core
    description: CoreDNS
    version: 1.10.1
    status: enabled
  - name: helm3
    repository: core
    description: Helm 3
    version: 3.9.1
    status: enabled
  - name: ingress
    repository: core
    description: Ingress
    version: 1.8.0
    status: enabled
"""


def transcript(name: str) -> str:
    return (TRANSCRIPTS / name).read_text().split("\n", 1)[1]


def labelled_nodes(ready: bool = True) -> str:
    data = json.loads(transcript("kubectl-get-nodes.json"))
    node = data["items"][0]
    node["metadata"]["labels"].update({"master": "true", "worker": "true"})
    if not ready:
        node["status"]["conditions"][-1]["status"] = "False"
    return json.dumps(data)


def ready_pods() -> str:
    data = json.loads(transcript("kubectl-get-pods.json"))
    cs = data["items"][0]["status"]["containerStatuses"][0]
    cs.update(ready=True, state={"running": {"startedAt": "2023-07-11T03:40:00Z"}}, lastState={})
    return json.dumps(data)


HELM_LIST = json.dumps(
    [
        {
            "name": "mip",
            "namespace": "default",
            "revision": "2",
            "updated": "x",
            "status": "deployed",
            "chart": "mip-8.0.0",
        }
    ]
)


class FakeCapture:
    """Answers ``microk8s …`` argv (sudo prefix ignored) from a table; records calls."""

    def __init__(self, table: dict[str, str | Captured | Callable[[], str]]) -> None:
        self.table = table
        self.calls: list[list[str]] = []

    def __call__(self, argv: list[str], *, timeout: float = 30.0, stdin_text: str | None = None) -> Captured:
        self.calls.append(argv)
        args = argv[argv.index("microk8s") + 1 :] if "microk8s" in argv else argv
        key = " ".join(args)
        for prefix, answer in self.table.items():
            if key == prefix or key.startswith(prefix + " "):  # whole words: "get pods" is not "get pods,nodes"
                if callable(answer):
                    answer = answer()
                if isinstance(answer, Captured):
                    return answer
                return Captured(argv, 0, answer, "")
        return Captured(argv, 1, "", f"Error: unknown {key}")


def healthy_table(**overrides: object) -> dict:
    table = {
        "status": STATUS_YAML,
        "kubectl get nodes": labelled_nodes(),
        "kubectl get pods": ready_pods(),
        "kubectl get events": '{"items": []}',
        "helm3 list": HELM_LIST,
        # microk8s' own: the hostpath storage class, the public and nginx ingress classes
        "kubectl get persistentvolumeclaims,persistentvolumes,storageclasses,ingresses,ingressclasses": json.dumps(
            k8s.object_list(k8s.microk8s_objects())
        ),
    }
    table.update(overrides)  # type: ignore[arg-type]
    return table


@pytest.fixture
def microk8s_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A do-nothing ``microk8s`` and ``sudo`` so PATH lookups succeed; the capture answers."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("microk8s", "sudo"):
        path = bin_dir / name
        path.write_text("#!/bin/sh\nexit 0\n")
        path.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/usr/bin:/bin")
    return bin_dir


def test_snapshot_reports_crashloop_with_reason(microk8s_on_path: Path) -> None:
    fake = FakeCapture(healthy_table(**{"kubectl get pods": transcript("kubectl-get-pods.json")}))
    snap = ClusterQueries(capture_fn=fake, use_sudo=False).snapshot()
    assert snap.reachable and not snap.healthy
    data = snap.to_json()
    assert set(data) >= {"reachable", "healthy", "unreachable", "microk8s", "nodes", "releases", "pods", "problems"}
    [pod] = data["pods"]
    assert pod["state"] == "CrashLoopBackOff" and pod["phase"] == "Running" and pod["restarts"] == 4
    [problem] = data["problems"]
    assert problem["reason"] == "CrashLoopBackOff" and "mipwizard logs init-demo" in problem["fix"]
    assert data["nodes"][0]["mip_labels"] == ["master", "worker"]
    assert data["releases"][0]["revision"] == 2
    json.dumps(data)  # serialisable
    text = format_status(snap)
    assert text.startswith("PROBLEMS (1)")
    assert max(len(line) for line in text.splitlines()) <= 80


def test_snapshot_healthy(microk8s_on_path: Path) -> None:
    snap = ClusterQueries(capture_fn=FakeCapture(healthy_table()), use_sudo=False).snapshot()
    assert snap.healthy, snap.problems
    assert "HEALTHY" in format_status(snap)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("microk8s:\n  running: False\n  message: microk8s is not running. Use microk8s inspect.\n", "not-running"),
        ("microk8s is not running. Use microk8s inspect for a deeper inspection.\n", "not-running"),
        (
            Captured([], 1, "Insufficient permissions to access MicroK8s.\nYou can either try again with sudo", ""),
            "permission",
        ),
        (Captured([], -1, "", "timed out", timed_out=True), "timeout"),
        (Captured([], 1, "", "Traceback (most recent call last):"), "error"),
    ],
)
def test_unreachable_reasons(microk8s_on_path: Path, answer: object, reason: str) -> None:
    snap = ClusterQueries(capture_fn=FakeCapture({"status": answer}), use_sudo=False).snapshot()  # type: ignore[dict-item]
    assert not snap.reachable and snap.unreachable is not None
    assert snap.unreachable.reason == reason and snap.unreachable.fix
    assert snap.to_json()["unreachable"]["reason"] == reason
    assert format_status(snap).startswith("UNREACHABLE")


def test_not_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    snap = ClusterQueries(capture_fn=FakeCapture({}), use_sudo=False).snapshot()
    assert snap.unreachable is not None and snap.unreachable.reason == "not-installed"
    assert "--classic" in snap.unreachable.fix


def test_permission_denied_retries_with_sudo(microk8s_on_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mipwizard.core.cluster.queries as queries_module
    import mipwizard.core.system as system

    monkeypatch.setattr(queries_module, "is_root", lambda: False)
    monkeypatch.setattr(system, "is_root", lambda: False)
    denied = Captured([], 1, "Insufficient permissions to access MicroK8s.", "")
    table = healthy_table()

    def capture(argv: list[str], *, timeout: float = 30.0, stdin_text: str | None = None) -> Captured:
        if not argv[0].endswith("sudo"):
            return denied
        return FakeCapture(table)(argv, timeout=timeout)

    queries = ClusterQueries(capture_fn=capture)
    snap = queries.snapshot()
    assert snap.reachable and queries.needs_sudo
    assert queries.privileged(logs_argv("p", "ns"))[0].endswith("sudo")


def test_output_quoting_the_permission_message_is_not_a_refusal(
    microk8s_on_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """microk8s' "Insufficient permissions" comes first, instead of the output: an event deep in a
    successful read that quotes it (a job running microk8s as a user) is not taken for a refusal."""
    import mipwizard.core.cluster.queries as queries_module
    import mipwizard.core.system as system

    monkeypatch.setattr(queries_module, "is_root", lambda: False)
    monkeypatch.setattr(system, "is_root", lambda: False)
    quoted = "Insufficient permissions to access MicroK8s. You can either try again with sudo"
    events = [
        {"kind": "Event", "metadata": {"name": f"e{n}", "namespace": "default"}, "reason": "BackOff",
         "message": quoted if n == 99 else "x" * 80, "involvedObject": {"kind": "Job", "name": "j"}}
        for n in range(100)
    ]
    fake = FakeCapture(healthy_table(**{"kubectl get events": json.dumps({"items": events})}))
    queries = ClusterQueries(capture_fn=fake)
    snap = queries.snapshot()
    assert snap.reachable and snap.healthy and not queries.needs_sudo
    assert not [argv for argv in fake.calls if argv[0].endswith("sudo")]


def test_partial_failure_is_listed_not_fatal(microk8s_on_path: Path) -> None:
    table = healthy_table(**{"kubectl get events": Captured([], 1, "", "Error from server (Forbidden)")})
    snap = ClusterQueries(capture_fn=FakeCapture(table), use_sudo=False).snapshot()
    assert snap.reachable and snap.errors and "Forbidden" in snap.errors[0]
    assert snap.healthy  # events only add detail
    table["kubectl get pods"] = Captured([], 1, "", "Error from server (Forbidden)")
    snap = ClusterQueries(capture_fn=FakeCapture(table), use_sudo=False).snapshot()
    assert not snap.healthy and "could not read" in format_status(snap)


def test_logs_argv() -> None:
    q = ClusterQueries(use_sudo=False)
    assert q.privileged(logs_argv("p", "ns", container="c", follow=True, tail=10)) == [
        "microk8s",
        "kubectl",
        "logs",
        "-f",
        "p",
        "-n",
        "ns",
        "-c",
        "c",
        "--tail",
        "10",
    ]


# --- recovery watch -----------------------------------------------------------------------------


def test_wait_ready_recovers_and_reports_progress(microk8s_on_path: Path) -> None:
    looks = iter(["crash", "crash", "ok"])

    def pods() -> str:
        return ready_pods() if next(looks, "ok") == "ok" else transcript("kubectl-get-pods.json")

    fake = FakeCapture(healthy_table(**{"kubectl get pods": pods}))
    seen: list[list[str]] = []
    result = wait_ready(
        ClusterQueries(capture_fn=fake, use_sudo=False),
        timeout=10,
        interval=0.01,
        on_progress=lambda p: seen.append(p.not_ready),
    )
    assert result.ready and not result.timed_out
    assert seen[0] == ["message-pod-crashloop-backoff/init-demo (CrashLoopBackOff)"]
    assert seen[-1] == []


def test_wait_ready_is_bounded(microk8s_on_path: Path) -> None:
    fake = FakeCapture(healthy_table(**{"kubectl get nodes": labelled_nodes(ready=False)}))
    result = wait_ready(ClusterQueries(capture_fn=fake, use_sudo=False), timeout=0.2, interval=0.05)
    assert not result.ready and result.timed_out
    assert "node repldev-marc" in result.not_ready


def test_wait_ready_cancel(microk8s_on_path: Path) -> None:
    cancel = threading.Event()
    cancel.set()
    fake = FakeCapture(healthy_table(**{"kubectl get nodes": labelled_nodes(ready=False)}))
    result = wait_ready(ClusterQueries(capture_fn=fake, use_sudo=False), timeout=60, interval=30, cancel=cancel)
    assert result.cancelled and not result.ready


# --- switch profile -----------------------------------------------------------------------------


@pytest.fixture
def chart(tmp_path: Path, answers) -> Path:  # type: ignore[no-untyped-def]
    from mipwizard.core.profiles import write_profiles

    folder = tmp_path / "mip-deployment" / "kubernetes"
    folder.mkdir(parents=True)
    (folder / "Chart.yaml").write_text("apiVersion: v2\nname: mip\nversion: 8.0.0\n")
    write_profiles(answers, folder)
    return folder


def test_switch_plan_diff_against_deployed_values(microk8s_on_path: Path, chart: Path) -> None:
    from mipwizard.core.cluster.switch import plan_switch

    deployed = (chart / ".direct").read_text()
    fake = FakeCapture({"helm3 get values mip": deployed})
    plan = plan_switch("proxied.internal_auth", chart=chart, queries=ClusterQueries(capture_fn=fake, use_sudo=False))
    assert plan.argv == [
        "microk8s",
        "helm3",
        "upgrade",
        "--install",
        "mip",
        str(chart),
        "-f",
        str(chart / ".proxied.internal_auth"),
    ]
    assert "deployed values" in plan.compared_with
    assert "+  LINK: proxied" in plan.diff and "-  LINK: direct" in plan.diff
    assert EXTERNAL_SECRET not in plan.diff and INTERNAL_SECRET not in plan.diff
    assert "***HIDDEN***" in plan.diff


def test_switch_plan_falls_back_to_previous_profile(microk8s_on_path: Path, chart: Path, answers_file: Path) -> None:
    from mipwizard.core.cluster.switch import plan_switch

    fake = FakeCapture({"helm3 get values mip": Captured([], 1, "", "Error: release: not found")})
    plan = plan_switch(
        "direct.no_auth",
        chart=chart,
        answers_path=answers_file,
        queries=ClusterQueries(capture_fn=fake, use_sudo=False),
    )
    assert plan.compared_with == "the previous profile .direct"
    assert plan.changes and EXTERNAL_SECRET not in plan.diff


def test_switch_plan_errors(chart: Path, tmp_path: Path) -> None:
    from mipwizard.core.cluster.switch import plan_switch

    with pytest.raises(UsageError, match="not a MIP profile"):
        plan_switch("nope", chart=chart)
    (chart / ".direct.no_auth").unlink()
    with pytest.raises(UserError, match="profiles write"):
        plan_switch("direct.no_auth", chart=chart)
    with pytest.raises(UserError, match=r"Chart\.yaml"):
        plan_switch("direct", chart=tmp_path / "empty")


def test_bundle_mode_and_no_secrets_placeholder() -> None:
    assert stat.S_IMODE(0o600) == 0o600  # real bundle tests live in test_bundle.py
