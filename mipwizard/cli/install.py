"""``mipwizard install``: run the install plan headless, with live output."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._common import EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, add_command, error, paint
from .check import add_ignore_option, check_ignore_option, install_preflight

if TYPE_CHECKING:
    from ..core.answers import Answers
    from ..core.install import InstallSettings, Step
    from ..core.redact import Redactor

DESCRIPTION = """\
Install microk8s, the admin user, the data folders, Exareme2 and the MIP from an answers file,
showing every command's output live. With role: worker it installs microk8s and the admin user,
joins the master's cluster with join_command (from `mipwizard node join-command` on the master),
makes the data folders and prints the `mipwizard node label` command to run on the master.
Each step first checks whether it is already done, so a re-run changes nothing that is in
place and resumes where a failed or killed run stopped.

--from STEP runs STEP (even if its check says done) and the steps after it; --only STEP runs
just that step. First it runs the preflight (`mipwizard check --answers FILE`, as `kubeadm init`
does): a failed check stops it before anything changes; --ignore ID[,ID]|all (the ids of
`mipwizard check`) goes on at your own risk. Without --yes it asks once before changing the
system; with no terminal to ask on it refuses (exit 2). Exit codes: 0 done, 1 the preflight or a
step failed (its name, its last output lines and the log file are printed), 2 usage, 130
interrupted (the running command is killed)."""

STEP_IDS = (
    "microk8s-snap admin-user microk8s-ready addons data-folders checkouts exareme2-values "
    "node-labels exareme2-chart mip-profiles mip-secrets [keycloak-realm] mip-chart pods-ready "
    "[exareme2-data]; a worker: microk8s-snap admin-user microk8s-ready join data-folders"
)


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "install", _install, "install the MIP from an answers file", DESCRIPTION)
    parser.add_argument("--answers", required=True, type=Path, metavar="FILE", help="answers YAML file")
    parser.add_argument("--dry-run", action="store_true", help="print each step and its exact commands; change nothing")
    parser.add_argument("--yes", action="store_true", help="do not ask before changing the system")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--from", dest="from_step", metavar="STEP", help=f"start at STEP ({STEP_IDS})")
    where.add_argument("--only", dest="only_step", metavar="STEP", help="run only STEP")
    add_ignore_option(parser)
    parser.add_argument("--log-file", type=Path, metavar="F", help="log file (default: the mipwizard log folder)")
    parser.add_argument(
        "--save-secrets",
        action="store_true",
        help="also keep the client secrets in the answers saved in the state folder (mode 0600)",
    )
    parser.add_argument(
        "--sudo-password-stdin",
        action="store_true",
        help="read the sudo password from the first line of stdin (when not root and sudo asks for one)",
    )


def _install(args: argparse.Namespace) -> int:
    from ..core.answers import load_answers
    from ..core.errors import UsageError
    from ..core.install import InstallSettings, build_plan, local_node_name
    from ..core.redact import Redactor

    answers = load_answers(args.answers)
    redactor = Redactor(answers.secrets())
    settings = InstallSettings(node_name=local_node_name())
    plan = build_plan(answers, settings)
    ids = [step.id for step in plan]
    for name in (args.from_step, args.only_step):
        if name is not None and name not in ids:
            raise UsageError(f"there is no step {name!r} — choose one of: {', '.join(ids)}")
    check_ignore_option(answers, args.ignore)
    if args.dry_run:
        _print_plan(plan, answers, redactor, settings)
        return EXIT_OK
    if not install_preflight(answers, args.ignore):
        return EXIT_PROBLEM

    from ..core.lock import InstallLock

    lock = InstallLock().acquire()  # another install running: refused here, before any question
    password = None
    if args.sudo_password_stdin:
        password = sys.stdin.readline().rstrip("\n") or None
        if password:
            redactor.add(password)
    if not args.yes:
        if not sys.stdin.isatty() or args.sudo_password_stdin:
            error("no terminal to ask on — run again with --yes to confirm changing this system")
            return EXIT_USAGE
        reply = input(f"Install the MIP on this machine ({len(plan)} steps, see --dry-run)? [y/N] ")
        if reply.strip().lower() not in {"y", "yes"}:
            print("nothing changed", file=sys.stderr)
            return EXIT_PROBLEM
    with lock:
        _save_answers(answers, args.save_secrets)
        return _run(plan, answers, redactor, password, args, settings)


def _save_answers(answers: Any, include_secrets: bool) -> None:
    """Keep these answers in the state folder: switch-profile, status, bundle and the wizard read them."""
    from ..core.answers_file import save_state_answers
    from ..core.errors import UserError

    try:
        path = save_state_answers(answers, include_secrets=include_secrets)
    except (UserError, OSError) as exc:
        error(f"the answers were not saved in the state folder: {exc} — later commands need --answers")
        return
    kept = "with" if include_secrets else "without"
    print(f"Answers saved in {path} (mode 0600, {kept} the secrets).")


def _print_plan(plan: list[Step], answers: Answers, redactor: Redactor, settings: InstallSettings) -> None:
    from ..core.install import dry_run
    from ..core.releases.pins import pins, release_of

    # A worker has no public name of its own: it is known by its host name once it joins.
    machine = answers.machine_public_fqdn or "this worker"
    print(f"Install plan for {machine} (role {answers.role.value}): {len(plan)} steps.")
    if answers.role.value != "worker":
        print(f"Release {answers.release}: " + "; ".join(f"{p.key} {p.ref}" for p in pins(answers))
              + f" ({release_of(answers).values_model.value}).")
    print("Nothing is changed (--dry-run): each step's action runs against a recording runner on a")
    print("fresh machine. A step whose check finds it done is skipped; commands marked $ run with")
    print("sudo when mipwizard is not root.")
    for number, listing in enumerate(dry_run(plan, redactor=redactor, settings=settings,
                                             node=settings.node_name or ""), 1):
        step = listing.step
        print()
        print(f"{number:2}. {step.id} — {step.title}")
        if step.check:
            print(f"    check: {redactor.redact(step.check)}")
        for line in listing.lines:
            print(f"    {line}")
        if listing.stops:
            print(f"    stops here: {listing.stops}")


def _run(
    plan: list[Any], answers: Any, redactor: Any, password: str | None, args: argparse.Namespace,
    settings: InstallSettings | None = None,
) -> int:
    from ..core import paths
    from ..core.errors import UserError
    from ..core.install import InstallEngine, InstallEvent, Journal, PlanFinished, StepFinished, StepOutput, StepStarted
    from ..core.logfile import LogFile
    from ..core.runner import ProcessRunner

    log_path = args.log_file or paths.install_log_path()
    try:
        log = LogFile(log_path)
    except OSError as exc:
        raise UserError(
            f"{log_path}: cannot write the log file ({exc.strerror}) — run as root, or choose one with --log-file"
        ) from None
    runner = ProcessRunner(redactor=redactor, log=log, sudo_password=password)
    journal = Journal(paths.journal_path())
    total = len(plan)
    position = {step.id: n for n, step in enumerate(plan, 1)}
    out = sys.stdout

    def on_event(event: InstallEvent) -> None:
        if isinstance(event, StepStarted):
            out.write(paint(f"[{position[event.step_id]}/{total}] {event.step_id}", "bold") + f" — {event.title}\n")
        elif isinstance(event, StepOutput):
            out.write("".join(f"    {line}\n" for line in event.lines))
        elif isinstance(event, StepFinished):
            colour = {"done": "green", "already": "dim", "skipped": "dim", "failed": "red", "warning": "yellow"}[
                event.outcome
            ]
            label = {"done": "done", "already": "already done", "skipped": "skipped", "failed": "FAILED",
                     "warning": "WARNING"}[event.outcome]
            if event.outcome == "skipped":
                out.write(paint(f"[{position[event.step_id]}/{total}] {event.step_id}: skipped\n", "dim"))
            else:
                detail = "" if event.message in {label, "done"} else f": {event.message}"
                out.write(f"    {paint(label, colour)} ({event.seconds:.1f} s){detail}\n")
        elif isinstance(event, PlanFinished):
            pass
        out.flush()

    engine = InstallEngine(plan, runner, journal, on_event=on_event, settings=settings)
    if journal.failed and not (args.from_step or args.only_step):
        print(f"The last run stopped at step {journal.failed.get('step')}; checking every step again.")
    elif journal.running and not (args.from_step or args.only_step):
        print(f"The last run was interrupted during step {journal.running}; checking every step again.")
    print(f"Log: {log.path}")
    try:
        result = engine.run(from_step=args.from_step, only_step=args.only_step)
    finally:
        log.close()
    if result.ok:
        print(paint("Done: ", "green") + result.message)
        if result.url:
            print(f"Open the MIP at {result.url}")
        for warning in result.warnings:  # installed; something outside mipwizard needs a change
            print(paint("Warning: ", "yellow") + warning)
        return EXIT_OK
    error(result.message)
    if result.tail:
        print("Last output lines:", file=sys.stderr)
        for line in result.tail[-15:]:
            print(f"    {line}", file=sys.stderr)
    print(f"Full log: {result.log_path}", file=sys.stderr)
    print(f"Fix the problem, then run the same command again: it resumes at {result.failed_step}.", file=sys.stderr)
    return EXIT_PROBLEM
