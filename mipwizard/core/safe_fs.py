"""File handling that stays safe when run as root in folders a less-privileged user can change.

No link is followed where a user could have planted one: private files are opened with
``O_NOFOLLOW`` and checked after opening (``fstat``: a regular file, ours, mode fixed to 0600);
private folders are checked with ``lstat``, never trusted; input files are opened without
blocking and refused unless regular (a FIFO would hang us, ``/dev/zero`` would never end); a path
about to be created or chowned as root is refused when any part of it is a symbolic link.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .errors import UserError


class UnsafePath(UserError):
    """A path refused for safety (a planted link, a foreign owner, a FIFO…); the message says the fix."""


def ensure_private_dir(path: Path, *, mode: int = 0o700) -> Path:
    """Create ``path`` (and parents) or check it: a real folder, ours, no looser than ``mode``."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True, mode=mode)
    except FileExistsError:
        pass  # a link or a file in the way: judged below
    except OSError as exc:
        raise UnsafePath(f"{path}: cannot create it ({exc.strerror}) — check the parent folder's permissions") from None
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        raise UnsafePath(f"{path} is a symbolic link — remove it (mipwizard keeps its state in a real folder)")
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafePath(f"{path} is not a folder — move it away and run again")
    if info.st_uid != os.geteuid():
        raise UnsafePath(f"{path} belongs to user id {info.st_uid}, not to us — remove it or fix its owner")
    if info.st_mode & 0o777 & ~mode:
        os.chmod(path, mode, follow_symlinks=False)
    return path


def open_private(path: Path, flags: int = os.O_WRONLY | os.O_APPEND) -> int:
    """Open (creating it 0600) a file only we may read: never through a link, never someone else's."""
    path = Path(path)
    try:
        fd = os.open(path, flags | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafePath(f"{path} is a symbolic link — remove it; mipwizard never writes through a link") from None
        raise UnsafePath(f"{path}: cannot open it ({exc.strerror}) — check the folder's permissions") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafePath(f"{path} is not a regular file — move it away and run again")
        if info.st_uid != os.geteuid():
            raise UnsafePath(f"{path} belongs to user id {info.st_uid} — remove it so mipwizard can create its own")
        if info.st_mode & 0o777 != 0o600:
            os.fchmod(fd, 0o600)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_regular_file(path: Path, *, max_bytes: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; FIFOs, devices and folders refused."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise UserError(f"{path}: no such {what} — check the path") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read it ({exc.strerror}) — check its permissions") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "a device" if _is_device(info) else "not a file"
            raise UserError(f"{path} is {kind}, not a regular {what} — point at the real file")
        if info.st_size > max_bytes:
            raise UserError(
                f"{path} is {info.st_size:,} bytes, more than a {what} can be ({max_bytes:,}) — check the path"
            )
        os.set_blocking(fd, True)
        chunks = []
        left = max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > max_bytes:
            raise UserError(f"{path} grew past {max_bytes:,} bytes while read — check what writes to it")
        return data
    except OSError as exc:
        raise UserError(f"{path}: cannot read it ({exc.strerror}) — check the file") from None
    finally:
        os.close(fd)


def _is_device(info: os.stat_result) -> bool:
    return stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)


def refuse_links(path: Path, *, what: str = "folder") -> None:
    """Raise ``UnsafePath`` when ``path`` or any of its parents is a symbolic link.

    For paths root is about to create or chown in folders another user can write to: a link
    planted there (``/data/fed/dementia -> /root``) would hand root's files to that user.
    """
    path = Path(os.path.abspath(path))
    current = Path(path.anchor)
    for part in path.parts[1:]:
        current = current / part
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            return  # the rest does not exist yet: it will be created as real folders
        if stat.S_ISLNK(info.st_mode):
            raise UnsafePath(
                f"{current} is a symbolic link (to {os.readlink(current)}) — the {what} {path} must be a real "
                f"folder; remove the link (`rm {current}`) and run again"
            )


def same_repository_url(found: str, expected: str) -> bool:
    """True when two git remote URLs name the same repository (``.git`` and a final ``/`` ignored)."""

    def norm(url: str) -> str:
        url = url.strip().rstrip("/")
        return url[:-4] if url.endswith(".git") else url

    return norm(found) == norm(expected)


def checkout_problem(path: Path, expected_url: str, *, remote_url: str | None, head_ok: bool) -> str | None:
    """Why the git work tree at ``path`` must not be reused as the expected checkout, or None.

    ``remote_url`` is ``git -C path config --get remote.origin.url`` (None when it failed);
    ``head_ok`` whether ``git -C path rev-parse --verify HEAD^{commit}`` succeeded (a clone killed
    mid-way has a ``.git`` folder but no commit). Callers run those through the runner.
    """
    git_dir = Path(path) / ".git"
    try:
        info = os.lstat(git_dir)
    except FileNotFoundError:
        return f"{path} is not a git checkout — move it away, or point the answers at another folder"
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        return f"{git_dir} is not a real folder — move {path} away and run again"
    if remote_url is None or not same_repository_url(remote_url, expected_url):
        return (
            f"{path} is a git checkout of {remote_url or 'an unknown repository'}, not {expected_url} — "
            "move it away (mipwizard never reuses or chowns another repository)"
        )
    if not head_ok:
        return f"{path} is an unfinished clone (no commit checked out) — remove it and run again"
    return None
