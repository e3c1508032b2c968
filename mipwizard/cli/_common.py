"""Helpers shared by the command modules: output, colour, exit codes."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Callable
from typing import Any, Protocol, TextIO, TypeVar

from ..core.textfit import plural as plural  # re-exported for the command modules

EXIT_OK = 0
EXIT_PROBLEM = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_INTERRUPTED = 130

Handler = Callable[[argparse.Namespace], int]

_COLOURS = {"red": "31", "green": "32", "yellow": "33", "blue": "34", "dim": "2", "bold": "1"}


def use_colour(stream: TextIO = sys.stdout) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set or TERM is dumb."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def paint(text: str, colour: str, stream: TextIO = sys.stdout) -> str:
    if not use_colour(stream):
        return text
    return f"\x1b[{_COLOURS[colour]}m{text}\x1b[0m"


def output_width(stream: TextIO = sys.stdout) -> int | None:
    """The terminal's real width, or None when ``stream`` is not a terminal (a pipe: never wrap)."""
    isatty = getattr(stream, "isatty", None)
    if not (isatty and isatty()):
        return None
    return max(40, shutil.get_terminal_size().columns)


def print_json(data: Any) -> None:
    """Indented on a terminal; one line when piped (``| jq``): Python's fast JSON encoder does not
    indent, and the indenting one takes 8 ms of ``status``' ~250 at 600 pods. One write: json.dump
    to a stream writes every token on its own (30,000 writes for status at scale)."""
    indent = 2 if sys.stdout.isatty() else None
    sys.stdout.write(json.dumps(data, indent=indent, default=str) + "\n")


class Verdict(Protocol):
    @property
    def ok(self) -> bool: ...


R = TypeVar("R", bound=Verdict)


def emit_report(report: R, *, as_json: bool, to_json: Callable[[R], Any], show: Callable[[R], None]) -> int:
    """A check's report, as JSON (``--json``) or text; exit 0 when it is ok, 1 when it found problems."""
    if as_json:
        print_json(to_json(report))
    else:
        show(report)
    return EXIT_OK if report.ok else EXIT_PROBLEM


def error(message: str) -> None:
    print(paint("error:", "red", sys.stderr) + " " + message, file=sys.stderr)


def add_command(
    subparsers: Any, name: str, handler: Handler, help_text: str, description: str | None = None
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help=help_text,
        description=description or help_text,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=handler)
    return parser


def confirm(question: str, *, assume_yes: bool) -> bool:
    """Ask once on a terminal; without one, refuse (a usage error, exit 2) unless ``--yes`` was given."""
    if assume_yes:
        return True
    if not sys.stdin or not sys.stdin.isatty():
        from ..core.errors import UsageError

        raise UsageError("no terminal to ask on — run again with --yes to confirm")
    try:
        reply = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return reply.strip().lower() in {"y", "yes"}


def unreachable_is_exit_3(handler: Handler) -> Handler:
    """For commands that talk to the cluster: when one fails, tell *unreachable* apart (exit 3).

    Only after a failure is `microk8s status` asked (a working command starts at once); when the
    cluster is down, the reason and the fix replace the raw kubectl text.
    """
    import functools

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        from ..core.errors import UsageError, UserError

        try:
            code = handler(args)
        except UsageError:
            raise
        except UserError:
            if print_unreachable():
                return EXIT_UNREACHABLE
            raise
        if code == EXIT_PROBLEM and print_unreachable():
            return EXIT_UNREACHABLE
        return code

    return run


def print_unreachable(queries: Any = None, *, fixes: dict[str, str] | None = None) -> bool:
    """When the cluster cannot be reached, print why and the fix, and return True.

    ``fixes``: this command's own fix for a reason (``not-installed``, ``not-running``, …).
    """
    from ..core.cluster.queries import ClusterQueries, ClusterUnreachable

    try:
        (queries or ClusterQueries()).status()
    except ClusterUnreachable as exc:
        fix = (fixes or {}).get(exc.unreachable.reason, exc.unreachable.fix)
        error(f"cluster unreachable: {exc.unreachable.message} — fix: {fix}")
        return True
    except Exception:  # the diagnosis itself failed: keep the command's own error
        return False
    return False
