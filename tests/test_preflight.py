"""Preflight checks against synthetic machines (tests/machines/*.json): exact statuses, fixes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from mipwizard.core.errors import UsageError
from mipwizard.core.preflight import (
    ALL_IDS,
    CheckResult,
    FakeProbe,
    Probe,
    Status,
    check_specs,
    iter_checks,
    local_interface_addresses,
    run_checks,
)

MACHINES = Path(__file__).parent / "machines"


def machine(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((MACHINES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def probe(name: str, **changes: Any) -> FakeProbe:
    data = copy.deepcopy(machine(name))
    data.update(changes)
    return FakeProbe(data, name=name)


def statuses(results: list[CheckResult]) -> dict[str, str]:
    """Every check that did not pass, as id → status (passing ones are implied)."""
    return {r.id: r.status.value for r in results if r.status is not Status.PASS}


# (machine, role, with answers?) → every non-passing check. Answers: tests/conftest.py (10.20.30.40,
# mip.example.org). Everything not listed must pass.
EXPECTED: dict[tuple[str, str, bool], dict[str, str]] = {
    ("laptop-2core-4gb", "master", True): {
        "cpu": "fail", "memory": "fail", "microk8s-running": "skip", "microk8s-group": "skip",
        "main-ip-assigned": "fail", "fqdn-resolves": "warn",
    },
    ("laptop-2core-4gb", "worker", False): {
        "memory": "fail", "microk8s-running": "skip", "microk8s-group": "skip", "main-ip-assigned": "skip",
    },
    ("perfect-master", "master", True): {},
    ("perfect-master", "local", True): {},
    ("perfect-master", "worker", False): {"main-ip-assigned": "skip"},
    ("ubuntu2404-worker-docker", "worker", False): {
        "os-release": "warn", "docker": "warn", "microk8s-running": "skip", "microk8s-group": "warn",
        "hostname": "warn", "main-ip-assigned": "skip",
    },
    ("ubuntu2404-worker-docker", "master", True): {
        "disk-snap": "fail", "os-release": "warn", "docker": "warn", "microk8s-running": "skip",
        "microk8s-group": "warn", "hostname": "warn", "main-ip-assigned": "fail", "fqdn-resolves": "warn",
    },
    ("uppercase-ports-taken", "master", True): {
        "microk8s-running": "skip", "microk8s-group": "skip", "hostname": "fail", "port-80": "fail",
        "port-443": "fail", "port-30000": "fail", "main-ip-assigned": "fail", "fqdn-resolves": "warn",
    },
    ("uppercase-ports-taken", "worker", False): {
        "microk8s-running": "skip", "microk8s-group": "skip", "hostname": "fail", "port-30000": "fail",
        "main-ip-assigned": "skip",
    },
    ("no-os-release-no-snap", "master", False): {
        "cpu": "skip", "disk-snap": "fail", "disk-root": "fail", "disk-data": "warn", "os-release": "warn",
        "snap": "fail", "sudo": "fail", "microk8s-installed": "skip", "microk8s-running": "skip",
        "microk8s-group": "skip", "hostname": "fail", "port-80": "skip", "port-443": "skip",
        "port-16443": "skip", "port-25000": "skip", "port-30000": "skip", "main-ip-assigned": "skip",
        "fqdn-resolves": "warn",
    },
}


@pytest.mark.parametrize(("name", "role", "with_answers"), list(EXPECTED))
def test_machine_statuses(name: str, role: str, with_answers: bool, answers: Any) -> None:
    results = run_checks(role, probe=probe(name), answers=answers if with_answers else None)
    assert statuses(results) == EXPECTED[(name, role, with_answers)]
    assert [r.id for r in results] == [s.id for s in check_specs(role)]


ALL_MACHINES = sorted(p.stem for p in MACHINES.glob("*.json"))


@pytest.mark.parametrize("name", ALL_MACHINES)
@pytest.mark.parametrize("role", ["local", "master", "worker"])
@pytest.mark.parametrize("with_answers", [True, False])
def test_every_warning_and_failure_has_a_fix(name: str, role: str, with_answers: bool, answers: Any) -> None:
    for result in run_checks(role, probe=probe(name), answers=answers if with_answers else None):
        assert result.summary.strip(), result
        if result.status in (Status.WARN, Status.FAIL):
            assert result.fix and result.fix.strip(), f"{result.id} has no fix: {result.summary}"
        # A synthetic machine never trips an unexpected exception inside a check.
        assert "could not check" not in result.summary, result


def test_every_check_id_fails_or_warns_somewhere(answers: Any) -> None:
    """The synthetic machines together exercise a non-pass outcome of (almost) every check."""
    seen: set[str] = set()
    for name in ALL_MACHINES:
        for result in run_checks("master", probe=probe(name), answers=answers):
            if result.status is not Status.PASS:
                seen.add(result.id)
    # port-16443/25000 are covered by dedicated tests below.
    assert set(ALL_IDS) - seen <= {"port-16443", "port-25000"}


def test_summaries_carry_measured_and_required() -> None:
    results = {r.id: r for r in run_checks("master", probe=probe("laptop-2core-4gb"))}
    assert results["cpu"].summary == "2 logical cores (master needs ≥ 4)"
    assert (results["cpu"].measured, results["cpu"].required) == (2, 4)
    assert results["memory"].summary.startswith("3.8 GiB RAM (master needs 16 GB")
    assert results["memory"].measured == int(3.8 * 2**30)
    disk = results["disk-snap"]
    assert disk.measured == {"path": "/var/snap", "measured_at": "/", "total": 256 * 10**9, "free": 31 * 10**9}
    assert disk.required == {"total": int(60 * 10**9 * 0.95), "free": 20 * 10**9}


def test_roles_choose_ports_and_minimums() -> None:
    master_ids = [s.id for s in check_specs("master")]
    worker_ids = [s.id for s in check_specs("worker")]
    assert {"port-80", "port-443"} <= set(master_ids)
    assert not {"port-80", "port-443"} & set(worker_ids)
    assert [s.id for s in check_specs("local")] == master_ids
    assert all(s.id == s.id.lower() and " " not in s.id for s in check_specs("master"))
    assert [s.id for s in check_specs("master") if s.slow] == ["microk8s-running", "fqdn-resolves"]
    with pytest.raises(UsageError, match="unknown role"):
        check_specs("boss")


def test_ignore_demotes_a_failure_to_a_marked_warning() -> None:
    results = {r.id: r for r in run_checks("master", probe=probe("laptop-2core-4gb"), ignore=["cpu", "snap"])}
    assert results["cpu"].status is Status.WARN and results["cpu"].ignored
    assert results["cpu"].as_dict()["ignored"] is True
    assert results["memory"].status is Status.FAIL and not results["memory"].ignored
    assert results["snap"].status is Status.PASS and not results["snap"].ignored  # passing stays as is
    everything = run_checks("master", probe=probe("laptop-2core-4gb"), ignore=["all"])
    assert not [r for r in everything if r.status is Status.FAIL]


def test_unknown_ignore_id_names_the_valid_ones() -> None:
    with pytest.raises(UsageError) as info:
        run_checks("master", probe=probe("perfect-master"), ignore=["NumCPU"])
    assert "numcpu" in str(info.value) and "port-16443" in str(info.value)


def test_iter_checks_yields_before_the_later_checks_run() -> None:
    class Recording(FakeProbe):
        calls: list[str] = []

        def hostname(self) -> str:
            self.calls.append("hostname")
            return super().hostname()

    recording = Recording(machine("perfect-master"))
    stream = iter_checks("master", probe=recording)
    first = next(stream)
    assert first.id == "cpu" and recording.calls == []
    rest = list(stream)
    assert "hostname" in recording.calls and len(rest) == len(check_specs("master")) - 1


def test_an_exception_inside_a_check_becomes_a_skip_with_the_reason() -> None:
    class Broken(FakeProbe):
        def hostname(self) -> str:
            raise RuntimeError("uname exploded")

        def memory_total(self) -> int:
            raise PermissionError(13, "Permission denied", "/proc/meminfo")

    results = {r.id: r for r in run_checks("master", probe=Broken(machine("perfect-master")))}
    assert results["hostname"].status is Status.SKIP
    assert "RuntimeError: uname exploded" in results["hostname"].summary
    assert results["memory"].status is Status.SKIP
    assert results["memory"].summary == "cannot tell: /proc/meminfo: Permission denied"


# --- individual checks on variations of the perfect master ---------------------------------

def one(check_id: str, fake: FakeProbe, role: str = "master", answers: Any = None) -> CheckResult:
    return next(r for r in run_checks(role, probe=fake, answers=answers) if r.id == check_id)


STATUS_NOT_RUNNING = "microk8s is not running. Use microk8s inspect for a deeper inspection.\n"


@pytest.mark.parametrize(
    ("reply", "status", "words"),
    [
        ({"exit": 1, "stdout": STATUS_NOT_RUNNING}, Status.WARN, "not running"),
        ({"exit": -1, "timed_out": True}, Status.WARN, "did not answer"),
        ({"exit": 0, "stdout": "microk8s is running\nhigh-availability: no\n"}, Status.PASS, "is running"),
        ({"exit": 2, "stderr": "something odd\n"}, Status.WARN, "something odd"),
    ],
)
def test_microk8s_running(reply: dict[str, Any], status: Status, words: str) -> None:
    fake = probe("perfect-master")
    fake.machine["commands"]["microk8s status --format short"] = reply
    result = one("microk8s-running", fake)
    assert result.status is status and words in result.summary


def test_strictly_confined_microk8s_warns_and_uses_snap_microk8s_group() -> None:
    fake = probe("perfect-master")
    fake.machine["commands"]["snap list microk8s"]["stdout"] = (
        "Name      Version  Rev   Tracking     Publisher   Notes\n"
        "microk8s  v1.28.3  6090  1.28-strict/stable  canonical✓  -\n"
    )
    installed = one("microk8s-installed", fake)
    assert installed.status is Status.WARN and "--classic" in (installed.fix or "")
    group = one("microk8s-group", fake)
    assert group.status is Status.WARN and "snap_microk8s" in group.summary


def test_microk8s_version_is_reported() -> None:
    result = one("microk8s-installed", probe("perfect-master"))
    assert result.summary == "v1.28.3 (rev 6089, 1.28/stable)"
    assert result.measured["classic"] is True


def test_snapd_down_is_a_warning_with_the_reason() -> None:
    fake = probe("perfect-master")
    fake.machine["commands"]["snap list microk8s"] = {
        "exit": 1, "stderr": 'error: cannot communicate with server: Get "http://localhost/v2/snaps": '
        "dial unix /run/snapd.socket: connect: no such file or directory\n"}
    result = one("microk8s-installed", fake)
    assert result.status is Status.WARN and "cannot communicate with server" in result.summary


def test_group_added_but_session_predates_it() -> None:
    fake = probe("perfect-master", root=False, user="mipadmin", gids=[1000, 27])
    result = one("microk8s-group", fake)
    assert result.status is Status.WARN and result.fix == "newgrp microk8s   (or log out and in again)"
    fake = probe("perfect-master", root=False, user="mipadmin", gids=[1000, 27, 998])
    assert one("microk8s-group", fake).status is Status.PASS


def test_group_fix_names_the_user() -> None:
    result = one("microk8s-group", probe("ubuntu2404-worker-docker"), role="worker")
    assert result.fix is not None
    assert result.fix.startswith("sudo usermod -a -G microk8s ops") and "newgrp microk8s" in result.fix


def test_group_as_root_checks_the_admin_user_from_the_answers(answers: Any) -> None:
    fake = probe("perfect-master", sudo_user=None)
    assert one("microk8s-group", fake, answers=answers).summary == "mipadmin is in the microk8s group"
    assert one("microk8s-group", fake).status is Status.PASS  # root, nobody named: nothing to check


@pytest.mark.parametrize(
    ("sudo_reply", "group_line", "status"),
    [
        ({"exit": 0}, "sudo:x:27:\n", Status.PASS),
        ({"exit": 1, "stderr": "sudo: a password is required\n"}, "sudo:x:27:ops\n", Status.PASS),
        ({"exit": 1, "stderr": "sudo: a password is required\n"}, "sudo:x:27:\n", Status.WARN),
        ({"exit": -1, "timed_out": True}, "sudo:x:27:ops\n", Status.WARN),
    ],
)
def test_sudo(sudo_reply: dict[str, Any], group_line: str, status: Status) -> None:
    fake = probe("ubuntu2404-worker-docker")
    fake.machine["commands"]["sudo -n true"] = sudo_reply
    fake.machine["files"]["/etc/group"] = "root:x:0:\n" + group_line
    assert one("sudo", fake, role="worker").status is status


@pytest.mark.parametrize(
    ("hostname", "status", "fix"),
    [
        ("mipmaster", Status.PASS, None),
        ("worker-1", Status.WARN, "sudo hostnamectl set-hostname worker1"),
        ("node1.example.org", Status.WARN, "sudo hostnamectl set-hostname node1"),
        ("Arthur-Desktop", Status.FAIL, "sudo hostnamectl set-hostname arthurdesktop"),
        ("box_01", Status.FAIL, "sudo hostnamectl set-hostname box01"),
        ("-lead", Status.FAIL, "sudo hostnamectl set-hostname lead"),
        ("x" * 64, Status.FAIL, "sudo hostnamectl set-hostname " + "x" * 63),
    ],
)
def test_hostname(hostname: str, status: Status, fix: str | None) -> None:
    result = one("hostname", probe("perfect-master", hostname=hostname))
    assert result.status is status
    assert (result.fix or "").split("   ")[0] == (fix or "")


def test_ports_held_by_microk8s_pass_only_once_microk8s_is_installed() -> None:
    held = probe("perfect-master")
    assert one("port-16443", held).summary == "held by microk8s: kubelite (pid 2101)"
    assert one("port-25000", held).status is Status.PASS
    fresh = probe("laptop-2core-4gb", listening=machine("perfect-master")["listening"])
    result = one("port-16443", fresh, role="worker")
    assert result.status is Status.FAIL and "kubelite (pid 2101)" in result.summary


def test_port_taken_names_the_process_and_the_fix() -> None:
    result = one("port-80", probe("uppercase-ports-taken"))
    assert result.summary == "in use by nginx (pid 1201) (HTTP ingress needs it)"
    assert result.fix is not None and "systemctl disable --now nginx" in result.fix


def test_port_owner_unseen_with_microk8s_installed() -> None:
    """Not root: psutil gives no pid. microk8s's own ports pass; others warn."""
    unseen = [{"port": 443, "address": "::"}, {"port": 16443, "address": "::"}]
    fake = probe("perfect-master", listening=unseen)
    assert one("port-443", fake).status is Status.WARN
    assert one("port-16443", fake).status is Status.PASS
    fresh = probe("uppercase-ports-taken", listening=unseen)
    assert one("port-16443", fresh).status is Status.FAIL


def test_os_release_variants() -> None:
    debian = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'
    for text, status, words in [
        (debian, Status.WARN, "not Ubuntu"),
        ("ID=ubuntu\nVERSION_ID=22.04\n", Status.PASS, "supported"),
        ("ID=ubuntu\nVERSION_ID='20.04\n", Status.WARN, "22.04"),  # broken quoting, still no crash
        ("", Status.WARN, "not Ubuntu"),
    ]:
        fake = probe("perfect-master")
        fake.machine["files"]["/etc/os-release"] = text
        result = one("os-release", fake)
        assert result.status is status and words in result.summary, (text, result)
    fake = probe("perfect-master")
    fake.machine["files"]["/etc/os-release"] = {"error": "Permission denied"}
    assert one("os-release", fake).summary == "cannot tell the OS: /etc/os-release: Permission denied"


def test_docker_from_snap_gets_the_snap_fix() -> None:
    fake = probe("perfect-master")
    fake.machine["programs"]["docker"] = "/snap/bin/docker"
    result = one("docker", fake)
    assert result.status is Status.WARN and (result.fix or "").startswith("sudo snap remove docker")


def test_disk_data_uses_the_answers_data_root(answers: Any) -> None:
    answers = answers.model_copy(update={"data_root": Path("/srv/mipdata")})
    fake = probe("perfect-master")
    fake.machine["disks"]["/srv"] = {"total": "10 GB", "free": "1 GB", "device": 3}
    result = one("disk-data", fake, answers=answers)
    assert result.status is Status.WARN
    assert result.measured == {"path": "/srv/mipdata", "measured_at": "/srv", "total": 10 * 10**9, "free": 10**9}


def test_disk_snap_is_measured_on_its_own_filesystem_when_mounted() -> None:
    fake = probe("perfect-master")
    fake.machine["disks"]["/var/snap"] = {"total": "30 GB", "free": "29 GB", "device": 7}
    result = one("disk-snap", fake)
    assert result.status is Status.FAIL and result.measured["measured_at"] == "/var/snap"
    assert "holds /var/snap" not in one("disk-root", fake).summary


def test_main_ip_and_fqdn(answers: Any) -> None:
    fake = probe("perfect-master")
    assert one("main-ip-assigned", fake, answers=answers).summary == "10.20.30.40 is on eth0"
    assert one("fqdn-resolves", fake, answers=answers).summary == "mip.example.org → 10.20.30.40"
    natted = probe("perfect-master", resolve={"mip.example.org": ["203.0.113.7"]})
    result = one("fqdn-resolves", natted, answers=answers)
    assert result.status is Status.WARN and "203.0.113.7" in result.summary
    lost = probe("perfect-master", interfaces={"eth0": ["192.168.1.9"], "lo": ["127.0.0.1"]})
    result = one("main-ip-assigned", lost, answers=answers)
    assert result.status is Status.FAIL and "NAT" in (result.fix or "") and "192.168.1.9" in (result.fix or "")


def test_local_interface_addresses_leave_out_loopback_and_link_local() -> None:
    fake = probe("laptop-2core-4gb")
    assert local_interface_addresses(fake) == [("wlp2s0", "192.168.1.23")]


def test_from_json_round_trip() -> None:
    loaded = Probe.from_json(MACHINES / "perfect-master.json")
    assert isinstance(loaded, FakeProbe) and loaded.cpu_count() == 8
