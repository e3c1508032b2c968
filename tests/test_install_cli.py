"""``mipwizard install`` as a user runs it: a subprocess on the fake machine (kill -9, Ctrl+C…)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import psutil
import pytest
import yaml

from mipwizard.core.answers import answers_from_mapping
from mipwizard.core.install import InstallEngine, InstallSettings, Journal, build_plan
from mipwizard.core.logfile import LogFile
from mipwizard.core.redact import Redactor
from mipwizard.core.runner import ProcessRunner
from tests.conftest import EXTERNAL_SECRET, INTERNAL_SECRET
from tests.test_install import MUTATING, _matches, mutating_calls

from .polling import until

SUDO_PASSWORD = "Sudo-Pass-9d1e77"


@pytest.fixture
def cli(tmp_path: Path, answers_data: dict, fake_toolchain):
    data = dict(answers_data)
    data["data_root"] = str(tmp_path / "data")
    data["exareme2"] = {"path": str(tmp_path / "opt" / "exareme2")}
    data["mip_deployment"] = {"path": str(tmp_path / "opt" / "mip-deployment")}
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(data))
    env = fake_toolchain.env()
    env["MIPWIZARD_STATE_DIR"] = str(tmp_path / "state")
    env["MIPWIZARD_LOG_DIR"] = str(tmp_path / "logs")
    env["NO_COLOR"] = "1"

    class Cli:
        environment = env  # a test may point the login check elsewhere
        answers_file = answers
        log = tmp_path / "logs" / "install.log"
        journal = tmp_path / "state" / "install-journal.json"
        mip = tmp_path / "opt" / "mip-deployment"

        def argv(self, *args: str) -> list[str]:
            return [sys.executable, "-m", "mipwizard", "install", "--answers", str(answers), *args]

        def run(self, *args: str, stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
            return subprocess.run(
                self.argv(*args), env=env, input=stdin, capture_output=True, text=True, timeout=timeout,
                stdin=None if stdin is not None else subprocess.DEVNULL,
            )

        def start(self, *args: str) -> subprocess.Popen:
            return subprocess.Popen(
                self.argv(*args), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True,
            )

    return Cli()


def wait_for_call(fake, *prefix: str, timeout: float = 60) -> None:
    until(lambda: fake.calls_of(*prefix), timeout=timeout, what=f"a call of {prefix}")


def test_dry_run_prints_every_step_and_changes_nothing(cli, fake_toolchain) -> None:
    first = cli.run("--dry-run")
    second = cli.run("--dry-run")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout  # stable
    out = first.stdout
    assert "15 steps" in out  # the guide's 14, then the login check (the answers' Keycloak is external)
    assert "login-check" in out and "the Keycloak login page? (a warning if not)" in out
    assert "Release 8.0.0: exareme2 0.20.0; mip_deployment 8.0.0" in out
    assert "$ git clone --no-checkout https://github.com/madgik/Exareme2" in out
    assert "write " + str(cli.mip) + "/kubernetes/values.mipwizard.yaml  (mip8-profiles values)" in out
    assert "$ snap install microk8s --classic" in out
    assert "$ adduser --disabled-password --gecos '' mipadmin" in out
    assert "$ microk8s kubectl label node mip-master master=true worker=true --overwrite" in out
    assert EXTERNAL_SECRET not in out and INTERNAL_SECRET not in out
    assert mutating_calls(fake_toolchain) == []
    assert not cli.journal.exists()


def test_refuses_without_yes_when_there_is_no_terminal(cli, fake_toolchain) -> None:
    result = cli.run()
    assert result.returncode == 2
    assert "--yes" in result.stderr
    assert fake_toolchain.calls() == [["hostname"]]


def test_unknown_step_is_a_usage_error(cli) -> None:
    result = cli.run("--from", "helm", "--yes")
    assert result.returncode == 2 and "no step 'helm'" in result.stderr


def test_install_then_rerun(cli, fake_toolchain) -> None:
    first = cli.run("--yes")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Open the MIP at https://mip.example.org/" in first.stdout
    assert "[13/15] pods-ready" in first.stdout and "[14/15] exareme2-data" in first.stdout
    assert "[15/15] login-check" in first.stdout
    fake_toolchain.clear_calls()
    second = cli.run("--yes")  # its speed: benchmarks/bench_rerun.py
    assert second.returncode == 0
    assert second.stdout.count("    already done (") == 14  # the login check asks again each time
    assert mutating_calls(fake_toolchain) == []


def test_login_check_after_install_is_a_warning_with_the_redirect_uri_hint(cli, fake_toolchain) -> None:
    """External Keycloak: the install's last step asks the MIP UI for its login. Keycloak refusing
    the redirect URI is a warning with the fix (exit 0, the MIP is installed); fixed, it says so."""
    from tests.test_login_check import Site

    site = Site()
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    try:
        site.allowed = False  # the client does not list this MIP's address
        cli.environment["MIPWIZARD_LOGIN_CHECK_URL"] = site.url
        first = cli.run("--yes")
        assert first.returncode == 0, first.stdout + first.stderr
        assert "[15/15] login-check" in first.stdout and "    WARNING (" in first.stdout
        warning = next(line for line in first.stdout.splitlines() if line.startswith("Warning: "))
        assert "login-check: Keycloak refused the MIP's redirect URI" in warning
        assert "Valid Redirect URIs must include https://mip.example.org/*" in warning
        assert json.loads(cli.journal.read_text())["steps"]["login-check"]["outcome"] == "warning"
        site.allowed = True  # fixed on the Keycloak side: the next run says so
        second = cli.run("--yes")
        assert second.returncode == 0 and "Warning:" not in second.stdout
        assert "the MIP login leads to the Keycloak login page" in second.stdout
        assert site.requests.count("/services/sso/login") == 2
    finally:
        site.server.shutdown()
        site.server.server_close()


def test_failed_step_exit_1_names_step_output_and_log_then_resumes(cli, fake_toolchain) -> None:
    fake_toolchain.fail("microk8s", "enable", exit_code=1, stderr="Addon ingress failed: timed out", times=1)
    failed = cli.run("--yes")
    assert failed.returncode == 1
    assert "step addons failed" in failed.stderr
    assert "Addon ingress failed: timed out" in failed.stderr  # last output lines
    assert str(cli.log) in failed.stderr
    assert json.loads(cli.journal.read_text())["failed"]["step"] == "addons"
    fake_toolchain.clear_calls()
    again = cli.run("--yes")
    assert again.returncode == 0, again.stderr
    assert "The last run stopped at step addons" in again.stdout
    assert mutating_calls(fake_toolchain)[0][:2] == ["microk8s", "enable"]
    assert fake_toolchain.calls_of("snap", "install") == []


def test_sigkill_mid_step_then_rerun_does_no_step_twice(cli, fake_toolchain) -> None:
    fake_toolchain.hang("microk8s", "enable", times=1)
    proc = cli.start("--yes")
    wait_for_call(fake_toolchain, "microk8s", "enable")
    # The fake logs a call before it takes its fault: wait until the one hang is used up.
    until(lambda: all(f["times"] == 0 for f in fake_toolchain._store.read()["faults"] if f["kind"] == "hang"),
          what="the fake to take its hang")
    proc.kill()  # the journal says "running: addons" before the step's command starts
    proc.wait(10)
    assert json.loads(cli.journal.read_text())["running"] == "addons"
    again = cli.run("--yes")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "interrupted during step addons" in again.stdout
    counts: dict[tuple[str, ...], int] = {}
    for call in mutating_calls(fake_toolchain):
        key = next(p for p in MUTATING if _matches(call, p))
        counts[key] = counts.get(key, 0) + 1
    assert counts.pop(("microk8s", "enable")) == 2  # the killed one, then the one that finished
    assert counts[("snap", "install")] == 1 and counts[("adduser",)] == 1
    assert counts[("microk8s", "helm3", "upgrade")] == 2  # exareme2 and mip, once each
    several = {("chown",), ("mkdir",), ("git", "clone"), ("git", "-C", None, "checkout"),
               ("microk8s", "helm3", "upgrade")}  # one per folder / checkout / release
    assert all(n == 1 for k, n in counts.items() if k not in several)


def test_ctrl_c_kills_the_child_and_exits_130(cli, fake_toolchain) -> None:
    fake_toolchain.hang("snap", "install")
    proc = cli.start("--yes")
    wait_for_call(fake_toolchain, "snap", "install")
    children = until(lambda: psutil.Process(proc.pid).children(recursive=True), what="the hung child")
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert "interrupted" in err
    until(lambda: not [c for c in children if alive(c)], what="the children to end")


def alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_secrets_never_in_stdout_log_or_journal(cli, fake_toolchain) -> None:
    fake_toolchain.fail(
        "microk8s", "helm3", "upgrade", "--install", "mip", exit_code=1,
        stderr=f"Error: client secret {EXTERNAL_SECRET} / {INTERNAL_SECRET} / {SUDO_PASSWORD} rejected",
    )
    result = cli.run("--yes", "--sudo-password-stdin", stdin=SUDO_PASSWORD + "\n")
    assert result.returncode == 1
    for text in (result.stdout, result.stderr, cli.log.read_text(), cli.journal.read_text()):
        for secret in (EXTERNAL_SECRET, INTERNAL_SECRET, SUDO_PASSWORD):
            assert secret not in text
    assert "***HIDDEN***" in result.stderr


def test_not_root_runs_privileged_commands_through_sudo_with_password(
    fake_toolchain, answers_data: dict, tmp_path: Path
) -> None:
    fake_toolchain.set_current_user("tester")
    fake_toolchain.set_sudo_password(SUDO_PASSWORD)
    data = dict(answers_data)
    data["data_root"] = str(tmp_path / "data")
    data["exareme2"] = {"path": str(tmp_path / "opt" / "exareme2")}
    data["mip_deployment"] = {"path": str(tmp_path / "opt" / "mip-deployment")}
    answers = answers_from_mapping(data)
    log = LogFile(tmp_path / "install.log")
    runner = ProcessRunner(redactor=Redactor(answers.secrets()), log=log, sudo_password=SUDO_PASSWORD, as_root=False)
    plan = build_plan(answers, InstallSettings(poll_seconds=0.05))
    result = InstallEngine(plan, runner, Journal(tmp_path / "j.json")).run()
    log.close()
    assert result.ok, result.message
    records = fake_toolchain.call_records()
    via_sudo = [r for r in records if r["argv"][0] == "sudo"]
    inner = [[os.path.basename(r["argv"][5]), *r["argv"][6:]] for r in via_sudo]
    assert ["snap", "install", "microk8s", "--classic"] in inner
    assert ["adduser", "--disabled-password", "--gecos", "", "mipadmin"] in inner
    # the password answers sudo's own prompt (a marker we recognise), nothing else's stdin
    assert all(r["argv"][1:3] == ["-S", "-p"] and r["argv"][3].startswith("[mipwizard-sudo-") for r in via_sudo)
    assert all(r["argv"][4] == "--" and r["stdin"] for r in via_sudo)
    # commands that need no privileges got a closed stdin
    queries = [r for r in records if r["argv"][0] in {"stat", "id"}
               or (r["argv"][:2] == ["git", "-C"] and "checkout" not in r["argv"])]
    assert queries and not any(r["stdin"] for r in queries)
    assert SUDO_PASSWORD not in (tmp_path / "install.log").read_text()
    assert SUDO_PASSWORD not in (tmp_path / "j.json").read_text()
