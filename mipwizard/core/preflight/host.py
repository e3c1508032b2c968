"""The operating system and its set-up: release, Docker, snap, sudo, host name."""

from __future__ import annotations

import re
import shlex

from .context import Context
from .model import Outcome, Status

OS_RELEASE = "/etc/os-release"
SUPPORTED = ("ubuntu", "22.04")
REINSTALL = "use Ubuntu Server 22.04 LTS for a supported set-up (other releases are untested)"


def parse_os_release(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            try:
                values[key] = " ".join(shlex.split(value))
            except ValueError:  # an unbalanced quote: keep the raw text
                values[key] = value.strip("\"'")
    return values


def check_os_release(ctx: Context) -> Outcome:
    try:
        info = parse_os_release(ctx.probe.read_text(OS_RELEASE))
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        return Outcome(Status.WARN, f"cannot tell the OS: {OS_RELEASE}: {reason}", REINSTALL)
    name = info.get("PRETTY_NAME") or f"{info.get('NAME', 'unknown')} {info.get('VERSION_ID', '')}".strip()
    found = (info.get("ID", "").lower(), info.get("VERSION_ID", ""))
    measured = {"id": found[0], "version_id": found[1], "pretty_name": name}
    if found == SUPPORTED:
        return Outcome(Status.PASS, f"{name} (supported)", measured=measured)
    if found[0] == "ubuntu":
        return Outcome(Status.WARN, f"{name} (the guide uses 22.04)", REINSTALL, measured)
    return Outcome(Status.WARN, f"{name} (not Ubuntu; the guide uses Ubuntu 22.04)", REINSTALL, measured)


def check_docker(ctx: Context) -> Outcome:
    found = [path for path in (ctx.probe.which("docker"), ctx.probe.which("dockerd")) if path]
    if not found:
        return Outcome(Status.PASS, "not installed (the guide recommends none on Kubernetes nodes)")
    if any(path.startswith("/snap/") for path in found):
        fix = "sudo snap remove docker   (the guide: no Docker on Kubernetes nodes)"
    else:
        fix = ("sudo apt-get purge docker-ce docker.io   (the guide: no Docker on Kubernetes nodes; "
               "microk8s brings its own containerd)")
    return Outcome(Status.WARN, f"found {found[0]} (the guide advises against Docker)", fix,
                   measured={"paths": found})


def check_snap(ctx: Context) -> Outcome:
    path = ctx.probe.which("snap")
    if path:
        return Outcome(Status.PASS, f"{path} (microk8s comes as a snap)", measured={"path": path})
    return Outcome(Status.FAIL, "`snap` not found on PATH (microk8s comes as a snap)",
                   "sudo apt-get install snapd   (then log in again so /snap/bin is on PATH)")


def check_sudo(ctx: Context) -> Outcome:
    probe = ctx.probe
    if probe.is_root():
        return Outcome(Status.PASS, "running as root (sudo not needed)")
    user = probe.user()
    if not probe.which("sudo"):
        return Outcome(Status.FAIL, "`sudo` not found on PATH, and not running as root",
                       "as root: apt-get install sudo && usermod -a -G sudo " + user)
    reply = probe.run(["sudo", "-n", "true"], timeout=3.0)
    if reply.ok:
        return Outcome(Status.PASS, f"{user} can sudo without a password")
    if reply.timed_out:
        return Outcome(Status.WARN, "`sudo -n true` did not answer within 3 s",
                       "check /etc/sudoers and the name service (LDAP/sssd) with `sudo -v`")
    groups = user_groups(ctx, user)
    if groups & {"sudo", "admin", "wheel"}:
        return Outcome(Status.PASS, f"{user} can sudo with a password (the wizard asks for it once)")
    return Outcome(Status.WARN, f"sudo needs a password and {user} is not in the sudo group",
                   f"as root: usermod -a -G sudo {user}   (then log in again), or run the wizard as root")


def group_members(ctx: Context) -> dict[str, set[str]]:
    """Group name → member user names, from /etc/group (read once)."""

    def read() -> dict[str, set[str]]:
        groups: dict[str, set[str]] = {}
        for line in ctx.probe.read_text("/etc/group").splitlines():
            parts = line.split(":")
            if len(parts) >= 4:
                groups[parts[0]] = {m for m in parts[3].split(",") if m}
        return groups

    result: dict[str, set[str]] = ctx.once("groups", read)
    return result


def group_ids(ctx: Context) -> dict[str, int]:
    def read() -> dict[str, int]:
        ids = {}
        for line in ctx.probe.read_text("/etc/group").splitlines():
            parts = line.split(":")
            if len(parts) >= 3 and parts[2].isdigit():
                ids[parts[0]] = int(parts[2])
        return ids

    result: dict[str, int] = ctx.once("group_ids", read)
    return result


def user_groups(ctx: Context, user: str) -> set[str]:
    try:
        return {name for name, members in group_members(ctx).items() if user in members}
    except OSError:
        return set()


_NODE_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


def suggest_hostname(name: str, *, alphanumeric: bool = False) -> str:
    first = name.lower().split(".")[0] if alphanumeric else name.lower()
    allowed = "a-z0-9" if alphanumeric else "a-z0-9.-"
    cleaned = re.sub(f"[^{allowed}]", "" if alphanumeric else "-", first).strip("-.")
    return cleaned[:63].strip("-") or "mipnode1"


def check_hostname(ctx: Context) -> Outcome:
    name = ctx.probe.hostname()
    measured = {"hostname": name}
    # Kubernetes names the node after the lowercased host name; microk8s warns that uppercase
    # breaks RBAC, and a name that is not an RFC 1123 subdomain cannot register at all.
    if len(name) > 253 or not _NODE_NAME.match(name):
        fixed = suggest_hostname(name, alphanumeric=True)  # straight to a name that passes both
        why = "has uppercase letters" if _NODE_NAME.match(name.lower()) else "is not a valid RFC 1123 name"
        return Outcome(Status.FAIL, f"{name!r} {why} (Kubernetes node names are lowercase RFC 1123)",
                       f"sudo hostnamectl set-hostname {fixed}", measured)
    # Exareme2 tells nodes apart by host name and its docs say it MUST be alphanumeric: the
    # name ends up in identifiers where '-' or '.' break. Kubernetes accepts both, so: a warning.
    if not name.isalnum():
        fixed = suggest_hostname(name, alphanumeric=True)
        return Outcome(Status.WARN, f"{name!r} is a valid node name, but Exareme2 wants letters and "
                       "digits only", f"sudo hostnamectl set-hostname {fixed}   (before installing "
                       "microk8s)", measured)
    return Outcome(Status.PASS, f"{name!r} (lowercase, alphanumeric)", measured=measured)
