"""The restore journal: what a restore has done so far, in the state folder, rewritten atomically
before each stage. A restore killed at any point (kill -9) is finished, or rolled back, from it.

``MIPWIZARD_TEST_CRASH_AT=<point>`` makes the process SIGKILL itself at that checkpoint: the tests
use it to kill a restore at every stage and prove nothing is lost.
"""

from __future__ import annotations

import json
import os
import signal
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..fileio import atomic_write_text

CRASH_ENV = "MIPWIZARD_TEST_CRASH_AT"
STAGES = ("planned", "stopped", "extracted", "swapped", "started", "ready", "done", "rolled-back")


def checkpoint(point: str) -> None:
    if os.environ.get(CRASH_ENV) == point:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class RootMove:
    """One root's three places: where it lives, the restored copy being built, the previous one kept."""

    name: str
    path: str
    kind: str
    existed: bool
    staging: str
    aside: str


@dataclass
class RestoreJournal:
    id: str
    archive: str
    archive_sha256: str
    created: str
    stage: str
    roots: list[RootMove]
    releases: list[str]
    replicas: dict[str, int] | None = None  # workload key -> replicas before the restore stopped it
    replay_dumps: bool = False
    notes: list[str] = field(default_factory=list)

    def reached(self, stage: str) -> bool:
        return STAGES.index(self.stage) >= STAGES.index(stage)

    def save(self, path: Path) -> None:
        atomic_write_text(path, json.dumps(asdict(self), indent=1) + "\n", mode=0o600, backup=False)

    @classmethod
    def load(cls, path: Path) -> RestoreJournal | None:
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise UserError(f"{path}: the restore journal is unreadable ({exc.__class__.__name__}) — look at it; "
                            "the folders it names end in .mipwizard-restore-* and .before-restore-*") from None
        data["roots"] = [RootMove(**r) for r in data.get("roots", [])]
        return cls(**data)
