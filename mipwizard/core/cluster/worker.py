"""On a joined worker: what can be checked here, and what to run on the master.

A worker's ``microk8s status`` (and kubectl, helm) only says "acting as a node in a cluster":
the API, the pods and the releases live on the master. Locally there is the snap, the kubelite
service, the ``clustered.lock`` the join left, and the master's address the join wrote.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..system import Captured

SNAP_DATA = Path("/var/snap/microk8s/current")
SNAP_DATA_ENV = "MIPWIZARD_MICROK8S_SNAP_DATA"  # tests point it at the fake machine's folder
CLUSTERED_LOCK = Path("var/lock/clustered.lock")
# The worker's API server proxy forwards to the masters listed here (microk8s join prints this path).
PROVIDER_FILE = Path("args/traefik/provider.yaml")
KUBELITE = "microk8s.daemon-kubelite"
_ADDRESS = re.compile(r"""address:\s*["']?([^"'\s]+)""")


def snap_data() -> Path:
    return Path(os.environ.get(SNAP_DATA_ENV) or SNAP_DATA)


@dataclass
class WorkerCheck:
    name: str
    ok: bool
    detail: str
    fix: str = ""


@dataclass
class WorkerReport:
    hostname: str
    master: str | None
    checks: list[WorkerCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def on_master(self) -> list[str]:
        """What to run on the master about this worker."""
        return [
            "mipwizard status",
            f"mipwizard node list (this node is {self.hostname})",
            f"mipwizard node label {self.hostname} --worker (if it has no worker label yet)",
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "hostname": self.hostname,
            "master": self.master,
            "ok": self.ok,
            "checks": [asdict(c) for c in self.checks],
            "on_master": self.on_master,
        }


def check(name: str, ok: bool, found: str, otherwise: tuple[str, str]) -> WorkerCheck:
    """``found`` when it holds; else ``otherwise``: what is wrong and its fix."""
    return WorkerCheck(name, True, found) if ok else WorkerCheck(name, False, *otherwise)


def master_addresses(data: Path) -> list[str]:
    """``host:port`` of the master API servers this worker forwards to (empty when unknown)."""
    try:
        text = (data / PROVIDER_FILE).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return _ADDRESS.findall(text)


def worker_report(capture: Callable[..., Captured], data: Path | None = None) -> WorkerReport:
    data = data or snap_data()
    host = capture(["hostname"], timeout=5.0)
    hostname = host.stdout.strip().lower() if host.ok and host.stdout.strip() else "<this-hostname>"
    masters = master_addresses(data)
    report = WorkerReport(hostname, masters[0] if masters else None)
    info = capture(["snap", "info", "microk8s"], timeout=15.0)
    installed = (
        next(
            (line.split(":", 1)[1].split()[0] for line in info.stdout.splitlines() if line.startswith("installed:")),
            None,
        )
        if info.ok
        else None
    )
    service = next((line for line in info.stdout.splitlines() if line.strip().startswith(KUBELITE + ":")), "")
    lock = data / CLUSTERED_LOCK
    report.checks += [
        check(
            "snap",
            bool(installed),
            f"microk8s {installed} installed",
            ("the microk8s snap is not installed", "sudo snap install microk8s --classic"),
        ),
        check(
            "kubelite",
            service.rstrip().endswith(" active"),
            f"service snap.{KUBELITE} is active",
            (
                f"service snap.{KUBELITE} is not active",
                f"sudo snap start {KUBELITE}; why it stopped: sudo journalctl -u snap.{KUBELITE} -n 50",
            ),
        ),
        check(
            "clustered.lock",
            lock.exists(),
            "present: this machine joined as a worker",
            (
                f"{lock} is missing: this machine has not joined a cluster as a worker",
                "on the master: mipwizard node join-command; run what it prints here",
            ),
        ),
        check(
            "master",
            bool(masters),
            f"forwards to the master API at {', '.join(masters)}",
            (
                f"no master address in {data / PROVIDER_FILE}",
                "re-join: on the master mipwizard node join-command, then run it here",
            ),
        ),
    ]
    return report
