"""What the steps of one run learn about the machine: queried once, cached, typed.

``Facts`` asks the machine; ``FreshFacts`` answers as a fresh Ubuntu server would once the steps
before have run (the dry run's machine), so a dry run follows the same branches as a first install.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..errors import UserError
from ..system import Captured
from . import readers
from .events import StepFailed
from .settings import InstallSettings

if TYPE_CHECKING:
    from ..federation import NodeInfo


@dataclass
class _Cache:
    microk8s_status: readers.MicroK8sStatus | None = None
    helm_releases: dict[str, str] | None = None
    owners: dict[str, str] = field(default_factory=dict)  # user -> "user:group"


class Querier(Protocol):
    """What the facts ask of the running step (its ``StepContext``): a logged, redacted query."""

    def query(self, argv: list[str], *, privileged: bool = False, timeout: float = 60.0) -> Captured: ...


class Facts:
    fresh = False

    def __init__(self, settings: InstallSettings) -> None:
        self.settings = settings
        self._cache = _Cache()
        self._ctx: Querier | None = None

    def bind(self, ctx: Querier) -> None:
        self._ctx = ctx  # the step running now: its queries are logged under it

    @property
    def ctx(self) -> Querier:
        assert self._ctx is not None, "Facts used outside a step"
        return self._ctx

    def _query(self, argv: list[str], *, privileged: bool = False) -> Captured:
        return self.ctx.query(argv, privileged=privileged, timeout=self.settings.query_timeout)

    # --- microk8s --------------------------------------------------------------------------
    def microk8s_status(self) -> readers.MicroK8sStatus:
        if self._cache.microk8s_status is None:
            result = self._query(["microk8s", "status", "--format", "yaml"], privileged=True)
            self._cache.microk8s_status = readers.read_microk8s_status(result.stdout if result.ok else "")
        return self._cache.microk8s_status

    def forget_microk8s_status(self) -> None:
        self._cache.microk8s_status = None

    def clustered(self) -> bool:
        return self.settings.clustered_lock.exists()

    # --- users and owners ------------------------------------------------------------------
    def user_groups(self, user: str) -> set[str] | None:
        result = self._query(["id", "-nG", user])
        return set(result.stdout.split()) if result.ok else None

    def owner(self, user: str) -> str | None:
        """``user:group`` with the user's primary group (``id -gn``), or None without the user."""
        from ..data.folders import primary_group

        if user not in self._cache.owners:
            try:
                group = primary_group(user, run=lambda argv: self._query(argv))
            except UserError:
                return None  # not cached: the admin-user step may create the user later in this run
            self._cache.owners[user] = f"{user}:{group}"
        return self._cache.owners[user]

    def need_owner(self, user: str) -> str:
        owner = self.owner(user)
        if owner is None:
            raise StepFailed(
                f"the admin user {user} does not exist (`id -gn {user}` failed) — "
                "run `mipwizard install --from admin-user` to create it"
            )
        return owner

    def owners_ok(self, paths: list[Path], owner: str | None) -> bool:
        if owner is None or not all(p.is_dir() for p in paths):
            return False
        result = self._query(["stat", "-c", "%U:%G", *map(str, paths)])
        return result.ok and all(line.strip() == owner for line in result.stdout.splitlines() if line.strip())

    # --- the cluster -----------------------------------------------------------------------
    def helm_releases(self) -> dict[str, str]:
        if self._cache.helm_releases is None:
            result = self._query(["microk8s", "helm3", "list", "-A", "-o", "json"], privileged=True)
            try:
                self._cache.helm_releases = readers.read_helm_releases(result.stdout) if result.ok else {}
            except ValueError:
                self._cache.helm_releases = {}
        return self._cache.helm_releases

    def forget_helm_releases(self) -> None:
        self._cache.helm_releases = None

    def nodes(self) -> list[NodeInfo]:
        from ..federation import parse_nodes_json

        result = self._query(["microk8s", "kubectl", "get", "nodes", "-o", "json"], privileged=True)
        if not result.ok:
            raise StepFailed(
                f"cannot list the cluster's nodes (exit {result.exit_code}) — is microk8s running? (`microk8s status`)"
            )
        try:
            return list(parse_nodes_json(result.stdout))
        except UserError as exc:
            raise StepFailed(str(exc)) from None

    def pods(self) -> list[readers.PodState] | None:
        result = self._query(["microk8s", "kubectl", "get", "pods", "-A", "-o", "json"], privileged=True)
        if not result.ok:
            return None
        try:
            return readers.read_pods(result.stdout)
        except ValueError:
            return None


class FreshFacts(Facts):
    """A fresh machine, as each step finds it after the steps before it ran (for ``--dry-run``)."""

    fresh = True

    def __init__(self, settings: InstallSettings, node: str) -> None:
        super().__init__(settings)
        self.node = node

    def microk8s_status(self) -> readers.MicroK8sStatus:
        return readers.MicroK8sStatus(running=False, message="a fresh machine")

    def clustered(self) -> bool:
        return False

    def owner(self, user: str) -> str | None:
        return f"{user}:{user}"  # adduser gives a new user a group of its own name

    def owners_ok(self, paths: list[Path], owner: str | None) -> bool:
        return False

    def helm_releases(self) -> dict[str, str]:
        return {}

    def nodes(self) -> list[NodeInfo]:
        from ..federation import NodeInfo

        return [NodeInfo(self.node, {}, True)]

    def pods(self) -> list[readers.PodState] | None:
        return [readers.PodState("", "every pod", True, "Ready")]
