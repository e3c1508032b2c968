"""Recovery watch: after a reboot, an upgrade or a profile switch, wait until everything is Ready.

Bounded (default 10 minutes; the guide expects 1–5), reporting progress and what is still not
ready after each look. Cancellable from another thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .queries import ClusterQueries
from .snapshot import ClusterSnapshot


@dataclass
class WaitProgress:
    elapsed: float
    timeout: float
    snapshot: ClusterSnapshot
    not_ready: list[str] = field(default_factory=list)

    @property
    def state(self) -> str:
        """Where things stand, without the time (unchanged looks can be skipped)."""
        snap = self.snapshot
        if snap.worker is not None:
            failing = [c.name for c in snap.worker.checks if not c.ok]
            return "worker: " + (f"not ready here ({', '.join(failing)})" if failing else "local checks pass")
        if not snap.reachable and snap.unreachable:
            return f"cluster unreachable: {snap.unreachable.message}"
        return snap.counts()

    @property
    def summary(self) -> str:
        return f"{self.elapsed:4.0f}s  {self.state}"


@dataclass
class WaitResult:
    ready: bool
    elapsed: float
    timed_out: bool
    cancelled: bool
    last: ClusterSnapshot | None

    @property
    def not_ready(self) -> list[str]:
        if self.last is None:
            return []
        if self.last.worker is not None:
            return [f"{c.name}: {c.detail}" for c in self.last.worker.checks if not c.ok]
        if not self.last.reachable and self.last.unreachable:
            return [f"cluster: {self.last.unreachable.message}"]
        return self.last.not_ready()


def is_ready(snap: ClusterSnapshot) -> bool:
    """The snapshot's readiness rule; on a worker, its local checks (the pods are the master's)."""
    return snap.worker.ok if snap.worker is not None else snap.ready


def wait_ready(
    queries: ClusterQueries,
    *,
    timeout: float = 600.0,
    interval: float = 5.0,
    on_progress: Callable[[WaitProgress], None] | None = None,
    cancel: threading.Event | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> WaitResult:
    cancel = cancel or threading.Event()
    start = clock()
    snap: ClusterSnapshot | None = None
    while True:
        snap = queries.snapshot()
        elapsed = clock() - start
        if on_progress is not None:
            on_progress(WaitProgress(elapsed, timeout, snap, snap.not_ready()))
        if is_ready(snap):
            return WaitResult(True, elapsed, False, False, snap)
        if elapsed >= timeout:
            return WaitResult(False, elapsed, True, False, snap)
        if cancel.wait(min(interval, max(0.0, timeout - elapsed))):
            return WaitResult(False, clock() - start, False, True, snap)
