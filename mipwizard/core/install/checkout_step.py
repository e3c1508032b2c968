"""The checkouts step: both repositories at the pinned refs, the resolved commits recorded.

A fresh clone goes into a temporary folder next to the target, is checked out at the ref and
handed to the admin user there, and only then renamed into place: a killed clone never looks done.
An existing checkout is moved to a new ref only when it is the pinned repository (its origin URL)
and holds no local changes of the user's; mipwizard's own files in it (profiles, overlays, realm
import) are put back to upstream first — the later steps write them again.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from ..answers import Answers
from ..cluster.sources import CHECKOUTS_FILE as CHECKOUTS_FILE  # status and the bundle read it too
from ..cluster.sources import read_checkouts as read_checkouts
from ..fileio import atomic_write_text
from ..releases.layout import LayoutError, detect_engine, detect_mip
from ..releases.pins import Pin, pins
from ..releases.secrets import SECRET_TEMPLATE
from ..safe_fs import UnsafePath, open_folder, refuse_links
from .settings import InstallSettings
from .steps import Command, Probe, Step, StepContext, StepFailed, fingerprint


def same_repository(a: str, b: str) -> bool:
    """Two spellings of one repository URL (case of the host, a trailing .git or / apart)."""

    def norm(url: str) -> str:
        url = url.strip().rstrip("/").removesuffix(".git").removeprefix("file://")
        if "://" in url:
            scheme, rest = url.split("://", 1)
            host, _, path = rest.partition("/")
            return f"{scheme.lower()}://{host.lower()}/{path}".lower() if "github.com" in host.lower() else url
        return str(Path(url).resolve()) if url.startswith("/") else url

    return norm(a) == norm(b)


class _Git:
    def __init__(self, ctx: StepContext, s: InstallSettings) -> None:
        self.ctx, self.s = ctx, s

    def query(self, path: Path, *args: str) -> str | None:
        result = self.ctx.query(["git", "-C", str(path), *args], timeout=self.s.query_timeout)
        return result.stdout.strip() if result.ok else None

    def run(self, *args: str) -> None:
        self.ctx.run(Command(("git", *args), timeout=self.s.command_timeout))

    def is_checkout(self, path: Path) -> bool:
        # --show-toplevel, not --is-inside-work-tree: a folder inside another repository is not a checkout
        if not path.is_dir():
            return False
        top = self.query(path, "rev-parse", "--show-toplevel")
        return top is not None and Path(top).resolve() == path.resolve()

    def resolve(self, path: Path, ref: str) -> str | None:
        """The commit ``ref`` names in the checkout: a tag, a commit, or a branch of origin."""
        for candidate in (ref, f"origin/{ref}"):
            commit = self.query(path, "rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}")
            if commit:
                return commit
        return None

    def local_changes(self, path: Path, ours: set[str]) -> list[str]:
        """Tracked files the user changed (mipwizard's own files and untracked files do not count)."""
        return [name for name in _changed(self, path) if name not in ours]


def written_by_mipwizard(answers: Answers) -> dict[str, set[str]]:
    """Files inside each checkout that the later steps write (relative paths, git's spelling)."""
    from ..profile_kinds import PROFILES
    from ..releases.pins import release_of

    chart = release_of(answers).chart_folder
    mip = {f"{chart}/{p.filename}" for p in PROFILES} | {"config/keycloak/keycloak.json", f"{chart}/{SECRET_TEMPLATE}"}
    return {"exareme2": set(), "mip_deployment": mip}


def checkouts(answers: Answers, s: InstallSettings) -> Step:
    pinned = pins(answers)
    ours = written_by_mipwizard(answers)

    def probe(ctx: StepContext) -> Probe:
        git = _Git(ctx, s)
        for pin in pinned:
            if not git.is_checkout(pin.path):
                return Probe(False)
            head = git.query(pin.path, "rev-parse", "HEAD")
            if head is None or head != git.resolve(pin.path, pin.ref) or git.local_changes(pin.path, ours[pin.key]):
                return Probe(False)
        paths = [p.path for p in pinned]
        if not ctx.facts.owners_ok(paths, ctx.facts.owner(answers.admin_user)) or _unknown_layout(pinned):
            return Probe(False)
        return Probe(True, "; ".join(f"{p.path.name} at {p.ref}" for p in pinned))

    def action(ctx: StepContext) -> str:
        owner = ctx.facts.need_owner(answers.admin_user)
        git = _Git(ctx, s)
        notes, record = [], {}
        for pin in pinned:
            if git.is_checkout(pin.path):
                commit = _move(ctx, git, pin, ours[pin.key])
                notes.append(f"{pin.path} at {pin.ref}")
            elif pin.path.exists() and (not pin.path.is_dir() or any(pin.path.iterdir())):
                raise StepFailed(
                    f"{pin.path} exists and is not a git checkout — move it away, or set {pin.key}.path "
                    "in the answers to another folder (mipwizard never overwrites it)"
                )
            else:
                commit = _clone(ctx, git, pin, owner)
                notes.append(f"{pin.path} cloned at {pin.ref}")
            _chown_tree(ctx, owner, pin.path, s.command_timeout)
            shown = commit or f"the commit of {pin.ref}"
            ctx.say(f"{pin.key}: {pin.url} {pin.ref} = {shown}")
            record[pin.key] = {"url": pin.url, "ref": pin.ref, "commit": commit or "", "path": str(pin.path)}
        if not ctx.recording:
            text = json.dumps(record, indent=2, sort_keys=True) + "\n"
            atomic_write_text(s.state_folder() / CHECKOUTS_FILE, text, mode=0o600)
            problem = _unknown_layout(pinned)
            if problem:
                raise StepFailed(problem)
        return "; ".join(notes) + " (commits: " + ", ".join(r["commit"][:12] or "?" for r in record.values()) + ")"

    return Step(
        "checkouts",
        "Exareme2 and mip-deployment checkouts at the release's refs ("
        + ", ".join(f"{p.key} {p.ref[:12]}" for p in pinned) + ")",
        check="git -C DIR rev-parse HEAD is the ref's commit, no local changes, origin is the pinned URL",
        fingerprint=fingerprint([(p.url, p.ref, str(p.path)) for p in pinned], answers.admin_user),
        probe=probe,
        action=action,
    )


def _unknown_layout(pinned: tuple[Pin, Pin]) -> str | None:
    """Why a checkout holds a chart mipwizard cannot configure, or None. Both are read here, before
    the Exareme2 chart deploys: an unknown MIP chart found later would leave Exareme2 deployed."""
    exa, mip = pinned
    try:
        detect_engine(exa.path)
        detect_mip(mip.path)
    except LayoutError as exc:
        return str(exc)
    return None


def _clone(ctx: StepContext, git: _Git, pin: Pin, owner: str) -> str | None:
    staging = pin.path.parent / f".{pin.path.name}.mipwizard-clone"
    if staging.exists():  # left by a killed clone: ours, never a user's folder
        ctx.change(f"remove {staging} (left by an interrupted clone)", lambda: shutil.rmtree(staging))
    if not ctx.recording:
        _in_parent(pin.path, lambda parent: None)  # made if missing, through no link a user could plant
    git.run("clone", "--no-checkout", pin.url, str(staging))
    commit = git.resolve(staging, pin.ref)
    if commit is None and not ctx.recording:
        ctx.change(f"remove {staging}", lambda: shutil.rmtree(staging, ignore_errors=True))
        raise StepFailed(_no_ref(pin))
    git.run("-C", str(staging), "checkout", "--quiet", "--detach", commit or pin.ref)
    _chown_tree(ctx, owner, staging, git.s.command_timeout)
    name, staged = pin.path.name, staging.name
    if pin.path.is_dir():  # an empty folder (e.g. made by hand): the rename replaces it
        ctx.change(f"remove the empty folder {pin.path}",
                   lambda: _in_parent(pin.path, lambda parent: os.rmdir(name, dir_fd=parent)))
    ctx.change(f"rename {staging} to {pin.path}", lambda: _in_parent(
        pin.path, lambda parent: os.rename(staged, name, src_dir_fd=parent, dst_dir_fd=parent)))
    return commit


def _in_parent(path: Path, act: Callable[[int], None]) -> None:
    """``act`` on the descriptor of ``path``'s parent folder, reached (and made) the ``openat`` way."""
    try:
        parent = open_folder(path.parent, create=True, what="checkout's parent folder")
    except OSError as exc:
        raise StepFailed(f"cannot make {path.parent}: {exc.strerror} — check its parent folder") from None
    except UnsafePath as exc:
        raise StepFailed(str(exc)) from None
    try:
        act(parent)
    finally:
        os.close(parent)


def _chown_tree(ctx: StepContext, owner: str, path: Path, timeout: float) -> None:
    """Hand a checkout to the admin user. A whole tree, so GNU chown does it: ``-R`` never follows a
    link inside it and ``-h`` not the named one either; a link on the way to it that a user could
    have planted is refused first (``refuse_links``: a check, since chown acts by path — the tree
    is ours until this chown, the parent usually root's /opt)."""
    if not ctx.recording:
        try:
            refuse_links(path, what="checkout")
        except UnsafePath as exc:
            raise StepFailed(str(exc)) from None
    ctx.run(Command(("chown", "-h", "-R", "--", owner, str(path)), timeout=timeout))


def _move(ctx: StepContext, git: _Git, pin: Pin, ours: set[str]) -> str | None:
    origin = git.query(pin.path, "remote", "get-url", "origin")
    if origin is None or not same_repository(origin, pin.url):
        raise StepFailed(
            f"{pin.path} is a checkout of {origin or 'a repository without an origin'}, not of {pin.url} — "
            f"move it away, or set {pin.key}.repo_url (or {pin.key}.path) in the answers"
        )
    changed = git.local_changes(pin.path, ours)
    if changed:
        listed = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        raise StepFailed(
            f"{pin.path} has local changes ({listed}) — commit or stash them (`git -C {pin.path} stash`), "
            "then run the install again; mipwizard never discards your changes"
        )
    commit = git.resolve(pin.path, pin.ref)
    if commit is None:
        git.run("-C", str(pin.path), "fetch", "--tags", "origin")
        commit = git.resolve(pin.path, pin.ref)
        if commit is None:
            raise StepFailed(_no_ref(pin))
    if git.query(pin.path, "rev-parse", "HEAD") == commit:
        return commit
    mine = sorted(ours & set(_changed(git, pin.path)))
    if mine:  # our own files, written again by the later steps: back to upstream so the move is clean
        git.run("-C", str(pin.path), "checkout", "--quiet", "--", *mine)
    git.run("-C", str(pin.path), "checkout", "--quiet", "--detach", commit)
    return commit


def _changed(git: _Git, path: Path) -> list[str]:
    """Changed tracked files (``git status --porcelain``: two status letters, then the path)."""
    text = git.query(path, "status", "--porcelain", "--untracked-files=no")
    return [line.split(None, 1)[1].split(" -> ")[-1] for line in (text or "").splitlines() if len(line.split()) > 1]


def _no_ref(pin: Pin) -> str:
    source = f"{pin.key}.ref in the answers" if pin.by_hand else "the release (see `mipwizard releases`)"
    return (
        f"{pin.url} has no tag, branch or commit {pin.ref!r} (from {source}) — check the ref, "
        f"or set {pin.key}.ref to one that exists"
    )
