"""Cheap helpers for commands that must start fast (``mipwizard logs``): no pydantic, no yaml."""

from __future__ import annotations

import grp
import os


def outside_microk8s_group() -> bool:
    """True when a ``microk8s`` group exists and this process is not in it (so sudo is needed)."""
    for name in ("microk8s", "snap_microk8s"):
        try:
            gid = grp.getgrnam(name).gr_gid
        except KeyError:
            continue
        return gid not in os.getgroups() and gid != os.getegid()
    return False


def logs_argv(
    pod: str,
    namespace: str = "default",
    *,
    container: str | None = None,
    follow: bool = False,
    tail: int | None = None,
    previous: bool = False,
) -> list[str]:
    """``microk8s kubectl logs [-f] [--previous] POD -n NS [-c C] [--tail N]`` (no sudo prefix).

    ``previous``: the container instance that ended last (the one that crashed), not the new one."""
    argv = ["microk8s", "kubectl", "logs"]
    if follow:
        argv.append("-f")
    if previous:
        argv.append("--previous")
    argv += [pod, "-n", namespace]
    if container:
        argv += ["-c", container]
    if tail is not None:
        argv += ["--tail", str(tail)]
    return argv
