"""Creating /data/<FEDERATION>/<PATHOLOGY> folders owned by the admin user.

The data root usually belongs to root, so the folders are made with privileged ``mkdir -p`` and
handed over with ``chown user:group`` (``user.group`` is deprecated) — both as argv, via sudo
when the wizard is not root.
"""

from __future__ import annotations

import grp
import pwd
from collections.abc import Callable, Sequence
from pathlib import Path

from ..errors import UserError
from ..system import Captured, capture, privileged_argv
from ..validators import check_folder_name

Run = Callable[[list[str]], Captured]


def _run(argv: list[str]) -> Captured:
    return capture(privileged_argv(argv), timeout=30)


def primary_group(user: str) -> str:
    """The login group of ``user``; the user's own name when the system does not know them."""
    try:
        return grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name
    except KeyError:
        return user


def missing_pathologies(root: Path, federation: str, wanted: Sequence[str]) -> list[str]:
    base = Path(root) / federation
    return [name for name in wanted if not (base / name).is_dir()]


def create_pathology_folders(
    root: Path,
    federation: str,
    pathologies: Sequence[str],
    owner: str,
    *,
    group: str | None = None,
    run: Run = _run,
) -> list[Path]:
    """Create ``root/federation/<name>`` for each pathology, owned by ``owner:group``.

    Returns the folders that now exist. Raises UserError naming the failed command.
    """
    check_folder_name(federation, what="federation name")
    for name in pathologies:
        check_folder_name(name, what="pathology name")
    if not pathologies:
        return []
    owner_spec = f"{owner}:{group or primary_group(owner)}"
    base = Path(root) / federation
    folders = [base / name for name in pathologies]
    for argv in (
        ["mkdir", "-p", *map(str, folders)],
        ["chown", owner_spec, str(base), *map(str, folders)],
    ):
        result = run(argv)
        if not result.ok:
            detail = (result.stderr or result.stdout).strip().splitlines()
            reason = detail[-1] if detail else f"exit code {result.exit_code}"
            raise UserError(
                f"`{' '.join(argv)}` failed: {reason} — check that {root} is writable "
                "and that the user exists"
            )
    return folders
