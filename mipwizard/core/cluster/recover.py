"""A helm release stuck in ``pending-install``/``pending-upgrade``/``pending-rollback``.

An interrupted helm (SSH drop, kill, reboot) leaves the release marked pending, and helm then
refuses every install and upgrade ("another operation (install/upgrade/rollback) is in
progress"). The way out depends on its history: roll back to the last revision that deployed,
or, when no revision ever deployed, uninstall it (nothing worked to keep). Planned first, shown,
run only after the user confirms, and refused while a helm process still works on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import psutil

from ..errors import UserError
from ..system import Captured
from .queries import ClusterQueries
from .readers import HelmRelease, HelmRevision

GOOD = ("deployed", "superseded")


@dataclass
class Recovery:
    release: HelmRelease
    action: str  # "rollback" or "uninstall"
    revision: int | None  # the revision rolled back to
    args: list[str]  # microk8s ARGS
    reason: str

    @property
    def command(self) -> str:
        return "microk8s " + " ".join(self.args)


def helm_running_for(name: str) -> list[int]:
    """Pids of helm processes on this machine working on release ``name`` (a live operation)."""
    pids = []
    for proc in psutil.process_iter(["pid", "name", "cmdline"]):
        cmd = proc.info.get("cmdline") or []
        if not cmd:
            continue
        program = str(cmd[0]).rsplit("/", 1)[-1]
        if program in ("helm", "helm3") and name in cmd[1:] and any(v in cmd for v in ("install", "upgrade")):
            pids.append(int(proc.info["pid"]))
    return pids


def plan_recovery(queries: ClusterQueries, name: str, namespace: str | None = None) -> Recovery:
    release = next((r for r in queries.helm_releases() if r.name == name and namespace in (None, r.namespace)), None)
    if release is None:
        raise UserError(f"there is no helm release {name!r} (see: microk8s helm3 list -A)")
    if not release.status.startswith("pending"):
        raise UserError(f"release {name} is {release.status}, not pending-*: nothing to recover")
    busy = helm_running_for(name)
    if busy:
        raise UserError(
            f"a helm process (pid {', '.join(map(str, busy))}) is still working on {name}: "
            "let it finish (or stop it) before recovering"
        )
    history: list[HelmRevision] = queries.helm_history(name, release.namespace)
    good = [r for r in history if r.status in GOOD and r.revision != release.revision]
    ns = ["-n", release.namespace]
    if good:
        target = good[-1]
        return Recovery(
            release,
            "rollback",
            target.revision,
            ["helm3", "rollback", name, str(target.revision), *ns, "--wait", "--timeout", "10m"],
            f"revision {target.revision} ({target.chart}) was the last one deployed",
        )
    return Recovery(
        release,
        "uninstall",
        None,
        ["helm3", "uninstall", name, *ns],
        "no revision of it ever deployed, so there is nothing to roll back to; the next install starts clean",
    )


def run_recovery(queries: ClusterQueries, plan: Recovery) -> Captured:
    return queries.run(*plan.args, timeout=max(queries.timeout, 700.0))
