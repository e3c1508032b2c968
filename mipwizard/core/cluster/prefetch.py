"""Start a snapshot's reads before the readers are imported, so the two overlap.

``mipwizard status`` is one process: Python's start and the typed readers' import (pydantic
models) cost about as much as the slowest ``kubectl`` read. Started first (stdlib only here),
the three reads a snapshot makes run while the rest imports; ``ClusterQueries`` then takes
their results through ``capture`` — any other call, or one whose argv differs (e.g. a retry
through sudo), runs as usual.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess

from ..system import Captured, ProgramNotFound, capture, find_program, is_root, privileged_argv
from .access import outside_microk8s_group

# The snapshot's reads (queries.ClusterQueries.status / cluster / helm_releases), in its argv form.
_KINDS = "pods,nodes,events,persistentvolumeclaims,persistentvolumes,storageclasses,ingresses,ingressclasses"
READS = (
    ("status", "--format", "yaml"),
    ("kubectl", "get", _KINDS, "-A", "-o", "json"),
    ("helm3", "list", "-A", "-o", "json"),
)


class Prefetch:
    def __init__(self) -> None:
        self._started: dict[tuple[str, ...], subprocess.Popen[str]] = {}
        try:
            find_program("microk8s")
        except ProgramNotFound:
            return  # the queries report it (unreachable: not installed)
        sudo = not is_root() and outside_microk8s_group()
        for args in READS:
            argv = ["microk8s", *args]
            argv = privileged_argv(argv) if sudo else argv
            try:
                full = [find_program(argv[0]), *argv[1:]]  # as system.capture runs it
                self._started[tuple(argv)] = subprocess.Popen(
                    full,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    errors="replace",
                    start_new_session=True,
                )
            except (OSError, ProgramNotFound):
                continue

    def capture(self, argv: list[str], *, timeout: float = 30.0, stdin_text: str | None = None) -> Captured:
        proc = self._started.pop(tuple(argv), None) if stdin_text is None else None
        if proc is None:
            return capture(argv, timeout=timeout, stdin_text=stdin_text)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(proc)
            out, _ = proc.communicate()
            return Captured(argv, -1, out or "", f"timed out after {timeout:g} s", timed_out=True)
        return Captured(argv, proc.returncode, out, err)

    def close(self) -> None:
        """Stop reads nobody took (the cluster was unreachable, or the command failed early)."""
        for proc in self._started.values():
            _kill(proc)
            proc.communicate()
        self._started.clear()


def _kill(proc: subprocess.Popen[str]) -> None:
    """The read and whatever it started (its own session: sudo, the microk8s wrapper, kubectl)."""
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)
