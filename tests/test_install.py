"""The install engine against the fake toolchain: order, exact argv, idempotence, failures."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from pathlib import Path

import pytest

from mipwizard.core.answers import answers_from_mapping
from mipwizard.core.install import (
    InstallEngine,
    InstallSettings,
    Journal,
    PlanFinished,
    StepFinished,
    StepOutput,
    StepStarted,
    build_plan,
)
from mipwizard.core.logfile import LogFile
from mipwizard.core.redact import Redactor
from mipwizard.core.runner import ProcessRunner
from tests.conftest import EXTERNAL_SECRET, INTERNAL_SECRET

STEP_IDS = [
    "microk8s-snap",
    "admin-user",
    "microk8s-ready",
    "addons",
    "data-folders",
    "checkouts",
    "exareme2-values",
    "node-labels",
    "exareme2-chart",
    "mip-profiles",
    "mip-secrets",
    "mip-chart",
    "pods-ready",
    "exareme2-data",
    "login-check",  # external Keycloak: the fake serves no MIP UI, so it ends as a warning
]

# Commands that change the machine (the probes only read).
MUTATING = (
    ("snap", "install"),
    ("adduser",),
    ("usermod",),
    ("microk8s", "status", "--wait-ready"),
    ("microk8s", "enable"),
    ("mkdir",),
    ("chown",),
    ("git", "clone"),
    ("git", "-C", None, "checkout"),
    ("microk8s", "kubectl", "label"),
    ("microk8s", "kubectl", "apply"),
    ("microk8s", "kubectl", "exec", None, "-c", "db-importer", "--", "mipdb", "init"),
    ("microk8s", "kubectl", "exec", None, "-c", "db-importer", "--", "mipdb", "load-folder"),
    ("microk8s", "helm3", "upgrade"),
)


@pytest.fixture
def site(tmp_path: Path, answers_data: dict, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setenv("MIPWIZARD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("MIPWIZARD_LOG_DIR", str(tmp_path / "logs"))
    data = dict(answers_data)
    data["data_root"] = str(tmp_path / "data")
    data["exareme2"] = {"path": str(tmp_path / "opt" / "exareme2")}
    data["mip_deployment"] = {"path": str(tmp_path / "opt" / "mip-deployment")}
    return data


def run_install(data: dict, tmp_path: Path, **run_kwargs):
    answers = answers_from_mapping(data)
    redactor = Redactor(answers.secrets())
    log = LogFile(tmp_path / "logs" / "install.log")
    runner = ProcessRunner(redactor=redactor, log=log)
    events: list = []
    plan = build_plan(answers, InstallSettings(poll_seconds=0.05))
    engine = InstallEngine(plan, runner, Journal(tmp_path / "state" / "journal.json"), on_event=events.append)
    try:
        result = engine.run(**run_kwargs)
    finally:
        log.close()
    return result, events


def outcomes(events: list) -> dict[str, str]:
    return {e.step_id: e.outcome for e in events if isinstance(e, StepFinished)}


def _matches(call: list[str], prefix: tuple) -> bool:
    return len(call) >= len(prefix) and all(p is None or c == p for c, p in zip(call, prefix, strict=False))


def mutating_calls(fake) -> list[list[str]]:
    return [c for c in fake.calls() if any(_matches(c, p) for p in MUTATING)]


# The fake's commits for the default release's refs (tests/fake_toolchain/prog_git.py fake_commit).
EXA_COMMIT = hashlib.sha1(b"https://github.com/madgik/Exareme2@0.20.0").hexdigest()
MIP_COMMIT = hashlib.sha1(b"https://github.com/HBPMedical/mip-deployment@8.0.0").hexdigest()


def MIP_HOSTPATHS(mip: Path) -> list[str]:
    """The fake chart's data_paths (its values.yaml is the master one) under mip_deployment.path."""
    return [f"{mip}/.stored_data/portalbackenddb", f"{mip}/config", f"{mip}/logs", f"{mip}/.stored_data/gatewaydb",
            f"{mip}/.stored_data/caddy/caddy_data", f"{mip}/.stored_data/keycloak", f"{mip}/config/keycloak",
            f"{mip}/config/keycloak/HBPTheme"]


def test_full_install_runs_every_step_in_order_with_exact_argv(fake_toolchain, site, tmp_path: Path) -> None:
    result, events = run_install(site, tmp_path)
    assert result.ok, result.message
    assert result.url == "https://mip.example.org/"
    # no data in the folders yet: the data step has nothing to load (and says so)
    assert outcomes(events) == {
        **dict.fromkeys(STEP_IDS, "done"), "pods-ready": "already", "exareme2-data": "already", "login-check": "warning"
    }
    assert [w.split(":")[0] for w in result.warnings] == ["login-check"]
    assert [e.step_id for e in events if isinstance(e, StepStarted)] == STEP_IDS
    assert isinstance(events[-1], PlanFinished)
    exa, mip, data = tmp_path / "opt" / "exareme2", tmp_path / "opt" / "mip-deployment", tmp_path / "data"
    assert mutating_calls(fake_toolchain) == [
        ["snap", "install", "microk8s", "--classic"],
        ["adduser", "--disabled-password", "--gecos", "", "mipadmin"],
        ["usermod", "-aG", "sudo,microk8s", "mipadmin"],
        ["microk8s", "status", "--wait-ready", "--timeout", "300"],
        ["microk8s", "enable", "dns", "helm3", "ingress"],
        # (data folders: root makes and chowns them itself, through descriptors — no program runs)
        # clone beside the target, check the ref out, hand it over, then rename (a killed clone never looks done)
        ["git", "clone", "--no-checkout", "https://github.com/madgik/Exareme2",
         f"{exa.parent}/.exareme2.mipwizard-clone"],
        ["git", "-C", f"{exa.parent}/.exareme2.mipwizard-clone", "checkout", "--quiet", "--detach", EXA_COMMIT],
        ["chown", "-h", "-R", "--", "mipadmin:mipadmin", f"{exa.parent}/.exareme2.mipwizard-clone"],
        ["chown", "-h", "-R", "--", "mipadmin:mipadmin", str(exa)],
        ["git", "clone", "--no-checkout", "https://github.com/HBPMedical/mip-deployment",
         f"{mip.parent}/.mip-deployment.mipwizard-clone"],
        ["git", "-C", f"{mip.parent}/.mip-deployment.mipwizard-clone", "checkout", "--quiet", "--detach", MIP_COMMIT],
        ["chown", "-h", "-R", "--", "mipadmin:mipadmin", f"{mip.parent}/.mip-deployment.mipwizard-clone"],
        ["chown", "-h", "-R", "--", "mipadmin:mipadmin", str(mip)],
        # the hostPaths the 0.20 chart mounts
        ["mkdir", "-p", f"{exa}/credentials", f"{exa}/.stored_data/db", f"{exa}/.stored_data/cleanup"],
        ["chown", "-R", "mipadmin:mipadmin", f"{exa}/.stored_data"],
        ["microk8s", "kubectl", "label", "node", "mip-master", "master=true", "worker=true", "--overwrite"],
        ["microk8s", "helm3", "upgrade", "--install", "exareme2", f"{exa}/kubernetes",
         "-f", f"{exa}/kubernetes/values.mipwizard.yaml"],
        ["mkdir", "-p", *MIP_HOSTPATHS(mip)],
        ["microk8s", "kubectl", "apply", "-f", "-"],
        ["microk8s", "helm3", "upgrade", "--install", "mip", f"{mip}/kubernetes", "-f", f"{mip}/kubernetes/.direct",
         "-f", f"{mip}/kubernetes/values.mipwizard.yaml"],
    ]
    assert (data / "mipfed1" / "dementia").is_dir()
    admin = fake_toolchain.state()["users"]["mipadmin"]
    for folder in (data / "mipfed1", data / "mipfed1" / "dementia"):
        assert (folder.stat().st_uid, folder.stat().st_gid) == (admin["uid"], admin["gid"])
    assert data.stat().st_uid == 0  # the data root stays root's
    assert fake_toolchain.node_labels("mip-master")["worker"] == "true"
    releases = fake_toolchain.helm_releases()
    assert set(releases) == {"exareme2", "mip"}
    overlay = (exa / "kubernetes" / "values.mipwizard.yaml").read_text()
    assert f"csvs_location: {data}/mipfed1" in overlay and "localnodes: 1" in overlay
    assert (mip / "kubernetes" / ".direct").stat().st_mode & 0o777 == 0o600
    # every child got a closed stdin (root: no sudo password to pass) but the Secrets' `kubectl apply -f -`
    assert [r["argv"] for r in fake_toolchain.call_records() if r["stdin"]] == [
        ["microk8s", "kubectl", "apply", "-f", "-"]]


def test_second_run_changes_nothing_and_is_fast(fake_toolchain, site, tmp_path: Path) -> None:
    assert run_install(site, tmp_path)[0].ok
    fake_toolchain.clear_calls()
    result, events = run_install(site, tmp_path)  # its speed: benchmarks/bench_rerun.py
    assert result.ok
    assert outcomes(events) == {**dict.fromkeys(STEP_IDS, "already"), "login-check": "warning"}
    assert mutating_calls(fake_toolchain) == []


def test_already_installed_machine_is_recognised(fake_toolchain, site, tmp_path: Path) -> None:
    answers = answers_from_mapping(site)
    fake_toolchain.mark_fully_installed(answers)
    result, _events = run_install(site, tmp_path)
    assert result.ok
    exa, mip = tmp_path / "opt" / "exareme2", tmp_path / "opt" / "mip-deployment"
    assert mutating_calls(fake_toolchain) == [
        # what the marker does not make: the chart's hostPaths, the overlays, the Secrets
        ["mkdir", "-p", f"{exa}/credentials", f"{exa}/.stored_data/db", f"{exa}/.stored_data/cleanup"],
        ["chown", "-R", "mipadmin:mipadmin", f"{exa}/.stored_data"],
        # the fake's releases carry no journal record: helm runs once more with our values
        ["microk8s", "helm3", "upgrade", "--install", "exareme2", f"{exa}/kubernetes",
         "-f", f"{exa}/kubernetes/values.mipwizard.yaml"],
        ["mkdir", "-p", *MIP_HOSTPATHS(mip)],
        ["microk8s", "kubectl", "apply", "-f", "-"],
        ["microk8s", "helm3", "upgrade", "--install", "mip", f"{mip}/kubernetes",
         "-f", f"{mip}/kubernetes/.direct", "-f", f"{mip}/kubernetes/values.mipwizard.yaml"],
    ]


def test_only_missing_addons_are_enabled(fake_toolchain, site, tmp_path: Path) -> None:
    fake_toolchain.install_microk8s(addons=("dns",))
    assert run_install(site, tmp_path)[0].ok
    assert fake_toolchain.calls_of("microk8s", "enable") == [["microk8s", "enable", "helm3", "ingress"]]
    assert fake_toolchain.calls_of("snap", "install") == []


def test_failed_step_stops_and_next_run_resumes_there(fake_toolchain, site, tmp_path: Path) -> None:
    stderr = "fatal: unable to access 'https://github.com/': timeout"
    fake_toolchain.fail("git", "clone", exit_code=128, stderr=stderr, times=1)
    result, events = run_install(site, tmp_path)
    assert not result.ok and result.failed_step == "checkouts"
    assert "exit code 128" in result.message
    assert any("unable to access" in line for line in result.tail)
    assert outcomes(events)["checkouts"] == "failed"
    assert "exareme2-values" not in outcomes(events)
    journal = json.loads((tmp_path / "state" / "journal.json").read_text())
    assert journal["failed"]["step"] == "checkouts"
    fake_toolchain.clear_calls()
    result, events = run_install(site, tmp_path)
    assert result.ok
    done = [k for k, v in outcomes(events).items() if v == "done"]
    assert done[0] == "checkouts"
    assert [c[:2] for c in mutating_calls(fake_toolchain)][:1] == [["git", "clone"]]
    assert fake_toolchain.calls_of("snap", "install") == []


def test_from_and_only(fake_toolchain, site, tmp_path: Path) -> None:
    assert run_install(site, tmp_path)[0].ok
    fake_toolchain.clear_calls()
    result, events = run_install(site, tmp_path, only_step="exareme2-chart")
    assert result.ok and outcomes(events) == {"exareme2-chart": "done"}
    assert len(fake_toolchain.calls_of("microk8s", "helm3", "upgrade")) == 1
    fake_toolchain.clear_calls()
    result, events = run_install(site, tmp_path, from_step="mip-chart")
    got = outcomes(events)
    assert got["microk8s-snap"] == "skipped" and got["mip-chart"] == "done" and got["pods-ready"] == "already"


def test_pods_wait_reports_crashloop_by_name_and_times_out(fake_toolchain, site, tmp_path: Path) -> None:
    site["pods_ready_timeout"] = 10
    fake_toolchain.pod_scenario("crashloop")
    answers = answers_from_mapping(site)
    redactor = Redactor(answers.secrets())
    runner = ProcessRunner(redactor=redactor)
    plan = build_plan(answers, InstallSettings(poll_seconds=0.2))
    seen: list = []
    engine = InstallEngine(plan, runner, Journal(tmp_path / "j.json"), on_event=seen.append)
    result = engine.run()
    assert result.failed_step == "pods-ready", result.message
    assert "CrashLoopBackOff" in result.message and "after 10 s" in result.message, result.message
    waited = next(e.seconds for e in seen if isinstance(e, StepFinished) and e.step_id == "pods-ready")
    assert 10 <= waited < 40  # bounded by pods_ready_timeout (slack for a loaded machine)
    lines = [line for e in seen if isinstance(e, StepOutput) for line in e.lines]
    assert any("CrashLoopBackOff" in line for line in lines)


def test_pods_wait_succeeds_when_pods_become_ready(fake_toolchain, site, tmp_path: Path) -> None:
    fake_toolchain.set_ready_after(3)
    result, events = run_install(site, tmp_path)
    assert result.ok and outcomes(events)["pods-ready"] == "done"


def test_hung_command_is_killed_at_its_timeout(fake_toolchain, site, tmp_path: Path) -> None:
    fake_toolchain.hang("snap", "install")
    answers = answers_from_mapping(site)
    runner = ProcessRunner(redactor=Redactor())
    plan = build_plan(answers, InstallSettings(command_timeout=1.0))
    start = time.monotonic()
    result = InstallEngine(plan, runner, Journal(tmp_path / "j.json")).run()
    assert time.monotonic() - start < 10
    assert result.failed_step == "microk8s-snap"
    assert "`snap install microk8s --classic` timed out after 1 s and was killed" in result.message


def test_cancel_stops_the_running_step(fake_toolchain, site, tmp_path: Path) -> None:
    fake_toolchain.hang("microk8s", "enable")
    cancel = threading.Event()

    def on_event(event) -> None:
        if isinstance(event, StepStarted) and event.step_id == "addons":
            threading.Timer(0.5, cancel.set).start()

    answers = answers_from_mapping(site)
    engine = InstallEngine(
        build_plan(answers), ProcessRunner(redactor=Redactor()), Journal(tmp_path / "j.json"), on_event=on_event
    )
    result = engine.run(cancel=cancel)
    assert result.failed_step == "addons" and "cancelled" in result.message


def test_smpc_needs_three_players(fake_toolchain, site, tmp_path: Path) -> None:
    site["role"] = "master"
    site["exareme2"]["smpc"] = True
    site["smpc_player"] = True
    result, _events = run_install(site, tmp_path)
    assert result.failed_step == "exareme2-values"
    assert "at least 3" in result.message


def test_existing_folder_is_never_clobbered(fake_toolchain, site, tmp_path: Path) -> None:
    exa = tmp_path / "opt" / "exareme2"
    exa.mkdir(parents=True)
    (exa / "mine.txt").write_text("keep me")
    result, _events = run_install(site, tmp_path)
    assert result.failed_step == "checkouts" and "is not a git checkout" in result.message
    assert (exa / "mine.txt").read_text() == "keep me"


def test_secrets_never_reach_log_journal_or_events(fake_toolchain, site, tmp_path: Path) -> None:
    site["active_profile"] = "direct.internal_auth"
    fake_toolchain.fail("microk8s", "helm3", "upgrade", "--install", "mip", exit_code=1,
                        stderr=f"Error: bad value client_secret {INTERNAL_SECRET} / {EXTERNAL_SECRET}")
    result, events = run_install(site, tmp_path)
    assert result.failed_step == "mip-chart"
    texts = [(tmp_path / "logs" / "install.log").read_text(), (tmp_path / "state" / "journal.json").read_text(),
             repr(events), repr(result)]
    for text in texts:
        assert INTERNAL_SECRET not in text and EXTERNAL_SECRET not in text
    assert "***HIDDEN***" in texts[0]


@pytest.mark.parametrize(
    ("release", "ref", "says"),
    [
        ("8.0.0", None, "Secret mip-secret: the chart's template gets passwords generated once"),
        ("guide-f7c6441", None, "Secrets mip-secret (passwords generated once) and keycloak-credentials"),
        ("9.0.2", None, "Secrets mip-secret (passwords generated once) and keycloak-credentials"),
        ("8.0.0", "my-branch", "or, for a chart that makes mip-secret itself, its template filled"),
    ],
)
def test_the_secrets_step_says_what_it_will_do_for_the_release(
    answers_data: dict, release: str, ref: str | None, says: str
) -> None:
    """8.0.0's chart makes mip-secret itself (mipwizard fills its template, applies nothing, and
    keycloak-credentials is not read): the plan must not promise the other two charts' Secrets."""
    data = {**answers_data, "release": release}
    if ref:
        data["mip_deployment"] = {**data.get("mip_deployment", {}), "ref": ref}
    [step] = [s for s in build_plan(answers_from_mapping(data)) if s.id == "mip-secrets"]
    assert says in step.title
    assert ("keycloak-credentials" in step.title) == (release != "8.0.0" or ref is not None)
