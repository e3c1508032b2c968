"""``mipwizard check``: preflight — can this machine run MIP in its role, and what to fix."""

from __future__ import annotations

import argparse
import sys
import textwrap
from typing import TYPE_CHECKING, Any

from ._common import EXIT_OK, EXIT_PROBLEM, add_command, paint, print_json

if TYPE_CHECKING:
    from ..core.preflight import CheckResult

WIDTH = 80
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
    parser.add_argument("--ignore", action="extend", nargs="+", default=[], metavar="ID",
                        help="demote these checks' failures to warnings (ids, or comma lists, or all)")
    parser.add_argument("--answers", dest="answers_file", default=None, metavar="FILE",
                        help="answers file: adds the MACHINE_MAIN_IP, FQDN and data root checks")
    parser.add_argument("--machine", default=None, metavar="FILE",
                        help="check a machine described in a JSON file instead of this one (dry run)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..core.answers import load_answers
    from ..core.errors import UserError
    from ..core.preflight import FakeProbe, Probe, iter_checks, validate_ignore

    answers = load_answers(Path(args.answers_file)) if args.answers_file else None
    role = args.role or (answers.role.value if answers else "local")
    ignore = [part for item in args.ignore for part in item.split(",")]
    validate_ignore(role, ignore)  # a usage error before anything runs
    probe: Probe = Probe()
    if args.machine:
        try:
            probe = FakeProbe.from_json(args.machine)
        except (OSError, ValueError) as exc:
            raise UserError(f"{args.machine}: cannot read the machine description ({exc})") from None
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
        advice = (f"Fix the failures above, or go on at your own risk with --ignore {','.join(failed_ids)}")
        print(textwrap.fill(advice, WIDTH))
    return bool(failed_ids)


def format_result(result: CheckResult) -> list[str]:
    word = result.status.value.upper()
    status = paint(word, STATUS_COLOUR[result.status.value], sys.stdout)
    title = result.title[:TITLE_WIDTH].ljust(TITLE_WIDTH)
    summary = result.summary + (" [failure ignored]" if result.ignored else "")
    indent = " " * (2 + 4 + 2 + TITLE_WIDTH + 2)
    lines = _wrap(summary, initial_indent=indent, subsequent_indent=indent) or [indent]
    lines[0] = f"  {status}  {title}  {lines[0][len(indent):]}"
    if result.fix and result.status.value in {"warn", "fail"}:
        lines += _wrap(result.fix, initial_indent=" " * 8 + "fix: ", subsequent_indent=" " * 13)
    return lines


_NBSP = "\u00a0"
_GLUED = ("≥ ", " GB", " GiB", " s)")


def _wrap(text: str, *, initial_indent: str, subsequent_indent: str) -> list[str]:
    """Wrap to 80 columns without splitting a figure from its unit ("≥ 5 GB")."""
    for pair in _GLUED:
        text = text.replace(pair, pair.replace(" ", _NBSP))
    lines = textwrap.wrap(text, WIDTH, break_on_hyphens=False, initial_indent=initial_indent,
                          subsequent_indent=subsequent_indent)
    return [line.replace(_NBSP, " ") for line in lines]
