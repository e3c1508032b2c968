"""The install journal: which steps finished, with which inputs. A hint; the probes are the truth.

It lets a re-run say where the last run stopped, and lets steps without a complete probe (Helm
releases: "deployed" says nothing about *which* values) know they already ran with these inputs.
Written atomically after every change, so a ``kill -9`` leaves the previous or the next version.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from ..fileio import atomic_write_text

VERSION = 1


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.data: dict[str, Any] = {"version": VERSION, "steps": {}, "running": None, "failed": None}
        self._load()

    def _load(self) -> None:
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return  # missing or damaged: start from nothing, the probes still decide
        if isinstance(loaded, dict) and loaded.get("version") == VERSION and isinstance(loaded.get("steps"), dict):
            self.data.update(loaded)

    def _save(self) -> None:
        text = json.dumps(self.data, indent=2, sort_keys=True) + "\n"
        atomic_write_text(self.path, text, mode=0o600, backup=False)

    def fingerprint(self, step_id: str) -> str | None:
        entry = self.data["steps"].get(step_id)
        return entry.get("fingerprint") if isinstance(entry, dict) else None

    def is_done(self, step_id: str, fingerprint: str) -> bool:
        return self.fingerprint(step_id) == fingerprint

    @property
    def running(self) -> str | None:
        """The step a previous run was in when it was killed, if any."""
        return self.data.get("running")

    @property
    def failed(self) -> dict[str, str] | None:
        return self.data.get("failed")

    def mark_running(self, step_id: str) -> None:
        self.data["running"] = step_id
        self._save()

    def record_done(self, step_id: str, fingerprint: str, outcome: str, message: str = "") -> None:
        """``message`` (already redacted) says what the step found or did, e.g. the commits checked out."""
        self.data["steps"][step_id] = {
            "fingerprint": fingerprint,
            "outcome": outcome,
            "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            **({"message": message} if message else {}),
        }
        self.data["running"] = None
        if (self.data.get("failed") or {}).get("step") == step_id:
            self.data["failed"] = None
        self._save()

    def record_failed(self, step_id: str, message: str) -> None:
        """``message`` must already be redacted."""
        self.data["steps"].pop(step_id, None)
        self.data["running"] = None
        self.data["failed"] = {"step": step_id, "message": message}
        self._save()

    def finish_run(self) -> None:
        if self.data.get("running") or self.data.get("failed"):
            self.data["running"] = None
            self.data["failed"] = None
            self._save()
