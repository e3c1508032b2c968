"""``mipwizard data check``: validate CDEsMetadata.json and the CSVs before Exareme2 imports them."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from ._common import EXIT_USAGE, add_command, emit_report, error, paint

if TYPE_CHECKING:
    from ..core.data import DataReport, PathologyReport

DEFAULT_ROOT = "/data"

CHECK_HELP = """\
Checks every pathology folder (CDEsMetadata.json + CSVs) under ROOT, or under ROOT/FEDERATION.
ROOT may also be one federation or one pathology folder.

Each problem is printed as  file:row:column: rule — message  (row = CSV line, header = 1).
At most 20 problems per rule and file are listed; the rest are counted.
Exit codes: 0 valid, 1 problems found, 2 usage error (e.g. ROOT does not exist)."""


def register(subparsers: Any) -> None:
    data = add_command(subparsers, "data", _no_subcommand, "check medical data (CDEs + CSVs)")
    sub = data.add_subparsers(title="data commands", metavar="<command>")
    check = add_command(sub, "check", run_check, "validate pathology folders", CHECK_HELP)
    check.add_argument("root", nargs="?", default=DEFAULT_ROOT, help=f"data folder (default {DEFAULT_ROOT})")
    check.add_argument("--federation", "-f", default=None, help="check only ROOT/FEDERATION")
    check.add_argument("--json", action="store_true", help="print the report as JSON")


def _no_subcommand(args: argparse.Namespace) -> int:
    error("choose a data command: `mipwizard data check [ROOT]`")
    return EXIT_USAGE


def run_check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..core.data import check_data_root

    root = Path(args.root)
    if not root.exists():
        error(f"{root} does not exist — give the data folder, e.g. `mipwizard data check /data`")
        return EXIT_USAGE
    report = check_data_root(root, args.federation)
    return emit_report(report, as_json=args.json, to_json=lambda r: r.to_dict(), show=print_report)


def print_report(report: DataReport) -> None:
    if report.general is not None:
        for problem in report.general.problems:
            print(f"{problem.location()}: {problem.rule} — {problem.message}")
    for pathology in report.pathologies:
        for file_report in pathology.files:
            for problem in file_report.problems:
                rule = problem.rule if problem.severity == "error" else f"{problem.rule} (warning)"
                print(f"{problem.location()}: {paint(rule, _colour(problem.severity))} — {problem.message}")
            for rule, count in file_report.suppressed.items():
                print(f"{file_report.path}: … and {count} more {rule} problems")
        print(_pathology_line(pathology))
    csvs = sum(len(p.csvs) for p in report.pathologies)
    verdict = paint("valid", "green") if report.ok else paint("problems found", "red")
    print(
        f"{_count(len(report.pathologies), 'pathology', 'pathologies')}, {_count(csvs, 'CSV file')}: "
        f"{_count(report.errors, 'error')}, {_count(report.warnings, 'warning')} — {verdict}"
    )


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


def _colour(severity: str) -> str:
    return "red" if severity == "error" else "yellow"


def _pathology_line(pathology: PathologyReport) -> str:
    rows = sum(f.rows for f in pathology.csvs)
    datasets = ", ".join(pathology.datasets) or "none"
    state = paint("OK", "green") if pathology.ok else paint(f"{pathology.errors} errors", "red")
    version = f" v{pathology.version}" if pathology.version else ""
    return (
        f"{pathology.name}{version}: {_count(len(pathology.csvs), 'CSV file')}, {_count(rows, 'row')}, "
        f"datasets {datasets} — {state}"
    )
