"""Backup, restore and upgrade commands (the engine is mipwizard.core.backup / core.upgrade).

Engine modules are imported inside the handlers so ``mipwizard --help`` stays fast.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ._common import EXIT_OK, EXIT_PROBLEM, add_command, paint, unreachable_is_exit_3

BACKUP_HELP = """\
One archive (mode 0600) with .stored_data and config from the mip-deployment folder, the answers,
profiles and values overlays, mipwizard's generated secrets, and a pg_dumpall of every PostgreSQL
the MIP runs (taken inside its container), plus MANIFEST.json: release, commits, size and sha256
of every member (never a secret value). Default folder: <state>/backups."""


def register(subparsers: Any) -> None:
    p = add_command(subparsers, "backup", _backup, "back up the MIP's folders, settings and databases", BACKUP_HELP)
    p.add_argument("-o", "--output", type=Path, default=None, metavar="FILE",
                   help="archive path, or a folder for a dated name (default <state>/backups/)")
    p.add_argument("--with-data", action="store_true", help="also archive <data_root>/<federation> (the CSVs)")
    p.add_argument("--keep", type=int, default=None, metavar="N", help="then delete all but the newest N archives")
    p.add_argument("--no-dumps", action="store_true", help="skip the pg_dumpall of each database")
    _add_passphrase(p, "encrypt the archive with a passphrase (age format, opens with `age -d`)")
    p.add_argument("--schedule", choices=("daily", "weekly", "hourly"), default=None,
                   help="write a systemd timer that runs this backup (with these options) and exit")
    p.add_argument("--unschedule", action="store_true", help="remove the systemd timer and exit")
    p.add_argument("--list", action="store_true", help="list the archives in the backup folder and exit")
    p.add_argument("--verify", type=Path, default=None, metavar="FILE", help="check an archive against its manifest")
    p.add_argument("--answers", type=Path, default=None, metavar="FILE", help="answers file (default: the wizard's)")
    p.add_argument("--yes", action="store_true", help=argparse.SUPPRESS)  # nothing to confirm; as restore/upgrade
    register_restore(subparsers)


def _add_passphrase(p: argparse.ArgumentParser, encrypt_help: str | None) -> None:
    if encrypt_help:
        p.add_argument("--encrypt", action="store_true", help=encrypt_help)
    p.add_argument("--passphrase-file", default=None, metavar="FILE", help="read the passphrase from FILE")
    p.add_argument("--passphrase-stdin", action="store_true", help="read the passphrase from stdin")


def load_saved_answers(path: Path | None, *, secrets_needed: bool = True) -> tuple[Any, Path]:
    """The saved answers (or ``path``'s); saved without secrets they load, see ``core.apply.load_saved``."""
    from ..core.apply import load_saved
    from ..core.errors import UserError
    from ..core.paths import state_dir

    answers_path = path or state_dir() / "answers.yaml"
    if not answers_path.is_file():
        raise UserError(f"{answers_path}: no saved answers — pass --answers FILE (the file the MIP was installed "
                        "from)")
    return load_saved(answers_path, secrets_needed=secrets_needed), answers_path


def human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def _backup(args: argparse.Namespace) -> int:
    from ..core.backup import schedule as sched

    if args.unschedule:
        removed = sched.unschedule()
        print("removed " + ", ".join(map(str, removed)) if removed else "no backup timer was scheduled")
        return EXIT_OK
    if args.list:
        return _list(args)
    if args.verify is not None:
        return _verify(args.verify, args)
    if args.schedule:
        return _schedule(args)
    from ..core.backup.make import make_backup
    from ..core.paths import state_dir

    answers, answers_path = load_saved_answers(args.answers, secrets_needed=False)  # a backup copies files
    passphrase = _passphrase(args, confirm=True) if args.encrypt else None
    result = make_backup(
        answers, answers_path=answers_path, state_dir=state_dir(), output=args.output, with_data=args.with_data,
        passphrase=passphrase, keep=args.keep, dumps=not args.no_dumps, say=lambda line: print(paint(line, "dim")),
    )
    m = result.manifest
    for warning in result.warnings:
        print(paint("warning:", "yellow") + " " + warning)
    print(paint("backup written:", "green") + f" {result.path} ({human(result.path.stat().st_size)}, mode 0600)")
    print(f"  {m.file_count} files, {human(m.total_bytes)}; {len(m.databases)} database dumps; "
          f"release {m.release or 'unknown'}" + ("; with data" if m.with_data else "")
          + ("; encrypted (age)" if passphrase else ""))
    for path in result.pruned:
        print(f"  pruned {path}")
    print(f"  restore with: mipwizard restore {result.path}")
    return EXIT_OK


def _passphrase(args: argparse.Namespace, *, confirm: bool) -> str:
    from ..core.backup.crypt import read_passphrase

    return read_passphrase(file=args.passphrase_file, stdin=args.passphrase_stdin, prompt=True, confirm=confirm)


def _schedule(args: argparse.Namespace) -> int:
    from ..core.backup import schedule as sched
    from ..core.errors import UsageError

    if args.encrypt and not args.passphrase_file:
        raise UsageError("--schedule with --encrypt needs --passphrase-file FILE (no one is there to type it)")
    forwarded: list[str] = []
    if args.output:
        forwarded += ["-o", str(args.output.resolve())]
    if args.with_data:
        forwarded.append("--with-data")
    forwarded += ["--keep", str(args.keep or 7)]
    if args.encrypt:
        forwarded += ["--encrypt", "--passphrase-file", str(Path(args.passphrase_file).resolve())]
    if args.answers:
        forwarded += ["--answers", str(args.answers.resolve())]
    timer, service = sched.schedule(forwarded, when=args.schedule)
    print(paint("scheduled:", "green") + f" {args.schedule} backups ({timer}, {service})")
    print(f"  keeps the newest {args.keep or 7}; see them with `systemctl list-timers {sched.UNIT}.timer`, "
          f"logs with `journalctl -u {sched.UNIT}`")
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    from ..core.backup.make import default_folder
    from ..core.backup.schedule import archives

    folder = args.output if args.output and args.output.is_dir() else default_folder()
    found = archives(folder) if folder.is_dir() else []
    if not found:
        print(f"no backups in {folder}")
        return EXIT_OK
    for path in found:
        print(f"{path}  {human(path.stat().st_size)}")
    return EXIT_OK


def open_archive(path: Path, args: argparse.Namespace) -> tuple[Path, Path | None]:
    """(plain archive, temp file to delete) — decrypting an age archive first."""
    from ..core.backup.crypt import decrypt_to_temp, is_encrypted
    from ..core.errors import UserError
    from ..core.paths import state_dir

    if not path.is_file():
        raise UserError(f"{path}: no such backup file — see `mipwizard backup --list`")
    if not is_encrypted(path):
        return path, None
    plain = decrypt_to_temp(path, _passphrase(args, confirm=False), state_dir())
    return plain, plain


def _verify(path: Path, args: argparse.Namespace) -> int:
    """A damaged or unreadable archive is a UserError: main() says so and exits 1."""
    from ..core.backup.archive import verify

    plain, temp = open_archive(path, args)
    try:
        manifest = verify(plain)
    finally:
        if temp is not None:
            temp.unlink(missing_ok=True)
    print(paint("ok:", "green") + f" {path}: {len(manifest.members)} members match MANIFEST.json "
          f"({manifest.file_count} files, {human(manifest.total_bytes)}, {len(manifest.databases)} dumps, "
          f"release {manifest.release or 'unknown'}, made {manifest.created} on {manifest.host})")
    return EXIT_OK


RESTORE_HELP = """\
Verify the archive against its manifest (a damaged one is refused before anything is stopped),
stop the MIP (scale to 0, remembering the replicas), move the current folders and files aside
(<path>.before-restore-<id>, kept), put the backup's in their place with their owners, start the
MIP again and wait until it is Ready. No merging: only the backup's state is restored.
Killed or interrupted, run the same command again to finish, or --rollback to put back the
previous state. The journal is <state>/restore-journal.json."""


def register_restore(subparsers: Any) -> None:
    p = add_command(subparsers, "restore", _restore, "put a backup back (stops and restarts the MIP)", RESTORE_HELP)
    p.add_argument("file", type=Path, nargs="?", metavar="FILE", help="the archive (.tar.gz or .tar.gz.age)")
    p.add_argument("--dry-run", action="store_true", help="verify and show what would be done; change nothing")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--rollback", action="store_true", help="undo an unfinished restore (puts the previous state back)")
    p.add_argument("--replay-dumps", action="store_true",
                   help="also replay each database's pg_dumpall once the MIP is Ready")
    p.add_argument("--timeout", type=float, default=600.0, metavar="S", help="wait for Ready up to S seconds")
    _add_passphrase(p, None)


def _kube() -> Any:
    from ..core.backup.workloads import Kube
    from ..core.cluster.access import outside_microk8s_group
    from ..core.system import is_root

    return Kube(sudo=not is_root() and outside_microk8s_group())


@unreachable_is_exit_3
def _restore(args: argparse.Namespace) -> int:
    from ..core.backup import restore as r
    from ..core.backup.journal import RestoreJournal
    from ..core.errors import UsageError, UserError
    from ..core.paths import state_dir
    from ._common import confirm

    state = state_dir()
    kube = _kube()
    say = lambda line: print(line, flush=True)  # noqa: E731
    with r.restore_lock(state):
        journal = RestoreJournal.load(r.journal_path(state))
        if args.rollback:
            if journal is None:
                raise UserError("there is no unfinished restore to roll back")
            if not confirm(f"Put back the state from before the restore of {journal.archive}?", assume_yes=args.yes):
                return EXIT_PROBLEM
            r.rollback(journal, state_dir=state, kube=kube, say=say, timeout=args.timeout)
            print(paint("rolled back:", "green") + " the previous state is back, the MIP is started again")
            return EXIT_OK
        if args.file is None:
            raise UsageError("name the backup to restore: mipwizard restore FILE (see mipwizard backup --list)")
        if not args.file.is_file():
            raise UserError(f"{args.file}: no such backup file — see `mipwizard backup --list`")
        sha = r.file_sha256(args.file)
        if journal is not None and journal.archive_sha256 != sha:
            raise UserError(f"a restore of {journal.archive} is unfinished (stage {journal.stage}) — finish it with "
                            f"`mipwizard restore {journal.archive}`, or undo it with `mipwizard restore --rollback`")
        plain, temp = open_archive(args.file, args)
        try:
            plan = r.plan_restore(plain, kube=kube, journal=journal)
            print(paint("ok:", "green") + f" {args.file} matches its manifest")
            for line in plan.describe():
                print(f"  {line}")
            if args.dry_run:
                print("dry run: nothing was changed")
                return EXIT_OK
            if journal is None and not confirm("Stop the MIP and restore this backup?", assume_yes=args.yes):
                return EXIT_PROBLEM
            done = r.run_restore(plan, source=args.file, source_sha256=sha, state_dir=state, kube=kube, say=say,
                                 ready_timeout=args.timeout, journal=journal, replay_dumps=args.replay_dumps)
        finally:
            if temp is not None:
                temp.unlink(missing_ok=True)
    print(paint("restored:", "green") + f" {args.file}; the MIP is Ready")
    kept = [m.aside for m in done.roots if m.existed]
    if kept:
        print(f"  the previous state is kept in {len(kept)} places ending in .before-restore-{done.id} "
              "(delete them once you are happy)")
    return EXIT_OK
