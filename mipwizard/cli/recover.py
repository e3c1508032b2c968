"""`mipwizard recover-release`: unblock a helm release stuck in pending-* (after confirmation).

Exit codes: 0 recovered, 1 not pending or failed, 2 usage, 3 cluster unreachable.
"""

from __future__ import annotations

import argparse
from typing import Any

from ._common import EXIT_OK, EXIT_PROBLEM, EXIT_UNREACHABLE, add_command, confirm, error, paint, print_unreachable


def register(subparsers: Any) -> None:
    p = add_command(
        subparsers,
        "recover-release",
        _recover,
        "unblock a helm release stuck in pending-* (rollback, or uninstall if it never deployed)",
    )
    p.add_argument("release", metavar="NAME", help="the release (see mipwizard status)")
    p.add_argument("-n", "--namespace", default=None, metavar="NS")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def _recover(args: argparse.Namespace) -> int:
    from ..core.cluster.queries import ClusterQueries, ClusterUnreachable
    from ..core.cluster.readers import ReaderError
    from ..core.cluster.recover import plan_recovery, run_recovery
    from ..core.errors import UserError

    queries = ClusterQueries()
    try:
        plan = plan_recovery(queries, args.release, args.namespace)
    except ClusterUnreachable as exc:
        error(f"cluster unreachable: {exc.unreachable.message} — fix: {exc.unreachable.fix}")
        return EXIT_UNREACHABLE
    except (UserError, ReaderError) as exc:
        if print_unreachable(queries):  # helm said "Kubernetes cluster unreachable": the reason and fix instead
            return EXIT_UNREACHABLE
        error(str(exc))
        return EXIT_PROBLEM
    rel = plan.release
    print(f"Release {rel.name} (namespace {rel.namespace}) is {rel.status} at revision {rel.revision}.")
    print(f"{plan.action.capitalize()}: {plan.reason}.")
    print(f"Will run: {plan.command}")
    if not confirm(f"{plan.action.capitalize()} {rel.name} now?", assume_yes=args.yes):
        print("Nothing changed.")
        return EXIT_PROBLEM
    result = run_recovery(queries, plan)
    if not result.ok:
        error(f"{plan.command} failed: {(result.stderr or result.stdout).strip()[:300]}")
        return EXIT_PROBLEM
    done = f"rolled back to revision {plan.revision}" if plan.action == "rollback" else "uninstalled"
    print(paint(f"Release {rel.name} {done}.", "green"))
    print("Next: mipwizard install (or mipwizard switch-profile <profile>) deploys it again.")
    return EXIT_OK
