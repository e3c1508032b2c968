"""Entry point: ``mipwizard`` opens the wizard; ``mipwizard <command>`` runs headless."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import signal
import sys
from collections.abc import Sequence

from .. import __version__
from ..core.errors import UsageError, UserError
from ..core.process import Terminated, stop_signals_interrupt
from . import _common
from ._common import EXIT_INTERRUPTED, EXIT_PROBLEM, EXIT_USAGE

EPILOG = """\
Run without a command to open the full-screen wizard.
Exit codes: 0 ok, 1 a problem was found or a step failed, 2 usage error,
3 cluster unreachable, 130 interrupted (Ctrl+C), 143 SIGTERM, 129 SIGHUP."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        _common.error(f"{message} (see `{self.prog} --help`)")
        raise SystemExit(EXIT_USAGE)


def build_parser(modules: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """Every command's parser; with ``modules``, only the commands those ``cli`` modules register
    (``status`` imports only its own module: at scale every import competes with its reads)."""
    parser = _Parser(
        prog="mipwizard",
        description="Install and look after the Medical Informatics Platform (MIP) on microk8s.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mipwizard {__version__}")
    parser.add_argument(
        "--answers", type=str, default=None, help="(wizard) pre-fill the forms from this answers file"
    )
    parser.add_argument(
        "--profiles-dir", type=str, default=None, help="(wizard) pre-fill from the profiles in this folder"
    )
    subparsers = parser.add_subparsers(title="commands", metavar="<command>", parser_class=_Parser)
    package = importlib.import_module(__package__ or "mipwizard.cli")
    for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if module_info.name.startswith("_") or module_info.name == "main":
            continue
        if modules is not None and module_info.name not in modules:
            continue
        module = importlib.import_module(f"{package.__name__}.{module_info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        if not args_list or args_list[0].split("=", 1)[0] in WIZARD_OPTIONS:
            return _run_wizard(args_list)
        if argv is None:  # the real command line (not a test calling main): SIGTERM/SIGHUP like Ctrl+C
            stop_signals_interrupt()
        if args_list[0] == "status":  # its cluster reads (started already by the entry point)
            from ..core.cluster.prefetch import start_early

            start_early()
        parser = build_parser(modules=("cluster",) if args_list[0] == "status" else None)
        args = parser.parse_args(args_list)
        handler = getattr(args, "handler", None)
        if handler is None:
            parser.print_help()
            return EXIT_USAGE
        return int(handler(args))
    except UsageError as exc:
        _common.error(str(exc))
        return EXIT_USAGE
    except UserError as exc:
        _common.error(str(exc))
        return EXIT_PROBLEM
    except Terminated as exc:
        print(f"\nstopped by {signal.Signals(exc.signum).name}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    finally:
        if args_list[:1] == ["status"]:  # reads nobody took (a usage error, --help)
            from ..core.cluster.prefetch import stop_early

            stop_early()


WIZARD_OPTIONS = {"--answers", "--profiles-dir"}
NO_TERMINAL = (
    "the wizard needs a terminal and there is none (a pipe, a script, or ssh without -t) — "
    "use `ssh -t HOST mipwizard`, or install headless: mipwizard install --answers FILE"
)


def _run_wizard(args_list: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(args_list)
    # A full-screen app on a pipe hangs and writes escape codes: refuse at once, in one line.
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        _common.error(NO_TERMINAL)
        return EXIT_USAGE
    try:
        from ..tui.app import run_wizard
    except ImportError as exc:  # the TUI is optional for headless servers' scripts
        _common.error(f"the wizard cannot start ({exc}) — reinstall mipwizard, or use its commands")
        return EXIT_PROBLEM
    return run_wizard(answers_file=args.answers, profiles_dir=args.profiles_dir)


if __name__ == "__main__":
    raise SystemExit(main())
