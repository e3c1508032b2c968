"""``mipwizard backup``: dumps first (so they are as fresh as the folders), then one archive."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ... import __version__
from ..answers import Answers
from ..errors import UserError
from ..system import capture
from . import postgres
from .archive import ArchiveWriter, DatabaseDump, Manifest
from .sources import collect_roots
from .workloads import Kube

MIP_RELEASE = "mip"  # the helm release of the MIP chart (install, switch-profile and upgrade use it)
NAME_PREFIX = "mipwizard-backup-"
SUFFIXES = (".tar.gz", ".tar.gz.age")
Say = Callable[[str], None]


@dataclass
class BackupResult:
    path: Path
    manifest: Manifest
    warnings: list[str] = field(default_factory=list)
    pruned: list[Path] = field(default_factory=list)


def default_folder() -> Path:
    from ..paths import state_dir

    return state_dir() / "backups"


def output_path(output: Path | None, *, now: float | None = None) -> Path:
    """``-o FILE`` as given, ``-o DIR`` or nothing: a dated name in that folder."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    name = f"{NAME_PREFIX}{socket.gethostname().lower()}-{stamp}.tar.gz"
    if output is None:
        return default_folder() / name
    if output.is_dir() or str(output).endswith(os.sep):
        return output / name
    return output


def git_commit(path: Path) -> str | None:
    if not (path / ".git").exists():
        return None
    try:
        result = capture(["git", "-C", str(path), "rev-parse", "HEAD"], timeout=20)
    except UserError:
        return None
    text = result.stdout.strip()
    return text if result.ok and text else None


def make_backup(
    answers: Answers,
    *,
    answers_path: Path | None,
    state_dir: Path,
    output: Path | None = None,
    with_data: bool = False,
    passphrase: str | None = None,
    keep: int | None = None,
    kube: Kube | None = None,
    dumps: bool = True,
    say: Say = print,
) -> BackupResult:
    target = output_path(output)
    if target.exists():
        raise UserError(f"{target} exists already — choose another name with -o (a backup is never overwritten)")
    roots = collect_roots(answers, answers_path=answers_path, state_dir=state_dir, with_data=with_data)
    if not any(r.kind == "dir" for r in roots):
        raise UserError(f"there is nothing to back up under {answers.mip_deployment.path} (no .stored_data or "
                        "config folder) — is mip_deployment.path in the answers right?")
    warnings: list[str] = []
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    spool = Path(tempfile.mkdtemp(prefix=".mipwizard-dumps-", dir=target.parent))
    writer: ArchiveWriter | None = None
    try:
        databases = _dump_all(kube or Kube(), spool, warnings, say) if dumps else []
        writer = ArchiveWriter(target, on_progress=say)
        for root in roots:
            writer.add_root(root)
        for db in databases:
            writer.add_spooled(db.member, spool / Path(db.member).name)
        manifest = Manifest(
            created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            host=socket.gethostname(),
            mipwizard=__version__,
            release=getattr(answers, "release", None),
            commits={k: c for k, c in (("mip_deployment", git_commit(answers.mip_deployment.path)),
                                       ("exareme2", git_commit(answers.exareme2.path))) if c},
            roots=roots,
            databases=databases,
            with_data=with_data,
        )
        path = writer.finish(manifest)
        writer = None
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    finally:
        shutil.rmtree(spool, ignore_errors=True)
    warnings += manifest_warnings(manifest)
    if passphrase:
        say("encrypting (age, scrypt passphrase)…")
        from .crypt import encrypt_file

        path = encrypt_file(path, passphrase)
    result = BackupResult(path, manifest, warnings)
    if keep is not None:
        from .schedule import prune

        result.pruned = prune(path.parent, keep, protect=path)
    return result


def manifest_warnings(manifest: Manifest) -> list[str]:
    return []


def _dump_all(kube: Kube, spool: Path, warnings: list[str], say: Say) -> list[DatabaseDump]:
    try:
        workloads = kube.workloads({MIP_RELEASE})
    except UserError as exc:
        warnings.append(f"no database dumps: {exc} (the folders are copied as they are; with the databases "
                        "stopped that copy is consistent)")
        return []
    databases = postgres.find_databases(kube, workloads)
    for db in databases:
        say(f"pg_dumpall in {db.namespace}/{db.workload} ({db.container}, PostgreSQL {db.major})…")
        postgres.dump(kube, db, workloads, spool / Path(db.member).name)
    if not databases:
        warnings.append("no PostgreSQL container was found in the mip release: no dumps in this backup")
    return databases
