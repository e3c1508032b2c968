"""Ports microk8s and MIP need, name resolution, and which addresses this machine has."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

from .context import Context
from .microk8s import microk8s_snap
from .model import Outcome, Status
from .probe import Listener, Probe

# What each port is for (shown in summaries) and which roles need it: the ingress (80/443) and
# the MIP frontend run on the master; apiserver, cluster agent and NodePorts on every node.
PORTS: dict[int, tuple[str, bool]] = {
    80: ("HTTP ingress", False),
    443: ("HTTPS ingress", False),
    16443: ("Kubernetes API", True),
    25000: ("microk8s cluster agent", True),
    30000: ("NodePort service", True),
}
# Processes of microk8s itself: when they hold a port, it is in use for the right reason.
MICROK8S_PROCESSES = {
    "kubelite", "containerd", "containerd-shim", "containerd-shim-runc-v2", "k8s-dqlite",
    "cluster-agent", "kube-apiserver", "kube-proxy", "kubelet", "calico-node", "apiserver-kicker",
}
# Ports only microk8s itself opens: with microk8s installed, an owner we may not see (not root)
# is almost surely microk8s.
MICROK8S_PORTS = {16443, 25000}
RESOLVE_TIMEOUT = 1.0


def listeners(ctx: Context) -> list[Listener]:
    result: list[Listener] = ctx.once("listeners", ctx.probe.listeners)
    return result


def port_check(port: int) -> Callable[[Context], Outcome]:
    purpose = PORTS[port][0]

    def check(ctx: Context) -> Outcome:
        holders = [entry for entry in listeners(ctx) if entry.port == port]
        if not holders:
            return Outcome(Status.PASS, f"free ({purpose})", measured={"free": True})
        names = sorted({h.process for h in holders if h.process})
        measured = {"free": False, "processes": names, "pids": sorted({h.pid for h in holders if h.pid})}
        ours = microk8s_snap(ctx).installed is True
        who = ", ".join(f"{h.process} (pid {h.pid})" if h.pid else str(h.process) for h in holders
                        if h.process) or "an unknown process"
        if ours and names and all(name in MICROK8S_PROCESSES for name in names):
            return Outcome(Status.PASS, f"held by microk8s: {who}", measured=measured)
        see = f"sudo ss -ltnp 'sport = :{port}'"
        if not names and ours and port in MICROK8S_PORTS:
            return Outcome(Status.PASS, "in use, by microk8s as expected (run as root to see the owner)",
                           measured=measured)
        if not names:
            # Without root we may not see the owner (no pid): say so rather than blame anyone.
            status = Status.WARN if ours else Status.FAIL
            return Outcome(status, f"in use by a process we may not see ({purpose} needs it)",
                           f"see who holds it: {see}; stop that service or move it to another port",
                           measured)
        return Outcome(Status.FAIL, f"in use by {who} ({purpose} needs it)",
                       f"stop or reconfigure it, e.g. sudo systemctl disable --now {names[0]}   "
                       f"(check with: {see})", measured)

    return check


def local_interface_addresses(probe: Probe | None = None) -> list[tuple[str, str]]:
    """(interface, address) pairs of this machine, loopback and link-local left out.

    The TUI offers these for MACHINE_MAIN_IP.
    """
    probe = probe or Probe()
    pairs = []
    for name, address in probe.interface_addresses():
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            continue
        if ip.is_loopback or ip.is_link_local:
            continue
        pairs.append((name, str(ip)))
    return pairs


def check_main_ip(ctx: Context) -> Outcome:
    if ctx.answers is None:
        return Outcome(Status.SKIP, "no answers yet (give --answers to check MACHINE_MAIN_IP)")
    if ctx.answers.machine_main_ip is None:  # a worker has no MACHINE_MAIN_IP of its own
        return Outcome(Status.SKIP, "no machine_main_ip given yet (a worker needs none)")
    wanted = str(ipaddress.ip_address(ctx.answers.machine_main_ip))
    pairs = local_interface_addresses(ctx.probe)
    measured = {"machine_main_ip": wanted, "addresses": [a for _, a in pairs]}
    for name, address in pairs:
        if address == wanted:
            return Outcome(Status.PASS, f"{wanted} is on {name}", measured=measured)
    have = ", ".join(f"{a} ({n})" for n, a in pairs[:3]) or "none"
    example = pairs[0][1] if pairs else "an address from `ip -br addr`"
    # The guide's main warning: microk8s, the ingress and the profiles bind to MACHINE_MAIN_IP, so an
    # address this machine does not have (a NAT'd public one, a typo) breaks the install: a failure.
    return Outcome(Status.FAIL, f"{wanted} is not on any interface here (have: {have})",
                   f"set machine_main_ip to an address this machine has, e.g. {example} — a NAT'd public "
                   "IP belongs to the router, not to this server", measured)


def check_fqdn(ctx: Context) -> Outcome:
    if ctx.answers is not None and ctx.answers.machine_public_fqdn is not None:
        name, what = ctx.answers.machine_public_fqdn, "MACHINE_PUBLIC_FQDN"
    else:
        name, what = ctx.probe.hostname(), "the host name"
    try:
        addresses = ctx.probe.resolve(name, timeout=RESOLVE_TIMEOUT)
    except TimeoutError:
        return Outcome(Status.WARN, f"{name}: no DNS answer within {RESOLVE_TIMEOUT:g} s",
                       "check /etc/resolv.conf and `resolvectl status`; or add the name to /etc/hosts",
                       {"name": name, "addresses": []})
    except (socket.gaierror, UnicodeError, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        target = (ctx.answers.machine_main_ip if ctx.answers else None) or "<this machine's IP>"
        return Outcome(Status.WARN, f"{name} ({what}) does not resolve: {reason}",
                       f"add a DNS A record {name} → {target}, or a line `{target} {name}` in /etc/hosts",
                       {"name": name, "addresses": []})
    measured = {"name": name, "addresses": addresses}
    shown = ", ".join(addresses[:3])
    main_ip = ctx.answers.machine_main_ip if ctx.answers is not None else None
    if main_ip is not None and main_ip not in addresses:
        return Outcome(Status.WARN, f"{name} → {shown}, not MACHINE_MAIN_IP {main_ip}",
                       "fine behind NAT or a reverse proxy; otherwise fix the DNS record or machine_main_ip",
                       measured)
    return Outcome(Status.PASS, f"{name} → {shown}", measured=measured)
