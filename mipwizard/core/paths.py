"""Where mipwizard keeps its state (install journal) and its logs.

Root: ``/var/lib/mipwizard`` and ``/var/log/mipwizard``. Anyone else: ``$XDG_STATE_HOME/mipwizard``
(default ``~/.local/state/mipwizard``) with logs in its ``logs/`` folder. ``MIPWIZARD_STATE_DIR`` and
``MIPWIZARD_LOG_DIR`` override both (tests always point them at a temporary folder).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .system import is_root

STATE_DIR_ENV = "MIPWIZARD_STATE_DIR"
LOG_DIR_ENV = "MIPWIZARD_LOG_DIR"


def _chosen_dir(env: str, as_root: str, as_user: Callable[[], Path]) -> Path:
    """The override in ``env`` if set, else root's system folder, else the user's own."""
    override = os.environ.get(env)
    if override:
        return Path(override)
    return Path(as_root) if is_root() else as_user()


def state_dir() -> Path:
    def user_state() -> Path:
        return Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "mipwizard"

    return _chosen_dir(STATE_DIR_ENV, "/var/lib/mipwizard", user_state)


def log_dir() -> Path:
    return _chosen_dir(LOG_DIR_ENV, "/var/log/mipwizard", lambda: state_dir() / "logs")


def install_log_path() -> Path:
    return log_dir() / "install.log"


def journal_path() -> Path:
    return state_dir() / "install-journal.json"
