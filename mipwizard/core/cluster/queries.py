"""Short read-only queries against microk8s, returning typed snapshots.

"Unreachable" (microk8s not installed, not running, no permission) is told apart from
"unhealthy" (reachable, but something is wrong), each with its reason and fix.
"""

from __future__ import annotations

import getpass
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..system import Captured, ProgramNotFound, capture, find_program, is_root, privileged_argv
from .access import logs_argv, outside_microk8s_group
from .health import PodHealth, Problem, addon_problems, node_problems, pod_health, release_problems
from .readers import (
    Event,
    HelmRelease,
    HelmStatus,
    MicroK8sStatus,
    Node,
    Pod,
    ReaderError,
    parse_events,
    parse_helm_list,
    parse_helm_status,
    parse_nodes,
    parse_pods,
    parse_status,
    status_problem,
)

Capture = Callable[..., Captured]


@dataclass
class Unreachable:
    reason: str  # not-installed, not-running, permission, timeout, error
    message: str
    fix: str

    def to_json(self) -> dict[str, str]:
        return {"reason": self.reason, "message": self.message, "fix": self.fix}


class ClusterUnreachable(Exception):
    def __init__(self, unreachable: Unreachable) -> None:
        super().__init__(unreachable.message)
        self.unreachable = unreachable


@dataclass
class ClusterSnapshot:
    taken_at: float
    unreachable: Unreachable | None = None
    status: MicroK8sStatus | None = None
    nodes: list[Node] = field(default_factory=list)
    pods: list[Pod] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    releases: list[HelmRelease] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # queries that failed while the cluster answered
    pod_health: list[PodHealth] = field(default_factory=list)

    @property
    def reachable(self) -> bool:
        return self.unreachable is None

    @property
    def problems(self) -> list[Problem]:
        found = list(addon_problems(self.status)) if self.status else []
        found += node_problems(self.nodes)
        found += release_problems(self.releases)
        for health in self.pod_health:
            found += health.problems
        return found

    @property
    def healthy(self) -> bool:
        # Unread events only cost diagnosis detail; unread nodes/pods/releases leave health unknown.
        unknown = any(not e.startswith("kubectl get events") for e in self.errors)
        return self.reachable and not unknown and not self.problems and not self.not_ready()

    def not_ready(self) -> list[str]:
        """What is still not ready: ``node NAME`` and ``NS/POD (state)`` entries."""
        items = [f"node {n.name}" for n in self.nodes if not n.ready]
        items += [f"{h.key} ({h.state})" for h in self.pod_health if not h.healthy]
        return items

    def to_json(self) -> dict[str, Any]:
        status = self.status
        return {
            "reachable": self.reachable,
            "healthy": self.healthy,
            "unreachable": self.unreachable.to_json() if self.unreachable else None,
            "microk8s": None
            if status is None
            else {
                "running": status.running,
                "message": status.message,
                "high_availability": status.ha_enabled,
                "addons_enabled": status.enabled_addons,
            },
            "nodes": [
                {
                    "name": n.name,
                    "ready": n.ready,
                    "mip_labels": n.mip_roles,
                    "kubelet_version": n.kubelet_version,
                    "internal_ip": n.internal_ip,
                }
                for n in self.nodes
            ],
            "releases": [r.model_dump() for r in self.releases],
            "pods": [h.to_json() for h in self.pod_health],
            "problems": [p.to_json() for p in self.problems],
            "not_ready": self.not_ready(),
            "errors": self.errors,
        }


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "<your-user>"


class ClusterQueries:
    """Queries through ``microk8s`` (found on PATH at each call), with short timeouts.

    When not root and microk8s refuses ("Insufficient permissions"), the query is repeated
    through ``sudo -n`` and later queries go through sudo directly.
    """

    def __init__(
        self, *, timeout: float = 20.0, capture_fn: Capture | None = None, use_sudo: bool | None = None
    ) -> None:
        self.timeout = timeout
        self._capture: Capture = capture_fn or capture
        self._sudo_allowed = use_sudo is not False and not is_root()
        self._sudo = bool(use_sudo) if use_sudo is not None else (self._sudo_allowed and outside_microk8s_group())

    @property
    def needs_sudo(self) -> bool:
        """True once microk8s refused this user and sudo worked (privileged runs should use sudo too)."""
        return self._sudo

    # --- argv ----------------------------------------------------------------------------------
    def argv(self, *args: str) -> list[str]:
        base = ["microk8s", *args]
        return privileged_argv(base) if self._sudo else base

    def kubectl_argv(self, *args: str) -> list[str]:
        return self.argv("kubectl", *args)

    def helm_argv(self, *args: str) -> list[str]:
        return self.argv("helm3", *args)

    def logs_argv(
        self,
        pod: str,
        namespace: str = "default",
        *,
        container: str | None = None,
        follow: bool = False,
        tail: int | None = None,
    ) -> list[str]:
        argv = logs_argv(pod, namespace, container=container, follow=follow, tail=tail)
        return privileged_argv(argv) if self._sudo else argv

    # --- running -------------------------------------------------------------------------------
    def run(self, *args: str, timeout: float | None = None) -> Captured:
        """``microk8s ARGS`` with the permission retry; raises ``ClusterUnreachable`` when absent."""
        try:
            find_program("microk8s")
        except ProgramNotFound:
            raise ClusterUnreachable(
                Unreachable("not-installed", "microk8s is not installed", "sudo snap install microk8s --classic")
            ) from None
        result = self._capture(self.argv(*args), timeout=timeout or self.timeout)
        if status_problem(result.stdout + result.stderr) == "permission" and not self._sudo and self._sudo_allowed:
            self._sudo = True
            retry = self._capture(self.argv(*args), timeout=timeout or self.timeout)
            if status_problem(retry.stdout + retry.stderr) != "permission" and "sudo" not in retry.stderr[:80]:
                return retry
            self._sudo = False
        if status_problem(result.stdout + result.stderr) == "permission":
            user = _user()
            raise ClusterUnreachable(
                Unreachable(
                    "permission",
                    f"user {user} may not use microk8s",
                    f"sudo usermod -a -G microk8s {user} && newgrp microk8s (or run mipwizard with sudo)",
                )
            )
        if result.timed_out:
            raise ClusterUnreachable(
                Unreachable(
                    "timeout",
                    f"`microk8s {' '.join(args[:2])}` did not answer within {timeout or self.timeout:g} s",
                    "the API server may be starting: wait, then mipwizard wait-ready; if not: sudo microk8s inspect",
                )
            )
        return result

    def status(self) -> MicroK8sStatus:
        """``microk8s status --format yaml``; raises ``ClusterUnreachable`` when not running."""
        result = self.run("status", "--format", "yaml")
        text = result.stdout + ("\n" + result.stderr if not result.stdout.strip() else "")
        try:
            status = parse_status(text)
        except ReaderError as exc:
            raise ClusterUnreachable(
                Unreachable(
                    "error", f"microk8s status failed: {_first_line(result.stderr) or exc}", "sudo microk8s inspect"
                )
            ) from None
        if not status.running:
            raise ClusterUnreachable(
                Unreachable(
                    "not-running",
                    "microk8s is not running",
                    "sudo microk8s start, then mipwizard wait-ready; if it stays down: sudo microk8s inspect",
                )
            )
        return status

    def _json(self, *args: str) -> str:
        result = self.run(*args)
        if not result.ok:
            raise ReaderError(
                f"microk8s {' '.join(args[:3])}: {_first_line(result.stderr) or f'exit {result.exit_code}'}"
            )
        return result.stdout

    def nodes(self) -> list[Node]:
        return parse_nodes(self._json("kubectl", "get", "nodes", "-o", "json"))

    def pods(self, namespace: str | None = None) -> list[Pod]:
        scope = ["-n", namespace] if namespace else ["-A"]
        return parse_pods(self._json("kubectl", "get", "pods", *scope, "-o", "json"))

    def pod(self, name: str, namespace: str) -> Pod:
        pods = parse_pods(self._json("kubectl", "get", "pod", name, "-n", namespace, "-o", "json"))
        if not pods:
            raise ReaderError(f"pod {namespace}/{name} not found")
        return pods[0]

    def events(self) -> list[Event]:
        return parse_events(self._json("kubectl", "get", "events", "-A", "-o", "json"))

    def helm_releases(self) -> list[HelmRelease]:
        return parse_helm_list(self._json("helm3", "list", "-A", "-o", "json"))

    def helm_status(self, name: str, namespace: str | None = None) -> HelmStatus:
        scope = ["-n", namespace] if namespace else []
        return parse_helm_status(self._json("helm3", "status", name, *scope, "-o", "json"))

    def helm_values(self, name: str = "mip") -> str | None:
        """The values deployed with release ``name`` (``helm3 get values -o yaml``), None if absent."""
        result = self.run("helm3", "get", "values", name, "-o", "yaml")
        return result.stdout if result.ok else None

    def pod_logs(self, pod: str, namespace: str, *, container: str | None = None, tail: int = 200) -> str:
        result = self._capture(self.logs_argv(pod, namespace, container=container, tail=tail), timeout=self.timeout)
        return result.stdout if result.ok else result.stdout + result.stderr

    def delete_pod(self, pod: str, namespace: str) -> Captured:
        """Restart a pod by deleting it; its Deployment/StatefulSet creates a new one."""
        return self.run("kubectl", "delete", "pod", pod, "-n", namespace, timeout=max(self.timeout, 90.0))

    def wait_ready(
        self, timeout: float = 600.0, interval: float = 5.0, on_progress: Any = None, cancel: Any = None
    ) -> Any:
        """The recovery watch (see ``watch.wait_ready``) on these queries; returns a ``WaitResult``."""
        from .watch import wait_ready

        return wait_ready(self, timeout=timeout, interval=interval, on_progress=on_progress, cancel=cancel)

    def snapshot(self) -> ClusterSnapshot:
        snap = ClusterSnapshot(taken_at=time.time())
        try:
            snap.status = self.status()
            for label, fetch in (
                ("nodes", self.nodes),
                ("pods", self.pods),
                ("events", self.events),
                ("releases", self.helm_releases),
            ):
                try:
                    setattr(snap, label, fetch())
                except ReaderError as exc:
                    snap.errors.append(str(exc).replace("microk8s ", "", 1))
        except ClusterUnreachable as exc:
            snap.unreachable = exc.unreachable
            return snap
        snap.pod_health = [pod_health(p, snap.events, snap.nodes) for p in snap.pods]
        # Problems first, then by namespace/name: the order every face shows.
        snap.pod_health.sort(key=lambda h: (h.healthy, h.pod.namespace, h.pod.name))
        return snap


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")
