"""The worker role: snap → admin user → ready → ``microk8s join`` → data folders, against the fake."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mipwizard.core.answers import answers_from_mapping
from mipwizard.core.errors import UserError
from mipwizard.core.install import InstallEngine, InstallSettings, Journal, StepFinished, StepStarted, build_plan
from mipwizard.core.logfile import LogFile
from mipwizard.core.redact import MASK, Redactor
from mipwizard.core.runner import ProcessRunner
from tests.test_install import MUTATING, _matches

TOKEN = "5f0c2a9e7d1b4c3a8e6f2d0b9a7c5e1f"
CHECK = "e3b0c44298fc1c14"
CONNECTION = f"192.168.1.230:25000/{TOKEN}/{CHECK}"
JOIN_LINE = f"microk8s join {CONNECTION} --worker"
WORKER_STEPS = ["microk8s-snap", "admin-user", "microk8s-ready", "join", "data-folders"]
WORKER_MUTATING = (*MUTATING, ("microk8s", "join"))


@pytest.fixture
def worker(tmp_path: Path, answers_data: dict, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setenv("MIPWIZARD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("MIPWIZARD_LOG_DIR", str(tmp_path / "logs"))
    data = dict(answers_data)
    data.update(role="worker", join_command=JOIN_LINE, data_root=str(tmp_path / "data"))
    return data


def run_worker(data: dict, tmp_path: Path) -> tuple:
    answers = answers_from_mapping(data)
    log = LogFile(tmp_path / "logs" / "install.log")
    runner = ProcessRunner(redactor=Redactor(answers.secrets()), log=log)
    events: list = []
    engine = InstallEngine(build_plan(answers), runner, Journal(tmp_path / "state" / "journal.json"),
                           on_event=events.append)
    try:
        return engine.run(), events
    finally:
        log.close()


def outcomes(events: list) -> dict[str, str]:
    return {e.step_id: e.outcome for e in events if isinstance(e, StepFinished)}


def mutating(fake) -> list[list[str]]:
    return [c for c in fake.calls() if any(_matches(c, p) for p in WORKER_MUTATING)]


def cli_run(fake, tmp_path: Path, data: dict, *args: str) -> subprocess.CompletedProcess:
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(data))
    env = fake.env()
    env.update(MIPWIZARD_STATE_DIR=str(tmp_path / "state"), MIPWIZARD_LOG_DIR=str(tmp_path / "logs"), NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "mipwizard", "install", "--answers", str(answers), *args],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
    )


def test_worker_install_runs_snap_user_ready_join_folders_in_order(fake_toolchain, worker, tmp_path: Path) -> None:
    result, events = run_worker(worker, tmp_path)
    assert result.ok, result.message
    assert [e.step_id for e in events if isinstance(e, StepStarted)] == WORKER_STEPS
    assert outcomes(events) == dict.fromkeys(WORKER_STEPS, "done")
    data = tmp_path / "data" / "mipfed1"
    assert mutating(fake_toolchain) == [
        ["snap", "install", "microk8s", "--classic"],
        ["adduser", "--disabled-password", "--gecos", "", "mipadmin"],
        ["usermod", "-aG", "sudo,microk8s", "mipadmin"],
        ["microk8s", "status", "--wait-ready", "--timeout", "300"],
        ["microk8s", "join", CONNECTION, "--worker"],
    ]  # the data folders: made and chowned by root itself, through descriptors
    # no addons, charts or labels on a worker: the master labels it
    assert not fake_toolchain.calls_of("microk8s", "enable") and not fake_toolchain.calls_of("microk8s", "helm3")
    assert not fake_toolchain.calls_of("microk8s", "kubectl")
    assert result.message.endswith("on the master, run: mipwizard node label mip-master --worker")
    assert result.url is None
    assert fake_toolchain.state()["joined"]["worker"] is True
    assert fake_toolchain.clustered_lock.is_file() and tmp_path in fake_toolchain.clustered_lock.parents
    admin = fake_toolchain.state()["users"]["mipadmin"]
    assert (data / "dementia").is_dir() and (data / "dementia").stat().st_uid == admin["uid"]


def test_label_command_uses_the_lowercase_hostname_and_smpc(fake_toolchain, worker, tmp_path: Path) -> None:
    fake_toolchain.set_hostname("Worker-2")
    worker["smpc_player"] = True
    result, _events = run_worker(worker, tmp_path)
    assert result.ok, result.message
    assert result.message.endswith("mipwizard node label worker-2 --worker --smpc-player")


def test_rerun_skips_the_join(fake_toolchain, worker, tmp_path: Path) -> None:
    assert run_worker(worker, tmp_path)[0].ok
    fake_toolchain.clear_calls()
    result, events = run_worker(worker, tmp_path)
    assert result.ok
    assert outcomes(events) == dict.fromkeys(WORKER_STEPS, "already")
    assert mutating(fake_toolchain) == []


def test_an_already_joined_worker_is_recognised(fake_toolchain, worker, tmp_path: Path) -> None:
    fake_toolchain.install_microk8s()
    fake_toolchain.add_user("mipadmin", groups=("sudo", "microk8s"))
    fake_toolchain.mark_joined()
    status = subprocess.run(["microk8s", "status", "--format", "yaml"], capture_output=True, text=True, check=False)
    assert "acting as a node in a cluster" in status.stdout  # what upstream prints on a worker
    result, events = run_worker(worker, tmp_path)
    assert result.ok
    assert outcomes(events)["microk8s-ready"] == "already" and outcomes(events)["join"] == "already"
    assert fake_toolchain.calls_of("microk8s", "join") == []


def test_owner_group_is_the_users_primary_group(fake_toolchain, worker, tmp_path: Path) -> None:
    fake_toolchain.add_user("mipadmin", groups=("sudo", "microk8s", "staff"))
    with fake_toolchain._store.update() as state:  # an existing admin whose login group is staff
        state["users"]["mipadmin"]["gid"] = state["groups"]["staff"]["gid"]
    result, _events = run_worker(worker, tmp_path)
    assert result.ok, result.message
    data = tmp_path / "data" / "mipfed1"
    staff = fake_toolchain.state()["groups"]["staff"]["gid"]
    assert [p.stat().st_gid for p in (data, data / "dementia")] == [staff, staff]


def test_failed_join_says_a_new_token_is_needed_and_never_shows_it(fake_toolchain, worker, tmp_path: Path) -> None:
    fake_toolchain.fail("microk8s", "join", exit_code=1, times=1,
                        stderr=f"Contacting cluster at 192.168.1.230\nError joining {CONNECTION}: Invalid token (401)")
    failed = cli_run(fake_toolchain, tmp_path, worker, "--yes")
    assert failed.returncode == 1
    assert "step join failed" in failed.stderr
    assert "a new one is needed" in failed.stderr and "microk8s add-node" in failed.stderr
    assert "join_command" in failed.stderr
    assert MASK in failed.stderr  # the failing line is shown, its token masked
    log = tmp_path / "logs" / "install.log"
    journal = tmp_path / "state" / "install-journal.json"
    assert json.loads(journal.read_text())["failed"]["step"] == "join"
    assert fake_toolchain.calls_of("mkdir") == []  # stopped at the join
    again = cli_run(fake_toolchain, tmp_path, worker, "--yes")
    assert again.returncode == 0, again.stderr
    assert "mipwizard node label mip-master --worker" in again.stdout
    for text in (failed.stdout, failed.stderr, again.stdout, again.stderr, log.read_text(), journal.read_text()):
        assert TOKEN not in text
    assert TOKEN in json.dumps(fake_toolchain.calls())  # (the join really got it)


def test_worker_without_join_command_explains_how_to_get_one(fake_toolchain, worker, tmp_path: Path) -> None:
    del worker["join_command"]
    result, _events = run_worker(worker, tmp_path)
    assert result.failed_step == "join"
    assert "join_command is not set" in result.message and "mipwizard node join-command" in result.message


@pytest.mark.parametrize("bad", ["microk8s join nowhere", "join me please", f"microk8s join {TOKEN}"])
def test_bad_join_command_is_exit_1_naming_the_key(fake_toolchain, worker, tmp_path: Path, bad: str) -> None:
    worker["join_command"] = bad
    result = cli_run(fake_toolchain, tmp_path, worker, "--dry-run")
    assert result.returncode == 1
    assert "join_command: is not a join command" in result.stderr
    assert "Traceback" not in result.stderr and TOKEN not in result.stderr
    assert mutating(fake_toolchain) == []


@pytest.mark.parametrize("role", ["local", "master"])
def test_join_command_only_for_a_worker(worker, role: str) -> None:
    worker["role"] = role
    with pytest.raises(UserError) as caught:
        answers_from_mapping(worker)
    assert any(p.startswith("join_command: only a worker joins") for p in caught.value.problems), caught.value
    assert TOKEN not in str(caught.value)


def test_join_command_is_a_secret(worker) -> None:
    worker["join_command"] = f"  {CONNECTION}  "  # a bare connection string is accepted
    answers = answers_from_mapping(worker)
    assert answers.join_command == JOIN_LINE  # canonical form
    assert TOKEN in answers.secrets()
    assert Redactor(answers.secrets()).redact(f"token {TOKEN} used") == f"token {MASK} used"
    without = answers.to_yaml(include_secrets=False)
    assert "join_command" not in yaml.safe_load(without) and TOKEN not in without
    assert yaml.safe_load(answers.to_yaml())["join_command"] == JOIN_LINE


def test_dry_run_for_a_worker(fake_toolchain, worker, tmp_path: Path) -> None:
    result = cli_run(fake_toolchain, tmp_path, worker, "--dry-run")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "(role worker): 5 steps" in out
    assert f"$ microk8s join 192.168.1.230:25000/{MASK}/{CHECK} --worker" in out
    assert TOKEN not in out
    assert f"{fake_toolchain.clustered_lock} exists" in out
    assert "microk8s enable" not in out and "helm3" not in out and "kubectl" not in out
    assert mutating(fake_toolchain) == []


def test_plan_ids(fake_toolchain, worker) -> None:
    plan = build_plan(answers_from_mapping(worker), InstallSettings(node_name="w1"))
    assert [s.id for s in plan] == WORKER_STEPS
    assert plan[-1].done_message.endswith("mipwizard node label w1 --worker")
