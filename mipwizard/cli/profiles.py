"""``mipwizard profiles write | show | diff | lint``: the 8 MIP profile files from answers."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any

from ._common import EXIT_OK, EXIT_PROBLEM, add_command, confirm, paint, plural, print_json

WRITE_HELP = """\
Render the 8 profile files (.direct, .direct.internal_auth, …) from an answers file into DIR.
Files are written atomically with mode 0600; a changed file's previous version is kept as
<file>.bak-<timestamp>. Profiles the answers cannot fill (e.g. .proxied* without
machine_private_fqdn_or_ip) are skipped with the reason, never written with a placeholder."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "profiles",
        help="write, show, diff and lint the MIP profile files",
        description="Write, show, diff and lint the 8 MIP profile files the mip Helm chart reads.",
    )
    sub = parser.add_subparsers(title="profile commands", metavar="<command>", parser_class=type(parser))
    parser.set_defaults(handler=lambda _args: _print_help(parser))

    write = add_command(sub, "write", _write, "write the profile files from an answers file", WRITE_HELP)
    write.add_argument("--answers", required=True, type=Path, metavar="FILE", help="answers YAML file")
    write.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder to write into")
    write.add_argument("--yes", action="store_true", help="do not ask before overwriting changed files")

    show = add_command(sub, "show", _show, "print the profile files in DIR, secrets masked")
    show.add_argument("dir", type=Path, metavar="DIR")

    diff = add_command(sub, "diff", _diff, "show what `profiles write` would change in DIR, secrets masked")
    diff.add_argument("--answers", required=True, type=Path, metavar="FILE", help="answers YAML file")
    diff.add_argument("dir", type=Path, metavar="DIR")
    diff.add_argument("--exit-code", action="store_true",
                      help="exit 1 when files would change (as `git diff --exit-code`), 0 when none would")

    lint = add_command(
        sub,
        "lint",
        _lint,
        "check profile files for placeholders, bad addresses, contradictions and secrets",
        "Report each problem as `file:key: problem — fix`. Exit 0 clean, 1 problems found,\n"
        "2 usage (DIR is not a folder, --chart-values is not a file).",
    )
    lint.add_argument("dir", type=Path, metavar="DIR")
    lint.add_argument(
        "--chart-values",
        type=Path,
        metavar="FILE",
        help="the chart's values.yaml: also flag keys the chart never reads",
    )
    lint.add_argument("--json", action="store_true", help="print the problems as JSON")


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _write(args: argparse.Namespace) -> int:
    from ..core.answers import load_answers
    from ..core.profiles import diff_profiles, write_profiles

    answers = load_answers(args.answers)
    changes = diff_profiles(answers, args.out)
    overwrites = [name for name in changes if (args.out / name).exists()]
    if overwrites and not confirm(
        f"{len(overwrites)} existing profile file(s) in {args.out} will change (backups are kept). Continue?",
        assume_yes=args.yes,
    ):
        print("nothing written", file=sys.stderr)
        return EXIT_PROBLEM
    report = write_profiles(answers, args.out)
    for name in report.written:
        print(f"{paint('wrote', 'green')}     {args.out / name}")
    for name in report.unchanged:
        print(f"{paint('unchanged', 'dim')} {args.out / name}")
    for name, reason in report.skipped.items():
        print(f"{paint('skipped', 'yellow')}   {args.out / name}: {reason}")
    for backup in report.backups:
        print(f"{paint('backup', 'dim')}    {backup}")
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    from ..core.errors import UsageError, UserError
    from ..core.fileio import recover_set
    from ..core.profile_kinds import PROFILES
    from ..core.profiles import mask_profile_text

    found = False
    if not args.dir.is_dir():  # a wrong argument (as for lint), not a problem found in the profiles
        raise UsageError(f"{args.dir}: no such folder — point at the chart folder, e.g. /opt/mip-deployment/kubernetes")
    with contextlib.suppress(OSError):
        recover_set(args.dir)  # a write killed half-way is completed first: never a mixed set
    for kind in PROFILES:
        path: Path = args.dir / kind.filename
        if not path.is_file():
            continue
        found = True
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"# {path}: cannot read it ({exc.__class__.__name__})")
            continue
        print(paint(f"# {path}  ({kind.describe()})", "bold"))
        print(mask_profile_text(text).rstrip("\n"))
        print()
    if not found:
        raise UserError(f"{args.dir}: no profile files (.direct, .proxied, …) found — is this the chart folder?")
    return EXIT_OK


def _diff(args: argparse.Namespace) -> int:
    from ..core.answers import load_answers
    from ..core.profiles import diff_profiles, render_all

    answers = load_answers(args.answers)
    changes = diff_profiles(answers, args.dir)
    for text in changes.values():
        sys.stdout.write(_colour_diff(text))
    for name, reason in render_all(answers).skipped.items():
        print(paint(f"# {name} would be skipped: {reason}", "yellow"))
    if not changes:
        print("no changes")
    return EXIT_PROBLEM if changes and args.exit_code else EXIT_OK


def _colour_diff(text: str) -> str:
    lines = []
    for line in text.splitlines(keepends=True):
        if line.startswith("+") and not line.startswith("+++"):
            line = paint(line.rstrip("\n"), "green") + "\n"
        elif line.startswith("-") and not line.startswith("---"):
            line = paint(line.rstrip("\n"), "red") + "\n"
        lines.append(line)
    return "".join(lines)


def _lint(args: argparse.Namespace) -> int:
    from ..core.errors import UsageError, UserError
    from ..core.lint import lint_directory
    from ..core.yamlutil import YamlProblem

    if args.dir.is_file():
        raise UsageError(f"{args.dir}: is a file — give the folder that holds the profiles, "
                         f"e.g. {args.dir.parent}")
    if not args.dir.is_dir():
        raise UsageError(f"{args.dir}: no such folder — point at the chart folder, e.g. /opt/mip-deployment/kubernetes")
    if args.chart_values is not None and not args.chart_values.is_file():
        raise UsageError(f"{args.chart_values}: no such file — give the chart's values.yaml")
    try:
        problems = lint_directory(args.dir, args.chart_values)
    except FileNotFoundError:
        raise UsageError(f"{args.chart_values}: no such file — give the chart's values.yaml") from None
    except (YamlProblem, ValueError, OSError) as exc:
        raise UserError(f"{args.chart_values}: cannot read the chart values ({exc})") from None
    if args.json:
        print_json({"dir": str(args.dir), "problems": [p.as_dict() for p in problems]})
    else:
        for problem in problems:
            print(str(problem))
        summary = f"{plural(len(problems), 'problem')} found" if problems else "no problems found"
        print(paint(summary, "red" if problems else "green"), file=sys.stderr)
    return EXIT_PROBLEM if problems else EXIT_OK
