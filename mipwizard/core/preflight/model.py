"""What a preflight check is and what it reports: statuses, results and per-role minimums."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from ..answers import Role

GB = 1000**3  # disks are sold and sized in decimal GB (`df -H`), as the guide's "60 GB HDD"
GIB = 1024**3  # RAM is counted in GiB (`free -g`)


class Status(str, Enum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True)
class CheckSpec:
    """A check before it runs: what the TUI lists while the results are still coming."""

    id: str
    title: str
    # Waits on something outside this machine's kernel and files (DNS, the microk8s API), so it
    # may take up to its timeout; a live table can show it as "running" a little longer.
    slow: bool = False


@dataclass(frozen=True)
class Outcome:
    """What a check function returns; the runner adds the id and title."""

    status: Status
    summary: str
    fix: str | None = None
    measured: Any = None
    required: Any = None


@dataclass(frozen=True)
class CheckResult:
    id: str
    title: str
    status: Status
    summary: str
    fix: str | None
    ignored: bool = False  # a failure demoted to a warning by --ignore
    measured: Any = None  # raw figures (bytes, counts) for scripts and tests
    required: Any = None

    @property
    def failed(self) -> bool:
        return self.status is Status.FAIL

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "status": self.status.value,
            "summary": self.summary,
            "fix": self.fix,
        }
        if self.ignored:
            data["ignored"] = True
        if self.measured is not None:
            data["measured"] = self.measured
        if self.required is not None:
            data["required"] = self.required
        return data


@dataclass(frozen=True)
class Minimums:
    """The guide's hardware minimums for one role."""

    cores: int
    ram_gb: int  # as installed ("16 GB RAM")
    disk_gb: int  # disk size ("60 GB HDD")
    disk_free_gb: int  # our working margin: what images + logs need free on the /var/snap filesystem

    # The kernel and firmware keep part of the installed RAM: a 16 GB machine shows ~15.5 GiB.
    # kubeadm accepts 1700 MB for its 2 GB minimum (85 %); we accept 90 % of the figure in GiB.
    @property
    def ram_bytes_visible(self) -> int:
        return int(self.ram_gb * GIB * 0.9)

    # A filesystem is a little smaller than its disk (ext4 metadata, ~2 %): accept 95 %.
    @property
    def disk_bytes_visible(self) -> int:
        return int(self.disk_gb * GB * 0.95)


MINIMUMS: dict[Role, Minimums] = {
    Role.MASTER: Minimums(cores=4, ram_gb=16, disk_gb=60, disk_free_gb=20),
    Role.LOCAL: Minimums(cores=4, ram_gb=16, disk_gb=60, disk_free_gb=20),  # master and worker in one
    Role.WORKER: Minimums(cores=2, ram_gb=8, disk_gb=40, disk_free_gb=10),
}

# Free space wanted on / (apt, /opt git checkouts, journald) and on the data root (CSV datasets).
ROOT_FREE_GB = 5
DATA_FREE_GB = 5


def gb(n: float) -> str:
    return f"{n / GB:.1f} GB"


def gib(n: float) -> str:
    return f"{n / GIB:.1f} GiB"
