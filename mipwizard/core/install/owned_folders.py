"""Folders root makes and hands to the admin user (the data folders), without a race.

As root the folders are reached and made the ``openat`` way and chowned through the descriptor
(``safe_fs.make_owned_folder``): the admin user owns ``/data/<federation>``, so a link it swaps in
between a check and a ``chown`` by path would hand root's files over. Not root, the work needs
sudo, which cannot be handed our descriptor: then it is ``mkdir -p --`` and ``chown -h --`` after
the same link check (the remaining window is only open to a user who can already write there).
"""

from __future__ import annotations

from pathlib import Path

from ..safe_fs import UnsafePath, folder_owner, make_owned_folder
from .steps import Command, StepContext, StepFailed


def owner_ids(ctx: StepContext, user: str) -> tuple[int, int] | None:
    """``(uid, gid)`` of ``user`` and its primary group (``id -u``, ``id -g``), or None without it."""
    numbers = []
    for flag in ("-u", "-g"):
        result = ctx.query(["id", flag, user])
        text = result.stdout.strip()
        if not result.ok or not text.isdigit():
            return None
        numbers.append(int(text))
    return numbers[0], numbers[1]


def folders_owned(ctx: StepContext, folders: list[Path], user: str) -> bool:
    """Every folder is there, reached without an unsafe link, and belongs to ``user`` and its group."""
    if not ctx.runner.as_root:
        return ctx.facts.owners_ok(folders, ctx.facts.owner(user))
    ids = owner_ids(ctx, user)
    return ids is not None and all(folder_owner(f, what="data folder") == ids for f in folders)


def give_folders(ctx: StepContext, folders: list[Path], user: str, commands: list[list[str]], timeout: float) -> None:
    """Make ``folders`` (in order; parents first) and give each, not its contents, to ``user``.

    ``commands`` are the sudo equivalent (``data.folders.folder_commands``), run when not root.
    """
    if not ctx.runner.as_root:
        for argv in commands:
            ctx.run(Command(tuple(argv), timeout=timeout))
        return
    ids = (0, 0) if ctx.recording else owner_ids(ctx, user)
    if ids is None:
        raise StepFailed(f"`id -u {user}` found no such user — run `mipwizard install --from admin-user`")
    uid, gid = ids
    for folder in folders:

        def make(folder: Path = folder) -> None:
            make_owned_folder(folder, uid, gid, what="data folder")

        try:
            ctx.change(f"make {folder} (if missing) and give it to {user} through a descriptor: no link followed", make)
        except UnsafePath as exc:
            raise StepFailed(str(exc)) from None
        except OSError as exc:
            raise StepFailed(f"cannot make {folder}: {exc.strerror} — check its parent folder") from None
