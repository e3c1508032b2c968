"""Creating /data/<FEDERATION>/<PATHOLOGY> folders owned by the admin user.

The data root usually belongs to root, so the folders are made with privileged ``mkdir -p`` and
handed over with ``chown -h user:group`` (``user.group`` is deprecated) — both as argv, via sudo
when the wizard is not root. The admin user owns these folders, so a re-run as root refuses any
path with a symbolic link it could have planted (``/data/fed/dementia -> /root`` would make root
chown ``/root``; ``safe_fs.refuse_links``), and ``-h`` never follows one at the end. The install's
own data-folders step does it by descriptor as root (``core/install/owned_folders.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from ..errors import UserError
from ..safe_fs import refuse_links
from ..system import Captured, capture, privileged_argv
from ..validators import check_folder_name

Run = Callable[[list[str]], Captured]


def _run(argv: list[str]) -> Captured:
    return capture(privileged_argv(argv), timeout=30)


def primary_group(user: str, *, run: Run | None = None) -> str:
    """The login group of ``user`` (``id -gn``); UserError when the user does not exist."""
    result = (run or (lambda argv: capture(argv, timeout=10)))(["id", "-gn", user])
    group = result.stdout.strip()
    if not result.ok or not group:
        raise UserError(
            f"user {user!r} does not exist on this machine — create it first "
            "(the install creates the admin user), or choose another owner"
        )
    return group


def _check_name(name: str, what: str) -> None:
    try:
        check_folder_name(name, what=f"{what} name")
    except ValueError as exc:
        raise UserError(f"{what} name: {exc}") from None


def missing_pathologies(root: Path, federation: str, wanted: Sequence[str]) -> list[str]:
    base = Path(root) / federation
    return [name for name in wanted if not (base / name).is_dir()]


def pathology_folders(root: Path, federation: str, pathologies: Sequence[str]) -> list[Path]:
    """``root/federation/<name>`` for each pathology; UserError for a name that is not a plain folder name."""
    _check_name(federation, "federation")
    for name in pathologies:
        _check_name(name, "pathology")
    base = Path(root) / federation
    return [base / name for name in pathologies]


def folder_commands(root: Path, federation: str, pathologies: Sequence[str], owner_spec: str) -> list[list[str]]:
    """The argv lists that create the pathology folders and give them (and the federation
    folder, not its contents) to ``owner_spec`` ("user:group"). Shared by the install plan."""
    folders = pathology_folders(root, federation, pathologies)
    if not folders:
        return []
    base = Path(root) / federation
    for folder in folders:  # root must not create or chown through a link the admin user planted
        refuse_links(folder, what="data folder")
    return [
        ["mkdir", "-p", "--", *map(str, folders)],
        ["chown", "-h", "--", owner_spec, str(base), *map(str, folders)],
    ]


def create_pathology_folders(
    root: Path,
    federation: str,
    pathologies: Sequence[str],
    owner: str,
    *,
    group: str | None = None,
    run: Run = _run,
) -> list[Path]:
    """Create ``root/federation/<name>`` for each pathology, owned by ``owner:group``
    (default group: the owner's primary group, ``id -gn``).

    Returns the folders that now exist. Raises UserError naming the failed command.
    """
    folders = pathology_folders(root, federation, pathologies)
    if not folders:
        return []
    owner_spec = f"{owner}:{group or primary_group(owner)}"
    for argv in folder_commands(root, federation, pathologies, owner_spec):
        result = run(argv)
        if not result.ok:
            detail = (result.stderr or result.stdout).strip().splitlines()
            reason = detail[-1] if detail else f"exit code {result.exit_code}"
            raise UserError(
                f"`{' '.join(argv)}` failed: {reason} — check that {root} is writable "
                "and that the user exists"
            )
    return folders
