"""What every check receives: the role, the probe, the answers (if any), shared facts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..answers import DEFAULT_ADMIN_USER, Role
from .model import MINIMUMS, Minimums
from .probe import Probe


class AnswersFacts(Protocol):
    """What the checks read from the answers: ``Answers`` has it, and so has ``HostFacts``."""

    @property
    def machine_main_ip(self) -> str | None: ...
    @property
    def machine_public_fqdn(self) -> str | None: ...
    @property
    def data_root(self) -> Path: ...
    @property
    def admin_user(self) -> str: ...


@dataclass(frozen=True)
class HostFacts:
    """The answers' facts about this host while the wizard is still filling the rest in.

    Values that do not pass the answers' own validators count as not given (their field shows
    the problem), so a half-typed address is never "checked".
    """

    machine_main_ip: str | None = None
    machine_public_fqdn: str | None = None
    data_root: Path = Path("/data")
    admin_user: str = DEFAULT_ADMIN_USER

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> HostFacts:
        from .. import validators as v

        def valid(check: Any, key: str) -> str | None:
            raw = data.get(key)
            if not isinstance(raw, str) or not raw.strip():
                return None
            try:
                return str(check(raw))
            except ValueError:
                return None

        root = data.get("data_root")
        user = data.get("admin_user")
        return cls(
            machine_main_ip=valid(v.check_ip, "machine_main_ip"),
            machine_public_fqdn=valid(v.check_hostname, "machine_public_fqdn"),
            data_root=Path(root) if isinstance(root, str) and root.startswith("/") else Path("/data"),
            admin_user=user if isinstance(user, str) and user.strip() else DEFAULT_ADMIN_USER,
        )

ROLE_NAMES = {Role.MASTER: "master", Role.WORKER: "worker", Role.LOCAL: "local install"}


@dataclass
class Context:
    role: Role
    probe: Probe
    answers: AnswersFacts | None = None
    shared: dict[str, Any] = field(default_factory=dict)  # facts several checks use, read once

    @property
    def minimums(self) -> Minimums:
        return MINIMUMS[self.role]

    @property
    def who(self) -> str:
        """'master', for summaries such as '2 logical cores (master needs ≥ 4)'."""
        return ROLE_NAMES[self.role]

    @property
    def data_root(self) -> str:
        return str(self.answers.data_root if self.answers else Path("/data"))

    def once(self, key: str, compute: Any) -> Any:
        if key not in self.shared:
            self.shared[key] = compute()
        return self.shared[key]
