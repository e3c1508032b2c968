"""Start a snapshot's slowest read before the readers are imported, so the two overlap.

``mipwizard status`` is one process: its imports cost a good part of the slowest ``kubectl``
read. Started first, by the console entry point (``cli/entry.py``; stdlib and the light process
modules only), the one get of every kind runs, and is read, while the rest imports;
``ClusterQueries`` then takes its result through ``capture`` — any other call, or one whose
argv differs (e.g. a retry through sudo, or ``microk8s status`` when the get fails), runs as usual.
``helm list`` is not started here: short, it starts with the snapshot, after the imports. Started
beside the get it slowed the get's own start (two more processes on a 2-core machine: ~25 ms).
"""

from __future__ import annotations

from ..process import PendingCapture, start_capture
from ..system import Captured, ProgramNotFound, capture, find_program, is_root, privileged_argv
from .access import outside_microk8s_group
from .kinds import CLUSTER_KINDS

# The snapshot's slowest read (queries.ClusterQueries.cluster), in its argv form.
READS = (("kubectl", "get", CLUSTER_KINDS, "-A", "-o", "json"),)


class Prefetch:
    def __init__(self, timeout: float = 20.0) -> None:  # ClusterQueries' default
        self._started: dict[tuple[str, ...], PendingCapture] = {}
        try:
            find_program("microk8s")
        except ProgramNotFound:
            return  # the queries report it (unreachable: not installed)
        sudo = not is_root() and outside_microk8s_group()
        for args in READS:
            argv = ["microk8s", *args]
            argv = privileged_argv(argv) if sudo else argv
            try:  # as system.capture runs it: under a guard, in a session of its own
                self._started[tuple(argv)] = start_capture(argv, drain_timeout=timeout)
            except (OSError, ProgramNotFound):
                continue

    def capture(self, argv: list[str], *, timeout: float = 30.0, stdin_text: str | None = None) -> Captured:
        pending = self._started.pop(tuple(argv), None) if stdin_text is None else None
        if pending is None:
            return capture(argv, timeout=timeout, stdin_text=stdin_text)
        return pending.result(timeout=timeout)

    def close(self) -> None:
        """Stop reads nobody took (the cluster was unreachable, or the command failed early)."""
        for pending in self._started.values():
            pending.stop()
        self._started.clear()


_early: list[Prefetch] = []  # started before the commands were imported, until ``status`` takes them


def start_early() -> None:
    """Start ``status``' reads now (the entry point; main again, for a caller that skipped it)."""
    if not _early:
        _early.append(Prefetch())


def take_early() -> Prefetch:
    """The reads started early, or new ones started now."""
    return _early.pop() if _early else Prefetch()


def stop_early() -> None:
    """Stop reads nobody took (a usage error, ``--help``)."""
    while _early:
        _early.pop().close()
