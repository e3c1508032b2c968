"""The headless install: one at a time, and nothing of it left running however it is stopped.

The kill matrix covers every step of the plan (read from ``build_plan``, so a new step is covered
the day it is added) × SIGKILL, SIGTERM, SIGHUP. Each case runs ``install --only STEP`` on a
machine the module installed once, and the fake's first call inside the step hangs after forking
a grandchild into its process group that ignores SIGTERM and SIGHUP and never notices it was
orphaned (what snap's and sudo's helpers can leave): only a SIGKILL of the whole group ends it.
Then mipwizard is signalled, and no process carrying this fake machine's environment may remain.
``--only`` skips the step's probe, so the hung child is the first one the step's action starts.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from mipwizard.core.answers import answers_from_mapping
from mipwizard.core.install import InstallSettings, build_plan
from tests.conftest import EXTERNAL_SECRET, INTERNAL_SECRET, disk_full_at_write
from tests.fake_toolchain import FakeToolchain
from tests.fake_toolchain._state import ANY_CALL
from tests.polling import until
from tests.test_install_cli import cli, wait_for_call  # noqa: F401 (cli is a fixture)

SIGNALS = [(signal.SIGKILL, -9), (signal.SIGTERM, 143), (signal.SIGHUP, 129)]
CALLS_BEFORE_THE_PLAN = 1  # `hostname` (the node name), before the preflight and the lock
SUDO_PASSWORD = "Sudo-Pass-9d1e77"
AS_A_USER = """
import sys
from mipwizard.core import runner, system
system.is_root = runner.is_root = lambda: False
from mipwizard.cli.main import main
sys.argv[0] = "mipwizard"
raise SystemExit(main())
"""
SUDO_STEPS = ["microk8s-snap", "mip-secrets"]  # a streamed command; a manifest in a private file
JOIN_LINE = "microk8s join 192.168.1.230:25000/5f0c2a9e7d1b4c3a8e6f2d0b9a7c5e1f/e3b0c44298fc1c14 --worker"


def processes_of(fake: Any) -> list[int]:
    """Live processes started for this test's fake machine (they carry its state path)."""
    marker = f"MIPWIZARD_FAKE_STATE={fake.env()['MIPWIZARD_FAKE_STATE']}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                stat = (entry / "stat").read_text()
                if stat.split(") ", 1)[1][0] != "Z":
                    found.append(int(entry.name))
        except (OSError, IndexError):
            continue
    return found


def gone(fake: Any, timeout: float = 15.0) -> list[int]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        left = processes_of(fake)
        if not left:
            return []
        time.sleep(0.05)
    return processes_of(fake)


def test_a_second_install_is_refused_while_one_runs(cli: Any, fake_toolchain: Any) -> None:  # noqa: F811
    fake_toolchain.hang("snap", "install")
    first = cli.start("--yes")
    try:
        wait_for_call(fake_toolchain, "snap", "install")
        second = cli.run("--yes", timeout=60)
        assert second.returncode == 1
        assert f"another install is running: pid {first.pid}, started " in second.stderr
        assert "Traceback" not in second.stderr
        assert len(fake_toolchain.calls_of("snap", "install")) == 1  # the second changed nothing
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=30) == 143
    assert not gone(fake_toolchain)
    # the lock died with its holder: the next install takes it over
    fake_toolchain.fail("snap", "install", exit_code=1)
    third = cli.run("--yes", timeout=120)
    assert "another install is running" not in third.stderr


def test_a_fresh_install_killed_in_its_clone_leaves_nothing(cli: Any, fake_toolchain: Any) -> None:  # noqa: F811
    """Without --only: the steps before ran their probes and actions; the kill comes mid-way."""
    fake_toolchain.hang_forking("git", "clone")
    install = cli.start("--yes")
    until(fake_toolchain.forked_pids, what="git clone to fork its grandchild")
    install.kill()
    assert install.wait(timeout=30) == -9
    assert not gone(fake_toolchain)


# --- the kill matrix ------------------------------------------------------------------------------


def master_answers(root: Path) -> dict[str, Any]:
    """A master whose profile uses the internal Keycloak, so its plan has every master step."""
    return {
        "role": "local",
        "machine_main_ip": "10.20.30.40",
        "machine_public_fqdn": "mip.example.org",
        "machine_private_fqdn_or_ip": "10.20.30.41",
        "active_profile": "direct.internal_auth",
        "keycloak": {"url": "iam.ebrains.eu", "realm": "MIP", "client_id": "mipfedqa",
                     "client_secret": EXTERNAL_SECRET},
        "internal_keycloak": {"realm": "MIP", "client_id": "MIP", "client_secret": INTERNAL_SECRET},
        "datacatalogue_host": "datacatalogue.mip.ebrains.eu",
        "federation": "mipfed1",
        "pathologies": ["dementia"],
        "data_root": str(root / "data"),
        "exareme2": {"path": str(root / "opt" / "exareme2")},
        "mip_deployment": {"path": str(root / "opt" / "mip-deployment")},
    }


def worker_answers(root: Path) -> dict[str, Any]:
    data = master_answers(root)
    data.update(role="worker", join_command=JOIN_LINE)
    return data


def plan_ids(data: dict[str, Any]) -> list[str]:
    """The plan's step ids, built where no real state folder is touched (the fingerprint key)."""
    saved = os.environ.get("MIPWIZARD_STATE_DIR")
    with tempfile.TemporaryDirectory() as state:
        os.environ["MIPWIZARD_STATE_DIR"] = state
        try:
            return [step.id for step in build_plan(answers_from_mapping(data), InstallSettings(node_name="mip-master"))]
        finally:
            if saved is None:
                del os.environ["MIPWIZARD_STATE_DIR"]
            else:
                os.environ["MIPWIZARD_STATE_DIR"] = saved


def every_step() -> list[tuple[str, str]]:
    """(machine fixture, step id) for each step of the master's plan, then the worker's own steps."""
    master = plan_ids(master_answers(Path("/nonexistent")))
    worker = [s for s in plan_ids(worker_answers(Path("/nonexistent"))) if s not in master]
    return [("master_machine", s) for s in master] + [("worker_machine", s) for s in worker] + [
        ("sudo_machine", s) for s in SUDO_STEPS
    ]


@dataclass
class Machine:
    """A fake machine shared by a module's kill cases, and how to run `install` on it."""

    fake: FakeToolchain
    answers: Path
    env: dict[str, str] = field(default_factory=dict)
    sudo_password: str | None = None  # not root: privileged commands go through the fake sudo
    stubborn: bool = True  # the grandchild ignores SIGTERM too

    def argv(self, *args: str) -> list[str]:
        install = ["install", "--answers", str(self.answers), "--yes", *args]
        if self.sudo_password:  # we are root: this mipwizard believes it is not (the fake plays the user)
            return [sys.executable, "-c", AS_A_USER, *install, "--sudo-password-stdin"]
        return [sys.executable, "-m", "mipwizard", *install]

    def start(self, *args: str) -> subprocess.Popen[str]:
        install = subprocess.Popen(self.argv(*args), env=self.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        assert install.stdin is not None
        install.stdin.write(f"{self.sudo_password}\n" if self.sudo_password else "")
        install.stdin.close()
        install.stdin = None  # written and closed: communicate() must not flush it again
        return install


def make_machine(root: Path, data: dict[str, Any]) -> Iterator[Machine]:
    fake = FakeToolchain(root / "fake")
    answers = root / "answers.yaml"
    answers.write_text(yaml.safe_dump(data))
    env = fake.env()
    env.update(MIPWIZARD_STATE_DIR=str(root / "state"), MIPWIZARD_LOG_DIR=str(root / "logs"), NO_COLOR="1")
    machine = Machine(fake, answers, env)
    yield machine
    for pid in processes_of(fake):  # only after a failed case: never leave its strays to the next module
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def master_machine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Machine]:
    """A master the real CLI installed completely (so each step's action finds what it needs)."""
    root = tmp_path_factory.mktemp("killed-master")
    for machine in make_machine(root, master_answers(root)):
        done = subprocess.run(machine.argv(), env=machine.env, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        yield machine


@pytest.fixture(scope="module")
def sudo_machine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Machine]:
    """Not root: the command runs under the fake sudo, in a session of its own (as sudo's pty
    does), reached only by the SIGTERM sudo relays — a SIGKILLed sudo leaves it running, on a real
    machine too, so its grandchild here gives way to SIGTERM."""
    root = tmp_path_factory.mktemp("killed-sudo")
    for machine in make_machine(root, master_answers(root)):
        machine.fake.install_microk8s(addons=("dns", "helm3", "ingress"))
        machine.fake.set_current_user("tester")
        machine.fake.set_sudo_password(SUDO_PASSWORD)
        machine.sudo_password, machine.stubborn = SUDO_PASSWORD, False
        yield machine


@pytest.fixture(scope="module")
def worker_machine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Machine]:
    root = tmp_path_factory.mktemp("killed-worker")
    for machine in make_machine(root, worker_answers(root)):
        machine.fake.install_microk8s()
        yield machine


def kill_during(machine: Machine, step: str, how: int) -> tuple[int | None, str]:
    """Start `install --only STEP`, wait until its first child there hangs with a stubborn
    grandchild forked, signal mipwizard: its exit code and output. The code is None when the step
    finished without starting any program (there was nothing to kill)."""
    fake = machine.fake
    fake.clear_faults()
    fake.clear_calls()
    before = len(fake.forked_pids())
    fake.hang_forking(ANY_CALL, skip=CALLS_BEFORE_THE_PLAN, stubborn=machine.stubborn)
    install = machine.start("--only", step)
    try:
        until(lambda: len(fake.forked_pids()) > before or install.poll() is not None,
              what=f"a child of step {step} to fork its grandchild")
        signalled = install.poll() is None
        if signalled:
            install.send_signal(how)
        out, err = install.communicate(timeout=30)
    finally:
        if install.poll() is None:
            install.kill()
            install.communicate()
        fake.clear_faults()
    return (install.returncode if signalled else None), out + err


@pytest.mark.parametrize(("how", "code"), SIGNALS, ids=[signal.Signals(how).name for how, _ in SIGNALS])
@pytest.mark.parametrize(("machine_fixture", "step"), every_step(), ids=lambda v: v.removesuffix("_machine"))
def test_nothing_of_the_install_survives_a_signal_at_any_step(
    request: pytest.FixtureRequest, machine_fixture: str, step: str, how: int, code: int
) -> None:
    machine: Machine = request.getfixturevalue(machine_fixture)
    exit_code, output = kill_during(machine, step, how)
    assert any(f"] {step} — " in line for line in output.splitlines()), f"the hang was not in step {step}:\n{output}"
    if exit_code is None:  # e.g. keycloak-realm only writes a file: no program ever runs in it
        assert machine.fake.calls()[CALLS_BEFORE_THE_PLAN:] == [], output
        assert "Traceback" not in output
    else:
        assert "    done (" not in output and "FAILED" not in output  # killed mid-step, not after it
        assert exit_code == code, output
        if machine.sudo_password:  # the hung command really ran under sudo
            assert machine.fake.calls()[-2][0] == "sudo", machine.fake.calls()
    assert not gone(machine.fake), f"left running after {signal.Signals(how).name} during step {step}"


def test_the_matrix_covers_every_step_of_both_plans() -> None:
    as_root = [step for machine, step in every_step() if machine != "sudo_machine"]
    assert {"microk8s-snap", "join", "data-folders", "checkouts", "keycloak-realm", "exareme2-data"} <= set(as_root)
    assert len(set(as_root)) == len(as_root) == 16  # each step once: 15 on a master, `join` on a worker


# --- half-done is not done ------------------------------------------------------------------------


def mipwizard(fake: Any, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = fake.env()
    env.update(MIPWIZARD_STATE_DIR=str(tmp_path / "state"), MIPWIZARD_LOG_DIR=str(tmp_path / "logs"), NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "mipwizard", *args], env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)


def test_a_killed_clone_is_redone_never_taken_as_a_checkout(cli: Any, fake_toolchain: Any, tmp_path: Path) -> None:  # noqa: F811
    fake_toolchain.hang("git", "clone", times=1)
    install = cli.start("--yes")
    wait_for_call(fake_toolchain, "git", "clone")
    install.kill()
    install.wait(timeout=30)
    exa = tmp_path / "opt" / "exareme2"
    staging = exa.parent / ".exareme2.mipwizard-clone"
    (staging / ".git").mkdir(parents=True)  # what a clone killed mid-way leaves: .git and no commit
    assert not exa.exists()  # never in place before it is complete
    again = cli.run("--yes")
    assert again.returncode == 0, again.stdout + again.stderr
    assert not staging.exists() and (exa / ".git").is_dir()
    assert len(fake_toolchain.calls_of("git", "clone", "--no-checkout", "https://github.com/madgik/Exareme2")) == 2


def test_a_release_left_pending_is_diagnosed_and_recovered(cli: Any, fake_toolchain: Any, tmp_path: Path) -> None:  # noqa: F811
    assert cli.run("--yes").returncode == 0
    # what a helm killed mid-upgrade leaves
    fake_toolchain.set_release_status("mip", "pending-upgrade", history=["deployed", "pending-upgrade"])
    blocked = cli.run("--yes")
    assert blocked.returncode == 1
    assert "helm release mip is stuck in pending-upgrade" in blocked.stderr
    assert "mipwizard recover-release mip" in blocked.stderr and "Traceback" not in blocked.stderr
    assert not fake_toolchain.calls_of("microk8s", "helm3", "upgrade", "--install", "mip")[1:]  # helm not tried
    recovered = mipwizard(fake_toolchain, tmp_path, "recover-release", "mip", "--yes")
    assert recovered.returncode == 0, recovered.stderr
    assert cli.run("--yes").returncode == 0


def test_a_foreign_repository_at_a_checkout_path_is_never_reused_or_chowned(
    cli: Any, fake_toolchain: Any, tmp_path: Path  # noqa: F811
) -> None:
    """`/etc` under etckeeper at exareme2.path: a git work tree, but of another repository."""
    exa = tmp_path / "opt" / "exareme2"
    exa.mkdir(parents=True)
    fake_git_dir(exa, "https://example.org/etckeeper.git")
    result = cli.run("--yes")
    assert result.returncode == 1
    assert f"{exa} is a checkout of https://example.org/etckeeper.git, not of https://github.com/madgik/Exareme2" \
        in result.stderr
    assert not [c for c in fake_toolchain.calls_of("chown") if str(exa) in c]
    assert not fake_toolchain.calls_of("git", "-C", str(exa), "checkout")


def test_profiles_write_on_a_full_disk_is_a_clear_error_and_leaves_the_old_set(
    answers_file: Path, answers_data: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`profiles write` as the user runs it, the disk filling up on the third temporary file."""
    import yaml

    from mipwizard.cli.main import main

    out = tmp_path / "kubernetes"
    assert main(["profiles", "write", "--answers", str(answers_file), "--out", str(out), "--yes"]) == 0
    old = {p.name: p.read_text() for p in out.iterdir()}
    answers_data["machine_public_fqdn"] = "new.example.org"
    answers_file.write_text(yaml.safe_dump(answers_data))
    disk_full_at_write(monkeypatch, 3)
    capsys.readouterr()
    assert main(["profiles", "write", "--answers", str(answers_file), "--out", str(out), "--yes"]) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "the profiles there are unchanged" in err and "Traceback" not in err
    assert {p.name: p.read_text() for p in out.iterdir()} == old  # the old set, whole, and no temporary file


def fake_git_dir(path: Path, url: str) -> None:
    """A work tree the fake git takes for a checkout of ``url`` (as tests/fake_toolchain/prog_git.py writes)."""
    from tests.fake_toolchain import PACKAGE_DIR

    sys.path.insert(0, str(PACKAGE_DIR))
    try:
        import prog_git
    finally:
        sys.path.remove(str(PACKAGE_DIR))
    prog_git._populate(path, "exareme2")
    prog_git._write_git_dir(path, url)
    (path / ".git" / "FAKE_HEAD").write_text(prog_git.fake_commit(url, "main") + "\n")


# --- nor anything of `logs -f` ----------------------------------------------------------------------


@pytest.mark.parametrize(("how", "code"), SIGNALS, ids=[signal.Signals(how).name for how, _ in SIGNALS])
def test_a_followed_log_leaves_no_kubectl_behind(
    fake_toolchain: Any, answers_data: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: int, code: int
) -> None:
    from tests.conftest import install_fake_cluster

    install_fake_cluster(fake_toolchain, answers_data, tmp_path, monkeypatch)
    pod = next(p for p in fake_toolchain.pods() if "controller" in p["metadata"]["name"])
    fake_toolchain.hang_forking("microk8s", "kubectl", "logs")
    follow = subprocess.Popen(
        [sys.executable, "-m", "mipwizard", "logs", pod["metadata"]["name"], "-n", pod["metadata"]["namespace"], "-f"],
        env=dict(os.environ), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        until(fake_toolchain.forked_pids, what="kubectl logs -f to fork its grandchild")
        follow.send_signal(how)
        _out, err = follow.communicate(timeout=30)
    finally:
        if follow.poll() is None:
            follow.kill()
            follow.communicate()
    assert follow.returncode == code, err
    assert "Traceback" not in err
    assert not gone(fake_toolchain), f"left running after {signal.Signals(how).name} of `logs -f`"


# --- the one way a program starts -----------------------------------------------------------------

STARTS_A_PROGRAM = re.compile(
    r"subprocess\.(Popen|run|call|check_call|check_output|getoutput|getstatusoutput)\b|"
    r"os\.(fork|forkpty|system|popen|exec\w*|spawn\w*|posix_spawn\w*)\b|create_subprocess_\w+|pty\.(spawn|fork)\b|"
    r"from (subprocess|os|pty) import [^\n]*\b(Popen|run|call|check_output|fork|system|popen|exec\w*|spawn\w*)\b"
)


def test_only_core_process_starts_programs() -> None:
    """Every program the install (and the rest) runs goes through core/process.py's guard: a step
    cannot start one any other way, so the kill matrix's point per step stands for all its children."""
    package = Path(__file__).resolve().parents[1] / "mipwizard"
    starting = {
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if STARTS_A_PROGRAM.search(path.read_text(encoding="utf-8"))
    }
    assert starting == {"core/process.py", "core/guard.py"}
