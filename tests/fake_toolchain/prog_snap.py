"""Fake ``snap`` (list / info / install / remove of microk8s), snapd 2.6x wording."""

from __future__ import annotations

from _common import err, out, unsupported
from _state import set_program_present

TYPE_CHECKING = False  # typing costs ms at every fake call; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any

DEFAULT_CHANNEL = "1.32/stable"
# channel track -> (version, revision); unknown tracks get a plausible made-up pair.
KNOWN = {
    "1.32": ("v1.32.3", "7964"),
    "1.31": ("v1.31.7", "7879"),
    "1.30": ("v1.30.11", "7884"),
    "1.29": ("v1.29.15", "7881"),
    "1.28": ("v1.28.15", "7449"),
    "latest": ("v1.32.3", "7964"),
}

CLASSIC_ERROR = """error: This revision of snap "microk8s" was published using classic confinement and thus
       may perform arbitrary system changes outside of the security sandbox that snaps are
       usually confined to, which may put your system at risk.

       If you understand and want to proceed repeat the command including --classic."""


def version_for(channel: str) -> tuple[str, str]:
    track = channel.split("/", 1)[0]
    if track in KNOWN:
        return KNOWN[track]
    return (f"v{track}.0", "6000")


def normalize_channel(channel: str) -> str:
    return channel if "/" in channel else f"{channel}/stable" if channel[:1].isdigit() else f"latest/{channel}"


def main(ctx: Any) -> int:
    args = ctx.args
    if not args:
        return unsupported(ctx)
    verb, rest = args[0], args[1:]
    if verb == "list":
        return snap_list(ctx, rest)
    if verb == "info":
        return snap_info(ctx, rest)
    if verb == "install":
        return snap_install(ctx, rest)
    if verb == "remove":
        return snap_remove(ctx, rest)
    if verb == "refresh":
        return snap_refresh(ctx, rest)
    if verb == "version":
        out("snap    2.63+22.04\nsnapd   2.63+22.04\nseries  16\nubuntu  22.04\nkernel  5.15.0-119-generic")
        return 0
    return unsupported(ctx)


def snap_list(ctx: Any, rest: list[str]) -> int:
    mk = ctx.state()["microk8s"]
    names = [a for a in rest if not a.startswith("-")]
    if names and names != ["microk8s"]:
        return unsupported(ctx)
    header = "Name      Version  Rev    Tracking     Publisher   Notes"
    core = "core20    20240911 2434   latest/stable  canonical✓  base"
    snapd = "snapd     2.63     21759  latest/stable  canonical✓  snapd"
    if names:
        if mk is None:
            err("error: no matching snaps installed")
            return 1
        out(header)
        out(_row(mk))
        return 0
    out(header)
    out(core)
    if mk is not None:
        out(_row(mk))
    out(snapd)
    return 0


def _row(mk: dict) -> str:
    return f"microk8s  {mk['version']}  {mk['revision']}   {mk['channel']}  canonical✓  classic"


def snap_info(ctx: Any, rest: list[str]) -> int:
    names = [a for a in rest if not a.startswith("-")]
    if names != ["microk8s"]:
        return unsupported(ctx)
    mk = ctx.state()["microk8s"]
    out("name:      microk8s")
    out("summary:   Kubernetes for workstations and appliances")
    out("publisher: Canonical✓")
    out("store-url: https://snapcraft.io/microk8s")
    out("contact:   https://github.com/canonical/microk8s")
    out("license:   Apache-2.0")
    out("description: |")
    out("  MicroK8s is a small, fast, secure, certified Kubernetes distribution that")
    out("  installs on just about any Linux box. It provides the functionality of core")
    out("  Kubernetes components, in a small footprint, scalable from a single node to a")
    out("  high-availability production multi-node cluster.")
    if mk is not None:
        out("commands:")
        for c in ("microk8s.add-node", "microk8s.config", "microk8s.ctr", "microk8s.disable", "microk8s.enable",
                  "microk8s.helm", "microk8s.helm3", "microk8s.inspect", "microk8s.join", "microk8s.kubectl",
                  "microk8s.leave", "microk8s", "microk8s.refresh-certs", "microk8s.remove-node",
                  "microk8s.reset", "microk8s.start", "microk8s.status", "microk8s.stop"):
            out(f"  - {c}")
        state = "active" if mk["running"] else "inactive"
        out("services:")
        out(f"  microk8s.daemon-apiserver-kicker: simple, enabled, {state}")
        out(f"  microk8s.daemon-cluster-agent:    simple, enabled, {state}")
        out(f"  microk8s.daemon-containerd:       notify, enabled, {state}")
        out(f"  microk8s.daemon-k8s-dqlite:       simple, enabled, {state}")
        out(f"  microk8s.daemon-kubelite:         simple, enabled, {state}")
    out("snap-id:      EaXqgt1lyCaxKaQCU349mlodBkDCXRcg")
    if mk is not None:
        out(f"tracking:     {mk['channel']}")
        out("refresh-date: today at 09:12 UTC")
    out("channels:")
    for track in ("1.32", "1.31", "1.30", "1.29", "1.28"):
        version, rev = KNOWN[track]
        out(f"  {track}/stable:{' ' * (6 - len(track))}{version:<10} 2025-03-20 ({rev}) 170MB classic")
    if mk is not None:
        out(f"installed:          {mk['version']:<10}            ({mk['revision']}) 170MB classic")
    return 0


def parse_microk8s_args(rest: list[str], *, allow_classic: bool) -> tuple[bool, str | None] | None:
    """(--classic given, --channel value) of `snap install|refresh microk8s …`; None if unsupported."""
    classic = False
    channel: str | None = None
    names: list[str] = []
    i = 0
    while i < len(rest):
        a = rest[i]
        if a == "--classic" and allow_classic:
            classic = True
        elif a == "--channel":
            i += 1
            channel = normalize_channel(rest[i]) if i < len(rest) else None
        elif a.startswith("--channel="):
            channel = normalize_channel(a.split("=", 1)[1])
        elif a.startswith("-"):
            return None
        else:
            names.append(a)
        i += 1
    return (classic, channel) if names == ["microk8s"] else None


def snap_install(ctx: Any, rest: list[str]) -> int:
    parsed = parse_microk8s_args(rest, allow_classic=True)
    if parsed is None:
        return unsupported(ctx)
    classic, channel = parsed[0], parsed[1] or DEFAULT_CHANNEL
    if not ctx.is_root():
        err("error: access denied (try with sudo)")
        return 1
    mk = ctx.state()["microk8s"]
    if mk is not None:
        err('snap "microk8s" is already installed, see \'snap help refresh\'')
        return 0
    if not classic:
        err(CLASSIC_ERROR)
        return 1
    version, revision = version_for(channel)
    with ctx.store.update() as state:
        # Like the real snap, the services are still starting: not ready until someone waits.
        install_into(state, channel=channel, version=version, revision=revision, running=False, addons=())
        state["microk8s"]["starting"] = True
    out(f"microk8s ({channel}) {version} from Canonical✓ installed")
    return 0


def install_into(
    state: dict, *, channel: str, version: str, revision: str, running: bool, addons: tuple[str, ...]
) -> None:
    """What installing the snap does to the machine: the snap, the microk8s group, the node."""
    enabled = ["ha-cluster", *[a for a in addons if a != "ha-cluster"]]
    state["microk8s"] = {
        "channel": channel,
        "version": version,
        "revision": revision,
        "running": running,
        "addons": enabled,
    }
    if "microk8s" not in state["groups"]:
        used = {g["gid"] for g in state["groups"].values()}
        gid = 998
        while gid in used:
            gid -= 1
        state["groups"]["microk8s"] = {"gid": gid, "members": []}
    set_program_present(state, "microk8s", True)
    node = state["hostname"].lower()
    if node not in state["nodes"]:
        state["nodes"][node] = default_node(state, node, state["ip"], version)


def default_node(state: dict, name: str, ip: str, version: str) -> dict:
    return {
        "labels": {
            "beta.kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "kubernetes.io/hostname": name,
            "kubernetes.io/os": "linux",
            "microk8s.io/cluster": "true",
            "node.kubernetes.io/microk8s-controlplane": "microk8s-controlplane",
        },
        "ready": True,
        "ip": ip,
        "version": version,
    }


def snap_refresh(ctx: Any, rest: list[str]) -> int:
    parsed = parse_microk8s_args(rest, allow_classic=False)
    if parsed is None:
        return unsupported(ctx)
    channel = parsed[1]
    if not ctx.is_root():
        err("error: access denied (try with sudo)")
        return 1
    with ctx.store.update() as state:
        mk = state["microk8s"]
        if mk is None:
            err('error: snap "microk8s" is not installed')
            return 1
        if channel is None or channel == mk["channel"]:
            err('snap "microk8s" has no updates available')
            return 0
        mk["version"], mk["revision"] = version_for(channel)
        mk["channel"] = channel
        version = mk["version"]
    out(f"microk8s ({channel}) {version} from Canonical✓ refreshed")
    return 0


def snap_remove(ctx: Any, rest: list[str]) -> int:
    names = [a for a in rest if not a.startswith("-")]
    if names != ["microk8s"]:
        return unsupported(ctx)
    if not ctx.is_root():
        err("error: access denied (try with sudo)")
        return 1
    with ctx.store.update() as state:
        if state["microk8s"] is None:
            err('snap "microk8s" is not installed')
            return 0
        state["microk8s"] = None
        set_program_present(state, "microk8s", False)
        state["nodes"] = {}
        state["releases"] = {}
    out("microk8s removed")
    return 0
