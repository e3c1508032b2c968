"""``mipwizard chart check``: render the install's helm calls and check them against the cluster."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._common import (
    EXIT_PROBLEM,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    add_command,
    emit_report,
    error,
    paint,
    print_json,
)

if TYPE_CHECKING:
    from ..core.chartcheck.report import ChartReport

HELP = """\
Renders every chart the install deploys (microk8s helm3 template, with the values files the
install writes) and checks the manifests against this cluster before helm ever runs: namespaces
exist, storage classes exist, referenced Secrets (and their keys) exist, the ingress class is
served (microk8s: public), no Ingress host is an IP address, nodeSelector/affinity labels are on
a node, hostPaths exist under the answers' folders, and every manifest passes the Kubernetes
schemas of the cluster's version, strictly and offline. Nothing is changed.
Exit codes: 0 no findings, 1 findings (each with what, why and the fix), 2 usage (no or bad
answers file), 3 cluster unreachable (with the reason and the fix)."""


def register(subparsers: Any) -> None:
    chart = add_command(subparsers, "chart", _usage, "check the MIP charts before deploying them")
    sub = chart.add_subparsers(title="chart commands", metavar="<chart command>")
    p = add_command(sub, "check", _check, "render the install's charts and check them against the cluster", HELP)
    p.add_argument("--answers", type=Path, default=None, metavar="FILE",
                   help="answers file (default: the one the wizard saved)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")


def _usage(args: argparse.Namespace) -> int:
    error("say what to do: mipwizard chart check [--answers FILE]")
    return EXIT_USAGE


def _check(args: argparse.Namespace) -> int:
    from ..core.apply import load_saved
    from ..core.chartcheck import FactsError
    from ..core.chartcheck.report import check_answers
    from ..core.cluster.queries import ClusterUnreachable
    from ..core.cluster.sources import default_answers_path
    from ..core.errors import UserError

    path = args.answers or default_answers_path()
    if path is None:
        error("no answers file: pass --answers FILE (the wizard saves one when you review)")
        return EXIT_USAGE
    try:
        answers = load_saved(path, secrets_needed=False)  # the check renders the chart: no client secret needed
    except UserError as exc:
        error(str(exc))
        return EXIT_USAGE
    try:
        report = check_answers(answers)
    except ClusterUnreachable as exc:
        gone = exc.unreachable
        if args.json:
            print_json({"ok": False, "unreachable": gone.to_json()})
        else:
            error(f"cluster unreachable: {gone.message}\n  fix: {gone.fix}")
        return EXIT_UNREACHABLE
    except FactsError as exc:
        error(f"cannot read the cluster: {exc}")
        return EXIT_PROBLEM
    return emit_report(report, as_json=args.json, to_json=lambda r: r.to_json(), show=_print)


def _print(report: ChartReport) -> None:
    from ..core.chartcheck import schema_version
    from ..core.textfit import wrap_copyable
    from ._common import output_width

    width = output_width()

    def say(text: str, first: str, rest: str) -> None:
        print("\n".join(wrap_copyable(text, width, initial_indent=first, subsequent_indent=rest)))

    version = report.facts.k8s_version
    print(f"Chart check against Kubernetes {version} (schemas {schema_version(version)})")
    for result in report.results:
        call = result.call
        values = ", ".join(v.name for v in call.values_files) or "chart defaults"
        head = f"{call.release}: {call.chart} (values: {values}; namespace {call.namespace})"
        if not result.findings:
            say(head, paint("ok", "green") + "   ", " " * 5)
            continue
        count = len(result.findings)
        say(f"{head}: {count} finding{'s' if count != 1 else ''}", paint("FAIL", "red") + " ", " " * 5)
        for f in result.findings:
            say(f"[{f.kind}] {f.what}", "  - ", " " * 4)
            say(f.why, "      why: ", " " * 11)
            say(f.fix, "      fix: ", " " * 11)
    if not report.results:
        say("no helm call to check (a worker deploys no chart)", "", "")
    elif report.ok:
        say("every chart can be deployed on this cluster", "", "")
    else:
        say("helm would fail or the pods would not start: fix the findings, then run this again", "", "")
