"""Fakes for the wizard's tests: canned preflight results, a scripted installer, app builders."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mipwizard.core.install import InstallResult, PlanFinished, StepFinished, StepOutput, StepStarted
from mipwizard.core.preflight import CheckResult, CheckSpec, FakeProbe, Status
from mipwizard.tui.app import WizardApp, make_app
from mipwizard.tui.env import InstallHandle, WizardEnv

ROOT = Path(__file__).resolve().parents[1]
MACHINES = ROOT / "tests" / "machines"

CHECKS = [
    ("cpu", "CPU cores", Status.PASS, "8 logical cores (needs ≥ 4)", None),
    ("memory", "Memory", Status.PASS, "31.3 GiB RAM (needs 16 GB)", None),
    ("disk-snap", "Disk /var/snap", Status.WARN, "25.0 GB free (20 GB wanted)", "free some space under /var"),
    ("os", "Operating system", Status.PASS, "Ubuntu 22.04.4 LTS", None),
    ("snap", "snap", Status.FAIL, "`snap` not found on PATH", "sudo apt-get install snapd"),
    ("ports", "Ports", Status.PASS, "80, 443, 16443 are free", None),
]


def canned_specs(role: str) -> list[CheckSpec]:
    return [CheckSpec(cid, title) for cid, title, *_ in CHECKS]


def canned_checks(role: str, ignore: Iterable[str]) -> Iterator[CheckResult]:
    ignored = set(ignore)
    for cid, title, status, summary, fix in CHECKS:
        if status is Status.FAIL and cid in ignored:
            yield CheckResult(cid, title, Status.WARN, summary, fix, ignored=True)
        else:
            yield CheckResult(cid, title, status, summary, fix)


@dataclass
class FakeStep:
    id: str
    title: str


FAKE_PLAN = [
    FakeStep("microk8s-snap", "Install the microk8s snap"),
    FakeStep("admin-user", "Admin user mipadmin"),
    FakeStep("microk8s-ready", "microk8s ready"),
    FakeStep("addons", "Addons dns, helm3, ingress"),
    FakeStep("checkouts", "Exareme2 and mip-deployment checkouts"),
    FakeStep("mip-chart", "Install the mip chart"),
]


class ScriptedInstaller:
    """Emits the events a real run would; ``fail_at`` fails that step ``fail_times`` times."""

    def __init__(
        self, fail_at: str | None = None, fail_times: int = 1, lines_per_step: int = 3,
        done: InstallResult | None = None,
    ) -> None:
        self.done = done  # the successful run's result (default: a MIP at https://mip.example.org/)
        self.fail_at = fail_at
        self.fail_times = fail_times
        self.lines_per_step = lines_per_step
        self.runs: list[str | None] = []

    def __call__(self, answers: Any, on_event: Any) -> InstallHandle:
        def run(*, from_step: str | None, cancel: threading.Event) -> InstallResult:
            self.runs.append(from_step)
            ids = [s.id for s in FAKE_PLAN]
            start = ids.index(from_step) if from_step else 0
            for index, step in enumerate(FAKE_PLAN):
                if index < start:
                    on_event(StepFinished(step.id, "skipped", 0.0, "skipped (--from)"))
                    continue
                on_event(StepStarted(step.id, step.title))
                on_event(StepOutput(step.id, [f"{step.id}: line {n}" for n in range(self.lines_per_step)]))
                if step.id == self.fail_at and self.fail_times > 0:
                    self.fail_times -= 1
                    on_event(StepOutput(step.id, ["fatal: unable to access 'https://github.com/': timeout"]))
                    on_event(StepFinished(step.id, "failed", 1.0, "git clone failed with exit code 128"))
                    result = InstallResult(False, step.id, f"step {step.id} failed: git clone failed")
                    on_event(PlanFinished(result))
                    return result
                on_event(StepFinished(step.id, "done", 1.0, "done"))
            result = self.done or InstallResult(True, None, "the MIP is installed", url="https://mip.example.org/")
            on_event(PlanFinished(result))
            return result

        return InstallHandle(run)


def answers_mapping(answers_data: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """``answers_data`` with every install path inside ``tmp_path`` (the tests never touch /opt, /data)."""
    data = dict(answers_data)
    data["data_root"] = str(tmp_path / "data")
    data["exareme2"] = {"path": str(tmp_path / "opt" / "exareme2")}
    data["mip_deployment"] = {"path": str(tmp_path / "opt" / "mip-deployment")}
    return data


def fake_app(
    tmp_path: Path,
    *,
    state_dir: Path | None = None,
    profiles_dir: Path | None = None,
    installer: Any = None,
    machine: str | None = None,
    **env_fields: Any,
) -> WizardApp:
    """A wizard on canned checks (or a synthetic machine), fixed addresses and a scripted installer."""
    fields: dict[str, Any] = {
        "state_dir": state_dir or tmp_path / "state",
        "log_dir": tmp_path / "logs",
        "profiles_dir": profiles_dir,
        "clock": lambda: 0.0,
        "show_elapsed": False,
        "interface_addresses": lambda: [("eth0", "10.20.30.40"), ("eth1", "192.168.1.7")],
        "smpc_players": lambda: 0,
        "installer": installer or ScriptedInstaller(),
        "plan": lambda answers: list(FAKE_PLAN),
        "needs_password": lambda: False,
        "helm_releases": lambda: [],
    }
    if machine:
        fields["probe"] = FakeProbe.from_json(MACHINES / f"{machine}.json")
    else:
        fields["check_specs"] = canned_specs
        fields["iter_checks"] = canned_checks
    fields.update(env_fields)
    return make_app(env=WizardEnv(**fields))
