"""The list of checks per role, and running them one by one (for a live table) or all at once."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ..answers import Role
from ..errors import UsageError
from . import hardware, host, microk8s, network
from .context import AnswersFacts, Context
from .model import CheckResult, CheckSpec, Outcome, Status
from .probe import FactUnavailable, Probe

CheckFunction = Callable[[Context], Outcome]


@dataclass(frozen=True)
class Check:
    spec: CheckSpec
    run: CheckFunction
    roles: frozenset[Role] = frozenset(Role)


def _check(id_: str, title: str, run: CheckFunction, *, roles: Iterable[Role] = tuple(Role),
           slow: bool = False) -> Check:
    return Check(CheckSpec(id_, title, slow), run, frozenset(roles))


_MASTERS = (Role.MASTER, Role.LOCAL)

# The order is the order shown: hardware, OS, microk8s, names and ports, then the network.
CHECKS: tuple[Check, ...] = (
    _check("cpu", "CPU cores", hardware.check_cpu),
    _check("memory", "Memory", hardware.check_memory),
    _check("disk-snap", "Disk /var/snap", hardware.check_disk_snap),
    _check("disk-root", "Disk /", hardware.check_disk_root),
    _check("disk-data", "Disk data root", hardware.check_disk_data),
    _check("os-release", "Operating system", host.check_os_release),
    _check("docker", "Docker", host.check_docker),
    _check("snap", "snap", host.check_snap),
    _check("sudo", "sudo", host.check_sudo),
    _check("microk8s-installed", "microk8s", microk8s.check_installed),
    _check("microk8s-running", "microk8s running", microk8s.check_running, slow=True),
    _check("microk8s-group", "microk8s group", microk8s.check_group),
    _check("hostname", "Host name", host.check_hostname),
    *(
        _check(f"port-{port}", f"Port {port}", network.port_check(port),
               roles=tuple(Role) if every_node else _MASTERS)
        for port, (_, every_node) in network.PORTS.items()
    ),
    _check("main-ip-assigned", "Main IP on host", network.check_main_ip),
    _check("fqdn-resolves", "FQDN resolves", network.check_fqdn, slow=True),
)
ALL_IDS: tuple[str, ...] = tuple(c.spec.id for c in CHECKS)
# The checks of the answers' facts about this host: the wizard runs them again once Network is filled.
NETWORK_IDS: tuple[str, ...] = ("main-ip-assigned", "fqdn-resolves")


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise UsageError(f"unknown role {role!r} — use one of: {', '.join(r.value for r in Role)}") from None


def checks_for(role: Role | str) -> list[Check]:
    wanted = _role(role)
    return [c for c in CHECKS if wanted in c.roles]


def check_specs(role: Role | str) -> list[CheckSpec]:
    return [c.spec for c in checks_for(role)]


def validate_ignore(role: Role | str, ignore: Iterable[str]) -> set[str]:
    """The ids to demote; 'all' means every check. Unknown ids are a usage error naming the valid ones."""
    ids = {c.spec.id for c in checks_for(role)}
    wanted = {i.strip().lower() for i in ignore if i.strip()}
    if "all" in wanted:
        return ids
    unknown = sorted(wanted - set(ALL_IDS))
    if unknown:
        raise UsageError(f"unknown check id(s) for --ignore: {', '.join(unknown)} — valid ids: "
                         f"{', '.join(ALL_IDS)}, or all")
    return wanted & ids


def iter_checks(
    role: Role | str,
    *,
    probe: Probe | None = None,
    answers: AnswersFacts | None = None,
    ignore: Iterable[str] = (),
    only: Iterable[str] | None = None,
) -> Iterator[CheckResult]:
    """Run the role's checks (or ``only`` these ids) in order, yielding each result when known."""
    wanted = None if only is None else set(only)
    checks = [c for c in checks_for(role) if wanted is None or c.spec.id in wanted]
    ignored = validate_ignore(role, ignore)
    ctx = Context(_role(role), probe or Probe(), answers)
    for check in checks:
        yield _run_one(check, ctx, check.spec.id in ignored)


def run_checks(
    role: Role | str,
    *,
    probe: Probe | None = None,
    answers: AnswersFacts | None = None,
    ignore: Iterable[str] = (),
) -> list[CheckResult]:
    return list(iter_checks(role, probe=probe, answers=answers, ignore=ignore))


def _run_one(check: Check, ctx: Context, ignored: bool) -> CheckResult:
    spec = check.spec
    try:
        outcome = check.run(ctx)
    except FactUnavailable as exc:
        outcome = Outcome(Status.SKIP, f"cannot tell: {exc}")
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        outcome = Outcome(Status.SKIP, f"cannot tell: {where}{exc.strerror or exc.__class__.__name__}")
    except Exception as exc:  # a check must never take the wizard down: report and go on
        outcome = Outcome(Status.SKIP, f"could not check ({exc.__class__.__name__}: {exc})")
    status = outcome.status
    demoted = ignored and status is Status.FAIL
    if demoted:
        status = Status.WARN
    return CheckResult(spec.id, spec.title, status, outcome.summary, outcome.fix, demoted,
                       outcome.measured, outcome.required)
