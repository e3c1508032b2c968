"""Short read-only queries against microk8s, returning typed snapshots.

"Unreachable" (microk8s not installed, not running, no permission, or this machine is a joined
worker) is told apart from "unhealthy" (reachable, but something is wrong), each with its reason
and fix. A snapshot reads each kind once (``-o json``), the kinds in parallel threads.
"""

from __future__ import annotations

import getpass
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from ..system import Captured, ProgramNotFound, capture, find_program, is_root, privileged_argv
from .access import logs_argv, outside_microk8s_group
from .diagnose import REQUIRED_ADDONS
from .health import events_by_pod_name, pod_health
from .readers import (
    CLUSTER_KINDS,
    OBJECT_KINDS,
    Addon,
    ClusterRead,
    Event,
    HelmRelease,
    HelmRevision,
    MicroK8sStatus,
    Node,
    ObjectFacts,
    Pod,
    ReaderError,
    parse_cluster,
    parse_events,
    parse_helm_history,
    parse_helm_list,
    parse_nodes,
    parse_objects,
    parse_pods,
    parse_status,
    status_problem,
)
from .snapshot import ClusterSnapshot, Unreachable
from .worker import worker_report

__all__ = ["ClusterQueries", "ClusterSnapshot", "ClusterUnreachable", "Unreachable"]

Capture = Callable[..., Captured]


class ClusterUnreachable(Exception):
    def __init__(self, unreachable: Unreachable) -> None:
        super().__init__(unreachable.message)
        self.unreachable = unreachable


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
        return self.privileged(["microk8s", *args])

    def privileged(self, argv: list[str]) -> list[str]:
        """``argv`` through ``sudo -n`` once microk8s refused this user (e.g. ``access.logs_argv(…)``)."""
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
        if _refused(result) and not self._sudo and self._sudo_allowed:
            self._sudo = True
            retry = self._capture(self.argv(*args), timeout=timeout or self.timeout)
            if not _refused(retry) and "sudo" not in retry.stderr[:80]:
                return retry
            self._sudo = False
        if _refused(result):
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
        """``microk8s status --format yaml``; raises ``ClusterUnreachable`` when not running or a worker."""
        result = self.run("status", "--format", "yaml")
        text = result.stdout + ("\n" + result.stderr if not result.stdout.strip() else "")
        if status_problem(text) == "worker":
            raise ClusterUnreachable(
                Unreachable(
                    "worker",
                    "this machine is a worker node: the cluster is run and checked from the master",
                    "on the master: mipwizard status (and mipwizard node list to see this node)",
                )
            )
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
            what = " ".join(a.split(",")[0] + (",…" if "," in a else "") for a in args[:3])
            raise ReaderError(f"microk8s {what}: {_first_line(result.stderr) or f'exit {result.exit_code}'}")
        return result.stdout

    def nodes(self) -> list[Node]:
        return parse_nodes(self._json("kubectl", "get", "nodes", "-o", "json"))

    def pods(self, namespace: str | None = None) -> list[Pod]:
        scope = ["-n", namespace] if namespace else ["-A"]
        return parse_pods(self._json("kubectl", "get", "pods", *scope, "-o", "json"))

    def events(self) -> list[Event]:
        return parse_events(self._json("kubectl", "get", "events", "-A", "-o", "json"))

    def helm_releases(self) -> list[HelmRelease]:
        return parse_helm_list(self._json("helm3", "list", "-A", "-o", "json"))

    def objects(self) -> ObjectFacts:
        """PVCs, PVs, storage classes, Ingresses and ingress classes: one ``kubectl get`` for all five."""
        return parse_objects(self._json("kubectl", "get", OBJECT_KINDS, "-A", "-o", "json"))

    def cluster(self) -> ClusterRead:
        """Pods, nodes, events and the storage/ingress objects in one ``kubectl get`` (one process)."""
        return parse_cluster(self._json("kubectl", "get", CLUSTER_KINDS, "-A", "-o", "json"))

    def helm_history(self, name: str, namespace: str) -> list[HelmRevision]:
        return parse_helm_history(self._json("helm3", "history", name, "-n", namespace, "-o", "json"))

    def helm_values(self, name: str = "mip") -> str | None:
        """The values deployed with release ``name`` (``helm3 get values -o yaml``), None if absent."""
        result = self.run("helm3", "get", "values", name, "-o", "yaml")
        return result.stdout if result.ok else None

    def pod_logs(
        self, pod: str, namespace: str, *, container: str | None = None, tail: int = 200, previous: bool = False
    ) -> str:
        argv = self.privileged(logs_argv(pod, namespace, container=container, tail=tail, previous=previous))
        result = self._capture(argv, timeout=self.timeout)
        return result.stdout if result.ok else result.stdout + result.stderr

    def delete_pod(self, pod: str, namespace: str) -> Captured:
        """Restart a pod by deleting it; its Deployment/StatefulSet creates a new one."""
        return self.run("kubectl", "delete", "pod", pod, "-n", namespace, timeout=max(self.timeout, 90.0))

    def snapshot(self, *, main_ip: str | None = None) -> ClusterSnapshot:
        """Everything at once, in parallel: one ``kubectl get`` of every kind and ``helm list``.

        ``microk8s status`` is asked only when the get fails (it tells stopped, a worker and
        permission apart) or when an addon MIP needs shows no pod: it is the slowest of the reads
        (it runs its own ``kubectl get all -A``), and when the API answers, the addons are seen in
        what the get returned. If the one get fails but microk8s runs (e.g. a kind is forbidden),
        each kind is read on its own so the others still show."""
        snap = ClusterSnapshot(taken_at=time.time(), main_ip=main_ip)
        with ThreadPoolExecutor(max_workers=5, thread_name_prefix="cluster-read") as pool:
            cluster = pool.submit(self.cluster)
            releases = pool.submit(self.helm_releases)
            try:
                try:
                    read: ClusterRead | None = cluster.result()
                except ReaderError:
                    snap.status, read = self.status(), None  # raises ClusterUnreachable: why the get failed
                self._take(snap, "releases", releases.result)
                if read is not None:
                    snap.pods, snap.nodes, snap.events, snap.objects = read.pods, read.nodes, read.events, read.objects
                    snap.status = addons_seen(read.pods, helm_answered=releases.exception() is None)
                    if not all(snap.status.addon_enabled(name) for name in REQUIRED_ADDONS):
                        snap.status = self.status()  # an addon looks missing: microk8s' own word on it
                else:
                    kinds: dict[str, Callable[[], Any]] = {
                        "pods": self.pods,
                        "nodes": self.nodes,
                        "events": self.events,
                        "objects": self.objects,
                    }
                    futures: dict[str, Future[Any]] = {label: pool.submit(read) for label, read in kinds.items()}
                    for label, future in futures.items():
                        self._take(snap, label, future.result)
            except ClusterUnreachable as exc:
                snap.unreachable = exc.unreachable
                if exc.unreachable.reason == "worker":
                    snap.worker = worker_report(self._capture)
                return snap
        events = events_by_pod_name(snap.events)
        snap.pod_health = [pod_health(p, events.get(p.name, ()), snap.nodes, snap.objects) for p in snap.pods]
        # Problems first, then by namespace/name: the order every face shows.
        snap.pod_health.sort(key=lambda h: (h.healthy, h.pod.namespace, h.pod.name))
        return snap

    @staticmethod
    def _take(snap: ClusterSnapshot, label: str, result: Callable[[], Any]) -> None:
        try:
            setattr(snap, label, result())
        except ReaderError as exc:
            snap.errors.append(str(exc).replace("microk8s ", "", 1))


def _refused(result: Captured) -> bool:
    """microk8s printed its "Insufficient permissions" message instead of running the command.
    The wrapper prints it first and exits, so only the start of the output is looked at: not the
    3 MB of a federation's JSON (lowercased and searched, that cost ~15 ms a read), which could
    also quote the message in an event and pass for a refusal."""
    return status_problem(result.stdout[:_REFUSAL_HEAD] + "\n" + result.stderr[:_REFUSAL_HEAD]) == "permission"


_REFUSAL_HEAD = 4096

# The pods an addon runs (microk8s' own manifests: coredns, the ingress DaemonSet, the provisioner).
_ADDON_PODS = {
    "dns": ("kube-system", "coredns-"),
    "ingress": ("ingress", "nginx-ingress-microk8s-controller-"),
    "hostpath-storage": ("kube-system", "hostpath-provisioner-"),
}


def addons_seen(pods: list[Pod], *, helm_answered: bool) -> MicroK8sStatus:
    """microk8s runs (its API answered): the addons MIP needs, as their pods show them."""
    found = {
        name
        for name, (namespace, prefix) in _ADDON_PODS.items()
        if any(p.namespace == namespace and p.name.startswith(prefix) for p in pods)
    }
    if helm_answered:  # ``microk8s helm3`` answers only when the addon is enabled
        found.add("helm3")
    addons = [Addon(name, status="enabled") for name in sorted(found)]
    return MicroK8sStatus(running=True, message="seen in the cluster (its API answered)", addons=addons)


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")
