"""What every check receives: the role, the probe, the answers (if any), shared facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..answers import Answers, Role
from .model import MINIMUMS, Minimums
from .probe import Probe

ROLE_NAMES = {Role.MASTER: "master", Role.WORKER: "worker", Role.LOCAL: "local install"}


@dataclass
class Context:
    role: Role
    probe: Probe
    answers: Answers | None = None
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
