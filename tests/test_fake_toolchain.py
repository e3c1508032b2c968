"""The fake toolchain itself: outputs shaped like the real transcripts, faults, sudo, state."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tarfile
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import TRANSCRIPTS, requires_shared
from tests.fake_toolchain import FakeToolchain
from tests.polling import until


def run(fake: FakeToolchain, *argv: str, stdin: str | None = None, cwd: Path | None = None,
        timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(argv),
        env=fake.env(),
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        check=False,
    )


def transcript_body(name: str) -> str:
    """A transcript without its '# source' header and '$ command' lines."""
    lines = (TRANSCRIPTS / name).read_text().splitlines()
    return "\n".join(line for line in lines[1:] if not line.startswith(("$ ", "# NOTE")))


# --- fresh machine, snap ----------------------------------------------------------------------------


def test_fresh_machine_has_no_microk8s(fake_toolchain: FakeToolchain) -> None:
    assert shutil.which("snap") == str(fake_toolchain.bin_dir / "snap")
    assert shutil.which("microk8s", path=fake_toolchain.env()["PATH"]) is None or not (
        fake_toolchain.bin_dir / "microk8s").exists()
    r = run(fake_toolchain, "snap", "list", "microk8s")
    assert r.returncode == 1
    assert r.stderr.strip() == "error: no matching snaps installed"
    r = run(fake_toolchain, "hostname")
    assert r.stdout == "mip-master\n"


def test_snap_install_needs_classic(fake_toolchain: FakeToolchain) -> None:
    r = run(fake_toolchain, "snap", "install", "microk8s")
    assert r.returncode == 1
    assert "classic confinement" in r.stderr and "--classic" in r.stderr
    assert fake_toolchain.state()["microk8s"] is None

    r = run(fake_toolchain, "snap", "install", "microk8s", "--classic", "--channel=1.28/stable")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("microk8s (1.28/stable) v1.28")
    assert (fake_toolchain.bin_dir / "microk8s").exists()
    assert "microk8s" in fake_toolchain.state()["groups"]
    r = run(fake_toolchain, "snap", "list", "microk8s")
    assert r.returncode == 0 and "1.28/stable" in r.stdout
    # just installed: still starting, ready once someone waits for it
    assert run(fake_toolchain, "microk8s", "status").returncode == 1
    r = run(fake_toolchain, "microk8s", "status", "--wait-ready", "--timeout", "30")
    assert r.returncode == 0 and r.stdout.startswith("microk8s is running")
    assert run(fake_toolchain, "microk8s", "status").returncode == 0
    r = run(fake_toolchain, "snap", "info", "microk8s")
    assert "installed:" in r.stdout and "tracking:     1.28/stable" in r.stdout
    # second install: snapd's "already installed", exit 0
    r = run(fake_toolchain, "snap", "install", "microk8s", "--classic", "--channel", "1.28/stable")
    assert r.returncode == 0 and "already installed" in r.stderr


# --- microk8s status --------------------------------------------------------------------------------


@requires_shared()
def test_status_yaml_parses_like_transcript(fake_toolchain: FakeToolchain) -> None:
    fake_toolchain.install_microk8s(addons=("dns",))
    r = run(fake_toolchain, "microk8s", "status", "--format", "yaml")
    assert r.returncode == 0
    doc = yaml.safe_load(r.stdout)
    ref = yaml.safe_load(transcript_body("microk8s-status-yaml.txt"))
    assert set(ref) <= set(doc)
    assert doc["microk8s"]["running"] is True
    addons = {a["name"]: a for a in doc["addons"]}
    assert set(ref["addons"][0]) <= set(addons["dns"])
    assert addons["dns"]["status"] == "enabled" and addons["dns"]["repository"] == "core"
    assert addons["ha-cluster"]["status"] == "enabled"
    assert addons["helm3"]["status"] == "disabled"
    assert "running: True" in r.stdout  # Python bool spelling, as the real one
    assert doc["high-availability"] == ref["high-availability"]


@requires_shared()
def test_status_pretty_like_wait_ready_transcript(fake_toolchain: FakeToolchain) -> None:
    fake_toolchain.install_microk8s()
    got = run(fake_toolchain, "microk8s", "status", "--wait-ready", "--timeout", "10").stdout.splitlines()
    ref = transcript_body("microk8s-status-wait-ready.txt").splitlines()
    assert got[:7] == ref[:7]  # header, HA lines, "addons:", "enabled:", ha-cluster row
    assert got[7] == "  disabled:" == ref[7]
    for line in ref[8:-2]:  # every disabled row the transcript shows, same columns
        name = line.split()[0]
        assert any(g.startswith(f"    {name:<20} # (core) ") for g in got), line


def test_status_pretty_and_short(fake_toolchain: FakeToolchain) -> None:
    fake_toolchain.install_microk8s(addons=("dns", "helm3"))
    r = run(fake_toolchain, "microk8s", "status")
    lines = r.stdout.splitlines()
    assert lines[0] == "microk8s is running"
    assert "    dns                  # (core) CoreDNS" in lines
    assert lines.index("  enabled:") < lines.index("    dns                  # (core) CoreDNS") < lines.index(
        "  disabled:")
    r = run(fake_toolchain, "microk8s", "status", "--format", "short")
    assert "core/helm3: enabled" in r.stdout.splitlines()
    assert "core/ingress: disabled" in r.stdout.splitlines()


def test_status_not_running(fake_toolchain: FakeToolchain) -> None:
    fake_toolchain.install_microk8s(running=False)
    r = run(fake_toolchain, "microk8s", "status")
    assert r.returncode == 1
    assert r.stdout.strip() == "microk8s is not running. Use microk8s inspect for a deeper inspection."
    r = run(fake_toolchain, "microk8s", "status", "--format", "yaml")
    doc = yaml.safe_load(r.stdout)
    assert doc["microk8s"]["running"] is False and "addons" not in doc
    r = run(fake_toolchain, "microk8s", "status", "--wait-ready", "--timeout", "5")
    assert r.returncode == 1 and "microk8s is not running" in r.stdout


def test_wait_ready_without_timeout_hangs(fake_toolchain: FakeToolchain) -> None:
    fake_toolchain.install_microk8s()
    with pytest.raises(subprocess.TimeoutExpired):
        run(fake_toolchain, "microk8s", "status", "--wait-ready", timeout=1.0)
    r = run(fake_toolchain, "microk8s", "status", "--wait-ready", "--timeout", "60")
    assert r.returncode == 0 and r.stdout.startswith("microk8s is running")


def test_permission_denied_unless_sudo(fake_toolchain: FakeToolchain) -> None:
    fake_toolchain.install_microk8s()
    fake_toolchain.set_permission_denied()
    r = run(fake_toolchain, "microk8s", "status")
    assert r.returncode == 1
    assert r.stdout.startswith("Insufficient permissions to access MicroK8s.")
    assert "'microk8s' group" in r.stdout
    r = run(fake_toolchain, "sudo", "-n", "--", "microk8s", "status")
    assert r.returncode == 0, r.stdout + r.stderr


def test_enable_addons(fake_toolchain: FakeToolchain) -> None:
    fake_toolchain.install_microk8s(addons=("dns",))
    r = run(fake_toolchain, "microk8s", "enable", "dns", "helm3", "ingress")
    assert r.returncode == 0
    assert "Addon core/dns is already enabled" in r.stdout
    assert "Ingress is enabled" in r.stdout
    assert set(fake_toolchain.state()["microk8s"]["addons"]) >= {"dns", "helm3", "ingress", "ha-cluster"}


# --- clustering --------------------------------------------------------------------------------------

JOIN_RE = re.compile(r"^microk8s join (\S+):25000/([0-9a-f]{32})/([0-9a-f]{12})( --worker)?$")


@requires_shared()
def test_add_node_format_matches_transcript(fake_toolchain: FakeToolchain) -> None:
    fake_toolchain.install_microk8s()
    first = run(fake_toolchain, "microk8s", "add-node", "--token-ttl", "3600").stdout
    second = run(fake_toolchain, "microk8s", "add-node").stdout
    shape = [JOIN_RE.sub("JOIN", line) for line in first.splitlines()]
    ref = [JOIN_RE.sub("JOIN", line) for line in transcript_body("microk8s-add-node.txt").splitlines()]
    assert shape == ref
    assert JOIN_RE.match(first.splitlines()[1])[2] != JOIN_RE.match(second.splitlines()[1])[2]  # type: ignore[index]
    assert fake_toolchain.state()["tokens"][0]["ttl"] == 3600


@requires_shared()
def test_join_matches_transcript(fake_toolchain: FakeToolchain) -> None:
    fake_toolchain.install_microk8s()
    r = run(fake_toolchain, "microk8s", "join", "11.22.33.44:25000/token/token")
    assert r.stdout.splitlines() == transcript_body("microk8s-join.txt").splitlines()[1:]
    r = run(fake_toolchain, "microk8s", "join", "10.0.0.1:25000/abc/def", "--worker")
    assert r.returncode == 0 and fake_toolchain.state()["joined"]["worker"] is True


def test_inspect_writes_tarball(fake_toolchain: FakeToolchain) -> None:
    fake_toolchain.install_microk8s()
    r = run(fake_toolchain, "microk8s", "inspect")
    last = r.stdout.strip().splitlines()[-1]
    m = re.match(r"^  Report tarball is at (\S+/inspection-report-\d{8}_\d{6}\.tar\.gz)$", last)
    assert m, last
    tarball = Path(m[1])
    assert tarball.parent == fake_toolchain.state_dir
    with tarfile.open(tarball) as tar:
        assert tar.getnames()


# --- kubectl ----------------------------------------------------------------------------------------


@requires_shared()
def test_get_nodes_json_like_transcript(fake_toolchain: FakeToolchain) -> None:
    fake_toolchain.set_hostname("MIP-Master")
    fake_toolchain.install_microk8s()
    doc = json.loads(run(fake_toolchain, "microk8s", "kubectl", "get", "nodes", "-o", "json").stdout)
    ref = json.loads(transcript_body("kubectl-get-nodes.json"))
    assert doc["kind"] == ref["kind"]
    node = doc["items"][0]
    assert set(ref["items"][0]) <= set(node)
    assert set(ref["items"][0]["status"]) - {"images"} <= set(node["status"])
    assert node["metadata"]["name"] == "mip-master"
    ready = [c for c in node["status"]["conditions"] if c["type"] == "Ready"]
    assert ready[0]["status"] == "True"


def test_label_node(fake_toolchain: FakeToolchain) -> None:
    fake_toolchain.install_microk8s()
    r = run(fake_toolchain, "microk8s", "kubectl", "label", "node", "MIP-MASTER", "master=true")
    assert r.returncode == 1 and r.stderr.strip() == 'Error from server (NotFound): nodes "MIP-MASTER" not found'
    r = run(fake_toolchain, "microk8s", "kubectl", "label", "node", "mip-master", "worker=x")
    assert r.returncode == 0 and r.stdout.strip() == "node/mip-master labeled"
    r = run(fake_toolchain, "microk8s", "kubectl", "label", "node", "mip-master", "worker=true")
    assert r.returncode == 1
    assert r.stderr.strip() == "error: 'worker' already has a value (x), and --overwrite is false"
    r = run(fake_toolchain, "microk8s", "kubectl", "label", "node", "mip-master", "worker=true", "--overwrite")
    assert r.returncode == 0
    assert fake_toolchain.node_labels("mip-master")["worker"] == "true"


# --- helm -------------------------------------------------------------------------------------------


def _checkouts(fake: FakeToolchain, where: Path) -> tuple[Path, Path]:
    assert run(fake, "git", "clone", "--depth", "1", "https://github.com/madgik/Exareme2", str(where / "exa")
               ).returncode == 0
    assert run(fake, "git", "clone", "https://github.com/HBPMedical/mip-deployment.git", str(where / "mip")
               ).returncode == 0
    return where / "exa" / "kubernetes", where / "mip" / "kubernetes"


@requires_shared()
def test_helm_upgrade_install_and_list(fake_toolchain: FakeToolchain, tmp_path: Path) -> None:
    fake_toolchain.install_microk8s(addons=("dns", "helm3"))
    exa, mip = _checkouts(fake_toolchain, tmp_path)
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("localnodes: 2\n")
    r = run(fake_toolchain, "microk8s", "helm3", "upgrade", "--install", "exareme2", str(exa), "-f", str(overlay))
    assert r.returncode == 0, r.stderr
    ref = transcript_body("helm-upgrade-install.txt").splitlines()
    got = r.stdout.splitlines()
    assert got[0] == 'Release "exareme2" does not exist. Installing it now.'
    assert ref[5] == 'Release "cnpg" does not exist. Installing it now.'
    assert [line.split(":")[0] for line in got[1:]] == [line.split(":")[0] for line in ref[6:12]]
    r = run(fake_toolchain, "microk8s", "helm3", "upgrade", "--install", "exareme2", str(exa), "-f", str(overlay))
    assert r.stdout.splitlines()[0] == 'Release "exareme2" has been upgraded. Happy Helming!'
    assert "REVISION: 2" in r.stdout
    rel = fake_toolchain.helm_releases()["exareme2"]
    assert rel["revision"] == 2 and rel["values_files"][0]["text"] == "localnodes: 2\n"

    r = run(fake_toolchain, "microk8s", "helm3", "install", "mip", str(mip), "-f", str(mip / ".direct"))
    assert r.returncode == 0
    r = run(fake_toolchain, "microk8s", "helm3", "install", "mip", str(mip))
    assert r.returncode == 1
    assert r.stderr.strip() == "Error: INSTALLATION FAILED: cannot re-use a name that is still in use"

    listed = json.loads(run(fake_toolchain, "microk8s", "helm3", "list", "-A", "-o", "json").stdout)
    ref_item = json.loads(transcript_body("helm-list.json").split("\n\n")[0])[0]
    assert [set(i) for i in listed] == [set(ref_item)] * 2
    assert {i["name"]: i["revision"] for i in listed} == {"exareme2": "2", "mip": "1"}

    status = json.loads(run(fake_toolchain, "microk8s", "helm3", "status", "mip", "-o", "json").stdout)
    assert status["info"]["status"] == "deployed" and status["version"] == 1

    pods = json.loads(run(fake_toolchain, "microk8s", "kubectl", "get", "pods", "-A", "-o", "json").stdout)
    names = [p["metadata"]["name"] for p in pods["items"]]
    assert sum(1 for n in names if "localnode" in n) == 2
    assert any(n.startswith("mip-keycloak-db-") for n in names)
    assert any(n.startswith("coredns-") for n in names)


def test_helm_when_cluster_down(fake_toolchain: FakeToolchain) -> None:
    fake_toolchain.install_microk8s(running=False)
    r = run(fake_toolchain, "microk8s", "helm3", "list", "-A", "-o", "json")
    assert r.returncode == 1 and "Kubernetes cluster unreachable" in r.stderr


# --- pods, events, logs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "phase", "reason", "event"),
    [
        ("crashloop", "Running", "CrashLoopBackOff", "BackOff"),
        ("imagepull", "Pending", "ImagePullBackOff", "Failed"),
        ("pending", "Pending", None, "FailedScheduling"),
    ],
)
def test_pod_scenarios(fake_toolchain: FakeToolchain, scenario: str, phase: str, reason: str | None,
                       event: str) -> None:
    fake_toolchain.mark_fully_installed({"federation": "fed", "data_root": str(fake_toolchain.state_dir / "d"),
                                         "exareme2": {"path": str(fake_toolchain.state_dir / "exa")},
                                         "mip_deployment": {"path": str(fake_toolchain.state_dir / "mip")}})
    fake_toolchain.pod_scenario(scenario)
    pods = json.loads(run(fake_toolchain, "microk8s", "kubectl", "get", "pods", "-A", "-o", "json").stdout)["items"]
    bad = [p for p in pods if {"type": "Ready", "status": "True"}.items() - _ready(p).items()]
    assert len(bad) == 1
    assert bad[0]["status"]["phase"] == phase
    if reason:
        assert bad[0]["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == reason
    events = json.loads(run(fake_toolchain, "microk8s", "kubectl", "get", "events", "-A", "-o", "json").stdout)
    assert event in {e["reason"] for e in events["items"] if e["type"] == "Warning"}
    assert all(e["involvedObject"]["name"] == bad[0]["metadata"]["name"] for e in events["items"])


def _ready(pod: dict) -> dict:
    return next((c for c in pod["status"]["conditions"] if c["type"] == "Ready"), {})


def test_ready_after(fake_toolchain: FakeToolchain, tmp_path: Path) -> None:
    fake_toolchain.install_microk8s()
    exa, _ = _checkouts(fake_toolchain, tmp_path)
    run(fake_toolchain, "microk8s", "helm3", "upgrade", "--install", "exareme2", str(exa))
    fake_toolchain.set_ready_after(2)

    def all_ready() -> bool:
        doc = json.loads(run(fake_toolchain, "microk8s", "kubectl", "get", "pods", "-A", "-o", "json").stdout)
        return all(c["ready"] for p in doc["items"] for c in p["status"].get("containerStatuses", []))

    assert [all_ready(), all_ready(), all_ready()] == [False, False, True]


def test_logs(fake_toolchain: FakeToolchain, tmp_path: Path) -> None:
    fake_toolchain.install_microk8s()
    exa, _ = _checkouts(fake_toolchain, tmp_path)
    run(fake_toolchain, "microk8s", "helm3", "upgrade", "--install", "exareme2", str(exa))
    pod = next(p["metadata"]["name"] for p in fake_toolchain.pods() if "controller-deployment" in p["metadata"]["name"])
    fake_toolchain.set_log_lines(pod, ["one", "two", "three"])
    r = run(fake_toolchain, "microk8s", "kubectl", "logs", pod, "-n", "default", "--tail", "2")
    assert r.stdout == "two\nthree\n"
    fake_toolchain.set_log_lines(pod, 100_000)
    start = time.monotonic()
    r = run(fake_toolchain, "microk8s", "kubectl", "logs", pod, "-n", "default", "-f")
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 100_000
    assert time.monotonic() - start < 5
    r = run(fake_toolchain, "microk8s", "kubectl", "logs", "nope", "-n", "default")
    assert r.returncode == 1 and 'pods "nope" not found' in r.stderr


# --- users, ownership, git --------------------------------------------------------------------------


def test_users_and_groups(fake_toolchain: FakeToolchain) -> None:
    r = run(fake_toolchain, "id", "-u", "mipadmin")
    assert r.returncode == 1 and r.stderr.strip() == "id: 'mipadmin': no such user"
    assert run(fake_toolchain, "adduser", "--disabled-password", "--gecos", "", "mipadmin").returncode == 0
    assert run(fake_toolchain, "adduser", "--disabled-password", "--gecos", "", "mipadmin").returncode == 1
    r = run(fake_toolchain, "usermod", "-aG", "sudo,microk8s", "mipadmin")
    assert r.returncode == 6 and "group 'microk8s' does not exist" in r.stderr  # no snap yet
    fake_toolchain.install_microk8s()
    assert run(fake_toolchain, "usermod", "-aG", "sudo,microk8s", "mipadmin").returncode == 0
    assert run(fake_toolchain, "id", "-nG", "mipadmin").stdout.split() == ["mipadmin", "sudo", "microk8s"]
    assert run(fake_toolchain, "getent", "group", "sudo").stdout.strip() == "sudo:x:27:mipadmin"
    assert run(fake_toolchain, "getent", "passwd", "ghost").returncode == 2
    assert run(fake_toolchain, "adduser", "mipadmin", "adm").stdout.endswith("Done.\n")


def test_chown_and_stat(fake_toolchain: FakeToolchain, tmp_path: Path) -> None:
    fake_toolchain.add_user("mipadmin")
    folder = tmp_path / "data" / "fed" / "dementia"
    folder.mkdir(parents=True)
    real = run(fake_toolchain, "stat", "-c", "%U:%G", str(folder)).stdout.strip()
    assert real and fake_toolchain.owner_of(folder) is None
    r = run(fake_toolchain, "chown", "-R", "mipadmin:mipadmin", str(tmp_path / "data"))
    assert r.returncode == 0 and r.stderr == ""
    assert fake_toolchain.owner_of(folder) == "mipadmin:mipadmin"
    assert run(fake_toolchain, "stat", "-c", "%U:%G", str(folder)).stdout == "mipadmin:mipadmin\n"
    r = run(fake_toolchain, "chown", "mipadmin.root", str(folder))
    assert r.returncode == 0 and r.stderr.strip() == "chown: warning: '.' should be ':'"
    assert fake_toolchain.owner_of(folder) == "mipadmin:root"
    assert folder.stat().st_uid == (tmp_path.stat().st_uid)  # real ownership untouched
    r = run(fake_toolchain, "chown", "ghost:ghost", str(folder))
    assert r.returncode == 1 and "invalid user" in r.stderr


@requires_shared()
def test_git_clone_and_queries(fake_toolchain: FakeToolchain, tmp_path: Path) -> None:
    exa, mip = _checkouts(fake_toolchain, tmp_path)
    assert (exa / "values.yaml").read_text() == (TRANSCRIPTS.parent / "exareme2" / "values-seed-era.yaml").read_text()
    assert len(list(mip.glob(".direct*")) + list(mip.glob(".proxied*"))) == 8
    r = run(fake_toolchain, "git", "clone", "https://github.com/madgik/Exareme2", str(tmp_path / "exa"))
    assert r.returncode == 128
    assert r.stderr.strip() == (
        f"fatal: destination path '{tmp_path / 'exa'}' already exists and is not an empty directory."
    )
    r = run(fake_toolchain, "git", "-C", str(tmp_path / "exa"), "remote", "get-url", "origin")
    assert r.stdout.strip() == "https://github.com/madgik/Exareme2"
    assert run(fake_toolchain, "git", "-C", str(tmp_path), "rev-parse", "--is-inside-work-tree").returncode == 128
    assert run(fake_toolchain, "git", "-C", str(exa), "rev-parse", "--is-inside-work-tree").stdout == "true\n"


# --- sudo -------------------------------------------------------------------------------------------


def test_sudo_logs_and_runs_inner(fake_toolchain: FakeToolchain) -> None:
    r = run(fake_toolchain, "sudo", "-n", "--", "hostname")
    assert r.stdout == "mip-master\n"
    assert fake_toolchain.calls() == [["sudo", "-n", "--", "hostname"], ["hostname"]]


def test_sudo_password(fake_toolchain: FakeToolchain) -> None:
    fake_toolchain.set_sudo_password("s3cret")
    r = run(fake_toolchain, "sudo", "-n", "--", "hostname")
    assert r.returncode == 1 and r.stderr.strip() == "sudo: a password is required"
    r = run(fake_toolchain, "sudo", "-S", "-p", "", "--", "hostname", stdin="wrong\n")
    assert r.returncode == 1 and r.stderr.strip().endswith("sudo: 1 incorrect password attempt")
    r = run(fake_toolchain, "sudo", "-S", "-p", "", "--", "hostname", stdin="s3cret\n")
    assert r.returncode == 0 and r.stdout == "mip-master\n"
    assert ["hostname"] in fake_toolchain.calls()
    assert all("s3cret" not in " ".join(c) for c in fake_toolchain.calls())


# --- faults -----------------------------------------------------------------------------------------


def test_fail_times_then_recovers(fake_toolchain: FakeToolchain) -> None:
    fake_toolchain.install_microk8s()
    fake_toolchain.fail("microk8s", "enable", stderr="boom", exit_code=3, times=1)
    r = run(fake_toolchain, "sudo", "-n", "--", "microk8s", "enable", "dns")
    assert (r.returncode, r.stderr.strip()) == (3, "boom")
    r = run(fake_toolchain, "microk8s", "enable", "dns")
    assert r.returncode == 0
    assert fake_toolchain.calls_of("microk8s", "enable") == [["microk8s", "enable", "dns"]] * 2


def test_hang_and_slow(fake_toolchain: FakeToolchain) -> None:
    fake_toolchain.hang("hostname", times=1)
    with pytest.raises(subprocess.TimeoutExpired):
        run(fake_toolchain, "hostname", timeout=1.0)
    assert run(fake_toolchain, "hostname").returncode == 0
    fake_toolchain.slow("hostname", seconds=0.1)  # (its delay is the fake's own: not asserted)
    assert run(fake_toolchain, "hostname").returncode == 0


def test_unsupported_call_is_loud(fake_toolchain: FakeToolchain) -> None:
    r = run(fake_toolchain, "snap", "set", "microk8s", "x=y")
    assert r.returncode == 1 and "fake: unsupported call" in r.stderr
    assert fake_toolchain.unsupported_calls() == [["snap", "set", "microk8s", "x=y"]]


def test_mark_fully_installed(fake_toolchain: FakeToolchain, answers, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    answers = answers.model_copy(update={"data_root": tmp_path / "data"})
    answers.exareme2.path = tmp_path / "exa"
    answers.mip_deployment.path = tmp_path / "mip"
    fake_toolchain.mark_fully_installed(answers)
    assert set(fake_toolchain.helm_releases()) == {"exareme2", "mip"}
    assert fake_toolchain.owner_of(tmp_path / "data" / "mipfed1" / "dementia") == "mipadmin:mipadmin"
    assert fake_toolchain.node_labels("mip-master")["worker"] == "true"
    assert run(fake_toolchain, "id", "-nG", "mipadmin").stdout.split()[1:] == ["sudo", "microk8s"]
    with pytest.raises(ValueError, match="real system"):
        FakeToolchain(tmp_path / "other").mark_fully_installed({"federation": "f"})


# --- deeper behaviour -------------------------------------------------------------------------------


def test_helm_wait_fails_when_pods_never_get_ready(fake_toolchain: FakeToolchain, tmp_path: Path) -> None:
    fake_toolchain.install_microk8s()
    exa, _ = _checkouts(fake_toolchain, tmp_path)
    fake_toolchain.pod_scenario("crashloop")
    r = run(fake_toolchain, "microk8s", "helm3", "upgrade", "--install", "exareme2", str(exa), "--wait",
            "--timeout", "5m")
    assert r.returncode == 1 and r.stderr.strip() == "Error: timed out waiting for the condition"
    assert fake_toolchain.helm_releases()["exareme2"]["status"] == "failed"
    fake_toolchain.pod_scenario("healthy")
    fake_toolchain.set_ready_after(3)  # still creating: helm --wait would see them become ready
    r = run(fake_toolchain, "microk8s", "helm3", "upgrade", "--install", "exareme2", str(exa), "--wait")
    assert r.returncode == 0 and "has been upgraded" in r.stdout


def test_non_root_user_needs_sudo(fake_toolchain: FakeToolchain) -> None:
    fake_toolchain.set_current_user("ubuntu")
    r = run(fake_toolchain, "snap", "install", "microk8s", "--classic")
    assert r.returncode == 1 and r.stderr.strip() == "error: access denied (try with sudo)"
    r = run(fake_toolchain, "sudo", "-n", "snap", "install", "microk8s", "--classic")
    assert r.returncode == 0, r.stderr
    assert run(fake_toolchain, "id", "-un").stdout == "ubuntu\n"
    assert run(fake_toolchain, "sudo", "-n", "id", "-un").stdout == "root\n"
    r = run(fake_toolchain, "adduser", "--disabled-password", "--gecos", "", "mipadmin")
    assert r.returncode == 1 and "Only root" in r.stderr
    # microk8s without sudo: the group counts only from the next login
    assert run(fake_toolchain, "microk8s", "status").stdout.startswith("Insufficient permissions")
    assert run(fake_toolchain, "sudo", "usermod", "-aG", "microk8s", "ubuntu").returncode == 0
    r = run(fake_toolchain, "microk8s", "status")
    assert r.returncode == 1 and "sudo usermod -a -G microk8s ubuntu" in r.stdout
    fake_toolchain.relogin()
    assert run(fake_toolchain, "microk8s", "status", "--wait-ready", "--timeout", "5").returncode == 0


def test_stdin_is_recorded(fake_toolchain: FakeToolchain) -> None:
    run(fake_toolchain, "hostname")
    run(fake_toolchain, "hostname", stdin="")
    assert [c["stdin"] for c in fake_toolchain.call_records()] == [False, True]


def test_concurrent_calls_lose_no_update(fake_toolchain: FakeToolchain) -> None:
    fake_toolchain.install_microk8s()
    procs = [
        subprocess.Popen(["microk8s", "kubectl", "label", "node", "mip-master", f"k{i}=v"], env=fake_toolchain.env(),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for i in range(16)
    ]
    assert [p.wait(timeout=30) for p in procs] == [0] * 16
    labels = fake_toolchain.node_labels("mip-master")
    assert all(labels[f"k{i}"] == "v" for i in range(16))
    assert len(fake_toolchain.calls_of("microk8s", "kubectl", "label")) == 16


def test_logs_follow_with_hang_prints_then_waits(fake_toolchain: FakeToolchain, tmp_path: Path) -> None:
    fake_toolchain.install_microk8s()
    exa, _ = _checkouts(fake_toolchain, tmp_path)
    run(fake_toolchain, "microk8s", "helm3", "upgrade", "--install", "exareme2", str(exa))
    pod = fake_toolchain.pods()[-1]["metadata"]["name"]
    fake_toolchain.set_log_lines(pod, ["hello"])
    fake_toolchain.hang("microk8s", "kubectl", "logs")
    proc = subprocess.Popen(["microk8s", "kubectl", "logs", "-f", pod, "-n", "default", "-c", "node"],
                            env=fake_toolchain.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "hello\n"
        time.sleep(0.2)
        assert proc.poll() is None
    finally:
        proc.kill()
        proc.wait()


def test_microk8s_appears_on_path_with_the_snap(fake_toolchain: FakeToolchain) -> None:
    assert shutil.which("microk8s") in (None, *(f"{d}/microk8s" for d in ("/usr/bin", "/usr/local/bin")))
    assert "/snap/bin" not in fake_toolchain.env()["PATH"].split(":")
    fake_toolchain.install_microk8s()
    assert shutil.which("microk8s") == str(fake_toolchain.bin_dir / "microk8s")


def test_delete_pod_comes_back_with_a_new_name(fake_toolchain: FakeToolchain, tmp_path: Path) -> None:
    fake_toolchain.install_microk8s()
    exa, _ = _checkouts(fake_toolchain, tmp_path)
    run(fake_toolchain, "microk8s", "helm3", "upgrade", "--install", "exareme2", str(exa))
    before = {p["metadata"]["name"] for p in fake_toolchain.pods()}
    victim = next(n for n in before if "controller-deployment" in n)
    r = run(fake_toolchain, "microk8s", "kubectl", "delete", "pod", victim, "-n", "default")
    assert r.stdout.strip() == f'pod "{victim}" deleted'
    after = {p["metadata"]["name"] for p in fake_toolchain.pods()}
    assert victim not in after and len(after) == len(before)


@requires_shared()
def test_set_pods_serves_raw_items(fake_toolchain: FakeToolchain) -> None:
    fake_toolchain.install_microk8s()
    ref = json.loads(transcript_body("kubectl-get-pods.json"))
    fake_toolchain.set_pods(ref["items"])
    doc = json.loads(run(fake_toolchain, "microk8s", "kubectl", "get", "pods", "-A", "-o", "json").stdout)
    assert doc["items"] == ref["items"]
    events = json.loads(run(fake_toolchain, "microk8s", "kubectl", "get", "events", "-A", "-o", "json").stdout)
    assert [e["reason"] for e in events["items"]] == ["BackOff"]


def test_helm_get_values(fake_toolchain: FakeToolchain, tmp_path: Path) -> None:
    fake_toolchain.install_microk8s()
    exa, _ = _checkouts(fake_toolchain, tmp_path)
    (tmp_path / "a.yaml").write_text("localnodes: 2\ndb:\n  max_memory: 1\n  storage_location: /x\n")
    (tmp_path / "b.yaml").write_text("db:\n  max_memory: 2\n")
    run(fake_toolchain, "microk8s", "helm3", "upgrade", "--install", "exareme2", str(exa),
        "-f", str(tmp_path / "a.yaml"), "-f", str(tmp_path / "b.yaml"), "--set", "smpc.enabled=true")
    r = run(fake_toolchain, "microk8s", "helm3", "get", "values", "exareme2", "-o", "yaml")
    assert yaml.safe_load(r.stdout) == {"localnodes": 2, "db": {"max_memory": 2, "storage_location": "/x"},
                                        "smpc": {"enabled": True}}
    r = run(fake_toolchain, "microk8s", "helm3", "get", "values", "exareme2")
    assert r.stdout.startswith("USER-SUPPLIED VALUES:\n")
    r = run(fake_toolchain, "microk8s", "helm3", "get", "values", "exareme2", "-a", "-o", "json")
    assert json.loads(r.stdout)["controller"]["cleanup_file_folder"] == "/opt/cleanup"
    r = run(fake_toolchain, "microk8s", "helm3", "get", "values", "nope", "-o", "yaml")
    assert r.returncode == 1 and r.stderr.strip() == "Error: release: not found"


def test_logs_follow_delay_and_waiting_pods(fake_toolchain: FakeToolchain, tmp_path: Path) -> None:
    fake_toolchain.install_microk8s()
    exa, _ = _checkouts(fake_toolchain, tmp_path)
    run(fake_toolchain, "microk8s", "helm3", "upgrade", "--install", "exareme2", str(exa))
    pod = next(p["metadata"]["name"] for p in fake_toolchain.pods() if "controller-deployment" in p["metadata"]["name"])
    fake_toolchain.set_log_lines(pod, ["a", "b", "c"], follow_delay=0.05)
    r = run(fake_toolchain, "microk8s", "kubectl", "logs", "-f", pod, "-n", "default")
    assert r.stdout == "a\nb\nc\n"  # every line, paced (the pace is the fake's own: not asserted)
    fake_toolchain.pod_scenario("imagepull")
    r = run(fake_toolchain, "microk8s", "kubectl", "logs", pod, "-n", "default")
    assert r.returncode == 1
    assert r.stderr.strip().endswith("is waiting to start: trying and failing to pull image")


def test_snap_refresh(fake_toolchain: FakeToolchain) -> None:
    fake_toolchain.install_microk8s(channel="1.28/stable")
    r = run(fake_toolchain, "snap", "refresh", "microk8s", "--channel=1.31/stable")
    assert r.returncode == 0 and r.stdout.startswith("microk8s (1.31/stable) v1.31")
    r = run(fake_toolchain, "snap", "refresh", "microk8s")
    assert r.returncode == 0 and "no updates available" in r.stderr


def test_manual_fake_machine_exports(tmp_path: Path) -> None:
    import os
    import sys

    r = subprocess.run([sys.executable, "-m", "tests.fake_toolchain", str(tmp_path / "box"), "--microk8s"],
                       capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1])
    env = dict(os.environ)
    for line in r.stdout.splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        env[key] = value.strip("'")
    status = subprocess.run(["microk8s", "status", "--format", "short"], env=env, capture_output=True, text=True)
    assert "core/ingress: enabled" in status.stdout
    assert FakeToolchain.attach(tmp_path / "box").calls() == [["microk8s", "status", "--format", "short"]]


def test_hung_call_exits_when_orphaned(fake_toolchain: FakeToolchain, tmp_path: Path) -> None:
    """A hung fake whose parent was SIGKILLed (the wizard in a kill -9 test) does not linger."""
    fake_toolchain.hang("hostname")
    pid_file = tmp_path / "pid"
    # sh starts the hung fake in the background, records its pid and exits: the fake is orphaned.
    subprocess.run(["sh", "-c", f'hostname </dev/null >/dev/null 2>&1 & echo $! > "{pid_file}"'],
                   env=fake_toolchain.env(), check=True, timeout=10)
    pid = int(pid_file.read_text())
    until(lambda: not pid_alive(pid), timeout=5, what="the orphaned hung fake to exit")


def pid_alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_label_selector_and_unknown_flags(fake_toolchain: FakeToolchain, tmp_path: Path) -> None:
    fake_toolchain.install_microk8s()
    exa, mip = _checkouts(fake_toolchain, tmp_path)
    run(fake_toolchain, "microk8s", "helm3", "upgrade", "--install", "exareme2", str(exa))
    run(fake_toolchain, "microk8s", "helm3", "upgrade", "--install", "mip", str(mip))
    r = run(fake_toolchain, "microk8s", "kubectl", "get", "pods", "-A", "-l", "app.kubernetes.io/instance=mip",
            "-o", "json", "--request-timeout=5s")
    names = [p["metadata"]["name"] for p in json.loads(r.stdout)["items"]]
    assert len(names) == 7 and all(n.startswith("mip-") for n in names)
    r = run(fake_toolchain, "microk8s", "kubectl", "get", "pods", "-A", "--field-selector", "status.phase=Running")
    assert r.returncode == 1 and "fake: unsupported call" in r.stderr


def test_schedule_by_labels(fake_toolchain: FakeToolchain, tmp_path: Path) -> None:
    fake_toolchain.install_microk8s()
    exa, _ = _checkouts(fake_toolchain, tmp_path)
    run(fake_toolchain, "microk8s", "helm3", "upgrade", "--install", "exareme2", str(exa))
    assert all(p["status"]["phase"] == "Running" for p in fake_toolchain.pods())  # off by default
    fake_toolchain.set_schedule_by_labels()
    pending = {p["metadata"]["name"].split("-")[1] for p in fake_toolchain.pods() if p["status"]["phase"] == "Pending"}
    assert pending == {"controller", "globalnode", "localnode1"}
    run(fake_toolchain, "microk8s", "kubectl", "label", "node", "mip-master", "master=true")
    pending = {p["metadata"]["name"].split("-")[1] for p in fake_toolchain.pods() if p["status"]["phase"] == "Pending"}
    assert pending == {"localnode1"}
    events = json.loads(run(fake_toolchain, "microk8s", "kubectl", "get", "events", "-A", "-o", "json").stdout)
    assert [e["reason"] for e in events["items"]] == ["FailedScheduling"]
