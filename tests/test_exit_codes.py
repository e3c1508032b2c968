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
    ("install", 0, lambda m: ["install", "--answers", str(m.answers), "--dry-run"], "15 steps"),
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
    ("apply", 1, lambda m: ["apply", "--yes"], "no saved answers"),
    ("apply", 1, lambda m: ["apply", "--yes", "--answers", str(m.answers_with(federation="bad name"))], "federation"),
    ("apply", 2, lambda m: ["apply", "--bogus"], "unrecognized arguments"),
    ("apply", 3, lambda m: ["apply", "--yes", "--answers", str(m.answers)],
     "cluster unreachable: microk8s is not installed — fix: there is no MIP here to apply to"),
    ("releases", 0, lambda m: ["releases"], "8.0.0 (default)"),
    ("releases", 0, lambda m: ["releases", "--json"], '"default": true'),
    ("releases", 2, lambda m: ["releases", "extra"], "unrecognized arguments"),
    ("recover-release", 2, lambda m: ["recover-release"], "NAME"),
    ("recover-release", 3, lambda m: ["recover-release", "mip", "--yes"],
     "cluster unreachable: microk8s is not installed — fix:"),
    ("login-check", 0, lambda m: ["login-check", "--answers", str(m.answers_with(active_profile="direct.no_auth"))],
     "nothing to check"),
    ("login-check", 1, lambda m: ["login-check", "--answers", str(m.answers), "--url", "http://127.0.0.1:9/"],
     "Connection refused"),
    ("login-check", 2, lambda m: ["login-check", "--bogus"], "unrecognized arguments"),
    ("backup", 1, lambda m: ["backup", "--yes", "--answers", str(m.answers)], "nothing to back up"),
    ("backup", 2, lambda m: ["backup", "--schedule", "yearly"], "invalid choice"),
    ("bundle", 2, lambda m: ["bundle", "--tail", "many"], "invalid int value"),
    ("status", 2, lambda m: ["status", "--bogus"], "unrecognized arguments"),
    ("logs", 2, lambda m: ["logs"], "POD"),
    ("wait-ready", 2, lambda m: ["wait-ready", "--timeout", "soon"], "invalid float value"),
    ("node label", 2, lambda m: ["node", "label", "mip-master"], "choose at least one label"),
    ("node list", 2, lambda m: ["node", "list", "--bogus"], "unrecognized arguments"),
    ("node join-command", 2, lambda m: ["node", "join-command", "--bogus"], "unrecognized arguments"),
    ("data", 2, lambda m: ["data"], "choose a data command"),
    ("profiles", 2, lambda m: ["profiles"], "profiles"),
    ("profiles show", 2, lambda m: ["profiles", "show", str(m.tmp / "nonexistent")], "no such folder"),
    ("restore", 2, lambda m: ["restore", "--bogus"], "unrecognized arguments"),
    ("upgrade", 2, lambda m: ["upgrade"], "--to"),
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
    ("upgrade", "stopped", 3, lambda m: ["upgrade", "--to", "guide-f7c6441", "--answers", str(m.answers), "--yes"],
     "sudo microk8s start"),
    ("apply", "healthy", 0, lambda m: ["apply", "--yes"], "Done: the MIP is installed"),
    ("apply", "healthy", 2, lambda m: ["apply"], "--yes"),
    ("apply", "stopped", 3, lambda m: ["apply", "--yes"], "sudo microk8s start"),
    ("recover-release", "pending", 0, lambda m: ["recover-release", "mip", "--yes"], "rolled back to revision 2"),
    ("recover-release", "healthy", 1, lambda m: ["recover-release", "mip", "--yes"], "not pending"),
    ("recover-release", "pending", 2, lambda m: ["recover-release", "mip"], "--yes"),
    ("recover-release", "stopped", 3, lambda m: ["recover-release", "mip", "--yes"], "sudo microk8s start"),
    ("switch-profile", "healthy", 2, lambda m: ["switch-profile", "nope", "--yes", "--chart", str(m.chart)],
     "is not a MIP profile"),
    ("switch-profile", "healthy", 0, lambda m: ["switch-profile", "direct.no_auth", "--yes", "--no-wait",
                                                "--chart", str(m.chart)], "Profile .direct.no_auth deployed"),
    ("wait-ready", "crashloop", 1, lambda m: ["wait-ready", "--timeout", "0.3", "--interval", "0.1"],
     "still not ready"),
    ("node label", "healthy", 0, lambda m: ["node", "label", "mip-master", "--worker"], "mip-master"),
    ("chart check", "healthy", 1, lambda m: ["chart", "check", "--answers", str(m.answers)],
     "values.mipwizard.yaml does not exist yet"),
    ("backup", "stopped", 0, lambda m: ["backup", "--yes"], "backup written"),
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
    elif scenario == "pending":  # as after an interrupted helm upgrade
        installed.fake.set_release_status("mip", "pending-upgrade", history=["superseded", "deployed",
                                                                               "pending-upgrade"])
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


def _interrupt(fake: Any, argv: list[str], started: Callable[[], object]) -> tuple[int, str]:
    """Start ``mipwizard ARGV``, wait until ``started()``, send Ctrl+C (SIGINT): its code and stderr."""
    import signal
    import time

    env = fake.env()
    env["NO_COLOR"] = "1"
    env["MIPWIZARD_MACHINE"] = str(MACHINES / "perfect-master.json")
    proc = subprocess.Popen([sys.executable, "-m", "mipwizard", *argv], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not started():
            time.sleep(0.05)
        assert started(), "the command never got to the point it is interrupted at"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, err


def test_ctrl_c_exits_130(machine: Machine) -> None:
    """Interrupted (the install's own Ctrl+C test also checks its child is killed)."""
    machine.fake.install_microk8s(running=False)  # wait-ready polls it until Ctrl+C
    code, err = _interrupt(machine.fake, ["wait-ready", "--timeout", "120", "--interval", "0.2"],
                           lambda: machine.fake.calls_of("microk8s"))  # it has asked microk8s at least once
    assert code == 130 and "Traceback" not in err and "interrupted" in err


@requires_shared()
def test_ctrl_c_during_apply_exits_130(installed: Machine) -> None:
    """Ctrl+C while apply's helm upgrade runs: 130, not a traceback (the runner kills helm's group)."""
    installed.fake.hang("microk8s", "helm3", "upgrade")
    code, err = _interrupt(installed.fake, ["apply", "--yes"],
                           lambda: installed.fake.calls_of("microk8s", "helm3", "upgrade"))
    assert code == 130 and "Traceback" not in err and "interrupted" in err


# --- the table covers every command, and README's table says what these tests prove ---------------

INTERRUPTED = {("wait-ready", 130), ("apply", 130)}  # the two tests above
# Codes proven by a test in another file (named here; the test below checks that it exists).
ELSEWHERE = {
    ("wizard", 0): "tests/test_tui_first_run.py::test_ctrl_q_offers_save_and_quit",
    ("install", 130): "tests/test_install_cli.py::test_ctrl_c_kills_the_child_and_exits_130",
    ("restore", 0):
        "tests/test_restore.py::test_backup_damage_restore_gives_identical_files_and_keeps_the_damage_aside",
    ("upgrade", 0): "tests/test_upgrade.py::test_upgrade_to_the_guide_snapshot_deploys_it",
    ("chart check", 0): "tests/test_chart_cli.py::test_800_passes_with_the_install_s_overlay",
    ("data check", 0): "tests/test_data_check.py::test_cli_exit_zero_on_shared_data",
    ("switch-profile", 1):
        "tests/test_answers_file.py::test_switch_profile_keeps_comments_and_refuses_what_would_not_load",
}
README = Path(__file__).resolve().parents[1] / "README.md"
README_HEADER = "| command | 0 ok | 1 problem | 2 usage or no terminal | 3 cluster unreachable | 130 interrupted |"


def proven_codes() -> dict[str, set[int]]:
    codes: dict[str, set[int]] = {}
    pairs = [(c[0], c[1]) for c in OFFLINE] + [(c[0], c[2]) for c in ON_CLUSTER] + [*INTERRUPTED, *ELSEWHERE]
    for command, code in pairs:
        codes.setdefault(command.split(" --")[0], set()).add(code)  # "wizard --answers=FILE": the wizard
    return codes


def help_commands() -> set[str]:
    """Every command and subcommand `mipwizard --help` (and `mipwizard X --help`) lists, and the wizard."""
    import argparse

    from mipwizard.cli.main import build_parser

    def walk(parser: argparse.ArgumentParser, prefix: str) -> set[str]:
        found: set[str] = set()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found |= {f"{prefix}{name}", *walk(sub, f"{prefix}{name} ")}
        return found

    return {"wizard", *walk(build_parser(), "")}


def readme_table() -> dict[str, set[int]]:
    """README's exit-code table: command -> the codes whose cell is not "—"."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index(README_HEADER)
    table: dict[str, set[int]] = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        command = cells[0].split(" (")[0].strip("`").removeprefix("mipwizard").strip() or "wizard"
        table[command] = {code for code, cell in zip((0, 1, 2, 3, 130), cells[1:6], strict=True) if cell != "—"}
    return table


def test_every_command_in_help_has_its_exit_codes_tested() -> None:
    codes = proven_codes()
    missing = sorted(c for c in help_commands() if c not in codes)
    assert not missing, f"commands with no exit-code case: {missing}"
    for command, wanted in codes.items():
        if command not in ("chart", "data", "node", "profiles", "unknown command"):  # groups: usage only
            assert {0, 2} <= wanted, (command, wanted)  # ok, and a usage error
    for where in ELSEWHERE.values():
        path, name = where.split("::")
        assert f"def {name}(" in (README.parent / path).read_text(encoding="utf-8"), where


def test_readme_exit_code_table_is_what_the_tests_prove() -> None:
    """One table, every command, each code in it proven by a case here (and only those)."""
    table = readme_table()
    assert set(table) == help_commands(), set(table) ^ help_commands()
    codes = proven_codes()
    for command, shown in table.items():
        proven = codes[command] - {130}
        assert shown - {130} == proven, f"{command}: README says {sorted(shown)}, tests prove {sorted(proven)}"
    # 130 is main()'s one handler for every command; the README's cell says so, tested on these:
    assert all(130 in table[command] for command, code in [*INTERRUPTED, *ELSEWHERE] if code == 130)
    assert 130 not in table["wizard"]  # the wizard's Ctrl+C is a key (Ctrl+Q quits), not an interrupt
