"""How an install runs on this machine: timeouts, polls, the node's name, microk8s' data folder."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UserError

# microk8s' $SNAP_DATA; `microk8s join --worker` creates var/lock/clustered.lock there, and the
# microk8s wrappers (status, …) test that file to know the node is a worker in a cluster.
SNAP_DATA = Path("/var/snap/microk8s/current")
SNAP_DATA_ENV = "MIPWIZARD_MICROK8S_SNAP_DATA"  # tests point it at the fake machine's folder
CLUSTERED_LOCK = Path("var/lock/clustered.lock")


def default_snap_data() -> Path:
    return Path(os.environ.get(SNAP_DATA_ENV) or SNAP_DATA)


@dataclass
class InstallSettings:
    microk8s_ready_timeout: int = 300  # seconds for `microk8s status --wait-ready --timeout`
    command_timeout: float = 1800.0  # any single command (snap install, helm…)
    query_timeout: float = 60.0
    poll_seconds: float = 5.0  # between pod readiness checks
    node_name: str | None = None  # default: this machine's lowercase hostname
    microk8s_snap_data: Path = field(default_factory=default_snap_data)
    state_dir: Path | None = None  # default: mipwizard.core.paths.state_dir() (generated passwords live there)

    @property
    def clustered_lock(self) -> Path:
        return self.microk8s_snap_data / CLUSTERED_LOCK

    def state_folder(self) -> Path:
        from .. import paths

        return self.state_dir or paths.state_dir()


def local_node_name() -> str:
    """Kubernetes names a microk8s node after the lowercase hostname."""
    from ..system import capture

    try:
        result = capture(["hostname"], timeout=10)
        name = result.stdout.strip() if result.ok else ""
    except UserError:
        name = ""
    return (name or socket.gethostname()).strip().lower()
