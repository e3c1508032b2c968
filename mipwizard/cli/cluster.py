"""Troubleshooting commands: status, logs, switch-profile, wait-ready, bundle (recover-release and
login-check are in recover.py and login.py).

Exit codes: 0 healthy / done, 1 unhealthy / failed, 2 usage, 3 cluster unreachable.
Engine modules are imported inside the handlers so ``mipwizard --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from ._common import (
    EXIT_OK,
    EXIT_PROBLEM,
    EXIT_UNREACHABLE,
    add_command,
    confirm,
    error,
    output_width,
    paint,
    print_json,
    unreachable_is_exit_3,
)

_sleep = time.sleep  # tests replace it to stop --watch


def register(subparsers: Any) -> None:
    p = add_command(subparsers, "status", _status, "show cluster health: problems first, each with its fix")
    p.add_argument("--json", action="store_true", help="machine-readable output (stable keys)")
    p.add_argument("--watch", action="store_true", help="refresh until Ctrl+C")
    p.add_argument("--interval", type=float, default=5.0, metavar="S", help="seconds between refreshes (--watch)")
    p.add_argument("--answers", default=None, metavar="FILE", help="saved answers file (default: the wizard's)")

    p = add_command(subparsers, "logs", _logs, "print (or follow) a pod's log, secrets masked")
    p.add_argument("pod", metavar="POD")
    p.add_argument("-n", "--namespace", default="default", metavar="NS")
    p.add_argument("-c", "--container", default=None, metavar="CONTAINER")
    p.add_argument("-f", "--follow", action="store_true", help="keep streaming new lines")
    p.add_argument("--tail", type=int, default=None, metavar="N", help="only the last N lines")
    p.add_argument(
        "-p", "--previous", action="store_true", help="the container that ended last (why a crash-looping one died)"
    )
    _add_sources(p)

    p = add_command(
        subparsers,
        "switch-profile",
        _switch,
        "deploy another of the 8 profiles (helm upgrade --install), then wait until Ready",
    )
    p.add_argument("profile", metavar="NAME", help="e.g. direct, proxied.internal_auth")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--timeout", type=float, default=600.0, metavar="S", help="recovery watch limit (default 600)")
    p.add_argument("--no-wait", action="store_true", help="skip the recovery watch")
    _add_sources(p)

    p = add_command(subparsers, "wait-ready", _wait_ready, "wait until all nodes and pods are Ready (bounded)")
    p.add_argument("--timeout", type=float, default=600.0, metavar="S", help="give up after S seconds (default 600)")
    p.add_argument("--interval", type=float, default=5.0, metavar="S", help="seconds between looks")

    p = add_command(subparsers, "bundle", _bundle, "write a support bundle (tar.gz, secrets masked)")
    p.add_argument("-o", "--output", default=None, metavar="FILE", help="default ./mipwizard-bundle-<time>.tar.gz")
    p.add_argument("--tail", type=int, default=200, metavar="N", help="log lines per failing pod (default 200)")
    p.add_argument("--no-inspect", action="store_true", help="skip `microk8s inspect` (slow, needs root)")
    _add_sources(p)


def _add_sources(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--chart", default=None, metavar="DIR", help="mip chart folder (default /opt/mip-deployment/kubernetes)"
    )
    p.add_argument("--answers", default=None, metavar="FILE", help="saved answers file (default: the wizard's)")


def _sources(args: argparse.Namespace) -> tuple[Path | None, Path]:
    from ..core.cluster.sources import chart_dir_from, default_answers_path

    answers = Path(args.answers) if args.answers else default_answers_path()
    chart = Path(args.chart) if args.chart else chart_dir_from(answers)
    return answers, chart


# --- status -------------------------------------------------------------------------------------


def _code(snap: Any) -> int:
    if snap.worker is not None:
        return EXIT_OK if snap.worker.ok else EXIT_PROBLEM
    if not snap.reachable:
        return EXIT_UNREACHABLE
    return EXIT_OK if snap.healthy else EXIT_PROBLEM


def _status(args: argparse.Namespace) -> int:
    from ..core.cluster.prefetch import take_early

    first = take_early()  # started before the readers were imported: the reads ran meanwhile
    try:
        return _show_status(args, first)
    finally:
        first.close()


def _show_status(args: argparse.Namespace, first: Any) -> int:
    from ..core.cluster.queries import ClusterQueries
    from ..core.cluster.report import format_status
    from ..core.cluster.sources import default_answers_path, main_ip_from
    from ..core.release_findings import add_release_findings

    queries = ClusterQueries(capture_fn=first.capture)
    main_ip = main_ip_from(Path(args.answers) if args.answers else default_answers_path())
    tty = sys.stdout.isatty()
    while True:
        snap = queries.snapshot(main_ip=main_ip)
        snap = add_release_findings(queries, snap)  # a failed release: why, per the chart check
        checkouts = _checkouts()
        if args.json:
            print_json({**snap.to_json(), "checkouts": checkouts})
        else:
            text = format_status(snap, width=output_width()) + "".join(
                f"checkout {key}: {c.get('ref')} = {c.get('commit', '')[:12]} ({c.get('path')})\n"
                for key, c in checkouts.items()
            )
            if args.watch and tty:
                sys.stdout.write("\x1b[H\x1b[2J" + time.strftime("%H:%M:%S  ") + "(Ctrl+C to stop)\n")
            sys.stdout.write(_colour(text))
        sys.stdout.flush()
        if not args.watch:
            return _code(snap)
        try:
            _sleep(max(0.5, args.interval))
        except KeyboardInterrupt:
            return _code(snap)


def _checkouts() -> dict[str, dict[str, str]]:
    """The commits the last install checked out (the install's checkouts step records them)."""
    from ..core import paths
    from ..core.cluster.sources import read_checkouts

    return read_checkouts(paths.state_dir())


def _colour(text: str) -> str:
    out = []
    for line in text.splitlines():
        if line.startswith(("PROBLEMS", "! ", "UNREACHABLE", "UNHEALTHY", "WORKER NOT")):
            line = paint(line, "red")
        elif line.startswith(("HEALTHY", "WORKER OK")):
            line = paint(line, "green")
        elif line.startswith("NOT READY"):
            line = paint(line, "yellow")
        out.append(line)
    return "\n".join(out) + "\n"


# --- logs ---------------------------------------------------------------------------------------


@unreachable_is_exit_3
def _logs(args: argparse.Namespace) -> int:
    # Only cheap imports here: this command is often piped into grep/less and should start at once.
    from ..core.cluster.access import logs_argv, outside_microk8s_group
    from ..core.cluster.logs import stream_logs
    from ..core.cluster.sources import redactor_for
    from ..core.system import find_program, is_root, privileged_argv

    find_program("microk8s")  # missing: the decorator reports the cluster unreachable (exit 3)
    answers, chart = _sources(args)
    argv = logs_argv(
        args.pod, args.namespace, container=args.container, follow=args.follow, tail=args.tail, previous=args.previous
    )
    if not is_root() and outside_microk8s_group():
        argv = privileged_argv(argv)
    code, gone = stream_logs(argv, sys.stdout.buffer, redactor=redactor_for(chart, answers))
    if gone:  # the reader (e.g. `| head`) went away: silence the final flush of a closed pipe
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    return EXIT_OK if code == 0 else EXIT_PROBLEM


# --- switch-profile + wait-ready ----------------------------------------------------------------


def _switch(args: argparse.Namespace) -> int:
    from ..core.cluster.queries import ClusterQueries, ClusterUnreachable
    from ..core.cluster.switch import plan_switch, remember_profile, run_switch

    answers, chart = _sources(args)
    queries = ClusterQueries()
    try:
        queries.status()
    except ClusterUnreachable as exc:
        error(f"{exc.unreachable.message} — fix: {exc.unreachable.fix}")
        return EXIT_UNREACHABLE
    plan = plan_switch(args.profile, chart=chart, answers_path=answers, queries=queries)
    print(f"Profile .{plan.profile} compared with {plan.compared_with}:")
    print(plan.diff.rstrip("\n") if plan.diff else "  (no change in values — the upgrade re-applies them)")
    print()
    print("Will run: " + " ".join(plan.argv))
    if not confirm("Deploy this profile now?", assume_yes=args.yes):
        print("Nothing changed.")
        return EXIT_PROBLEM

    def show(lines: list[str]) -> None:
        sys.stdout.write("".join(f"  | {line}\n" for line in lines))
        sys.stdout.flush()

    result = run_switch(plan, on_lines=show, privileged=queries.needs_sudo)
    if not result.ok:
        error(f"helm upgrade {result.describe()}")
        return EXIT_PROBLEM
    problem = remember_profile(answers, plan.profile)
    if problem:
        error(problem)
    print(paint(f"Profile .{plan.profile} deployed.", "green"))
    if args.no_wait:
        return EXIT_OK
    return _watch(queries, args.timeout, 5.0)


def _wait_ready(args: argparse.Namespace) -> int:
    from ..core.cluster.queries import ClusterQueries

    return _watch(ClusterQueries(), args.timeout, args.interval)


def _watch(queries: Any, timeout: float, interval: float) -> int:
    from ..core.cluster.watch import WaitProgress, wait_ready

    print(f"Waiting until every node and pod is Ready (at most {timeout:g} s)…")
    last = [""]

    def progress(p: WaitProgress) -> None:
        if p.state != last[0]:
            last[0] = p.state
            print(p.summary, flush=True)

    result = wait_ready(queries, timeout=timeout, interval=interval, on_progress=progress)
    if result.last is not None and result.last.worker is not None:
        return _worker_waited(result)
    if result.ready:
        print(paint(f"All Ready after {result.elapsed:.0f} s.", "green"))
        return EXIT_OK
    what = "gave up" if result.timed_out else "stopped"
    print(paint(f"{what.capitalize()} after {result.elapsed:.0f} s; still not ready:", "red"))
    for item in result.not_ready[:40]:
        print(f"  {item}")
    if result.last is not None:
        for problem in result.last.problems[:10]:
            print(f"  ! {problem.target}: {problem.summary}\n      fix: {problem.fix}")
    if result.last is not None and not result.last.reachable:
        if result.last.unreachable is not None:
            error(f"cluster unreachable: {result.last.unreachable.message} — fix: {result.last.unreachable.fix}")
        return EXIT_UNREACHABLE
    return EXIT_PROBLEM


def _worker_waited(result: Any) -> int:
    from ..core.cluster.report import format_worker

    sys.stdout.write(format_worker(result.last.worker))
    if result.ready:
        print(paint(f"This worker is ready after {result.elapsed:.0f} s; wait for the pods on the master:", "green"))
        print("  mipwizard wait-ready")
        return EXIT_OK
    print(paint(f"Gave up after {result.elapsed:.0f} s: the checks marked !! still fail.", "red"))
    return EXIT_PROBLEM


# --- bundle -------------------------------------------------------------------------------------


def _bundle(args: argparse.Namespace) -> int:
    from ..core import paths
    from ..core.bundle import write_bundle

    answers, chart = _sources(args)
    out = Path(args.output) if args.output else Path.cwd() / time.strftime("mipwizard-bundle-%Y%m%d-%H%M%S.tar.gz")
    print("Collecting (microk8s inspect can take a minute)…" if not args.no_inspect else "Collecting…", flush=True)
    report = write_bundle(
        out,
        chart=chart if chart.is_dir() else None,
        answers_path=answers,
        log_dir=paths.log_dir(),
        state_dir=paths.state_dir(),
        tail_lines=args.tail,
        inspect=not args.no_inspect,
    )
    print(f"Wrote {report.path} ({len(report.members)} files, secrets masked, mode 0600).")
    for item in report.missing:
        print(f"  not collected: {item}")
    return EXIT_OK
