"""The upgrade journal: what an upgrade has changed so far (checkouts, helm revisions before, database
folders moved aside), in the state folder, rewritten atomically before each stage. An upgrade killed
at any point (kill -9) is finished from it when everything was deployed and Ready, else rolled back.
It holds no secret: a rollback rebuilds the previous release's Secrets from the kept passwords.
``MIPWIZARD_TEST_CRASH_AT=upgrade-<stage>`` kills the process at that checkpoint (tests)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..backup.journal import checkpoint
from ..errors import UserError
from ..fileio import atomic_write_text

JOURNAL_NAME = "upgrade-journal.json"
# backed-up: the backup is written; checked-out: a checkout moved; deployed: helm upgrades ran;
# ready: every workload Ready; migrated: the databases replayed (all that is left: the answers).
STAGES = ("planned", "backed-up", "checked-out", "deployed", "ready", "migrated", "done", "rolled-back")


@dataclass
class CheckoutMove:
    key: str  # "mip_deployment" or "exareme2"
    path: str
    old_commit: str
    new_commit: str


@dataclass
class UpgradeJournal:
    id: str
    current: str  # the release name before
    target: str
    created: str
    stage: str
    checkouts: list[CheckoutMove]
    revisions: dict[str, int | None]  # helm release -> its revision before the upgrade
    pins: dict[str, dict[str, str]] = field(default_factory=dict)  # answers key -> repo_url/ref, set at the end
    moved: list[list[str]] = field(default_factory=list)  # [original, aside] database folders
    undone: list[str] = field(default_factory=list)  # helm releases a rollback has put back
    backup: str = ""
    spool: str = ""

    def reached(self, stage: str) -> bool:
        return STAGES.index(self.stage) >= STAGES.index(stage)

    def advance(self, stage: str, path: Path) -> None:
        self.stage = stage
        self.save(path)
        checkpoint(f"upgrade-{stage}")

    def save(self, path: Path) -> None:
        atomic_write_text(path, json.dumps(asdict(self), indent=1) + "\n", mode=0o600, backup=False)

    @property
    def finished(self) -> bool:
        return self.stage in ("done", "rolled-back")

    @classmethod
    def load(cls, path: Path) -> UpgradeJournal | None:
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            data["checkouts"] = [CheckoutMove(**c) for c in data.get("checkouts", [])]
            return cls(**data)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError) as exc:
            raise UserError(f"{path}: the upgrade journal is unreadable ({exc.__class__.__name__}) — look at it; "
                            "`git -C <checkout> log` and `microk8s helm3 history mip` say where things are") from None


def journal_path(state_dir: Path) -> Path:
    return state_dir / JOURNAL_NAME
