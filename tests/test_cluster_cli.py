"""The troubleshooting CLI against the fake toolchain (a fake microk8s machine on PATH)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from mipwizard.cli.main import main

from .conftest import EXTERNAL_SECRET, INTERNAL_SECRET, install_fake_cluster, requires_shared

pytestmark = requires_shared()


@pytest.fixture
def cluster(fake_toolchain: Any, answers_data: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fully installed fake machine; answers saved where the wizard keeps them; our profiles written."""
    install_fake_cluster(fake_toolchain, answers_data, tmp_path, monkeypatch)
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "install.log").write_text(f"client secret {EXTERNAL_SECRET}\n")
    return fake_toolchain


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_status_json_reports_crashloop(cluster: Any, capsys: pytest.CaptureFixture[str]) -> None:
    cluster.pod_scenario("crashloop")
    code, out, _ = run(capsys, "status", "--json")
    data = json.loads(out)
    assert code == 1 and data["reachable"] and not data["healthy"]
    [bad] = [p for p in data["pods"] if not p["healthy"]]
    assert bad["state"] == "CrashLoopBackOff" and bad["phase"] == "Running"
    [problem] = [p for p in data["problems"] if p["kind"] == "pod"]
    assert problem["reason"] == "CrashLoopBackOff" and "mipwizard logs" in problem["fix"]


def test_status_healthy_and_human(cluster: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "status")
    assert code == 0, out
    assert "HEALTHY" in out and "master,worker" in out
    # Piped (as here) it is not wrapped; on an 80-column terminal it fits 80 columns.
    from mipwizard.core.cluster.queries import ClusterQueries
    from mipwizard.core.cluster.report import format_status

    assert max(len(line) for line in format_status(ClusterQueries().snapshot(), width=80).splitlines()) <= 80


def test_status_sees_addons_without_asking_microk8s_status(cluster: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """A reachable cluster's addons are seen in its pods; ``microk8s status`` (the slowest read) is
    not run, and the cluster is read in one ``kubectl get`` plus ``helm list``."""
    code, out, _ = run(capsys, "status", "--json")
    data = json.loads(out)
    assert code == 0 and data["healthy"], out
    assert {"dns", "helm3", "ingress"} <= set(data["microk8s"]["addons_enabled"])
    assert cluster.calls_of("microk8s", "status") == []
    assert len(cluster.calls_of("microk8s", "kubectl", "get")) == 1
    assert len(cluster.calls_of("microk8s", "helm3", "list")) == 1


def test_status_entry_point_starts_the_reads_status_then_takes(
    cluster: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The console entry starts ``status``' reads before importing the commands; ``status`` takes
    those (one get, not a second one after the first is thrown away)."""
    import gc

    from mipwizard.cli import entry

    monkeypatch.setattr(sys, "argv", ["mipwizard", "status", "--json"])
    try:
        assert entry.main(leave_at_once=False) == 0  # (at once: the process would end here)
        assert not gc.isenabled()  # one look, then the process ends: no collector walking the parse
    finally:
        gc.enable()
    assert json.loads(capsys.readouterr().out)["healthy"]
    assert len(cluster.calls_of("microk8s", "kubectl", "get")) == 1


def test_only_a_one_look_status_turns_the_collector_off_and_ends_at_once() -> None:
    """A watch runs for hours: the collector stays on, whatever prefix of --watch argparse took."""
    from mipwizard.cli.entry import one_look_status

    assert one_look_status(["status"]) and one_look_status(["status", "--json", "--answers", "a.yaml"])
    for args in (["status", "--watch"], ["status", "--wat"], ["status", "--json", "--w"], ["logs", "pod"], []):
        assert not one_look_status(args), args


def test_status_asks_microk8s_when_an_addon_looks_missing(cluster: Any, capsys: pytest.CaptureFixture[str]) -> None:
    cluster.set_addons(["dns", "helm3", "hostpath-storage"])  # ingress disabled: its pods are gone
    code, out, _ = run(capsys, "status", "--json")
    data = json.loads(out)
    assert code == 1
    [problem] = [p for p in data["problems"] if p["kind"] == "addon"]
    assert problem["target"] == "ingress" and problem["fix"] == "microk8s enable ingress"
    assert len(cluster.calls_of("microk8s", "status")) == 1  # microk8s' own word on the addon


def test_status_stopped_cluster_is_told_by_microk8s_status(cluster: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """The get fails (connection refused): then ``microk8s status`` says why."""
    cluster.set_running(False)
    code, out, _ = run(capsys, "status", "--json")
    assert code == 3 and json.loads(out)["unreachable"]["reason"] == "not-running"
    assert len(cluster.calls_of("microk8s", "status")) == 1


@pytest.mark.parametrize("scenario", ["pending", "imagepull"])
def test_status_other_scenarios(cluster: Any, capsys: pytest.CaptureFixture[str], scenario: str) -> None:
    cluster.pod_scenario(scenario)
    code, out, _ = run(capsys, "status")
    assert code == 1 and out.startswith("PROBLEMS")
    assert ("registry" if scenario == "imagepull" else "label") in out


def test_status_unreachable(cluster: Any, capsys: pytest.CaptureFixture[str]) -> None:
    cluster.set_running(False)
    code, out, _ = run(capsys, "status", "--json")
    assert code == 3 and json.loads(out)["unreachable"]["reason"] == "not-running"
    assert run(capsys, "wait-ready", "--timeout", "0.2", "--interval", "0.1")[0] == 3


def test_logs_tail_and_masking(cluster: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pod = next(p for p in cluster.pods() if "controller" in p["metadata"]["name"])
    name, ns = pod["metadata"]["name"], pod["metadata"]["namespace"]
    cluster.set_log_lines(name, ["one", f"secret is {EXTERNAL_SECRET}", "three"])
    env = {**os.environ}
    proc = subprocess.run(
        [sys.executable, "-m", "mipwizard", "logs", name, "-n", ns, "--tail", "2"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["secret is ***HIDDEN***", "three"]
    assert ["microk8s", "kubectl", "logs", name, "-n", ns, "--tail", "2"] in cluster.calls()


def test_logs_follow_to_a_closed_pipe(cluster: Any) -> None:
    pod = next(p for p in cluster.pods() if "controller" in p["metadata"]["name"])
    name, ns = pod["metadata"]["name"], pod["metadata"]["namespace"]
    cluster.set_log_lines(name, 50_000)
    cluster.hang("microk8s", "kubectl", "logs", "-f")
    cmd = f"{sys.executable} -m mipwizard logs {name} -n {ns} -f | head -n 3"
    proc = subprocess.run(["sh", "-c", cmd], capture_output=True, text=True, timeout=60, check=False)
    assert len(proc.stdout.splitlines()) == 3
    assert "Traceback" not in proc.stderr


def test_switch_profile_runs_helm_then_waits(cluster: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "switch-profile", "proxied.no_auth", "--yes", "--timeout", "20")
    assert code == 0, out + err
    chart = cluster.chart
    expected = ["microk8s", "helm3", "upgrade", "--install", "mip", str(chart), "-f", str(chart / ".proxied.no_auth")]
    assert expected in cluster.calls()
    assert "LINK: proxied" in out and EXTERNAL_SECRET not in out and INTERNAL_SECRET not in out
    assert "All Ready" in out
    assert yaml.safe_load((tmp_path / "state" / "answers.yaml").read_text())["active_profile"] == "proxied.no_auth"
    assert cluster.helm_releases()["mip"]["revision"] == 2


def test_switch_profile_refuses_without_yes_and_bad_name(cluster: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "switch-profile", "direct.no_auth")[0] == 2  # no terminal, no --yes: usage
    assert not cluster.calls_of("microk8s", "helm3", "upgrade")
    code, _, err = run(capsys, "switch-profile", "nope", "--yes")
    assert code == 2 and "not a MIP profile" in err


def test_bundle_cli_has_no_secret(cluster: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cluster.pod_scenario("crashloop")
    out_file = tmp_path / "support.tar.gz"
    code, out, _ = run(capsys, "bundle", "-o", str(out_file))
    assert code == 0 and str(out_file) in out
    assert stat.S_IMODE(out_file.stat().st_mode) == 0o600
    with tarfile.open(out_file) as tar:
        names = [m.name.split("/", 1)[1] for m in tar if m.isfile()]
        texts = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]
    assert "profiles/.direct" in names and "answers/answers.yaml" in names and "wizard/logs/install.log" in names
    assert any(n.startswith("pod-logs/") for n in names)
    assert any(n.startswith("inspect/report/") for n in names)
    for name, data in texts.items():
        for secret in (EXTERNAL_SECRET, INTERNAL_SECRET):
            assert secret.encode() not in data, f"{secret} in {name}"


def test_status_watch_stops_on_ctrl_c(
    cluster: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import mipwizard.cli.cluster as cluster_cli

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cluster_cli, "_sleep", interrupt)
    code, out, _ = run(capsys, "status", "--watch")
    assert code == 0 and out.count("HEALTHY") == 1


def test_json_is_one_line_when_piped_and_indented_on_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mipwizard.cli._common import print_json

    print_json({"a": [1, 2], "b": None})
    assert capsys.readouterr().out == '{"a": [1, 2], "b": null}\n'
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    print_json({"a": [1, 2]})
    assert capsys.readouterr().out == '{\n  "a": [\n    1,\n    2\n  ]\n}\n'
