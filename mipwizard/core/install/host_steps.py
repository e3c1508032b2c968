"""The machine's steps: the microk8s snap, the admin user, readiness, addons, data folders, join."""

from __future__ import annotations

from ..answers import Answers, Role
from .settings import InstallSettings
from .steps import Command, Probe, Step, StepContext, StepFailed, fingerprint

ADDONS = ("dns", "helm3", "ingress")


def microk8s_snap(answers: Answers, s: InstallSettings) -> Step:
    argv = ["snap", "install", "microk8s", "--classic"]
    if answers.microk8s_channel:
        argv += ["--channel", answers.microk8s_channel]

    def probe(ctx: StepContext) -> Probe:
        result = ctx.query(["snap", "list", "microk8s"], timeout=s.query_timeout)
        return Probe(result.ok, "microk8s snap installed" if result.ok else "")

    return Step(
        "microk8s-snap",
        "Install microk8s (snap, classic confinement)",
        check="snap list microk8s",
        commands=[Command(tuple(argv), timeout=s.command_timeout)],
        fingerprint=fingerprint(answers.microk8s_channel),
        probe=probe,
    )


def admin_user(answers: Answers, s: InstallSettings) -> Step:
    user = answers.admin_user

    def probe(ctx: StepContext) -> Probe:
        found = ctx.facts.user_groups(user)
        return Probe(found is not None and {"sudo", "microk8s"} <= found, f"{user} is in sudo and microk8s")

    def action(ctx: StepContext) -> str:
        if ctx.facts.user_groups(user) is None:
            ctx.run(Command(("adduser", "--disabled-password", "--gecos", "", user), timeout=s.query_timeout))
        ctx.run(Command(("usermod", "-aG", "sudo,microk8s", user), timeout=s.query_timeout))
        return f"{user} exists and is in the sudo and microk8s groups"

    return Step(
        "admin-user",
        f"Admin user {user} in the sudo and microk8s groups",
        check=f"id -nG {user}",
        fingerprint=fingerprint(user),
        probe=probe,
        action=action,
    )


def microk8s_ready(answers: Answers, s: InstallSettings) -> Step:
    wait = Command(
        ("microk8s", "status", "--wait-ready", "--timeout", str(s.microk8s_ready_timeout)),
        timeout=s.microk8s_ready_timeout + 60,
    )

    def probe(ctx: StepContext) -> Probe:
        if answers.role is Role.WORKER and ctx.facts.clustered():
            # A joined worker's `microk8s status` only says "acting as a node in a cluster".
            return Probe(True, "this node has joined a cluster (its status is read on the master)")
        return Probe(ctx.facts.microk8s_status().running, "microk8s is running")

    def action(ctx: StepContext) -> None:
        ctx.run(wait)
        ctx.facts.forget_microk8s_status()

    return Step(
        "microk8s-ready",
        "Wait until microk8s is ready",
        check="microk8s status --format yaml (running: True)",
        probe=probe,
        action=action,
    )


def addons(answers: Answers, s: InstallSettings) -> Step:
    def missing(ctx: StepContext) -> list[str]:
        enabled = ctx.facts.microk8s_status().enabled
        return [a for a in ADDONS if a not in enabled]

    def probe(ctx: StepContext) -> Probe:
        return Probe(not missing(ctx), "dns, helm3 and ingress are enabled")

    def action(ctx: StepContext) -> str:
        todo = missing(ctx) or list(ADDONS)
        ctx.run(Command(("microk8s", "enable", *todo), timeout=s.command_timeout))
        ctx.facts.forget_microk8s_status()
        return "enabled " + ", ".join(todo)

    return Step(
        "addons",
        "Enable the microk8s addons dns, helm3 and ingress (only those not enabled)",
        check="microk8s status --format yaml",
        probe=probe,
        action=action,
    )


def data_folders(answers: Answers, s: InstallSettings) -> Step:
    from ..data.folders import folder_commands, pathology_folders

    federation_dir = answers.data_root / answers.federation
    folders = pathology_folders(answers.data_root, answers.federation, answers.pathologies)

    from .owned_folders import folders_owned, give_folders

    def probe(ctx: StepContext) -> Probe:
        done = folders_owned(ctx, [federation_dir, *folders], answers.admin_user)
        return Probe(done, f"owned by {ctx.facts.owner(answers.admin_user)}" if done else "")

    def action(ctx: StepContext) -> str:
        owner = ctx.facts.need_owner(answers.admin_user)
        commands = folder_commands(answers.data_root, answers.federation, answers.pathologies, owner)
        give_folders(ctx, [federation_dir, *folders], answers.admin_user, commands, s.command_timeout)
        return f"{len(folders)} folder(s) under {federation_dir}, owned by {owner}"

    return Step(
        "data-folders",
        f"Data folders {federation_dir}/<pathology> owned by {answers.admin_user} and its group",
        check=f"the folders exist and stat -c %U:%G shows {answers.admin_user}:<its group, id -gn>",
        fingerprint=fingerprint(str(federation_dir), answers.pathologies, answers.admin_user),
        probe=probe,
        action=action,
    )


def join(answers: Answers, s: InstallSettings) -> Step:
    from ..federation import explain_join_failure, join_cluster, parse_join_command

    parsed = parse_join_command(answers.join_command) if answers.join_command else None
    how = (
        "on the master run `mipwizard node join-command` (it runs `microk8s add-node`), put the printed "
        "`microk8s join … --worker` line in join_command in the answers, then run the install again"
    )

    def probe(ctx: StepContext) -> Probe:
        return Probe(ctx.facts.clustered(), "this node has already joined a cluster")

    def action(ctx: StepContext) -> str:
        if parsed is None:
            raise StepFailed(f"join_command is not set in the answers — {how}")
        ctx.say(f"joining the cluster at {parsed.address} as a worker")
        result = join_cluster(parsed, ctx.runner, timeout=s.command_timeout, on_lines=ctx.on_lines, cancel=ctx.cancel)
        if not result.ok:
            output = "\n".join(result.tail).lower()
            unreachable = any(w in output for w in ("timed out", "connection refused", "unreachable"))
            extra = f" (if the master cannot be reached: {explain_join_failure(output)})" if unreachable else ""
            raise StepFailed(
                f"`{ctx.redactor.redact(parsed.command())}` {result.describe()} — a failed join uses up the "
                f"token, so a new one is needed: {how}{extra}",
                tail=result.tail,
            )
        return f"joined the cluster at {parsed.address}"

    return Step(
        "join",
        "Join the cluster as a worker (microk8s join … --worker)"
        + ("" if parsed else " — join_command is not set: get it on the master with `mipwizard node join-command`"),
        check=f"{s.clustered_lock} exists (microk8s creates it when a worker joins)",
        probe=probe,
        action=action,
    )
