"""The install plan: the guide's procedure as ordered, idempotent steps built from ``Answers``.

Each step has a probe ("is this already done?") and the exact argv it runs. Corrections to the
guide that matter: ``--classic`` for the snap, ``--timeout`` for ``status --wait-ready``,
``upgrade --install`` (``install`` twice fails), ``chown user:group`` with the user's primary
group (the dot form is deprecated), lowercase node names, and readiness read from container
statuses. A federation worker runs only: snap, admin user, ready, ``microk8s join``, data folders.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..answers import Answers, Role
from ..errors import UserError
from ..fileio import atomic_write_text
from ..profile_kinds import profile_kind
from . import readers
from .steps import Command, Probe, Step, StepContext, StepFailed, fingerprint

ADDONS = ("dns", "helm3", "ingress")
OVERLAY_NAME = "values.mipwizard.yaml"
# Keys of the Exareme2 chart the overlay sets; a values.yaml with none of them has a new layout.
SEED_ERA_KEYS = ("db.credentials_location", "db.storage_location", "db.csvs_location", "controller.cleanup_file_folder")
# microk8s' $SNAP_DATA; `microk8s join --worker` creates var/lock/clustered.lock there, and the
# microk8s wrappers (status, …) test that file to know the node is a worker in a cluster.
SNAP_DATA = Path("/var/snap/microk8s/current")
SNAP_DATA_ENV = "MIPWIZARD_MICROK8S_SNAP_DATA"  # tests point it at the fake machine's folder
CLUSTERED_LOCK = Path("var/lock/clustered.lock")


def default_snap_data() -> Path:
    return Path(os.environ.get(SNAP_DATA_ENV) or SNAP_DATA)


@dataclass
class InstallSettings:
    microk8s_ready_timeout: int = 300  # seconds for `microk8s status --wait-ready --timeout`
    command_timeout: float = 1800.0  # any single command (snap install, helm…)
    query_timeout: float = 60.0
    poll_seconds: float = 5.0  # between pod readiness checks
    node_name: str | None = None  # default: this machine's lowercase hostname
    microk8s_snap_data: Path = field(default_factory=default_snap_data)

    @property
    def clustered_lock(self) -> Path:
        return self.microk8s_snap_data / CLUSTERED_LOCK


def build_plan(answers: Answers, settings: InstallSettings | None = None) -> list[Step]:
    settings = settings or InstallSettings()
    steps = [
        _microk8s_snap(answers, settings),
        _admin_user(answers, settings),
        _microk8s_ready(answers, settings),
    ]
    if answers.role is Role.WORKER:
        # No addons, charts or labels on a worker: the master labels it once it has joined.
        node = settings.node_name or local_node_name()
        plan = [*steps, _join(answers, settings), _data_folders(answers, settings)]
        plan[-1].done_message = "this worker joined the cluster — now, on the master, run: " + label_command(
            answers, node
        )
        return plan
    node = settings.node_name or local_node_name()
    plan = [
        *steps,
        _addons(answers, settings),
        _data_folders(answers, settings),
        _checkouts(answers, settings),
        _exareme2_values(answers, settings, node),
        _node_labels(answers, settings, node),
        _exareme2_chart(answers, settings),
        _mip_profiles(answers, settings),
        _mip_chart(answers, settings),
        _pods_ready(answers, settings),
    ]
    plan[-1].result_url = install_url(answers)
    plan[-1].done_message = "the MIP is installed and every pod is ready"
    return plan


def install_url(answers: Answers) -> str:
    """The address users open: the public FQDN (through the proxy for proxied profiles)."""
    scheme = "http" if profile_kind(answers.active_profile).plain_http else "https"
    return f"{scheme}://{answers.machine_public_fqdn}/"


def label_command(answers: Answers, node: str) -> str:
    """What the master runs to label this worker (node names are lowercase hostnames)."""
    return f"mipwizard node label {node.lower()} --worker" + (" --smpc-player" if answers.smpc_player else "")


def local_node_name() -> str:
    """Kubernetes names a microk8s node after the lowercase hostname."""
    from ..system import capture

    try:
        result = capture(["hostname"], timeout=10)
        name = result.stdout.strip() if result.ok else ""
    except UserError:
        name = ""
    return (name or socket.gethostname()).strip().lower()


# --- shared helpers ------------------------------------------------------------------------------


def _fresh_owner(answers: Answers) -> str:
    """The owner on a fresh machine, for --dry-run: adduser gives a new user a group of its name."""
    return f"{answers.admin_user}:{answers.admin_user}"


def _owner(ctx: StepContext, answers: Answers, settings: InstallSettings) -> str | None:
    """``user:group`` with the admin user's primary group (``id -gn``), or None without the user."""
    from ..data.folders import primary_group

    key = f"owner:{answers.admin_user}"
    if key not in ctx.cache:
        try:
            group = primary_group(answers.admin_user, run=lambda argv: ctx.query(argv, timeout=settings.query_timeout))
        except UserError:
            return None  # not cached: the admin-user step may create the user later in this run
        ctx.cache[key] = f"{answers.admin_user}:{group}"
    owner: str = ctx.cache[key]
    return owner


def _need_owner(ctx: StepContext, answers: Answers, settings: InstallSettings) -> str:
    owner = _owner(ctx, answers, settings)
    if owner is None:
        raise StepFailed(
            f"the admin user {answers.admin_user} does not exist (`id -gn {answers.admin_user}` failed) — "
            "run `mipwizard install --from admin-user` to create it"
        )
    return owner


def _clustered(settings: InstallSettings) -> bool:
    return settings.clustered_lock.exists()


def _microk8s_status(ctx: StepContext, settings: InstallSettings) -> readers.MicroK8sStatus:
    if "microk8s_status" not in ctx.cache:
        result = ctx.query(["microk8s", "status", "--format", "yaml"], privileged=True, timeout=settings.query_timeout)
        ctx.cache["microk8s_status"] = readers.read_microk8s_status(result.stdout if result.ok else "")
    status: readers.MicroK8sStatus = ctx.cache["microk8s_status"]
    return status


def _owners_ok(ctx: StepContext, paths: list[Path], owner: str | None, settings: InstallSettings) -> bool:
    if owner is None or not all(p.is_dir() for p in paths):
        return False
    result = ctx.query(["stat", "-c", "%U:%G", *map(str, paths)], timeout=settings.query_timeout)
    return result.ok and all(line.strip() == owner for line in result.stdout.splitlines() if line.strip())


def _helm_releases(ctx: StepContext, settings: InstallSettings) -> dict[str, str]:
    if "helm_releases" not in ctx.cache:
        argv = ["microk8s", "helm3", "list", "-A", "-o", "json"]
        result = ctx.query(argv, privileged=True, timeout=settings.query_timeout)
        try:
            ctx.cache["helm_releases"] = readers.read_helm_releases(result.stdout) if result.ok else {}
        except ValueError:
            ctx.cache["helm_releases"] = {}
    releases: dict[str, str] = ctx.cache["helm_releases"]
    return releases


def _nodes(ctx: StepContext, settings: InstallSettings) -> list[object]:
    from ..federation import parse_nodes_json

    argv = ["microk8s", "kubectl", "get", "nodes", "-o", "json"]
    result = ctx.query(argv, privileged=True, timeout=settings.query_timeout)
    if not result.ok:
        raise StepFailed(
            f"cannot list the cluster's nodes (exit {result.exit_code}) — is microk8s running? (`microk8s status`)"
        )
    try:
        return list(parse_nodes_json(result.stdout))
    except UserError as exc:
        raise StepFailed(str(exc)) from None


# --- the steps -----------------------------------------------------------------------------------


def _microk8s_snap(answers: Answers, s: InstallSettings) -> Step:
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


def _admin_user(answers: Answers, s: InstallSettings) -> Step:
    user = answers.admin_user
    create = Command(("adduser", "--disabled-password", "--gecos", "", user), timeout=s.query_timeout)
    groups = Command(("usermod", "-aG", "sudo,microk8s", user), timeout=s.query_timeout)

    def current_groups(ctx: StepContext) -> set[str] | None:
        result = ctx.query(["id", "-nG", user], timeout=s.query_timeout)
        return set(result.stdout.split()) if result.ok else None

    def probe(ctx: StepContext) -> Probe:
        found = current_groups(ctx)
        return Probe(found is not None and {"sudo", "microk8s"} <= found, f"{user} is in sudo and microk8s")

    def action(ctx: StepContext) -> str:
        found = current_groups(ctx)
        if found is None:
            ctx.run(create)
        ctx.run(groups)
        return f"{user} exists and is in the sudo and microk8s groups"

    return Step(
        "admin-user",
        f"Admin user {user} in the sudo and microk8s groups",
        check=f"id -nG {user}",
        commands=[create, groups],
        fingerprint=fingerprint(user),
        probe=probe,
        action=action,
    )


def _microk8s_ready(answers: Answers, s: InstallSettings) -> Step:
    wait = Command(
        ("microk8s", "status", "--wait-ready", "--timeout", str(s.microk8s_ready_timeout)),
        timeout=s.microk8s_ready_timeout + 60,
    )

    def probe(ctx: StepContext) -> Probe:
        if answers.role is Role.WORKER and _clustered(s):
            # A joined worker's `microk8s status` only says "acting as a node in a cluster".
            return Probe(True, "this node has joined a cluster (its status is read on the master)")
        return Probe(_microk8s_status(ctx, s).running, "microk8s is running")

    def action(ctx: StepContext) -> None:
        ctx.run(wait)
        ctx.cache.pop("microk8s_status", None)

    return Step(
        "microk8s-ready",
        "Wait until microk8s is ready",
        check="microk8s status --format yaml (running: True)",
        commands=[wait],
        probe=probe,
        action=action,
    )


def _addons(answers: Answers, s: InstallSettings) -> Step:
    def missing(ctx: StepContext) -> list[str]:
        enabled = _microk8s_status(ctx, s).enabled
        return [a for a in ADDONS if a not in enabled]

    def probe(ctx: StepContext) -> Probe:
        return Probe(not missing(ctx), "dns, helm3 and ingress are enabled")

    def action(ctx: StepContext) -> str:
        todo = missing(ctx) or list(ADDONS)
        ctx.run(Command(("microk8s", "enable", *todo), timeout=s.command_timeout))
        ctx.cache.pop("microk8s_status", None)
        return "enabled " + ", ".join(todo)

    return Step(
        "addons",
        "Enable the microk8s addons dns, helm3 and ingress (only those not enabled)",
        check="microk8s status --format yaml",
        commands=[Command(("microk8s", "enable", *ADDONS), timeout=s.command_timeout)],
        probe=probe,
        action=action,
    )


def _data_folders(answers: Answers, s: InstallSettings) -> Step:
    from ..data.folders import folder_commands, pathology_folders

    federation_dir = answers.data_root / answers.federation
    folders = pathology_folders(answers.data_root, answers.federation, answers.pathologies)

    def commands(owner: str) -> list[Command]:
        argvs = folder_commands(answers.data_root, answers.federation, answers.pathologies, owner)
        return [Command(tuple(argv), timeout=s.command_timeout) for argv in argvs]

    def probe(ctx: StepContext) -> Probe:
        owner = _owner(ctx, answers, s)
        return Probe(_owners_ok(ctx, [federation_dir, *folders], owner, s), f"owned by {owner}")

    def action(ctx: StepContext) -> str:
        owner = _need_owner(ctx, answers, s)
        for command in commands(owner):
            ctx.run(command)
        return f"{len(folders)} folder(s) under {federation_dir}, owned by {owner}"

    return Step(
        "data-folders",
        f"Data folders {federation_dir}/<pathology> owned by {answers.admin_user} and its group",
        check=f"the folders exist and stat -c %U:%G shows {answers.admin_user}:<its group, id -gn>",
        commands=commands(_fresh_owner(answers)),
        fingerprint=fingerprint(str(federation_dir), answers.pathologies, answers.admin_user),
        probe=probe,
        action=action,
    )


def _join(answers: Answers, s: InstallSettings) -> Step:
    from ..federation import explain_join_failure, join_cluster, parse_join_command

    join = parse_join_command(answers.join_command) if answers.join_command else None
    shown = join.argv() if join else ["microk8s", "join", "<join_command from the answers>", "--worker"]
    how = (
        "on the master run `mipwizard node join-command` (it runs `microk8s add-node`), put the printed "
        "`microk8s join … --worker` line in join_command in the answers, then run the install again"
    )

    def probe(ctx: StepContext) -> Probe:
        return Probe(_clustered(s), "this node has already joined a cluster")

    def action(ctx: StepContext) -> str:
        if join is None:
            raise StepFailed(f"join_command is not set in the answers — {how}")
        ctx.say(f"joining the cluster at {join.address} as a worker")
        result = join_cluster(join, ctx.runner, timeout=s.command_timeout, on_lines=ctx.on_lines, cancel=ctx.cancel)
        if not result.ok:
            output = "\n".join(result.tail).lower()
            unreachable = any(w in output for w in ("timed out", "connection refused", "unreachable"))
            extra = f" (if the master cannot be reached: {explain_join_failure(output)})" if unreachable else ""
            raise StepFailed(
                f"`{ctx.redactor.redact(join.command())}` {result.describe()} — a failed join uses up the "
                f"token, so a new one is needed: {how}{extra}",
                tail=result.tail,
            )
        return f"joined the cluster at {join.address}"

    return Step(
        "join",
        "Join the cluster as a worker (microk8s join … --worker)"
        + ("" if join else " — join_command is not set: get it on the master with `mipwizard node join-command`"),
        check=f"{s.clustered_lock} exists (microk8s creates it when a worker joins)",
        commands=[Command(tuple(shown), timeout=s.command_timeout)],
        probe=probe,
        action=action,
    )


def _checkouts(answers: Answers, s: InstallSettings) -> Step:
    fresh_owner = _fresh_owner(answers)
    from ..releases.pins import pins

    repos = [(pin.key, pin.url, pin.path) for pin in pins(answers)]
    commands: list[Command] = []
    for _key, url, path in repos:
        commands += [
            Command(("git", "clone", url, str(path)), timeout=s.command_timeout),
            Command(("chown", "-R", fresh_owner, str(path)), timeout=s.command_timeout),
        ]

    def is_checkout(ctx: StepContext, path: Path) -> bool:
        # --show-toplevel, not --is-inside-work-tree: a folder inside another repository is not a checkout
        if not path.is_dir():
            return False
        result = ctx.query(["git", "-C", str(path), "rev-parse", "--show-toplevel"], timeout=s.query_timeout)
        return result.ok and Path(result.stdout.strip()).resolve() == path.resolve()

    def probe(ctx: StepContext) -> Probe:
        paths = [p for _k, _u, p in repos]
        ok = all(is_checkout(ctx, p) for p in paths) and _owners_ok(ctx, paths, _owner(ctx, answers, s), s)
        return Probe(ok, "both checkouts exist")

    def action(ctx: StepContext) -> str:
        owner = _need_owner(ctx, answers, s)
        notes = []
        for key, url, path in repos:
            if is_checkout(ctx, path):
                ctx.say(f"{path}: existing checkout reused (not changed)")
                notes.append(f"{path} reused")
            elif path.exists() and (not path.is_dir() or any(path.iterdir())):
                raise StepFailed(
                    f"{path} exists and is not a git checkout — move it away, or set {key}.path "
                    "in the answers to another folder (mipwizard never overwrites it)"
                )
            else:
                ctx.run(Command(("git", "clone", url, str(path)), timeout=s.command_timeout))
                notes.append(f"{path} cloned")
            ctx.run(Command(("chown", "-R", owner, str(path)), timeout=s.command_timeout))
        return "; ".join(notes)

    return Step(
        "checkouts",
        "Exareme2 and mip-deployment checkouts (an existing checkout is reused)",
        check=f"git -C DIR rev-parse --show-toplevel is DIR, owner {answers.admin_user}:<its group, id -gn>",
        commands=commands,
        fingerprint=fingerprint([(u, str(p)) for _k, u, p in repos], answers.admin_user),
        probe=probe,
        action=action,
    )


def exareme2_overlay_path(answers: Answers) -> Path:
    return answers.exareme2.path / "kubernetes" / OVERLAY_NAME


def exareme2_overlay(answers: Answers) -> str:
    """The values overlay passed to ``helm -f``; upstream's values.yaml stays untouched."""
    path = answers.exareme2.path
    data = {
        "localnodes": answers.exareme2.localnodes,
        "db": {
            "credentials_location": f"{path}/credentials",
            "storage_location": f"{path}/.stored_data/db",
            "csvs_location": str(answers.data_root / answers.federation),
        },
        "controller": {"cleanup_file_folder": f"{path}/.stored_data/cleanup"},
        "smpc": {"enabled": answers.exareme2.smpc},
    }
    header = "# Written by mipwizard install from your answers; passed to helm with -f after values.yaml.\n"
    return header + yaml.safe_dump(data, sort_keys=False, default_flow_style=False)


def layout_warning(values_yaml: Path) -> str | None:
    """A warning when the checkout's values.yaml has none of the keys the overlay sets."""
    try:
        data = yaml.safe_load(values_yaml.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    if not isinstance(data, dict):
        return None

    def has(dotted: str) -> bool:
        node: object = data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True

    if any(has(key) for key in SEED_ERA_KEYS):
        return None
    return (
        f"warning: {values_yaml} has none of {', '.join(SEED_ERA_KEYS)} — this Exareme2 version uses "
        "another layout (e.g. storage.hostPath), so the chart may ignore the overlay's paths; "
        "check its values.yaml"
    )


def _exareme2_values(answers: Answers, s: InstallSettings, node: str) -> Step:
    target = exareme2_overlay_path(answers)
    text = exareme2_overlay(answers)

    def probe(ctx: StepContext) -> Probe:
        try:
            return Probe(target.read_text(encoding="utf-8") == text, f"{target.name} is up to date")
        except OSError:
            return Probe(False)

    def action(ctx: StepContext) -> str:
        if answers.exareme2.smpc:
            from ..federation import NodeInfo, check_smpc_allowed

            nodes = [n for n in _nodes(ctx, s) if isinstance(n, NodeInfo)]
            if answers.smpc_player:  # this node gets the label in the next step
                nodes = [
                    NodeInfo(n.name, {**n.labels, "smpc_player": "true"}, n.ready) if n.name == node else n
                    for n in nodes
                ]
            try:
                check_smpc_allowed(nodes)
            except UserError as exc:
                raise StepFailed(f"exareme2.smpc is true but {exc}") from None
        warning = layout_warning(answers.exareme2.path / "kubernetes" / "values.yaml")
        if warning:
            ctx.say(warning)
        try:
            atomic_write_text(target, text, mode=0o600)
        except OSError as exc:
            raise StepFailed(
                f"cannot write {target}: {exc.strerror} — run mipwizard as root (sudo) or as {answers.admin_user}"
            ) from None
        ctx.say(f"wrote {target}")
        return warning or f"wrote {target}"

    return Step(
        "exareme2-values",
        "Exareme2 values overlay (nodes, data and storage paths, SMPC)",
        check=f"{target} has the expected content",
        writes=[str(target)],
        fingerprint=fingerprint(text),
        probe=probe,
        action=action,
    )


def _node_labels(answers: Answers, s: InstallSettings, node: str) -> Step:
    from ..federation import labels_for

    local = answers.role is Role.LOCAL
    labels = labels_for(master=True, worker=local, smpc_player=answers.smpc_player)
    command = Command(("microk8s", "kubectl", "label", "node", node, *labels, "--overwrite"), timeout=s.query_timeout)

    def probe(ctx: StepContext) -> Probe:
        from ..federation import NodeInfo

        for n in _nodes(ctx, s):
            if isinstance(n, NodeInfo) and n.name == node:
                wanted = dict(label.split("=", 1) for label in labels)
                return Probe(all(n.labels.get(k) == v for k, v in wanted.items()), " ".join(labels))
        return Probe(False)

    def action(ctx: StepContext) -> str:
        from ..federation import NodeInfo

        names = sorted(n.name for n in _nodes(ctx, s) if isinstance(n, NodeInfo))
        if node not in names:
            raise StepFailed(
                f"there is no node {node!r} in the cluster (nodes: {', '.join(names) or 'none'}) — "
                "the node name is this machine's lowercase hostname; check `microk8s kubectl get nodes`"
            )
        ctx.run(command)
        return f"{node}: " + " ".join(labels)

    return Step(
        "node-labels",
        f"Label node {node}: " + ", ".join(labels),
        check="microk8s kubectl get nodes -o json",
        commands=[command],
        fingerprint=fingerprint(node, labels),
        probe=probe,
        action=action,
    )


def _release_step(
    step_id: str, title: str, release: str, command: Command, inputs: str, s: InstallSettings
) -> Step:
    def probe(ctx: StepContext) -> Probe:
        return Probe(_helm_releases(ctx, s).get(release) == "deployed", f"release {release} deployed")

    def action(ctx: StepContext) -> str:
        ctx.run(command)
        ctx.cache.pop("helm_releases", None)
        return f"release {release} deployed"

    return Step(
        step_id,
        title,
        check=f"microk8s helm3 list -A -o json shows {release} deployed with these values",
        commands=[command],
        fingerprint=fingerprint(command.argv, inputs),
        probe=probe,
        action=action,
        needs_journal=True,
    )


def _exareme2_chart(answers: Answers, s: InstallSettings) -> Step:
    chart = answers.exareme2.path / "kubernetes"
    command = Command(
        ("microk8s", "helm3", "upgrade", "--install", "exareme2", str(chart),
         "-f", str(exareme2_overlay_path(answers))),
        timeout=s.command_timeout,
    )
    return _release_step(
        "exareme2-chart", "Deploy the Exareme2 Helm chart", "exareme2", command, exareme2_overlay(answers), s
    )


def _mip_chart_dir(answers: Answers) -> Path:
    return answers.mip_deployment.path / "kubernetes"


def _mip_profiles(answers: Answers, s: InstallSettings) -> Step:
    from ..profiles import diff_profiles, write_profiles

    folder = _mip_chart_dir(answers)

    def action(ctx: StepContext) -> str:
        try:
            report = write_profiles(answers, folder)
        except OSError as exc:
            raise StepFailed(
                f"cannot write the profiles into {folder}: {exc.strerror} — run mipwizard as root (sudo)"
            ) from None
        for name in report.written:
            ctx.say(f"wrote {folder / name}")
        for name, reason in report.skipped.items():
            ctx.say(f"skipped {name}: {reason}")
        return f"{len(report.written)} written, {len(report.unchanged)} unchanged, {len(report.skipped)} skipped"

    return Step(
        "mip-profiles",
        "Write the MIP profile files",
        check=f"the profile files in {folder} match the answers",
        writes=[f"{folder}/.<profile> (the profiles the answers can fill, mode 0600)"],
        fingerprint=fingerprint(answers.model_dump(mode="json")),
        probe=lambda ctx: Probe(not diff_profiles(answers, folder), "the profile files are up to date"),
        action=action,
    )


def _mip_chart(answers: Answers, s: InstallSettings) -> Step:
    from ..profiles import render_profile

    chart = _mip_chart_dir(answers)
    profile = chart / profile_kind(answers.active_profile).filename
    command = Command(
        ("microk8s", "helm3", "upgrade", "--install", "mip", str(chart), "-f", str(profile)), timeout=s.command_timeout
    )
    return _release_step(
        "mip-chart",
        f"Deploy the MIP Helm chart with the {answers.active_profile} profile",
        "mip",
        command,
        render_profile(answers, answers.active_profile),
        s,
    )


def _pods_ready(answers: Answers, s: InstallSettings) -> Step:
    import time

    limit = answers.pods_ready_timeout
    argv = ["microk8s", "kubectl", "get", "pods", "-A", "-o", "json"]

    def pods(ctx: StepContext) -> list[readers.PodState] | None:
        result = ctx.query(argv, privileged=True, timeout=s.query_timeout)
        if not result.ok:
            return None
        try:
            return readers.read_pods(result.stdout)
        except ValueError:
            return None

    def probe(ctx: StepContext) -> Probe:
        found = pods(ctx)
        return Probe(bool(found) and all(p.ready for p in found or []), f"all {len(found or [])} pods are ready")

    def action(ctx: StepContext) -> str:
        deadline = time.monotonic() + limit
        last = ""
        while True:
            found = pods(ctx) or []
            waiting = [p for p in found if not p.ready]
            if found and not waiting:
                return f"all {len(found)} pods are ready"
            summary = f"{len(found) - len(waiting)}/{len(found)} pods ready"
            if waiting:
                summary += "; waiting for " + ", ".join(p.describe() for p in waiting[:6])
                summary += f" and {len(waiting) - 6} more" if len(waiting) > 6 else ""
            if summary != last:
                ctx.say(summary)
                last = summary
            if time.monotonic() >= deadline:
                bad = [p for p in waiting if p.bad]
                named = ", ".join(p.describe() for p in (bad or waiting)[:8]) or "no pods were created"
                raise StepFailed(
                    f"not every pod was ready after {limit} s: {named} — see `mipwizard status`, "
                    "or run `mipwizard install --from pods-ready` to wait again"
                )
            if ctx.cancel is not None:
                if ctx.cancel.wait(s.poll_seconds):
                    raise StepFailed("cancelled while waiting for the pods")
            else:
                time.sleep(s.poll_seconds)

    return Step(
        "pods-ready",
        f"Wait until every pod is Ready (up to {_duration(limit)})",
        check="microk8s kubectl get pods -A -o json (container statuses)",
        commands=[Command(tuple(argv), privileged=True, timeout=s.query_timeout)],
        probe=probe,
        action=action,
    )


def _duration(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min" + (f" {rest} s" if rest else "")
