"""``mipwizard check``: preflight — can this machine run MIP in its role, and what to fix."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..core.textfit import ellipsize, wrap_copyable
from ._common import EXIT_OK, EXIT_PROBLEM, add_command, output_width, paint, print_json

if TYPE_CHECKING:
    from ..core.preflight import CheckResult

TITLE_WIDTH = 16
STATUS_COLOUR = {"pass": "green", "warn": "yellow", "fail": "red", "skip": "dim"}

HELP = """\
Checks hardware (cores, RAM, disk), the OS, Docker, snap, sudo, microk8s, the host name,
the ports microk8s and MIP need, and (with --answers) MACHINE_MAIN_IP and the public FQDN.
Nothing is changed: only read-only queries run. Each warning and failure says how to fix it.

--ignore ID turns that check's failure into a warning (like kubeadm's
--ignore-preflight-errors); `--ignore all` ignores every failure.
Exit codes: 0 no failures (warnings allowed), 1 a check failed, 2 usage error."""


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "check", run, "preflight: can this machine run MIP?", HELP)
    parser.add_argument("--role", choices=["local", "master", "worker"], default=None,
                        help="the machine's role (default: the answers' role, else local)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    add_ignore_option(parser)
    parser.add_argument("--answers", dest="answers_file", default=None, metavar="FILE",
                        help="answers file: adds the MACHINE_MAIN_IP, FQDN and data root checks")
    parser.add_argument("--machine", default=None, metavar="FILE",
                        help="check a machine described in a JSON file instead of this one (dry run)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..core.answers import load_answers
    from ..core.preflight import iter_checks, machine_probe, validate_ignore

    # secrets_optional: saved answers keep no secret by default, and no check needs one
    answers = load_answers(Path(args.answers_file), secrets_optional=True) if args.answers_file else None
    role = args.role or (answers.role.value if answers else "local")
    ignore = ignore_ids(args.ignore)
    validate_ignore(role, ignore)  # a usage error before anything runs
    probe = machine_probe(args.machine)
    results = iter_checks(role, probe=probe, answers=answers, ignore=ignore)
    if args.json:
        checks = [r.as_dict() for r in results]
        print_json({"role": role, "ok": not any(c["status"] == "fail" for c in checks), "checks": checks})
        failed = any(c["status"] == "fail" for c in checks)
    else:
        failed = print_human(role, results)
    return EXIT_PROBLEM if failed else EXIT_OK


def print_human(role: str, results: Any) -> bool:
    print(f"Preflight for role {role} (nothing is changed):")
    counts = {"pass": 0, "warn": 0, "fail": 0, "skip": 0}
    failed_ids = []
    for result in results:  # printed as each check finishes
        counts[result.status.value] += 1
        if result.status.value == "fail":
            failed_ids.append(result.id)
        print("\n".join(format_result(result)), flush=True)
    warnings = "warning" if counts["warn"] == 1 else "warnings"
    parts = [f"{counts['fail']} failed", f"{counts['warn']} {warnings}", f"{counts['pass']} passed",
             f"{counts['skip']} skipped"]
    print()
    print(", ".join(parts) + ".")
    if failed_ids:
        advice = f"Fix the failures above, or go on at your own risk with --ignore {','.join(failed_ids)}"
        print("\n".join(wrap_copyable(advice, output_width())))
    return bool(failed_ids)


def format_result(result: CheckResult, width: int | None = None) -> list[str]:
    """A check as lines: wrapped to ``width`` (None: the terminal's, or not at all when piped)."""
    width = width if width is not None else output_width()
    word = result.status.value.upper()
    status = paint(word, STATUS_COLOUR[result.status.value], sys.stdout)
    title = ellipsize(result.title, TITLE_WIDTH).ljust(TITLE_WIDTH)
    summary = result.summary + (" [failure ignored]" if result.ignored else "")
    indent = " " * (2 + 4 + 2 + TITLE_WIDTH + 2)
    lines = wrap_copyable(summary, width, initial_indent=indent, subsequent_indent=indent, glue_commands=False)
    lines[0] = f"  {status}  {title}  {lines[0][len(indent):]}"
    if result.fix and result.status.value in {"warn", "fail"}:
        lines += wrap_copyable(result.fix, width, initial_indent=" " * 8 + "fix: ", subsequent_indent=" " * 13)
    return lines


def add_ignore_option(parser: argparse.ArgumentParser) -> None:
    """``--ignore ID[,ID]|all``: the same option, and the same ids, for `check` and `install`."""
    parser.add_argument("--ignore", action="extend", nargs="+", default=[], metavar="ID",
                        help="demote these checks' failures to warnings (ids, or comma lists, or all)")


def ignore_ids(values: Iterable[str]) -> list[str]:
    return [part for item in values for part in item.split(",")]


def check_ignore_option(answers: Any, ignore: Iterable[str]) -> None:
    """A usage error for an unknown id, before anything runs (also under --dry-run)."""
    from ..core.preflight import validate_ignore

    validate_ignore(answers.role.value, ignore_ids(ignore))


def install_preflight(answers: Any, ignore: Iterable[str]) -> bool:
    """The preflight `install` runs first (as `kubeadm init` does): True when nothing failed.

    Only warnings and failures are printed (with their fixes); a failure stops the install before
    anything changes, unless ``--ignore`` demotes it. The ids are `check`'s.
    """
    from ..core.preflight import iter_checks, machine_probe, validate_ignore

    role = answers.role.value
    ids = ignore_ids(ignore)
    validate_ignore(role, ids)  # an unknown id is a usage error before anything runs
    print(f"Preflight for role {role} (mipwizard check --answers; nothing is changed yet):")
    counts = {"pass": 0, "warn": 0, "fail": 0, "skip": 0}
    failed_ids = []
    for result in iter_checks(role, probe=machine_probe(), answers=answers, ignore=ids):
        counts[result.status.value] += 1
        if result.status.value == "fail":
            failed_ids.append(result.id)
        if result.status.value in {"warn", "fail"}:
            print("\n".join(format_result(result)), flush=True)
    warnings = "warning" if counts["warn"] == 1 else "warnings"
    print(f"  {counts['fail']} failed, {counts['warn']} {warnings}, {counts['pass']} passed, "
          f"{counts['skip']} skipped.")
    if failed_ids:
        advice = ("Nothing was changed. Fix the failures above and run the same command again, or go on "
                  f"at your own risk with --ignore {','.join(failed_ids)}")
        print("\n".join(wrap_copyable(advice, output_width())))
    print(flush=True)
    return not failed_ids
