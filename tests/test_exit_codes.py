"""Every command's exit codes as the README's table says (0 ok, 1 problem, 2 usage / no terminal,
3 cluster unreachable with reason and fix, 130 interrupted), run as a user runs them: subprocesses."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import install_fake_cluster, requires_shared

MACHINES = Path(__file__).parent / "machines"


class Machine:
    """The fake machine and the files a command is pointed at."""

    def __init__(self, fake: Any, tmp_path: Path, answers_data: dict[str, Any]) -> None:
        self.fake = fake
        self.tmp = tmp_path
        self.data = answers_data
        self.answers = tmp_path / "answers.yaml"
        self.answers.write_text(yaml.safe_dump(answers_data))
        self.chart = tmp_path / "chart"

    def answers_with(self, **changes: Any) -> Path:
        path = self.tmp / "changed.yaml"
        path.write_text(yaml.safe_dump({**self.data, **changes}))
        return path

    def run(self, *argv: str, machine: str = "perfect-master") -> subprocess.CompletedProcess[str]:
        env = self.fake.env()
        env["MIPWIZARD_MACHINE"] = str(MACHINES / f"{machine}.json")
        env["NO_COLOR"] = "1"
        return subprocess.run([sys.executable, "-m", "mipwizard", *argv], env=env, capture_output=True,
                              text=True, timeout=120, stdin=subprocess.DEVNULL, check=False)


@pytest.fixture
def machine(fake_toolchain: Any, tmp_path: Path, answers_data: dict[str, Any],
            monkeypatch: pytest.MonkeyPatch) -> Machine:
    monkeypatch.setenv("MIPWIZARD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("MIPWIZARD_LOG_DIR", str(tmp_path / "logs"))
    answers_data.update(data_root=str(tmp_path / "data"), exareme2={"path": str(tmp_path / "exareme2")},
                        mip_deployment={"path": str(tmp_path / "mip-deployment")})
    return Machine(fake_toolchain, tmp_path, answers_data)


@pytest.fixture
def installed(fake_toolchain: Any, tmp_path: Path, answers_data: dict[str, Any],
              monkeypatch: pytest.MonkeyPatch) -> Machine:
    install_fake_cluster(fake_toolchain, answers_data, tmp_path, monkeypatch)
    m = Machine(fake_toolchain, tmp_path, answers_data)
    m.chart = fake_toolchain.chart
    return m


def _profiles(m: Machine) -> Machine:
    from mipwizard.core.answers import answers_from_mapping
    from mipwizard.core.profiles import write_profiles

    write_profiles(answers_from_mapping(m.data), m.chart)
    return m


Case = Callable[[Machine], "tuple[list[str], dict[str, Any]]"]

# (command, expected code, argv from the machine, what the output must say). The wizard itself
# is here too: `mipwizard` with no terminal refuses with exit 2.
OFFLINE: list[tuple[str, int, Callable[[Machine], list[str]], str]] = [
    ("wizard", 2, lambda m: [], "ssh -t"),
    ("wizard --answers=FILE", 2, lambda m: [f"--answers={m.answers}"], "ssh -t"),
    ("wizard --profiles-dir=DIR", 2, lambda m: [f"--profiles-dir={m.tmp}"], "ssh -t"),
    ("unknown command", 2, lambda m: ["frobnicate"], "invalid choice"),
    ("check", 0, lambda m: ["check", "--answers", str(m.answers)], "0 failed"),
    ("check", 1, lambda m: ["check", "--answers", str(m.answers_with(machine_main_ip="192.168.1.230"))],
     "is not on any interface here"),
    ("check", 2, lambda m: ["check", "--ignore", "NumCPU"], "valid ids"),
    ("install", 0, lambda m: ["install", "--answers", str(m.answers), "--dry-run"], "14 steps"),
    ("install", 1, lambda m: ["install", "--answers", str(m.answers_with(machine_main_ip="192.168.1.230")),
                              "--yes"], "--ignore main-ip-assigned"),
    ("install", 1, lambda m: ["install", "--answers", str(m.answers_with(federation="bad name"))], "federation"),
    ("install", 2, lambda m: ["install", "--answers", str(m.answers)], "no terminal"),
    ("install", 2, lambda m: ["install", "--answers", str(m.answers), "--only", "nope"], "there is no step"),
    ("install", 2, lambda m: ["install", "--answers", str(m.answers), "--ignore", "cpus"], "valid ids"),
    ("profiles write", 0, lambda m: ["profiles", "write", "--answers", str(m.answers), "--out", str(m.chart)],
     "wrote"),
    ("profiles write", 1, lambda m: ["profiles", "write", "--answers", str(m.answers_with(machine_main_ip="1.2")),
                                     "--out", str(m.chart), "--yes"], "machine_main_ip"),
    ("profiles write", 2, lambda m: ["profiles", "write", "--answers",
                                     str(_profiles(m).answers_with(machine_public_fqdn="x.example.org")),
                                     "--out", str(m.chart)], "--yes"),
    ("profiles show", 0, lambda m: ["profiles", "show", str(_profiles(m).chart)], "***HIDDEN***"),
    ("profiles show", 1, lambda m: ["profiles", "show", str(m.tmp)], "no profile files"),
    ("profiles diff", 0, lambda m: ["profiles", "diff", "--answers", str(m.answers), str(_profiles(m).chart),
                                    "--exit-code"], "no changes"),
    ("profiles diff", 1, lambda m: ["profiles", "diff", "--answers",
                                    str(_profiles(m).answers_with(machine_public_fqdn="x.example.org")),
                                    str(m.chart), "--exit-code"], "PUBLIC_HOST: x.example.org"),
    ("profiles diff", 2, lambda m: ["profiles", "diff", str(m.chart)], "--answers"),
    ("profiles lint", 0, lambda m: ["profiles", "lint", str(_profiles(m).chart)], "no problems"),
    ("profiles lint", 1, lambda m: ["profiles", "lint", str(_lint_problem(_profiles(m)).chart)], "EXTERNAL_IP"),
    ("profiles lint", 2, lambda m: ["profiles", "lint", str(m.tmp / "nonexistent")], "no such folder"),
    ("data check", 1, lambda m: ["data", "check", str(_bad_data(m))], "CDEsMetadata.json"),
    ("data check", 2, lambda m: ["data", "check", str(m.tmp / "nonexistent")], "does not exist"),
    ("status", 3, lambda m: ["status"], "microk8s is not installed"),
    ("logs", 3, lambda m: ["logs", "some-pod"], "cluster unreachable: microk8s is not installed — fix:"),
    ("wait-ready", 3, lambda m: ["wait-ready", "--timeout", "0.2", "--interval", "0.1"], "not installed"),
    ("switch-profile", 3, lambda m: ["switch-profile", "direct", "--yes", "--chart", str(m.chart)],
     "microk8s is not installed"),
    ("node join-command", 3, lambda m: ["node", "join-command"], "cluster unreachable"),
    ("node list", 3, lambda m: ["node", "list"], "cluster unreachable"),
    ("node label", 3, lambda m: ["node", "label", "worker1", "--worker"], "cluster unreachable"),
    ("node", 2, lambda m: ["node"], "choose a node command"),
    ("chart check", 3, lambda m: ["chart", "check", "--answers", str(m.answers)], "microk8s is not installed"),
    ("chart check", 2, lambda m: ["chart", "check"], "--answers FILE"),
    ("chart", 2, lambda m: ["chart"], "chart check"),
]


def _lint_problem(m: Machine) -> Machine:
    path = m.chart / ".direct"
    path.write_text(path.read_text().replace("EXTERNAL_IP: 10.20.30.40", "EXTERNAL_IP: <MACHINE_MAIN_IP>"))
    return m


def _bad_data(m: Machine) -> Path:
    folder = m.tmp / "data" / "mipfed1" / "dementia"
    folder.mkdir(parents=True)
    (folder / "x.csv").write_text("a,b\n1,2\n")
    return m.tmp / "data"


@pytest.mark.parametrize(("command", "code", "argv", "says"), OFFLINE,
                         ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(OFFLINE)])
def test_exit_code(machine: Machine, command: str, code: int, argv: Callable[[Machine], list[str]],
                   says: str) -> None:
    result = machine.run(*argv(machine))
    assert result.returncode == code, (result.stdout, result.stderr)
    assert says in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


# The cluster commands on an installed machine: healthy, unhealthy, and stopped (exit 3 + fix).
ON_CLUSTER: list[tuple[str, str, int, Callable[[Machine], list[str]], str]] = [
    ("status", "healthy", 0, lambda m: ["status"], "HEALTHY"),
    ("status", "crashloop", 1, lambda m: ["status"], "UNHEALTHY"),
    ("status", "stopped", 3, lambda m: ["status"], "sudo microk8s start"),
    ("logs", "healthy", 0, lambda m: ["logs", _pod(m), "-n", "default", "--tail", "1"], ""),
    ("logs", "healthy", 1, lambda m: ["logs", "no-such-pod", "-n", "default"], "no-such-pod"),
    ("logs", "stopped", 3, lambda m: ["logs", _pod(m), "-n", "default"], "sudo microk8s start"),
    ("wait-ready", "healthy", 0, lambda m: ["wait-ready", "--timeout", "5"], "All Ready"),
    ("wait-ready", "stopped", 3, lambda m: ["wait-ready", "--timeout", "0.2", "--interval", "0.1"], "not running"),
    ("switch-profile", "healthy", 2, lambda m: ["switch-profile", "direct.no_auth", "--chart", str(m.chart)],
     "--yes"),
    ("switch-profile", "stopped", 3, lambda m: ["switch-profile", "direct", "--yes", "--chart", str(m.chart)],
     "sudo microk8s start"),
    ("node list", "healthy", 0, lambda m: ["node", "list"], "LABELS"),
    ("node list", "stopped", 3, lambda m: ["node", "list"], "sudo microk8s start"),
    ("node join-command", "healthy", 0, lambda m: ["node", "join-command"], "microk8s join"),
    ("node join-command", "stopped", 3, lambda m: ["node", "join-command"], "sudo microk8s start"),
    ("node label", "healthy", 1, lambda m: ["node", "label", "nosuchnode", "--worker"], "no node"),
    ("node label", "stopped", 3, lambda m: ["node", "label", "nosuchnode", "--worker"], "sudo microk8s start"),
    ("bundle", "healthy", 0, lambda m: ["bundle", "--no-inspect", "-o", str(m.tmp / "b.tar.gz")], "Wrote"),
    ("restore", "healthy", 1, lambda m: ["restore", "--rollback", "--yes"], "no unfinished restore"),
    ("restore", "healthy", 2, lambda m: ["restore"], "name the backup"),
    ("restore", "stopped", 3, lambda m: ["restore", "--rollback", "--yes"], "sudo microk8s start"),
    ("upgrade", "healthy", 1, lambda m: ["upgrade", "--to", "nope", "--answers", str(m.answers)], "not a known"),
]


def _pod(m: Machine) -> str:
    return str(next(p for p in m.fake.pods() if p["metadata"]["namespace"] == "default")["metadata"]["name"])


@requires_shared()
@pytest.mark.parametrize(("command", "scenario", "code", "argv", "says"), ON_CLUSTER,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in ON_CLUSTER])
def test_cluster_exit_code(installed: Machine, command: str, scenario: str, code: int,
                           argv: Callable[[Machine], list[str]], says: str) -> None:
    args = argv(installed)
    if scenario == "crashloop":
        installed.fake.pod_scenario("crashloop")
    elif scenario == "stopped":
        installed.fake.set_running(False)
    result = installed.run(*args)
    assert result.returncode == code, (result.stdout, result.stderr)
    assert says in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    if code == 3:
        assert "fix:" in result.stdout + result.stderr  # the reason and what to do


@requires_shared()
def test_status_keeps_fix_commands_whole_piped_and_on_a_terminal(installed: Machine) -> None:
    import os

    from .ptyrun import run_on_terminal

    installed.fake.pod_scenario("crashloop")
    piped = installed.run("status")
    fix = next(line for line in piped.stdout.splitlines() if "mipwizard logs" in line)
    assert fix.strip().startswith("fix: read its logs: mipwizard logs ") and fix.rstrip().endswith("-c controller")
    env = installed.fake.env()
    env.update(MIPWIZARD_MACHINE=str(MACHINES / "perfect-master.json"), NO_COLOR="1")
    code, out = run_on_terminal([sys.executable, "-m", "mipwizard", "status"], columns=80, env=env)
    assert code == 1
    command = next(line for line in out.splitlines() if "mipwizard logs" in line or "-c controller" in line)
    assert "mipwizard logs" in command and "-c controller" in command, out  # one line, copyable
    assert os.linesep not in command


def test_ctrl_c_exits_130(machine: Machine) -> None:
    """Interrupted (the install's own Ctrl+C test also checks its child is killed)."""
    import signal
    import time

    machine.fake.install_microk8s(running=False)  # wait-ready polls it until Ctrl+C
    argv = ["wait-ready", "--timeout", "120", "--interval", "0.2"]
    env = machine.fake.env()
    env["NO_COLOR"] = "1"
    proc = subprocess.Popen([sys.executable, "-m", "mipwizard", *argv], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not machine.fake.calls_of("microk8s"):
            time.sleep(0.05)  # it is running: it has asked microk8s at least once
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130 and "Traceback" not in err and "interrupted" in err
