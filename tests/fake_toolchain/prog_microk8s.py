"""Fake ``microk8s``: status, enable/disable, start/stop, add-node, join, inspect, kubectl, helm3.

Formats follow the transcripts in ../shared/reference/transcripts and canonical/microk8s'
scripts/wrappers (status.py print_pretty/print_yaml/print_short, add_token.py print_pretty).
"""

from __future__ import annotations

import os
import time

from _common import err, out, sleep_forever, unsupported

TYPE_CHECKING = False  # typing costs ms at every fake call; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any

NOT_RUNNING = "microk8s is not running. Use microk8s inspect for a deeper inspection."

# name -> (description, version); all in the "core" repository.
ADDONS: dict[str, tuple[str, str]] = {
    "cert-manager": ("Cloud native certificate management", "1.8.0"),
    "cis-hardening": ("Apply CIS K8s hardening", "1.0.0"),
    "community": ("The community addons repository", "1.0.0"),
    "dashboard": ("The Kubernetes dashboard", "2.7.0"),
    "dns": ("CoreDNS", "1.10.1"),
    "gpu": ("Alias to nvidia add-on", "1.0.0"),
    "ha-cluster": ("Configure high availability on the current node", "1.0.0"),
    "helm": ("Helm - the package manager for Kubernetes", "3.9.1"),
    "helm3": ("Helm 3 - the package manager for Kubernetes", "3.9.1"),
    "host-access": ("Allow Pods connecting to Host services smoothly", "1.0.0"),
    "hostpath-storage": ("Storage class; allocates storage from host directory", "1.0.0"),
    "ingress": ("Ingress controller for external access", "1.8.0"),
    "kube-ovn": ("An advanced network fabric for Kubernetes", "1.11.0"),
    "mayastor": ("OpenEBS MayaStor", "2.0.0"),
    "metallb": ("Loadbalancer for your Kubernetes cluster", "0.13.3"),
    "metrics-server": ("K8s Metrics Server for API access to service metrics", "0.6.3"),
    "minio": ("MinIO object storage", "4.5.1"),
    "nvidia": ("NVIDIA hardware (GPU and network) support", "1.0.0"),
    "observability": ("A lightweight observability stack for logs, traces and metrics", "1.0.0"),
    "prometheus": ("Prometheus operator for monitoring and logging", "1.0.0"),
    "rbac": ("Role-Based Access Control for authorisation", "1.0.0"),
    "registry": ("Private image registry exposed on localhost:32000", "2.8.1"),
    "rook-ceph": ("Distributed Ceph storage using Rook", "1.0.0"),
    "storage": ("Alias to hostpath-storage add-on, deprecated", "1.0.0"),
}

ENABLE_TEXT = {
    "dns": [
        "Enabling DNS",
        "Using host configuration from /run/systemd/resolve/resolv.conf",
        "Applying manifest",
        "serviceaccount/coredns created",
        "configmap/coredns created",
        "deployment.apps/coredns created",
        "service/kube-dns created",
        "clusterrole.rbac.authorization.k8s.io/coredns created",
        "clusterrolebinding.rbac.authorization.k8s.io/coredns created",
        "Restarting kubelet",
        "DNS is enabled",
    ],
    "helm3": ["Enabling Helm 3", "Helm 3 is enabled"],
    "helm": ["Enabling Helm", "Helm is enabled"],
    "ingress": [
        "Enabling Ingress",
        "ingressclass.networking.k8s.io/public created",
        "ingressclass.networking.k8s.io/nginx created",
        "namespace/ingress created",
        "serviceaccount/nginx-ingress-microk8s-serviceaccount created",
        "clusterrole.rbac.authorization.k8s.io/nginx-ingress-microk8s-clusterrole created",
        "role.rbac.authorization.k8s.io/nginx-ingress-microk8s-role created",
        "clusterrolebinding.rbac.authorization.k8s.io/nginx-ingress-microk8s created",
        "rolebinding.rbac.authorization.k8s.io/nginx-ingress-microk8s created",
        "configmap/nginx-load-balancer-microk8s-conf created",
        "configmap/nginx-ingress-tcp-microk8s-conf created",
        "configmap/nginx-ingress-udp-microk8s-conf created",
        "daemonset.apps/nginx-ingress-microk8s-controller created",
        "Ingress is enabled",
    ],
    "hostpath-storage": [
        "Enabling default storage class.",
        "deployment.apps/hostpath-provisioner created",
        "storageclass.storage.k8s.io/microk8s-hostpath created",
        "Storage will be available soon.",
    ],
}


def permission_message(user: str) -> str:
    return (
        "Insufficient permissions to access MicroK8s.\n"
        f"You can either try again with sudo or add the user {user} to the 'microk8s' group:\n"
        "\n"
        f"    sudo usermod -a -G microk8s {user}\n"
        f"    sudo chown -R {user} ~/.kube\n"
        "\n"
        "After this, reload the user groups either via a reboot or by running 'newgrp microk8s'."
    )


def main(ctx: Any) -> int:
    state = ctx.state()
    if state["microk8s"] is None:
        err("microk8s: command not found (the fake has no microk8s snap: use snap install or install_microk8s())")
        return 127
    args = ctx.args
    if not args:
        return unsupported(ctx)
    verb, rest = args[0], args[1:]
    if _denied(state) and not ctx.via_sudo and verb != "inspect":
        out(permission_message(state["current_user"]))
        return 1
    if verb == "kubectl":
        import prog_kubectl

        return int(prog_kubectl.main(ctx, rest))
    if verb in ("helm3", "helm"):
        import prog_helm

        return int(prog_helm.main(ctx, rest))
    handler = VERBS.get(verb)
    if handler is None:
        return unsupported(ctx)
    return int(handler(ctx, rest))


def _denied(state: dict) -> bool:
    """Forced by the test, or a non-root user whose login session lacks the 'microk8s' group
    (usermod -aG only counts after a new login — the upstream "newgrp microk8s" trap)."""
    if state["permission_denied"]:
        return True
    user = state["current_user"]
    return user != "root" and "microk8s" not in state.get("session_groups", [])


# --- status ---------------------------------------------------------------------------------------


def status(ctx: Any, rest: list[str]) -> int:
    lock = clustered_lock(ctx.state())
    if lock and os.path.exists(lock):
        # microk8s-status.wrapper checks this before parsing any argument (even --wait-ready)
        out("This MicroK8s deployment is acting as a node in a cluster.")
        out("Please use the control plane node.")
        return 0
    fmt = "pretty"
    wait_ready = False
    timeout = 0
    i = 0
    while i < len(rest):
        a = rest[i]
        if a == "--format":
            i += 1
            fmt = rest[i] if i < len(rest) else ""
        elif a.startswith("--format="):
            fmt = a.split("=", 1)[1]
        elif a in ("-w", "--wait-ready"):
            wait_ready = True
        elif a in ("-t", "--timeout"):
            i += 1
            timeout = int(rest[i]) if i < len(rest) else 0
        elif a.startswith("--timeout="):
            timeout = int(a.split("=", 1)[1])
        elif a == "--yaml":
            fmt = "yaml"
        else:
            return unsupported(ctx)
        i += 1
    if fmt not in ("pretty", "yaml", "short"):
        err("usage: microk8s status [-h] [--format {pretty,yaml,short}] [-w] [-t TIMEOUT] [-a ADDON] [--yaml]")
        err(
            f"microk8s status: error: argument --format: invalid choice: '{fmt}' "
            "(choose from 'pretty', 'yaml', 'short')"
        )
        return 2
    if wait_ready and timeout <= 0:
        # The upstream trap: wait_for_ready(0) loops forever. The fake hangs whatever the state,
        # so a caller that forgets --timeout is caught even against a healthy cluster.
        sleep_forever()
    mk = ctx.state()["microk8s"]
    if wait_ready and mk.get("starting"):
        # A freshly installed snap becomes ready while `--wait-ready --timeout N` waits.
        with ctx.store.update() as st:
            st["microk8s"].update(running=True, starting=False)
            mk = st["microk8s"]
    running = bool(mk["running"])
    enabled = [a for a in ADDONS if a in mk["addons"]]
    disabled = [a for a in ADDONS if a not in mk["addons"]]
    state = ctx.state()
    voters = [f"{n.get('ip', state['ip'])}:19001" for n in state["nodes"].values() if not n.get("worker_only")]
    # dqlite names a lone node 127.0.0.1:19001; HA "forms" at 3 voters (status.py ha_cluster_formed)
    ha_nodes = voters if len(voters) > 1 else ["127.0.0.1:19001"]
    ha_enabled = "ha-cluster" in mk["addons"]
    if fmt == "yaml":
        out("microk8s:")
        out(f"  running: {running}")
        out("high-availability:")
        out(f"  enabled: {ha_enabled}")
        if ha_enabled:
            out("  nodes:")
            for address in ha_nodes:
                out(f"    - address: {address}")
                out("      role: voter")
        if running:
            out("addons:")
            for name, status_ in [(a, "enabled") for a in enabled] + [(a, "disabled") for a in disabled]:
                desc, version = ADDONS[name]
                out(f"  - name: {name}")
                out("    repository: core")
                out(f"    description: {desc}")
                out(f"    version: {version}")
                out(f"    status: {status_}")
        else:
            out(f"  message: {NOT_RUNNING}")
    elif fmt == "short":
        if running:
            out("microk8s is running")
            out("addons:")
            for a in enabled:
                out(f"core/{a}: enabled")
            for a in disabled:
                out(f"core/{a}: disabled")
        else:
            out(NOT_RUNNING)
    elif running:
        out("microk8s is running")
        out(f"high-availability: {'yes' if len(ha_nodes) >= 3 else 'no'}")
        out(f"  datastore master nodes: {' '.join(ha_nodes)}")
        out("  datastore standby nodes: none")
        out("addons:")
        out("  enabled:")
        for a in enabled:
            out(f"    {a:<20} # (core) {ADDONS[a][0]}")
        out("  disabled:")
        for a in disabled:
            out(f"    {a:<20} # (core) {ADDONS[a][0]}")
    else:
        out(NOT_RUNNING)
    return 0 if running else 1


# --- addons, start/stop ---------------------------------------------------------------------------


def enable(ctx: Any, rest: list[str]) -> int:
    names = [a.split(":", 1)[0] for a in rest if not a.startswith("-")]
    if not names:
        err("Usage: microk8s enable [OPTIONS] ADDONS...")
        return 2
    if not ctx.state()["microk8s"]["running"]:
        # utils.exit_if_stopped: note the exit code 0 — callers must re-check the status.
        out("microk8s is not running, try microk8s start")
        return 0
    for name in names:
        if name not in ADDONS:
            err(f"Addon {name} was not found in any repository")
            return 1
    for name in names:
        out(f"Infer repository core for addon {name}")
        if name in ctx.state()["microk8s"]["addons"]:
            out(f"Addon core/{name} is already enabled")
            continue
        for line in ENABLE_TEXT.get(name, [f"Enabling {name}", f"{name} is enabled"]):
            out(line)
        with ctx.store.update() as state:
            if name not in state["microk8s"]["addons"]:
                state["microk8s"]["addons"].append(name)
    return 0


def disable(ctx: Any, rest: list[str]) -> int:
    names = [a for a in rest if not a.startswith("-")]
    if not ctx.state()["microk8s"]["running"]:
        out("microk8s is not running, try microk8s start")
        return 0
    for name in names:
        if name not in ADDONS:
            err(f"Addon {name} was not found in any repository")
            return 1
        out(f"Infer repository core for addon {name}")
        with ctx.store.update() as state:
            if name not in state["microk8s"]["addons"]:
                out(f"Addon core/{name} is already disabled")
                continue
            state["microk8s"]["addons"].remove(name)
        out(f"Disabling {name}")
        out(f"{name} is disabled")
    return 0


def start(ctx: Any, rest: list[str]) -> int:
    with ctx.store.update() as state:
        state["microk8s"].update(running=True, starting=False)
    return 0


def stop(ctx: Any, rest: list[str]) -> int:
    with ctx.store.update() as state:
        state["microk8s"]["running"] = False
    out("Stopped.")
    return 0


# --- clustering -----------------------------------------------------------------------------------


def add_node(ctx: Any, rest: list[str]) -> int:
    fmt = "pretty"
    ttl = -1
    token: str | None = None
    i = 0
    while i < len(rest):
        a = rest[i]
        key, eq, val = a.partition("=")
        if key in ("--token-ttl", "-l", "--format", "--token", "-t"):
            if not eq:
                i += 1
                val = rest[i] if i < len(rest) else ""
            if key in ("--token-ttl", "-l"):
                ttl = int(val)
            elif key == "--format":
                fmt = val
            else:
                token = val
        else:
            return unsupported(ctx)
        i += 1
    if fmt not in ("pretty", "short", "token", "token-check", "json", "yaml"):
        err(f"microk8s add-node: error: argument --format: invalid choice: '{fmt}'")
        return 2
    state = ctx.state()
    if not state["microk8s"]["running"]:
        out(NOT_RUNNING)
        return 1
    import secrets

    token = token or secrets.token_hex(16)
    if len(token) < 32:
        out("Invalid token size.  It must be 32 characters long.")
        return 1
    check = secrets.token_hex(6)
    with ctx.store.update() as st:
        st["tokens"].append({"token": token, "check": check, "ttl": ttl, "created": time.time()})
    ips = [state["ip"], *state["other_ips"]]
    conn = f"{token}/{check}"
    if fmt == "pretty":
        out("From the node you wish to join to this cluster, run the following:")
        out(f"microk8s join {ips[0]}:25000/{conn}")
        out()
        out("Use the '--worker' flag to join a node as a worker not running the control plane, eg:")
        out(f"microk8s join {ips[0]}:25000/{conn} --worker")
        out()
        out(
            "If the node you are adding is not reachable through the default interface "
            "you can use one of the following:"
        )
        for ip in ips:
            out(f"microk8s join {ip}:25000/{conn}")
    elif fmt == "short":
        for ip in ips:
            out(f"microk8s join {ip}:25000/{conn}")
    elif fmt == "token-check":
        out(conn)
    elif fmt == "token":
        out(token)
    elif fmt == "json":
        import json

        out(json.dumps({"token": conn, "urls": [f"{ip}:25000/{conn}" for ip in ips]}, indent=2))
    else:
        out(f"token: {conn}")
        out("urls:")
        for ip in ips:
            out(f"- {ip}:25000/{conn}")
    return 0


JOIN_PATTERN = r"^(?P<host>[^:/\s]+):(?P<port>\d+)/(?P<token>[0-9a-zA-Z]+)(?:/(?P<check>[0-9a-zA-Z]+))?$"


def join(ctx: Any, rest: list[str]) -> int:
    import re

    JOIN_RE = re.compile(JOIN_PATTERN)
    worker = "--worker" in rest
    targets = [a for a in rest if not a.startswith("-")]
    if len(targets) != 1 or not JOIN_RE.match(targets[0]):
        out("Usage: microk8s join <master>:<port>/<token>[/<check>] [--worker]")
        return 1
    m = JOIN_RE.match(targets[0])
    assert m is not None
    out(f"Contacting cluster at {m['host']}")
    if worker:
        out()
        out("The node has joined the cluster and will appear in the nodes list in a few seconds.")
        out()
        out("This worker node gets automatically configured with the API server endpoints.")
        out("If the API servers are behind a loadbalancer please set the '--refresh-interval' to '0s' in:")
        out("    /var/snap/microk8s/current/args/apiserver-proxy")
        out("and replace the API server endpoints with the one provided by the loadbalancer in:")
        out("    /var/snap/microk8s/current/args/traefik/provider.yaml")
    else:
        out("Waiting for this node to finish joining the cluster. .. .. .. ..")
        out("Successfully joined the cluster.")
    with ctx.store.update() as state:
        state["joined"] = {"host": m["host"], "port": m["port"], "token": m["token"], "worker": worker}
        lock = clustered_lock(state)
    if worker and lock:
        # upstream join.py mark_worker_node(): the wrappers test this file from now on
        os.makedirs(os.path.dirname(lock), exist_ok=True)
        open(lock, "a").close()
        write_provider_yaml(state["snap_data"], m["host"])
    return 0


def write_provider_yaml(snap_data: str, master: str) -> None:
    """What join.py writes for a worker's API server proxy: the master's API endpoint."""
    path = os.path.join(snap_data, "args", "traefik", "provider.yaml")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write("tcp:\n  routers:\n    Router-1:\n      rule: \"HostSNI(`*`)\"\n      service: kube-apiserver\n"
                 "      tls:\n        passthrough: true\n  services:\n    kube-apiserver:\n      loadBalancer:\n"
                 f"        servers:\n        - address: \"{master}:16443\"\n")


def clustered_lock(state: dict) -> str | None:
    snap_data = state.get("snap_data")
    return os.path.join(snap_data, "var", "lock", "clustered.lock") if snap_data else None


# --- inspect --------------------------------------------------------------------------------------

INSPECT_SERVICES = (
    "snap.microk8s.daemon-cluster-agent",
    "snap.microk8s.daemon-containerd",
    "snap.microk8s.daemon-kubelite",
    "snap.microk8s.daemon-k8s-dqlite",
    "snap.microk8s.daemon-apiserver-kicker",
)
INSPECT_GATHER = (
    "processes list",
    "disk usage information",
    "memory usage information",
    "server uptime",
    "openSSL information",
    "snap list",
    "VM name (or none)",
    "current linux distribution",
    "asnycio usage and limits",
    "inotify max_user_instances and max_user_watches",
    "network configuration",
)


def inspect(ctx: Any, rest: list[str]) -> int:
    if not ctx.is_root():
        out("Elevated permissions are needed for this command. Please use sudo.")
        return 1
    state = ctx.state()
    running = state["microk8s"]["running"]
    out("Inspecting system")
    if state["hostname"] != state["hostname"].lower():
        out(f"WARNING:  The hostname of this server is '{state['hostname']}'.")
        out("Having uppercase letters in the hostname may cause issues with RBAC.")
        out("Consider changing the hostname to only have lowercase letters with:")
        out()
        out(f"    hostnamectl set-hostname {state['hostname'].lower()}")
    out("Inspecting Certificates")
    out("Inspecting services")
    for svc in INSPECT_SERVICES:
        if running or svc != "snap.microk8s.daemon-kubelite":
            out(f"  Service {svc} is running")
        else:
            out(f" FAIL:  Service {svc} is not running")
            out(f"For more details look at: sudo journalctl -u {svc}")
    out("  Copy service arguments to the final report tarball")
    out("Inspecting AppArmor configuration")
    out("Gathering system information")
    for what in INSPECT_GATHER:
        out(f"  Copy {what} to the final report tarball")
    out("Inspecting kubernetes cluster")
    out("  Inspect kubernetes cluster")
    out("Inspecting dqlite")
    out("  Inspect dqlite")
    out()
    out("Building the report tarball")
    path = _write_report(ctx.store.dir, state)
    out(f"  Report tarball is at {path}")
    return 0


def _write_report(state_dir: str, state: dict) -> str:
    import io
    import tarfile

    stamp = time.strftime("%Y%m%d_%H%M%S", time.gmtime())
    path = os.path.join(state_dir, f"inspection-report-{stamp}.tar.gz")
    n = 1
    while os.path.exists(path):
        path = os.path.join(state_dir, f"inspection-report-{stamp}-{n}.tar.gz")
        n += 1
    members = {
        "inspection-report/snap.microk8s.daemon-kubelite/systemctl.log": (
            "● snap.microk8s.daemon-kubelite.service - Service for snap application microk8s.daemon-kubelite\n"
            f"     Active: {'active (running)' if state['microk8s']['running'] else 'inactive (dead)'}\n"
        ),
        "inspection-report/sys/hostname": state["hostname"] + "\n",
        "inspection-report/k8s/version": state["microk8s"]["version"] + "\n",
    }
    with tarfile.open(path, "w:gz") as tar:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = int(time.time())
            tar.addfile(info, io.BytesIO(data))
    os.chmod(path, 0o644)
    return path


VERBS = {
    "status": status,
    "enable": enable,
    "disable": disable,
    "start": start,
    "stop": stop,
    "add-node": add_node,
    "join": join,
    "inspect": inspect,
}
