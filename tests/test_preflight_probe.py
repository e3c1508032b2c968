"""The probe's odd corners: /proc fallback, DNS that never answers, hostile values (hypothesis)."""

from __future__ import annotations

import copy
import json
import socket
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mipwizard.core.preflight import FakeProbe, Probe, Status, run_checks
from mipwizard.core.preflight.host import parse_os_release
from mipwizard.core.preflight.microk8s import parse_snap_list
from mipwizard.core.preflight.probe import parse_proc_net_tcp, parse_size

MACHINES = Path(__file__).parent / "machines"
PERFECT = json.loads((MACHINES / "perfect-master.json").read_text(encoding="utf-8"))

PROC_TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 21711 1 0 100 0 0 10 0
   1: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 23432 1 0 100 0 0 10 0
   2: 0100007F:0277 0100007F:A2C4 01 00000000:00000000 00:00000000 00000000     0        0 0 1 0 20 4 30 10 -1
"""
PROC_TCP6 = """\
  sl  local_address                         remote_address                        st tx_queue rx_queue
   0: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000
   1: 00000000000000000000000001000000:3F8B 00000000000000000000000000000000:0000 0A 00000000:00000000
"""


def test_parse_proc_net_tcp() -> None:
    assert [(x.port, x.address) for x in parse_proc_net_tcp(PROC_TCP)] == [(80, "0.0.0.0"), (631, "127.0.0.1")]
    assert [(x.port, x.address) for x in parse_proc_net_tcp(PROC_TCP6, ipv6=True)] == [(443, "::"), (16267, "::1")]


def test_listeners_fall_back_to_proc_when_psutil_is_denied(monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(kind: str = "inet") -> Any:
        raise psutil.AccessDenied()

    class ProcOnly(Probe):
        def read_text(self, path: str) -> str:
            if path == "/proc/net/tcp":
                return PROC_TCP
            raise FileNotFoundError(2, "No such file or directory", path)

    monkeypatch.setattr(psutil, "net_connections", denied)
    found = ProcOnly().listeners()
    assert [(x.port, x.pid, x.process) for x in found] == [(80, None, None), (631, None, None)]


def test_resolve_never_hangs(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(3)
        return []

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        Probe().resolve("mip.example.org", timeout=0.2)
    assert time.monotonic() - started < 2


def test_resolve_reports_the_resolver_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def nxdomain(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", nxdomain)
    with pytest.raises(socket.gaierror):
        Probe().resolve("nowhere.invalid")


def test_real_probe_reads_this_machine_read_only() -> None:
    probe = Probe()
    assert probe.cpu_count() == psutil.cpu_count(logical=True)
    assert probe.disk("/").total == psutil.disk_usage("/").total
    assert all(isinstance(x.port, int) for x in probe.listeners())
    assert probe.which("surely-not-a-program-xyz") is None


def test_parse_size() -> None:
    assert parse_size("16 GiB") == 16 * 2**30
    assert parse_size("60 GB") == 60 * 10**9
    assert parse_size(123) == 123
    with pytest.raises(ValueError, match="not a size"):
        parse_size("lots")


def test_parse_snap_list_and_os_release() -> None:
    snap = parse_snap_list("Name      Version  Rev   Tracking     Publisher   Notes\n"
                           "microk8s  v1.28.3  6089  1.28/stable  canonical✓  classic\n")
    assert snap is not None and (snap.version, snap.revision, snap.classic) == ("v1.28.3", "6089", True)
    assert parse_snap_list("error: no matching snaps installed") is None
    assert parse_os_release('ID=ubuntu\nVERSION_ID="22.04"\n# c\n') == {"ID": "ubuntu", "VERSION_ID": "22.04"}


def fake(**changes: Any) -> FakeProbe:
    data = copy.deepcopy(PERFECT)
    data.update(changes)
    return FakeProbe(data)


def result(check_id: str, probe: FakeProbe, role: str = "master") -> Any:
    return next(r for r in run_checks(role, probe=probe) if r.id == check_id)


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(st.text(min_size=0, max_size=80))
def test_any_hostname_gets_a_fix_that_passes(name: str) -> None:
    first = result("hostname", fake(hostname=name))
    assert first.status in (Status.PASS, Status.WARN, Status.FAIL, Status.SKIP)
    if first.status in (Status.WARN, Status.FAIL):
        suggested = (first.fix or "").split("   ")[0].rsplit(" ", 1)[-1]
        assert result("hostname", fake(hostname=suggested)).status is Status.PASS, (name, suggested)


@FAST
@given(st.text(max_size=300))
def test_any_os_release_text_gives_a_result(text: str) -> None:
    probe = fake()
    probe.machine["files"]["/etc/os-release"] = text
    outcome = result("os-release", probe)
    assert outcome.status in (Status.PASS, Status.WARN) and "could not check" not in outcome.summary


@FAST
@given(st.integers(min_value=-5, max_value=512), st.integers(min_value=-1, max_value=2**42))
def test_odd_cpu_and_memory_values(cores: int, memory: int) -> None:
    probe = fake(cpu_count=cores, memory_total=memory)
    for check_id in ("cpu", "memory"):
        outcome = result(check_id, probe)
        assert "could not check" not in outcome.summary
        assert outcome.status is not Status.FAIL or outcome.fix


@FAST
@given(st.text(max_size=400))
def test_any_proc_net_tcp_text_parses_or_skips_lines(text: str) -> None:
    for listener in parse_proc_net_tcp(text):
        assert 0 <= listener.port <= 0xFFFF


@FAST
@given(st.text(max_size=200), st.integers(min_value=-2, max_value=200))
def test_any_command_output_gives_a_result(output: str, exit_code: int) -> None:
    probe = fake()
    probe.machine["commands"]["snap list microk8s"] = {"exit": exit_code, "stdout": output, "stderr": output}
    probe.machine["commands"]["microk8s status --format short"] = {"exit": exit_code, "stdout": output}
    for r in run_checks("master", probe=probe):
        assert "could not check" not in r.summary, r
        assert r.status not in (Status.WARN, Status.FAIL) or r.fix, r
