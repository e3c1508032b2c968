"""``mipwizard upgrade --to RELEASE``: move an installed MIP to another release of the catalogue."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ._common import EXIT_OK, EXIT_PROBLEM, add_command, confirm, error, paint, unreachable_is_exit_3

HELP = """\
Back up first (mipwizard backup), fetch and check out the release's mip-deployment and Exareme2
refs, write their values (the install's writers), render the current and the new charts with helm
and show what the cluster will receive differently (objects added/removed, images, env names,
volumes, hostPaths), then helm upgrade `mip` (and the Secrets its chart reads but does not create)
and `exareme2`, and wait until every workload is Ready. Across a PostgreSQL major version the
database is dumped before and replayed into the new one; a new database is never started on an
old data folder. On failure: helm rollback, the previous checkouts and values are put back, and it
says so. Killed (or the machine lost), run it again: it finishes the upgrade if everything was
deployed, else rolls it back. The journal is <state>/upgrade-journal.json."""


def register(subparsers: Any) -> None:
    p = add_command(subparsers, "upgrade", _upgrade, "upgrade the MIP to another release (backs up first)", HELP)
    p.add_argument("--to", required=True, metavar="RELEASE", help="a release of `mipwizard releases`, e.g. 9.0.2")
    p.add_argument("--dry-run", action="store_true", help="show the plan and the differences; deploy nothing")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--repo", default=None, metavar="URL", help="fetch from this mirror instead of the release's home")
    p.add_argument("--ref", default=None, metavar="REF", help="check out this ref instead of the release's")
    p.add_argument("--exareme2-repo", default=None, metavar="URL", help="fetch Exareme2 from this mirror")
    p.add_argument("--exareme2-ref", default=None, metavar="REF", help="check out this Exareme2 ref instead")
    p.add_argument("--timeout", type=float, default=600.0, metavar="S", help="wait for Ready up to S seconds")
    p.add_argument("--answers", type=Path, default=None, metavar="FILE", help="answers file (default: the wizard's)")


@unreachable_is_exit_3
def _upgrade(args: argparse.Namespace) -> int:
    from ..core.paths import state_dir
    from ..core.upgrade.journal import UpgradeJournal, journal_path
    from ..core.upgrade.plan import cleanup, plan_upgrade
    from ..core.upgrade.run import context, resume, run_upgrade
    from .backup import _kube, load_saved_answers

    answers, answers_path = load_saved_answers(args.answers)
    kube = _kube()
    state = state_dir()
    state.mkdir(parents=True, exist_ok=True, mode=0o700)
    work = state / "upgrade-work"
    say = lambda line: print(line, flush=True)  # noqa: E731
    ctx = context(answers, answers_path=answers_path, state_dir=state, kube=kube, say=say, timeout=args.timeout,
                  sudo=kube.sudo)
    unfinished = UpgradeJournal.load(journal_path(state))
    if unfinished is not None and not unfinished.finished:
        if args.dry_run:
            error(f"an upgrade to {unfinished.target} was interrupted (stage {unfinished.stage}) — run "
                  "`mipwizard upgrade` without --dry-run to finish or roll it back")
            return EXIT_PROBLEM
        if not confirm(f"Finish or roll back the interrupted upgrade to {unfinished.target}?", assume_yes=args.yes):
            return EXIT_PROBLEM
        resumed = resume(ctx)
        assert resumed is not None
        return _report(resumed)
    try:
        plan = plan_upgrade(answers, args.to, work=work, sudo=kube.sudo, say=say, repo=args.repo, ref=args.ref,
                            engine_repo=args.exareme2_repo, engine_ref=args.exareme2_ref)
        for line in plan.describe():
            print(line)
        if plan.refusals:
            error("the upgrade is refused — nothing was changed (see the refused: lines)")
            return EXIT_PROBLEM
        if args.dry_run:
            print("dry run: nothing was deployed (only `git fetch` ran)")
            return EXIT_OK
        if not confirm(f"Back up, then upgrade the MIP to {plan.target.name}?", assume_yes=args.yes):
            return EXIT_PROBLEM
        result = run_upgrade(plan, ctx)
    finally:
        cleanup(work)
    return _report(result)


def _report(result: Any) -> int:
    for note in result.notes:
        print(paint("note:", "yellow") + " " + note)
    backup = f"; the backup taken first is {result.backup}" if result.backup else ""
    if not result.ok:
        error(result.message + backup)
        return EXIT_PROBLEM
    print(paint("upgraded:", "green") + f" {result.message}{backup}")
    return EXIT_OK
