"""Where mipwizard keeps its state (install journal) and its logs.

Root: ``/var/lib/mipwizard`` and ``/var/log/mipwizard``. Anyone else: ``$XDG_STATE_HOME/mipwizard``
(default ``~/.local/state/mipwizard``) with logs in its ``logs/`` folder. ``MIPWIZARD_STATE_DIR`` and
``MIPWIZARD_LOG_DIR`` override both (tests always point them at a temporary folder).
"""

from __future__ import annotations

import os
from pathlib import Path

from .system import is_root

STATE_DIR_ENV = "MIPWIZARD_STATE_DIR"
LOG_DIR_ENV = "MIPWIZARD_LOG_DIR"


def state_dir() -> Path:
    override = os.environ.get(STATE_DIR_ENV)
    if override:
        return Path(override)
    if is_root():
        return Path("/var/lib/mipwizard")
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "mipwizard"


def log_dir() -> Path:
    override = os.environ.get(LOG_DIR_ENV)
    if override:
        return Path(override)
    if is_root():
        return Path("/var/log/mipwizard")
    return state_dir() / "logs"


def install_log_path() -> Path:
    return log_dir() / "install.log"


def journal_path() -> Path:
    return state_dir() / "install-journal.json"
