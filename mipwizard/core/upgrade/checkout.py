"""The checkouts an upgrade moves: fetch, resolve a ref to a commit, check out (detached), and a
throw-away clone at the new commit to render the new side before anything changes."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError
from ..system import capture


@dataclass(frozen=True)
class Move:
    key: str  # "mip_deployment" or "exareme2"
    path: Path
    url: str
    ref: str
    old_commit: str
    new_commit: str = ""


def git(path: Path, *args: str, timeout: float = 600.0) -> str:
    result = capture(["git", "-C", str(path), *args], timeout=timeout)
    if not result.ok:
        first = next((line for line in result.stderr.splitlines() if line.strip()), f"exit {result.exit_code}")
        raise UserError(f"`git -C {path} {' '.join(args)}` failed: {first.strip()}")
    return result.stdout.strip()


def head(path: Path) -> str:
    return git(path, "rev-parse", "HEAD")


def fetch(path: Path, url: str) -> None:
    """Point origin at ``url`` (a release may live in a new home) and fetch branches and tags."""
    if git(path, "remote", "get-url", "origin") != url:
        git(path, "remote", "set-url", "origin", url)
    git(path, "fetch", "--quiet", "--tags", "origin", "+refs/heads/*:refs/remotes/origin/*")


def resolve(path: Path, ref: str) -> str:
    for candidate in (ref, f"origin/{ref}"):
        result = capture(["git", "-C", str(path), "rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}"])
        if result.ok and result.stdout.strip():
            return result.stdout.strip()
    raise UserError(f"{path}: the ref {ref} is not in {git(path, 'remote', 'get-url', 'origin')} — check the "
                    "release's ref (mipwizard releases)")


def dirty(path: Path) -> list[str]:
    """Tracked files changed since the checkout (untracked files do not count)."""
    result = capture(["git", "-C", str(path), "status", "--porcelain", "--untracked-files=no"], timeout=120)
    if not result.ok:
        raise UserError(f"`git -C {path} status` failed: {result.stderr.strip()[:200]}")
    return [line[3:] for line in result.stdout.splitlines() if len(line) > 3]


def untracked(path: Path) -> set[str]:
    result = capture(["git", "-C", str(path), "ls-files", "--others", "-z"], timeout=120)
    return {f for f in result.stdout.split("\0") if f} if result.ok else set()


def tracked_in(path: Path, commit: str) -> set[str]:
    result = capture(["git", "-C", str(path), "ls-tree", "-r", "-z", "--name-only", commit], timeout=120)
    return {f for f in result.stdout.split("\0") if f} if result.ok else set()


def checkout(path: Path, commit: str) -> None:
    git(path, "checkout", "--quiet", "--detach", commit)


def temp_clone(source: Path, commit: str, target: Path) -> Path:
    """A local clone of ``source`` at ``commit`` in ``target`` (shares its objects; cheap)."""
    if target.exists():
        shutil.rmtree(target)
    result = capture(["git", "clone", "--quiet", "--shared", "--no-checkout", "--", str(source), str(target)],
                     timeout=600)
    if not result.ok:
        raise UserError(f"cannot clone {source} to render the new release: {result.stderr.strip()[:200]}")
    git(target, "checkout", "--quiet", "--detach", commit)
    return target
