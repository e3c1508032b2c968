"""``mipwizard upgrade --to RELEASE``: move an installed MIP to another release of the catalogue."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ._common import EXIT_OK, EXIT_PROBLEM, add_command, confirm, error, paint, unreachable_is_exit_3

HELP = """\
Back up first (mipwizard backup), fetch and check out the release's mip-deployment ref, write its
values, render the current and the new chart with helm and show what the cluster will receive
differently (objects added/removed, images, env names, volumes, hostPaths), then helm upgrade the
`mip` release and wait until it is Ready. Across a PostgreSQL major version the database is dumped
before and replayed into the new one; a new database is never started on an old data folder.
On failure: helm rollback, the previous checkout and values are put back, and it says so.
The Exareme2 release is not changed."""


def register(subparsers: Any) -> None:
    p = add_command(subparsers, "upgrade", _upgrade, "upgrade the MIP to another release (backs up first)", HELP)
    p.add_argument("--to", required=True, metavar="RELEASE", help="a release of `mipwizard releases`, e.g. 9.0.2")
    p.add_argument("--dry-run", action="store_true", help="show the plan and the differences; deploy nothing")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--repo", default=None, metavar="URL", help="fetch from this mirror instead of the release's home")
    p.add_argument("--ref", default=None, metavar="REF", help="check out this ref instead of the release's")
    p.add_argument("--timeout", type=float, default=600.0, metavar="S", help="wait for Ready up to S seconds")
    p.add_argument("--answers", type=Path, default=None, metavar="FILE", help="answers file (default: the wizard's)")


@unreachable_is_exit_3
def _upgrade(args: argparse.Namespace) -> int:
    from ..core.paths import state_dir
    from ..core.upgrade.plan import cleanup, plan_upgrade
    from ..core.upgrade.run import run_upgrade
    from .backup import _kube, load_saved_answers

    answers, answers_path = load_saved_answers(args.answers)
    kube = _kube()
    state = state_dir()
    state.mkdir(parents=True, exist_ok=True, mode=0o700)
    work = state / "upgrade-work"
    say = lambda line: print(line, flush=True)  # noqa: E731
    try:
        plan = plan_upgrade(answers, args.to, work=work, sudo=kube.sudo, say=say, repo=args.repo, ref=args.ref)
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
        result = run_upgrade(plan, answers, answers_path=answers_path, state_dir=state, kube=kube, say=say,
                             timeout=args.timeout, sudo=kube.sudo)
    finally:
        cleanup(work)
    for note in result.notes:
        print(paint("note:", "yellow") + " " + note)
    if not result.ok:
        error(result.message + (f"; the backup taken first is {result.backup}" if result.backup else ""))
        return EXIT_PROBLEM
    print(paint("upgraded:", "green") + f" {result.message}; the backup taken first is {result.backup}")
    return EXIT_OK
