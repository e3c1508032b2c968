"""microk8s itself: installed (which version, classic?), running, and the user's group."""

from __future__ import annotations

from dataclasses import dataclass

from .context import Context
from .host import group_ids, group_members
from .model import Outcome, Status

INSTALL = "the install step runs: sudo snap install microk8s --classic"
SNAP_TIMEOUT = 5.0
STATUS_TIMEOUT = 5.0


@dataclass(frozen=True)
class MicroK8sSnap:
    installed: bool | None  # None: cannot tell (no snap, snapd down); see ``reason``
    version: str = ""
    revision: str = ""
    tracking: str = ""
    classic: bool = True
    reason: str = ""

    @property
    def group(self) -> str:
        # The strictly confined snap uses the group snap_microk8s (see the status transcripts).
        return "microk8s" if self.classic else "snap_microk8s"


def parse_snap_list(text: str) -> MicroK8sSnap | None:
    """The microk8s row of ``snap list microk8s`` (Name Version Rev Tracking Publisher Notes)."""
    for line in text.splitlines():
        parts = line.split()
        if parts and parts[0] == "microk8s" and len(parts) >= 3:
            notes = parts[5] if len(parts) >= 6 else ""
            return MicroK8sSnap(True, parts[1], parts[2], parts[3] if len(parts) >= 4 else "",
                                "classic" in notes.split(","))
    return None


def microk8s_snap(ctx: Context) -> MicroK8sSnap:
    def read() -> MicroK8sSnap:
        if not ctx.probe.which("snap"):
            return MicroK8sSnap(None, reason="no snap (see the snap check)")
        reply = ctx.probe.run(["snap", "list", "microk8s"], timeout=SNAP_TIMEOUT)
        if reply.timed_out:
            return MicroK8sSnap(None, reason=f"`snap list` did not answer within {SNAP_TIMEOUT:g} s")
        if reply.ok:
            parsed = parse_snap_list(reply.stdout)
            if parsed:
                return parsed
        if "no matching snaps" in reply.stderr + reply.stdout:
            return MicroK8sSnap(False)
        first = (reply.stderr or reply.stdout).strip().splitlines()[:1]
        return MicroK8sSnap(None, reason=f"`snap list microk8s` failed: {first[0] if first else reply.exit_code}")

    result: MicroK8sSnap = ctx.once("microk8s_snap", read)
    return result


def check_installed(ctx: Context) -> Outcome:
    snap = microk8s_snap(ctx)
    if snap.installed is None:
        if snap.reason.startswith("no snap"):
            return Outcome(Status.SKIP, f"cannot tell: {snap.reason}")
        return Outcome(Status.WARN, f"cannot tell: {snap.reason}", "sudo systemctl status snapd   (snapd must "
                       "be running for snaps to install)")
    if not snap.installed:
        return Outcome(Status.PASS, f"not installed yet ({INSTALL})", measured={"installed": False})
    measured = {"installed": True, "version": snap.version, "revision": snap.revision,
                "tracking": snap.tracking, "classic": snap.classic}
    summary = f"{snap.version} (rev {snap.revision}, {snap.tracking or 'no channel'})"
    if not snap.classic:
        return Outcome(Status.WARN, summary + ", strictly confined", "the guide's set-up needs classic "
                       "confinement: sudo snap remove microk8s && sudo snap install microk8s --classic",
                       measured)
    return Outcome(Status.PASS, summary, measured=measured)


def check_running(ctx: Context) -> Outcome:
    snap = microk8s_snap(ctx)
    if not snap.installed:
        return Outcome(Status.SKIP, "microk8s is not installed yet" if snap.installed is False
                       else f"cannot tell: {snap.reason}")
    # `--wait-ready` without `--timeout` waits forever; plain status answers at once.
    reply = ctx.probe.run(["microk8s", "status", "--format", "short"], timeout=STATUS_TIMEOUT)
    text = (reply.stdout + "\n" + reply.stderr).strip()
    first = text.splitlines()[0] if text else ""
    if reply.timed_out:
        return Outcome(Status.WARN, f"`microk8s status` did not answer within {STATUS_TIMEOUT:g} s",
                       "sudo microk8s inspect   (then read the FAIL/WARNING lines it prints)")
    if "Insufficient permissions" in text:
        return Outcome(Status.SKIP, f"cannot ask microk8s: not in the {snap.group} group (see microk8s-group)")
    if first.startswith("microk8s is running"):
        return Outcome(Status.PASS, "microk8s is running", measured={"running": True})
    if "not running" in first:
        return Outcome(Status.WARN, "microk8s is installed but not running",
                       "sudo microk8s start; if it stays down: sudo microk8s inspect", {"running": False})
    if reply.exit_code == 127:
        return Outcome(Status.WARN, "`microk8s` not found on PATH although the snap is installed",
                       "add /snap/bin to PATH (log in again), or run: /snap/bin/microk8s status")
    return Outcome(Status.WARN, f"unexpected answer from `microk8s status`: {first or reply.exit_code}",
                   "sudo microk8s inspect")


def check_group(ctx: Context) -> Outcome:
    snap = microk8s_snap(ctx)
    if snap.installed is None:
        return Outcome(Status.SKIP, f"cannot tell: {snap.reason}")
    if not snap.installed:
        return Outcome(Status.SKIP, "microk8s is not installed yet (the install step adds the admin user)")
    probe = ctx.probe
    group = snap.group
    # As root, the user who matters is the one who will run microk8s later: the admin user.
    user = probe.user()
    current_session = not probe.is_root()
    if probe.is_root():
        user = ctx.answers.admin_user if ctx.answers else (probe.sudo_user() or "")
        if not user:
            return Outcome(Status.PASS, "running as root (needs no group); give --answers to check "
                           "the admin user")
    fix = f"sudo usermod -a -G {group} {user}   then: newgrp {group}   (or log in again)"
    members = group_members(ctx)
    if group not in members:
        return Outcome(Status.WARN, f"the {group} group does not exist", f"sudo groupadd {group} && " + fix)
    if user not in members[group]:
        return Outcome(Status.WARN, f"{user} is not in the {group} group (microk8s commands need sudo)", fix,
                       {"user": user, "group": group})
    gid = group_ids(ctx).get(group)
    if current_session and gid is not None and gid not in probe.session_gids():
        return Outcome(Status.WARN, f"{user} was added to {group}, but this login session predates it",
                       f"newgrp {group}   (or log out and in again)", {"user": user, "group": group})
    return Outcome(Status.PASS, f"{user} is in the {group} group", measured={"user": user, "group": group})
