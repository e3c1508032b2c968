"""The support bundle: complete, 0600, and no secret in any member (grep)."""

from __future__ import annotations

import io
import json
import stat
import tarfile
from pathlib import Path

import pytest

from mipwizard.core.cluster.queries import ClusterQueries
from mipwizard.core.system import Captured

from .conftest import EXTERNAL_SECRET, INTERNAL_SECRET, TRANSCRIPTS, requires_shared
from .test_cluster_engine import FakeCapture, healthy_table, microk8s_on_path  # noqa: F401 (a fixture)

pytestmark = requires_shared()
SECRETS = (EXTERNAL_SECRET, INTERNAL_SECRET)


@pytest.fixture
def chart(tmp_path: Path, answers) -> Path:  # type: ignore[no-untyped-def]
    from mipwizard.core.profiles import write_profiles

    folder = tmp_path / "kubernetes"
    folder.mkdir()
    (folder / "Chart.yaml").write_text("apiVersion: v2\nname: mip\n")
    write_profiles(answers, folder)
    assert EXTERNAL_SECRET in (folder / ".direct").read_text()
    return folder


def leaky_report(tmp_path: Path) -> Path:
    """An inspect report tarball whose files mention the secrets (as a real one could)."""
    path = tmp_path / "inspection-report-20240101_000000.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, text in {
            "inspection-report/args/kubelet": f"--token={INTERNAL_SECRET}\n",
            "inspection-report/k8s/pods": f"env CLIENT_SECRET={EXTERNAL_SECRET}\n",
            "inspection-report/bin.dat": "\x00\x01binary",
        }.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def members(path: Path) -> dict[str, str]:
    with tarfile.open(path) as tar:
        return {m.name.split("/", 1)[1]: tar.extractfile(m).read().decode() for m in tar if m.isfile()}  # type: ignore[union-attr]


@pytest.mark.usefixtures("microk8s_on_path")
def test_bundle_has_everything_and_no_secret(
    tmp_path: Path, chart: Path, answers_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mipwizard.core.bundle as bundle_module

    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "install.log").write_text(f"$ helm upgrade --set keycloak.CLIENT_SECRET={EXTERNAL_SECRET}\nok\n")
    state = tmp_path / "state"
    state.mkdir()
    (state / "install-journal.json").write_text(json.dumps({"step": "done", "secret": INTERNAL_SECRET}))
    report = leaky_report(tmp_path)
    inspect_out = (TRANSCRIPTS / "microk8s-inspect.txt").read_text().split("## (d)")[1].split("\n", 1)[1]
    inspect_out = inspect_out.replace("/var/snap/microk8s/437/inspection-report-20190325_104142.tar.gz", str(report))
    monkeypatch.setattr(bundle_module, "capture", lambda argv, timeout=0: Captured(argv, 0, inspect_out, ""))

    pods = (TRANSCRIPTS / "kubectl-get-pods.json").read_text().split("\n", 1)[1]
    table = healthy_table(
        **{
            "kubectl get pods": pods,
            "kubectl logs": f"starting\nconnecting with secret {EXTERNAL_SECRET}\npassword={INTERNAL_SECRET}\n",
            "helm3 status": '{"name":"mip","info":{"status":"deployed"}}',
        }
    )
    queries = ClusterQueries(capture_fn=FakeCapture(table), use_sudo=False)
    out = tmp_path / "out" / "bundle.tar.gz"
    result = bundle_module.write_bundle(
        out, queries=queries, chart=chart, answers_path=answers_file, log_dir=logs, state_dir=state, tail_lines=50
    )
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    files = members(out)
    for expected in (
        "README.txt",
        "wizard/logs/install.log",
        "wizard/state/install-journal.json",
        "profiles/.direct",
        "answers/answers.yaml",
        "cluster/status.yaml",
        "cluster/nodes.json",
        "cluster/pods.json",
        "cluster/events.json",
        "cluster/helm-releases.json",
        "cluster/summary.txt",
        "cluster/helm-status-mip.json",
        "pod-logs/message-pod-crashloop-backoff_init-demo_nginx.log",
        "inspect/inspect.txt",
        "inspect/report/inspection-report/args/kubelet",
        "inspect/report/inspection-report/k8s/pods",
    ):
        assert expected in files, expected
    assert "CrashLoopBackOff" in files["cluster/summary.txt"]
    assert "connecting with secret ***HIDDEN***" in files["pod-logs/message-pod-crashloop-backoff_init-demo_nginx.log"]
    assert any("bin.dat" in m for m in result.missing)
    for name, text in files.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret} leaked in {name}"
    raw = out.read_bytes()
    with tarfile.open(out) as tar:
        for member in tar:
            assert all(s.encode() not in tar.extractfile(member).read() for s in SECRETS)  # type: ignore[union-attr]
    assert not list(out.parent.glob(".*.tmp"))
    assert raw  # written


def test_bundle_of_unreachable_cluster(tmp_path: Path, chart: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mipwizard.core.bundle as bundle_module

    monkeypatch.setenv("PATH", str(tmp_path))  # no microk8s at all
    monkeypatch.setattr(bundle_module, "capture", lambda argv, timeout=0: Captured(argv, 127, "", "not found"))
    out = tmp_path / "b.tar.gz"
    result = bundle_module.write_bundle(out, queries=ClusterQueries(use_sudo=False), chart=chart, state_dir=tmp_path)
    files = members(out)
    assert not any("b.tar.gz" in name for name in files)  # never bundles itself
    assert not any(name.startswith("wizard/state/kubernetes") for name in files)  # allow-list only
    assert "UNREACHABLE" in files["cluster/summary.txt"]
    assert any("not installed" in m for m in result.missing)
    assert all(s not in t for t in files.values() for s in SECRETS)
