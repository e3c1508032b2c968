"""File handling that stays safe when run as root in folders a less-privileged user can change.

No link is followed where a user could have planted one: private files are opened with
``O_NOFOLLOW`` and checked after opening (``fstat``: a regular file, ours, mode fixed to 0600);
private folders are checked with ``lstat``, never trusted; input files are opened without
blocking and refused unless regular (a FIFO would hang us, ``/dev/zero`` would never end).

A folder root creates or chowns is reached the ``openat`` way (``open_folder``): from ``/``, one
name at a time with ``O_NOFOLLOW``, and the act is done on the file descriptor reached
(``fchown``, ``mkdir(dir_fd=…)``), so a link swapped in after a check cannot redirect it. A link
on the way is followed only where no less-privileged user could have put it.
"""

from __future__ import annotations

import contextlib
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


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
MAX_LINKS = 40  # as the kernel's own limit: a loop of links ends as a clear error


def _nobody_else_changes(info: os.stat_result) -> bool:
    """A folder only root or we can change: owned by one of us, writable by no group or other."""
    return info.st_uid in (0, os.geteuid()) and not info.st_mode & 0o022


def open_folder(path: Path, *, create: bool = False, mode: int = 0o755, what: str = "folder") -> int:
    """A file descriptor on the folder ``path``, reached from ``/`` one name at a time with
    ``openat(…, O_NOFOLLOW)``; missing folders are created (``mkdir(dir_fd=…)``) when ``create``.

    A symbolic link on the way is followed only when it sits in a folder nobody but root (or us)
    can change and root (or we) made it (``/data -> /srv/data`` made by the admin as root). One in
    a folder another user owns or may write to (``/data/fed/dementia -> /root`` planted by the
    admin user) raises ``UnsafePath`` naming it and the fix. Raises ``FileNotFoundError`` for a
    missing folder when not ``create``. The caller closes the descriptor.
    """
    target = Path(os.path.abspath(path))
    names = list(target.parts[1:])
    fd, where, links = os.open("/", _DIR_FLAGS), Path("/"), 0
    try:
        while names:
            name = names.pop(0)
            if name in ("", "."):
                continue
            try:
                child: int | None = _open_or_make(fd, name, create=create, mode=mode)
            except OSError as exc:
                if exc.errno not in (errno.ENOTDIR, errno.ELOOP):
                    raise
                child = None
            if child is None:  # not a folder: a link root may follow, or a refusal
                link = _trusted_link(fd, where / name, target, what)
                links += 1
                if links > MAX_LINKS:
                    raise UnsafePath(f"{target}: too many symbolic links on the way — point at the real folder")
                if os.path.isabs(link):
                    os.close(fd)
                    fd, where = os.open("/", _DIR_FLAGS), Path("/")
                names = [*Path(link).parts[1 if os.path.isabs(link) else 0:], *names]
                continue
            os.close(fd)
            fd, where = child, (where.parent if name == ".." else where / name)
        return fd
    except BaseException:
        os.close(fd)
        raise


def _open_or_make(parent: int, name: str, *, create: bool, mode: int) -> int:
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=parent)
    except FileNotFoundError:
        if not create:
            raise
    with contextlib.suppress(FileExistsError):  # made meanwhile by someone else: judged by the open
        os.mkdir(name, mode, dir_fd=parent)
    return os.open(name, _DIR_FLAGS, dir_fd=parent)


def _trusted_link(parent: int, shown: Path, target: Path, what: str) -> str:
    """The target of the link ``shown`` (in the folder ``parent``) if it may be followed, else UnsafePath."""
    info = os.stat(shown.name, dir_fd=parent, follow_symlinks=False)
    if not stat.S_ISLNK(info.st_mode):
        raise UnsafePath(f"{shown} is not a folder — the {what} {target} needs one there; move it away and run again")
    link = os.readlink(shown.name, dir_fd=parent)
    if not (_nobody_else_changes(os.fstat(parent)) and info.st_uid in (0, os.geteuid())):
        raise UnsafePath(
            f"{shown} is a symbolic link (to {link}) in a folder another user can change — root never "
            f"follows it for the {what} {target}: remove the link (`rm {shown}`) and run again, or point the "
            "answers at the real folder"
        )
    return link


def make_owned_folder(path: Path, uid: int, gid: int, *, what: str = "folder") -> None:
    """Create ``path`` if missing (parents root's, 0755) and give it, not its contents, to ``uid:gid``,
    through the descriptor ``open_folder`` reached: nothing swapped in on the way is touched."""
    fd = open_folder(path, create=True, what=what)
    try:
        os.fchown(fd, uid, gid)
    finally:
        os.close(fd)


def folder_owner(path: Path, *, what: str = "folder") -> tuple[int, int] | None:
    """``(uid, gid)`` of the folder ``path`` reached as ``open_folder`` does; None when it is
    missing or has a link on the way that root must not follow."""
    try:
        fd = open_folder(path, what=what)
    except (OSError, UnsafePath):
        return None
    try:
        info = os.fstat(fd)
    finally:
        os.close(fd)
    return info.st_uid, info.st_gid


def refuse_links(path: Path, *, what: str = "folder") -> None:
    """Raise ``UnsafePath`` when the way to ``path`` has a link ``open_folder`` would not follow.

    A check before an external ``mkdir``/``chown`` run through sudo (which cannot be handed our
    descriptor): the act there is by path, so root's own steps use ``make_owned_folder`` instead.
    """
    path = Path(os.path.abspath(path))
    for existing in (path, *path.parents):  # the deepest folder that exists: the rest is made real
        try:
            os.close(open_folder(existing, what=what))
            return
        except FileNotFoundError:
            continue
