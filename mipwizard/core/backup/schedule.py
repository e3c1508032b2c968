"""``--keep N`` (prune old archives) and ``--schedule daily`` (a systemd timer and its service)."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from ..errors import UserError
from ..fileio import atomic_write_text
from ..system import capture

UNIT = "mipwizard-backup"
SYSTEMD_DIR = Path("/etc/systemd/system")
SYSTEMD_DIR_ENV = "MIPWIZARD_SYSTEMD_DIR"  # tests point it at tmp_path


def archives(folder: Path) -> list[Path]:
    """mipwizard's archives in ``folder``, oldest first (by the time in their name, then mtime)."""
    from .make import NAME_PREFIX, SUFFIXES

    found = [p for p in folder.glob(f"{NAME_PREFIX}*") if p.is_file() and p.name.endswith(SUFFIXES)]
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name))


def prune(folder: Path, keep: int, *, protect: Path | None = None) -> list[Path]:
    """Delete all but the newest ``keep`` archives (never ``protect``, the one just made)."""
    if keep < 1:
        raise UserError("--keep must be at least 1 (the backup just made is always kept)")
    old = archives(folder)[:-keep]
    removed = []
    for path in old:
        if protect is not None and path.resolve() == protect.resolve():
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def unit_files() -> tuple[Path, Path]:
    """(timer, service) in systemd's folder (``MIPWIZARD_SYSTEMD_DIR`` in tests)."""
    folder = Path(os.environ.get(SYSTEMD_DIR_ENV) or SYSTEMD_DIR)
    return folder / f"{UNIT}.timer", folder / f"{UNIT}.service"


def unit_texts(backup_args: list[str], *, when: str = "daily", program: str | None = None) -> tuple[str, str]:
    exe = program or _program()
    command = shlex.join([*exe, "backup", *backup_args])
    service = f"""\
# Written by `mipwizard backup --schedule {when}`; remove with `mipwizard backup --unschedule`.
[Unit]
Description=mipwizard backup of the MIP (folders, answers, profiles, database dumps)
Wants=snap.microk8s.daemon-kubelite.service
After=snap.microk8s.daemon-kubelite.service

[Service]
Type=oneshot
ExecStart={command}
Nice=10
IOSchedulingClass=best-effort
UMask=0077
"""
    timer = f"""\
# Written by `mipwizard backup --schedule {when}`; remove with `mipwizard backup --unschedule`.
[Unit]
Description=Run the mipwizard backup {when}

[Timer]
OnCalendar={when}
RandomizedDelaySec=30min
Persistent=true

[Install]
WantedBy=timers.target
"""
    return service, timer


def _program() -> list[str]:
    """How systemd starts this mipwizard: its console script if on PATH, else ``python -m mipwizard``."""
    import shutil

    found = shutil.which("mipwizard")
    return [os.path.abspath(found)] if found else [sys.executable, "-m", "mipwizard"]


def schedule(backup_args: list[str], *, when: str = "daily") -> tuple[Path, Path]:
    if when not in ("daily", "weekly", "hourly"):
        raise UserError(f"--schedule {when}: choose daily, weekly or hourly")
    service_text, timer_text = unit_texts(backup_args, when=when)
    timer, service = unit_files()
    atomic_write_text(service, service_text, mode=0o644, backup=False)
    atomic_write_text(timer, timer_text, mode=0o644, backup=False)
    _systemctl("daemon-reload")
    _systemctl("enable", "--now", f"{UNIT}.timer")
    return timer, service


def unschedule() -> list[Path]:
    units = unit_files()
    if units[0].exists():
        _systemctl("disable", "--now", f"{UNIT}.timer")
    removed = [u for u in units if u.exists()]
    for unit in removed:
        unit.unlink()
    _systemctl("daemon-reload")
    return removed


def _systemctl(*args: str) -> None:
    result = capture(["systemctl", *args], timeout=60)
    if not result.ok:
        first = next((line for line in result.stderr.splitlines() if line.strip()), f"exit {result.exit_code}")
        raise UserError(f"`systemctl {' '.join(args)}` failed: {first.strip()} — is this a systemd machine, "
                        "and are you root (sudo)?")
