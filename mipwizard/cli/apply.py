"""``mipwizard apply``: put edited answers into the running MIP (diff, confirm, the install's own steps)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ._common import EXIT_PROBLEM, EXIT_UNREACHABLE, add_command, confirm, error, print_unreachable

DESCRIPTION = """\
Apply an edited answers file to the MIP running on this machine. First it shows what changes:
the active profile rendered from the answers against the values the cluster runs (`microk8s
helm3 get values mip`), and the profile files that differ on disk (secrets masked). After you
confirm, it runs the install's steps again: each checks whether it is already done, so only what
the edit touched runs (profiles written, `helm3 upgrade --install`), then it waits until every
pod is Ready. The answers are kept in the state folder (0600; secrets only with --save-secrets).

Without --answers it applies the answers saved in the state folder. A client secret missing from
the answers is taken from the profile files already written; else it is asked for (hidden) on a
terminal. Exit codes: 0 applied, 1 nothing applied or a step failed, 2 usage (no terminal to
confirm on without --yes), 3 no running MIP to apply to (microk8s not installed or not running:
the reason and the fix; nothing is changed), 130 interrupted."""

# Apply edits a running MIP: with none installed, installing is the way, not a bare microk8s.
NOT_INSTALLED_FIX = {"not-installed": "there is no MIP here to apply to — install it: mipwizard install --answers FILE"}


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "apply", _apply, "apply edited answers to the running MIP", DESCRIPTION)
    parser.add_argument("--answers", type=Path, metavar="FILE", help="answers file (default: the saved answers)")
    parser.add_argument("--yes", action="store_true", help="do not ask before changing the running MIP")
    parser.add_argument("--save-secrets", action="store_true",
                        help="also keep the client secrets in the answers saved in the state folder")
    parser.add_argument("--log-file", type=Path, metavar="F", help="log file (default: the mipwizard log folder)")
    parser.add_argument(
        "--sudo-password-stdin",
        action="store_true",
        help="read the sudo password from the first line of stdin (when not root and sudo asks for one)",
    )


def _apply(args: argparse.Namespace) -> int:
    from ..core.answers import load_answers
    from ..core.answers_file import state_answers_path
    from ..core.apply import preview_apply, with_known_secrets
    from ..core.cluster.queries import ClusterQueries
    from ..core.errors import UserError
    from ..core.install import build_plan
    from ..core.redact import Redactor
    from .install import _run as run_plan
    from .install import _save_answers as save_answers

    path = args.answers or state_answers_path()
    if args.answers is None and not path.is_file():
        raise UserError(f"no saved answers in {path} — pass --answers FILE")
    answers = _ask_missing_secrets(with_known_secrets(load_answers(path, secrets_optional=True)), args)
    if answers is None:
        return EXIT_PROBLEM
    redactor = Redactor(answers.secrets())
    if answers.role.value != "worker":  # a worker re-checks its join; its cluster is run from the master
        queries = ClusterQueries()
        if print_unreachable(queries, fixes=NOT_INSTALLED_FIX):  # before anything changes
            print("Nothing changed.")
            return EXIT_UNREACHABLE
        print(redactor.redact(preview_apply(answers, queries).summary()))
        print()
    plan = build_plan(answers)
    password = None
    if args.sudo_password_stdin:
        password = sys.stdin.readline().rstrip("\n") or None
        if password:
            redactor.add(password)
    if not confirm(f"Apply these answers now ({len(plan)} steps re-checked, only what changed runs)?",
                   assume_yes=args.yes or False):
        print("Nothing changed.")
        return EXIT_PROBLEM
    save_answers(answers, args.save_secrets)
    args.from_step = args.only_step = None
    return run_plan(plan, answers, redactor, password, args)


def _ask_missing_secrets(answers: Any, args: argparse.Namespace) -> Any:
    """Ask (hidden) for each secret the active profile needs and nobody kept; None when we cannot."""
    import getpass

    from ..core.apply import with_secret

    for key, message in answers.missing_secrets():
        if args.sudo_password_stdin or not sys.stdin.isatty():
            error(f"{key}: {message} — add it to the answers file, or run `mipwizard apply` on a terminal to type it")
            return None
        value = getpass.getpass(f"{key} (not in the saved answers; typing is hidden): ")
        try:
            answers = with_secret(answers, key, value)
        except Exception as exc:  # the engine's message names the problem, never the value
            error(str(exc))
            return None
        if any(k == key for k, _ in answers.missing_secrets()):
            error(f"{key}: {answers.missing_secrets()[0][1]}")
            return None
    return answers
