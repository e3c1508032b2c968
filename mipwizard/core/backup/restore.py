"""``mipwizard restore FILE``: verify, stop, restore, start — crash-safe and never merging states.

Upstream's rule (BackupAndRecovery.md): stop the services, remove what is in the mounted folders,
put the backup there, start. "Remove" here means *move aside*: each root's current copy is renamed
to ``<path>.before-restore-<id>`` and kept, even after success. Every root is first extracted next
to its target (``<path>.mipwizard-restore-<id>``, same filesystem), so the switch is two renames.
The journal (``journal.py``) and the filesystem say how far a restore got: run again, it finishes;
``--rollback`` puts the previous state back instead.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UserError
from .archive import Manifest, iter_members, verify
from .journal import RestoreJournal, RootMove, checkpoint
from .workloads import Kube, Workload

JOURNAL_NAME = "restore-journal.json"
MIP_RELEASES = ["mip"]
DATA_RELEASES = ["mip", "exareme2"]  # the engine reads the data folder
Say = Callable[[str], None]


@dataclass
class RestorePlan:
    archive: Path
    manifest: Manifest
    moves: list[RootMove]
    releases: list[str]
    stamp: str
    workloads: list[Workload] = field(default_factory=list)

    def describe(self) -> list[str]:
        m = self.manifest
        lines = [f"backup of {m.created} from {m.host}, release {m.release or 'unknown'}: {m.file_count} files, "
                 f"{len(m.databases)} database dumps"]
        names = ", ".join(f"{w.namespace}/{w.ref}" for w in self.workloads) or "nothing is running"
        lines.append(f"stop (scale to 0, then back to the same replicas): {names}")
        folders = [mv.path for mv in self.moves if mv.kind == "dir"]
        files = [Path(mv.path).name for mv in self.moves if mv.kind == "file"]
        lines.append(f"restore {len(folders)} folders: {', '.join(folders)}")
        if files:
            shown = ", ".join(files[:4]) + (f" and {len(files) - 4} more" if len(files) > 4 else "")
            lines.append(f"restore {len(files)} files: {shown}")
        lines.append(f"the current copies are moved aside to <path>.before-restore-{self.stamp} and kept")
        return lines


def journal_path(state_dir: Path) -> Path:
    return state_dir / JOURNAL_NAME


def file_sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1024 * 1024):
            sha.update(chunk)
    return sha.hexdigest()


@contextlib.contextmanager
def restore_lock(state_dir: Path) -> Iterator[None]:
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(state_dir / "restore.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError("another mipwizard restore is running — wait for it to finish") from None
        yield
    finally:
        os.close(fd)


def plan_restore(archive: Path, *, kube: Kube, journal: RestoreJournal | None = None) -> RestorePlan:
    """Verify the archive (refused before anything changes) and say what the restore will do."""
    manifest = verify(archive)
    stamp = journal.id if journal else time.strftime("%Y%m%d-%H%M%S")
    moves = journal.roots if journal else [
        RootMove(r.name, str(r.path), r.kind, r.path.exists() or r.path.is_symlink(),
                 f"{r.path}.mipwizard-restore-{stamp}", f"{r.path}.before-restore-{stamp}")
        for r in manifest.roots
    ]
    releases = journal.releases if journal else (DATA_RELEASES if manifest.with_data else MIP_RELEASES)
    try:
        workloads = kube.workloads(set(releases))
    except UserError as exc:
        raise UserError(f"{exc} — the restore needs the cluster to stop and start the MIP") from None
    return RestorePlan(archive, manifest, moves, releases, stamp, workloads)


def run_restore(
    plan: RestorePlan, *, source: Path, source_sha256: str, state_dir: Path, kube: Kube, say: Say,
    ready_timeout: float = 600.0, stop_timeout: float = 300.0, journal: RestoreJournal | None = None,
    replay_dumps: bool = False,
) -> RestoreJournal:
    """``source``: the file the user named (maybe encrypted); ``plan.archive``: the plain archive."""
    path = journal_path(state_dir)
    if journal is None:
        journal = RestoreJournal(
            id=plan.stamp, archive=str(source.resolve()), archive_sha256=source_sha256,
            created=time.strftime("%Y-%m-%dT%H:%M:%S%z"), stage="planned", roots=plan.moves,
            releases=plan.releases, replay_dumps=replay_dumps,
        )
        journal.save(path)
    else:
        say(f"resuming the restore started {journal.created} (it stopped after stage '{journal.stage}')")
    checkpoint("planned")
    if not journal.reached("stopped"):
        _stop(journal, plan, kube, say, stop_timeout, path)
    if not journal.reached("extracted"):
        _extract(journal, plan, say)
        _advance(journal, "extracted", path)
    if not journal.reached("swapped"):
        _swap(journal, say)
        _advance(journal, "swapped", path)
    if not journal.reached("started"):
        _start(journal, kube, say)
        _advance(journal, "started", path)
    if not journal.reached("ready"):
        targets = dict(journal.replicas or {})
        say(f"waiting until {len(targets)} workloads are Ready (up to {ready_timeout:g} s)…")
        kube.wait_scaled(targets, timeout=ready_timeout)
        if journal.replay_dumps:
            _replay(journal, plan, kube, say)
        _advance(journal, "ready", path)
    _advance(journal, "done", path)
    os.replace(path, path.with_name(f"{JOURNAL_NAME}.done-{journal.id}"))
    return journal


def _advance(journal: RestoreJournal, stage: str, path: Path) -> None:
    journal.stage = stage
    journal.save(path)
    checkpoint(stage)


def _stop(journal: RestoreJournal, plan: RestorePlan, kube: Kube, say: Say, timeout: float, path: Path) -> None:
    current = kube.workloads(set(journal.releases))
    if journal.replicas is None:  # recorded once, before the first scale: a resumed run never records 0s
        journal.replicas = {w.key: w.replicas for w in current}
        journal.save(path)
    for w in current:
        if w.replicas:
            say(f"stopping {w.namespace}/{w.ref} (replicas {w.replicas} → 0)")
            kube.scale(w, 0)
            checkpoint("stopping")
    kube.wait_scaled({w.key: 0 for w in current}, timeout=timeout)
    _advance(journal, "stopped", path)


def _staging_ok(move: RootMove) -> bool:
    return ".mipwizard-restore-" in Path(move.staging).name


def _extract(journal: RestoreJournal, plan: RestorePlan, say: Say) -> None:
    by_member = {f"roots/{m.name}": m for m in journal.roots}
    for move in journal.roots:  # a partial copy from a killed run: ours, and the archive has it all
        staging = Path(move.staging)
        if _staging_ok(move) and (staging.exists() or staging.is_symlink()):
            shutil.rmtree(staging) if staging.is_dir() and not staging.is_symlink() else staging.unlink()
    count = 0
    say(f"extracting {plan.manifest.file_count} files next to their folders…")
    for tar, info in iter_members(plan.archive):
        root_member, _, rel = info.name.partition("/")[2].partition("/")
        owner = by_member.get(f"roots/{root_member}") if info.name.startswith("roots/") else None
        if owner is None:
            continue
        staging = Path(owner.staging)
        info.name = staging.name + (f"/{rel}" if rel else "")
        tar.extract(info, path=staging.parent, numeric_owner=True, filter="tar")
        count += 1
        if count == 3:
            checkpoint("extracting")
    os.sync()  # the restored copy is on disk before the renames make it the live one
    say(f"extracted {count} entries (owners and modes as in the backup)")


def _swap(journal: RestoreJournal, say: Say) -> None:
    for move in journal.roots:
        target, staging, aside = Path(move.path), Path(move.staging), Path(move.aside)
        if move.existed and not (aside.exists() or aside.is_symlink()):
            os.rename(target, aside)
            checkpoint("swapping")
        if staging.exists() or staging.is_symlink():
            if target.exists() and not move.existed:  # appeared since: never merged, kept aside too
                os.rename(target, aside)
            os.rename(staging, target)
        if move.kind == "dir":
            say(f"restored {target}" + (f" (previous copy kept in {aside})" if move.existed else ""))
    files = [m for m in journal.roots if m.kind == "file"]
    if files:
        say(f"restored {len(files)} files (answers, profiles, overlays, secrets); previous copies kept beside them")
    os.sync()


def _start(journal: RestoreJournal, kube: Kube, say: Say) -> None:
    replicas = journal.replicas or {}
    for w in kube.workloads(set(journal.releases)):
        want = replicas.get(w.key)
        if want and w.replicas != want:
            say(f"starting {w.namespace}/{w.ref} (replicas 0 → {want})")
            kube.scale(w, want)
            checkpoint("starting")


def _replay(journal: RestoreJournal, plan: RestorePlan, kube: Kube, say: Say) -> None:
    import tempfile

    from . import postgres

    workloads = kube.workloads(set(journal.releases))
    wanted = {d.member: d for d in plan.manifest.databases}
    with tempfile.TemporaryDirectory(prefix=".mipwizard-replay-", dir=Path(journal.roots[0].path).parent) as tmp:
        for tar, info in iter_members(plan.archive):
            db = wanted.get(info.name)
            if db is None:
                continue
            handle = tar.extractfile(info)
            assert handle is not None
            spool = Path(tmp) / "dump.sql"
            with open(spool, "wb") as out:
                shutil.copyfileobj(handle, out)
            postgres.replay(kube, db, workloads, spool, say=say)


def rollback(journal: RestoreJournal, *, state_dir: Path, kube: Kube, say: Say, timeout: float = 600.0) -> None:
    """Put every root's previous copy back (the restored one is kept as ``.failed-restore-<id>``)."""
    for move in reversed(journal.roots):
        target, staging, aside = Path(move.path), Path(move.staging), Path(move.aside)
        failed = Path(f"{move.path}.failed-restore-{journal.id}")
        if aside.exists() or aside.is_symlink():
            if target.exists() or target.is_symlink():
                os.rename(target, failed)
            os.rename(aside, target)
            say(f"put back {target}" + (f" (the restored copy is kept in {failed})" if failed.exists() else ""))
        elif not move.existed and (target.exists() or target.is_symlink()) and journal.reached("swapped"):
            os.rename(target, failed)
        if _staging_ok(move) and (staging.exists() or staging.is_symlink()):
            shutil.rmtree(staging) if staging.is_dir() and not staging.is_symlink() else staging.unlink()
    os.sync()
    if journal.replicas:
        _start(journal, kube, say)
        kube.wait_scaled(dict(journal.replicas), timeout=timeout)
    journal.stage = "rolled-back"
    path = journal_path(state_dir)
    journal.save(path)
    os.replace(path, path.with_name(f"{JOURNAL_NAME}.rolled-back-{journal.id}"))
