"""A fake Ubuntu machine for tests: every system program mipwizard runs, imitated from the real
outputs in ../shared/reference/transcripts, with state in a temp dir. Nothing real is touched.

Usage (the ``fake_toolchain`` fixture puts it first on PATH for the test)::

    def test_something(fake_toolchain):
        fake_toolchain.install_microk8s(addons=("dns",))      # default: a FRESH machine
        fake_toolchain.fail("microk8s", "helm3", "upgrade", stderr="Error: boom", times=1)
        ...run mipwizard (subprocess: env=fake_toolchain.env(), or in-process: PATH is patched)...
        assert ["microk8s", "enable", "helm3", "ingress"] in fake_toolchain.calls()

Programs (``bin_dir``): snap, sudo, id, getent, adduser, usermod, chown, stat, mkdir, git, hostname, and
``microk8s`` once the snap is installed (``snap install microk8s --classic`` or ``install_microk8s``),
just as /snap/bin/microk8s appears on a real machine. Unsupported arguments exit 1 with
"fake: unsupported call" on stderr, so gaps show up at once.

Each call is logged to ``calls.jsonl`` (``calls()`` gives the argv lists, program basename first;
a sudo call logs ``["sudo", …]`` and then the inner program logs its own call). Faults (``fail``,
``hang``, ``slow``) match an argv prefix of the inner program, so they apply with or without sudo.

Upstream behaviours imitated on purpose: ``microk8s status --wait-ready`` without ``--timeout``
hangs, whatever the state; a snap just installed by ``snap install`` is not ready until
``status --wait-ready --timeout N``; ``snap install microk8s`` without ``--classic`` fails; helm
``install`` twice fails; ``helm --wait`` fails when a release pod can never get Ready; node names
are lowercase; ``chown user.group`` warns; ``usermod -G`` without ``-a`` replaces groups; a
non-root user (``set_current_user``) needs sudo, or the microk8s group in the login session
(``relogin()``); ``microk8s enable`` on a stopped cluster exits 0; ``microk8s join --worker``
creates ``$SNAP_DATA/var/lock/clustered.lock`` (``snap_data``, under the state dir; ``env()`` exports
it as MIPWIZARD_MICROK8S_SNAP_DATA) and ``microk8s status`` on such a node only says it is "acting
as a node in a cluster". The fake ``mkdir`` really creates folders, but only under the temp dir.
A hung fake exits when orphaned.

By hand (e.g. the TUI in tmux): ``eval "$(.venv/bin/python -m tests.fake_toolchain /tmp/box
--microk8s)"`` — see ``__main__.py``. ``unsupported_calls()`` lists what the fake could not imitate.
"""

from __future__ import annotations

import copy
import getpass
import json
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ._state import STATE_ENV, Store, default_state, set_program_present, write_wrapper

PROGRAMS = ("snap", "sudo", "id", "getent", "adduser", "usermod", "chown", "stat", "mkdir", "git", "hostname")
SNAP_DATA_ENV = "MIPWIZARD_MICROK8S_SNAP_DATA"  # read by mipwizard.core.install.plan
SCENARIOS = ("healthy", "crashloop", "pending", "imagepull")
PACKAGE_DIR = Path(__file__).resolve().parent
FORKED_PIDS = "forked.pids"  # written by fake.py's forking hang
SNAP_BIN_DIRS = ("/snap/bin", "/var/lib/snapd/snap/bin")


class FakeToolchain:
    """The fake machine. Create one per test (the ``fake_toolchain`` fixture does)."""

    def __init__(self, state_dir: Path, hostname: str = "mip-master") -> None:
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.bin_dir = self.state_dir / "bin"
        self.bin_dir.mkdir(exist_ok=True)
        self._store = Store(self.state_dir)
        try:
            user = getpass.getuser()
        except Exception:  # no passwd entry in some containers
            user = "root" if os.geteuid() == 0 else "tester"
        state = default_state(hostname, user, os.getuid())
        state["bin_dir"] = str(self.bin_dir)
        state["snap_data"] = str(self.snap_data)
        self._store.write(state)
        Path(self._store.calls_path).write_text("")
        for name in PROGRAMS:
            write_wrapper(self.bin_dir, name)

    @classmethod
    def attach(cls, state_dir: Path) -> FakeToolchain:
        """The fake machine already living in ``state_dir`` (e.g. made by another process), unchanged."""
        self = cls.__new__(cls)
        self.state_dir = Path(state_dir)
        self.bin_dir = self.state_dir / "bin"
        self._store = Store(self.state_dir)
        self._store.read()  # fails loudly when there is no fake there
        return self

    @property
    def snap_data(self) -> Path:
        """The fake microk8s' $SNAP_DATA (/var/snap/microk8s/current on a real machine)."""
        return self.state_dir / "snap-data"

    @property
    def clustered_lock(self) -> Path:
        return self.snap_data / "var" / "lock" / "clustered.lock"

    # --- environment and call log ------------------------------------------------------------------

    def env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """A copy of ``base`` (default os.environ) with the fake first on PATH and its state set."""
        env = dict(os.environ if base is None else base)
        path = env.get("PATH", "")
        # /snap/bin is dropped: a real microk8s there must never stand in for the fake's missing one.
        parts = [p for p in path.split(os.pathsep) if p and p != str(self.bin_dir) and p not in SNAP_BIN_DIRS]
        env["PATH"] = os.pathsep.join([str(self.bin_dir), *parts])
        env[STATE_ENV] = str(self.state_dir)
        env[SNAP_DATA_ENV] = str(self.snap_data)
        # The venv's own interpreter starts in ~10 ms; `python3` may be a slow pyenv shim.
        env.setdefault("MIPWIZARD_FAKE_PYTHON", sys.executable)
        env.pop("MIPWIZARD_FAKE_AS_ROOT", None)
        from ..realhelm import FAKE_ENV, REAL_HELM  # helm3 template/install/upgrade render through it

        if REAL_HELM is not None:
            env.setdefault(FAKE_ENV, str(REAL_HELM))
        # The preflight (`install` runs it first) probes a described machine, not this 2-core VM.
        env.setdefault("MIPWIZARD_MACHINE", str(Path(__file__).resolve().parents[1] / "machines/perfect-master.json"))
        # The fake machine serves no MIP web UI: the install's login check (external Keycloak) finds
        # nothing there at once (a warning) instead of looking up the test FQDN on the network.
        env.setdefault("MIPWIZARD_LOGIN_CHECK_URL", "http://127.0.0.1:1")
        return env

    def calls(self) -> list[list[str]]:
        return [c["argv"] for c in self._store.read_calls()]

    def call_records(self) -> list[dict[str, Any]]:
        """``calls()`` with details: ``{"argv": [...], "stdin": bool}`` (stdin: open, not /dev/null)."""
        return self._store.read_calls()

    def calls_of(self, *prefix: str) -> list[list[str]]:
        want = list(prefix)
        return [c for c in self.calls() if c[: len(want)] == want]

    def unsupported_calls(self) -> list[list[str]]:
        """Calls the fake could not imitate (it printed "fake: unsupported call" and exited 1)."""
        path = self.state_dir / "unsupported.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def clear_calls(self) -> None:
        with self._store.locked():
            Path(self._store.calls_path).write_text("")

    # --- faults ------------------------------------------------------------------------------------

    def _add_fault(self, prefix: Iterable[str], **fault: Any) -> None:
        prefix = list(prefix)
        if not prefix:
            raise ValueError("a fault needs an argv prefix, e.g. ('microk8s', 'helm3', 'upgrade')")
        with self._store.update() as state:
            state["faults"].append({"prefix": prefix, **fault})

    def fail(
        self,
        *prefix: str,
        exit_code: int = 1,
        stderr: str = "fake: this call was made to fail by the test",
        stdout: str = "",
        times: int | None = None,
    ) -> None:
        """Calls starting with ``prefix`` print ``stdout``/``stderr`` and exit ``exit_code``."""
        self._add_fault(prefix, kind="fail", exit_code=exit_code, stderr=stderr, stdout=stdout, times=times)

    def hang(self, *prefix: str, times: int | None = None) -> None:
        """Calls starting with ``prefix`` sleep until killed (``kubectl logs -f`` prints first)."""
        self._add_fault(prefix, kind="hang", exit_code=0, stderr="", stdout="", times=times)

    def hang_forking(self, *prefix: str, skip: int = 0, times: int | None = 1, stubborn: bool = True) -> None:
        """The call hangs after forking a grandchild into its process group that ignores SIGHUP (and
        SIGTERM when ``stubborn``: only a SIGKILL of the group ends it) and outlives its parent
        (``forked_pids()`` lists both). The prefix ``_state.ANY_CALL`` matches any program (under
        sudo: the command, not sudo); the first ``skip`` matching calls run normally."""
        self._add_fault(prefix, kind="hang", fork=True, skip=skip, stubborn=stubborn, exit_code=0, stderr="",
                        stdout="", times=times)

    def forked_pids(self) -> list[tuple[int, int]]:
        """(hung call, its grandchild) for each ``hang_forking`` call taken so far."""
        path = self.state_dir / FORKED_PIDS
        text = path.read_text() if path.exists() else ""
        return [(int(a), int(b)) for a, b in (line.split() for line in text.splitlines())]

    def slow(self, *prefix: str, seconds: float, times: int | None = None) -> None:
        """Calls starting with ``prefix`` sleep ``seconds`` first, then behave normally."""
        self._add_fault(prefix, kind="slow", seconds=seconds, exit_code=0, stderr="", stdout="", times=times)

    def clear_faults(self) -> None:
        with self._store.update() as state:
            state["faults"] = []

    # --- machine scenarios -------------------------------------------------------------------------

    def install_microk8s(
        self, *, running: bool = True, addons: tuple[str, ...] = (), channel: str = "1.32/stable"
    ) -> None:
        """As after ``snap install microk8s --classic``: snap, group, node, ``microk8s`` on PATH."""
        sys.path.insert(0, str(PACKAGE_DIR))
        try:
            import prog_snap
        finally:
            sys.path.remove(str(PACKAGE_DIR))
        version, revision = prog_snap.version_for(channel)
        with self._store.update() as state:
            prog_snap.install_into(
                state, channel=channel, version=version, revision=revision, running=running, addons=tuple(addons)
            )

    def set_running(self, running: bool) -> None:
        with self._store.update() as state:
            if state["microk8s"] is None:
                raise RuntimeError("install_microk8s() first")
            state["microk8s"]["running"] = running
            state["microk8s"]["starting"] = False

    def set_starting(self) -> None:
        """As right after ``snap install``: not ready until ``status --wait-ready --timeout N``."""
        with self._store.update() as state:
            if state["microk8s"] is None:
                raise RuntimeError("install_microk8s() first")
            state["microk8s"].update(running=False, starting=True)

    def set_addons(self, addons: Iterable[str]) -> None:
        with self._store.update() as state:
            if state["microk8s"] is None:
                raise RuntimeError("install_microk8s() first")
            state["microk8s"]["addons"] = list(addons)

    def set_permission_denied(self, denied: bool = True) -> None:
        """microk8s commands not run via sudo print "Insufficient permissions…" and exit 1."""
        with self._store.update() as state:
            state["permission_denied"] = denied

    def add_user(self, name: str, groups: tuple[str, ...] = ()) -> None:
        """A user (and its own group); ``groups`` are created if missing, then joined."""
        with self._store.update() as state:
            if name not in state["users"]:
                _add_user(state, name)
            for g in groups:
                if g not in state["groups"]:
                    state["groups"][g] = {"gid": _free_gid(state), "members": []}
                if name not in state["groups"][g]["members"]:
                    state["groups"][g]["members"].append(name)

    def set_current_user(self, name: str) -> None:
        """Pretend the wizard runs as ``name`` (not root), logged in now: snap/adduser/chown need
        sudo, and microk8s without sudo needs the 'microk8s' group in this login session."""
        self.add_user(name)
        with self._store.update() as state:
            state["current_user"] = name
            state["session_groups"] = [g for g, info in state["groups"].items() if name in info["members"]]

    def relogin(self) -> None:
        """A new login session: group changes made since (usermod -aG) now apply, as after newgrp."""
        with self._store.update() as state:
            user = state["current_user"]
            state["session_groups"] = [g for g, info in state["groups"].items() if user in info["members"]]

    def set_sudo_password(self, password: str | None) -> None:
        """None: passwordless sudo. Otherwise ``sudo -n`` fails and ``sudo -S`` checks stdin."""
        with self._store.update() as state:
            state["sudo_password"] = password

    def set_hostname(self, hostname: str) -> None:
        with self._store.update() as state:
            state["hostname"] = hostname

    def add_node(self, name: str, labels: dict[str, str] | None = None, ready: bool = True) -> None:
        """Another cluster node (e.g. a joined worker); ``name`` as kubectl shows it (lowercase)."""
        with self._store.update() as state:
            if state["microk8s"] is None:
                raise RuntimeError("install_microk8s() first")
            sys.path.insert(0, str(PACKAGE_DIR))
            try:
                import prog_snap
            finally:
                sys.path.remove(str(PACKAGE_DIR))
            index = len(state["nodes"]) + 10
            node = prog_snap.default_node(state, name, f"192.168.1.{index}", state["microk8s"]["version"])
            node["labels"].pop("node.kubernetes.io/microk8s-controlplane", None)
            node["labels"].update(labels or {})
            node["ready"] = ready
            node["worker_only"] = True
            state["nodes"][name] = node

    def mark_joined(self, master: str = "192.168.1.1") -> None:
        """As after ``microk8s join <master>:25000/… --worker`` on this machine (microk8s installed)."""
        if self._store.read()["microk8s"] is None:
            raise RuntimeError("install_microk8s() first")
        with self._store.update() as state:
            state["joined"] = {"host": master, "port": "25000", "token": "", "worker": True}
        self.clustered_lock.parent.mkdir(parents=True, exist_ok=True)
        self.clustered_lock.touch()
        sys.path.insert(0, str(PACKAGE_DIR))
        try:
            import prog_microk8s
        finally:
            sys.path.remove(str(PACKAGE_DIR))
        prog_microk8s.write_provider_yaml(str(self.snap_data), master)

    def set_node_ip(self, name: str, ip: str) -> None:
        """The InternalIP the node reports (the kubelet's --node-ip, or the interface it picked)."""
        with self._store.update() as state:
            state["nodes"][name]["ip"] = ip

    def set_node_ready(self, name: str, ready: bool) -> None:
        with self._store.update() as state:
            state["nodes"][name]["ready"] = ready

    def set_release_status(self, name: str, status: str, *, history: list[str] | None = None) -> None:
        """As after an interrupted helm: release ``name`` marked ``status`` (e.g. pending-upgrade);
        ``history``: the statuses of its revisions, oldest first (default: earlier ones superseded)."""
        with self._store.update() as state:
            record = state["releases"][name]
            record["status"] = status
            if history is not None:
                base = record.get("history") or []
                rows = []
                for i, st in enumerate(history):
                    row = dict(base[min(i, len(base) - 1)]) if base else {}
                    row.update(revision=i + 1, status=st)
                    rows.append(row)
                record["history"] = rows
                record["revision"] = len(rows)

    def set_pods(self, pods: list[dict[str, Any]] | None) -> None:
        """Serve exactly these raw pod items (kubectl JSON); None goes back to generated pods."""
        with self._store.update() as state:
            state["pods"] = copy.deepcopy(pods)

    def pod_scenario(self, name: str, pod: str | None = None) -> None:
        """Make one release pod unhealthy: "crashloop" (Running but CrashLoopBackOff), "pending"
        (unschedulable), "imagepull" (ImagePullBackOff); "healthy" clears it. ``pod`` picks the pods
        whose name contains it (default: the first release pod, e.g. the exareme2 controller)."""
        if name not in SCENARIOS:
            raise ValueError(f"unknown pod scenario {name!r}; one of {SCENARIOS}")
        with self._store.update() as state:
            state["pod_scenario"] = {"name": name, "pod": pod}

    def set_schedule_by_labels(self, enabled: bool = True) -> None:
        """Opt-in: exareme2 pods need a node labelled master=true (controller, globalnode) or
        worker=true (localnodes), else they stay Pending (FailedScheduling), as with the real chart."""
        with self._store.update() as state:
            state["schedule_by_labels"] = enabled

    def set_ready_after(self, n_get_pods_calls: int) -> None:
        """Release pods stay ContainerCreating for the next ``n`` ``kubectl get pods`` calls."""
        with self._store.update() as state:
            state["ready_after"] = state["get_pods_calls"] + n_get_pods_calls

    def set_log_lines(self, pod: str, lines: list[str] | int, *, follow_delay: float = 0.0) -> None:
        """What ``kubectl logs POD`` prints: these lines, or ``n`` generated ones (fast, any size).
        ``pod`` may be "POD" or "POD/CONTAINER". ``follow_delay``: with ``-f``, seconds between
        lines (a live log trickling in)."""
        with self._store.update() as state:
            state["log_lines"][pod] = lines if isinstance(lines, int) else list(lines)
            state.setdefault("log_delay", {})[pod] = follow_delay

    # --- inspection --------------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        return self._store.read()

    def helm_releases(self) -> dict[str, Any]:
        """name -> {"revision", "namespace", "chart_path", "values_files": [{"path", "text"}], …}"""
        return dict(self._store.read()["releases"])

    def manifests(self, release: str) -> list[dict[str, Any]]:
        """What the real helm rendered for ``release`` at its last install/upgrade ([] without a real helm)."""
        return list(self._store.read()["releases"][release].get("manifests") or [])

    def add_objects(self, *objects: dict[str, Any]) -> None:
        """API objects that exist in the fake cluster (Namespace, Secret, StorageClass, IngressClass…),
        as if applied with kubectl; ``kubectl get KIND -o json`` serves them (see _objects.py)."""
        with self._store.update() as state:
            state.setdefault("objects", []).extend(copy.deepcopy(list(objects)))

    def node_labels(self, name: str) -> dict[str, str]:
        return dict(self._store.read()["nodes"][name]["labels"])

    def owner_of(self, path: str | os.PathLike[str]) -> str | None:
        """"user:group" recorded by the fake chown for ``path`` (or an ancestor chowned -R)."""
        sys.path.insert(0, str(PACKAGE_DIR))
        try:
            import prog_system
        finally:
            sys.path.remove(str(PACKAGE_DIR))
        return prog_system.owner_of(self._store.read(), os.fspath(path))

    def groups_of(self, user: str) -> list[str]:
        state = self._store.read()
        return [g for g, info in state["groups"].items() if user in info["members"]]

    def pods(self) -> list[dict[str, Any]]:
        """The pods ``kubectl get pods -A -o json`` would list now (does not count as a call)."""
        sys.path.insert(0, str(PACKAGE_DIR))
        try:
            import _cluster
        finally:
            sys.path.remove(str(PACKAGE_DIR))
        return list(_cluster.current_pods(self._store.read()))

    # --- composite scenario ------------------------------------------------------------------------

    def mark_fully_installed(self, answers: Any) -> None:
        """The machine as after a complete install from ``answers`` (Answers or a mapping):
        microk8s running with dns/helm3/ingress, the admin user in sudo+microk8s, data folders
        (created for real, must be outside /data) owned by the admin, both checkouts (must be
        outside /opt), node labels, and the exareme2 and mip releases deployed."""
        get = _getter(answers)
        admin = get("admin_user", "mipadmin")
        data_root = Path(str(get("data_root", "/data")))
        exa_path = Path(str(get("exareme2.path", "/opt/exareme2")))
        mip_path = Path(str(get("mip_deployment.path", "/opt/mip-deployment")))
        for p in (data_root, exa_path, mip_path):
            resolved = p.resolve()
            if {Path("/data"), Path("/opt")} & {resolved, *resolved.parents}:
                raise ValueError(f"{p} is on the real system; point the answers at tmp_path")
        self.install_microk8s(addons=("dns", "helm3", "ingress"))
        self.add_user(admin, groups=("sudo", "microk8s"))
        federation = str(get("federation"))
        owner = f"{admin}:{admin}"
        with self._store.update() as state:
            admin_ids = state["users"][admin]["uid"], state["users"][admin]["gid"]
            for pathology in get("pathologies", ["dementia"]):
                folder = data_root / federation / str(pathology)
                folder.mkdir(parents=True, exist_ok=True)
                for p in (data_root, data_root / federation, folder):
                    state["owners"][os.path.abspath(p)] = {"owner": owner, "recursive": True}
                    if os.geteuid() == 0:  # root's install chowns data folders itself (by descriptor)
                        os.chown(p, *admin_ids)
        sys.path.insert(0, str(PACKAGE_DIR))
        try:
            import prog_git
        finally:
            sys.path.remove(str(PACKAGE_DIR))
        from mipwizard.core.releases import DEFAULT_RELEASE, release_by_name

        release = release_by_name(str(get("release", DEFAULT_RELEASE.name)))
        for path, kind, url, ref in (
            (exa_path, "exareme2", get("exareme2.repo_url", release.exareme2_repo_url),
             get("exareme2.ref", release.exareme2_ref)),
            (mip_path, "mip-deployment", get("mip_deployment.repo_url", release.mip_repo_url),
             get("mip_deployment.ref", release.mip_ref)),
        ):
            if not (path / ".git").exists():  # checked out at the pinned ref
                prog_git._populate(path, kind)
                prog_git._write_git_dir(path, str(url))
                (path / ".git" / "FAKE_HEAD").write_text(prog_git.fake_commit(str(url), str(ref)) + "\n")
            with self._store.update() as state:
                state["owners"][os.path.abspath(path)] = {"owner": owner, "recursive": True}
        node = self.state()["hostname"].lower()
        labels = {"master": "true", "worker": "true"}
        if get("smpc_player", False):
            labels["smpc_player"] = "true"
        localnodes = int(get("exareme2.localnodes", 1))
        profile = str(get("active_profile", "direct"))
        profile_file = mip_path / "kubernetes" / f".{profile}"
        with self._store.update() as state:
            state["nodes"][node]["labels"].update(labels)
            if get("machine_main_ip"):  # a right install: the kubelet's InternalIP is MACHINE_MAIN_IP
                state["nodes"][node]["ip"] = str(get("machine_main_ip"))
            for name, chart, files, kind in (
                ("exareme2", exa_path / "kubernetes", [], "exareme2"),
                ("mip", mip_path / "kubernetes", [profile_file], "mip"),
            ):
                values = [{"path": str(f), "text": f.read_text() if f.exists() else ""} for f in files]
                state["releases"][name] = {
                    "name": name, "namespace": "default", "chart_path": str(chart), "chart_name": name,
                    "chart_version": "0.1.0" if kind == "exareme2" else "0.0.1",
                    "app_version": "0.28.0" if kind == "exareme2" else "", "values_files": values, "set": [],
                    "wait": False, "timeout": None, "kind": kind,
                    "localnodes": localnodes if kind == "exareme2" else None, "revision": 1,
                    "status": "deployed", "updated": "2026-11-24 09:00:00.000000000 +0000 UTC",
                    "last_deployed": "2026-11-24T09:00:00.000000000Z",
                    "first_deployed": "2026-11-24T09:00:00.000000000Z", "description": "Install complete",
                    "deployed_at": 1795510800.0, "history": [],
                }


def _getter(answers: Any) -> Any:
    def get(dotted: str, default: Any = None) -> Any:
        obj = answers
        for part in dotted.split("."):
            if isinstance(obj, Mapping):
                if part not in obj:
                    return default
                obj = obj[part]
            else:
                if not hasattr(obj, part):
                    return default
                obj = getattr(obj, part)
        return default if obj is None else obj

    return get


def _free_gid(state: dict[str, Any]) -> int:
    used = {g["gid"] for g in state["groups"].values()} | {u["uid"] for u in state["users"].values()}
    n = 1001
    while n in used:
        n += 1
    return n


def _add_user(state: dict[str, Any], name: str) -> None:
    uid = _free_gid(state)
    state["users"][name] = {"uid": uid, "gid": uid, "home": f"/home/{name}", "shell": "/bin/bash", "gecos": ",,,"}
    state["groups"][name] = {"gid": uid, "members": []}


def load_calls(state_dir: Path) -> list[list[str]]:
    """The call log of a fake whose FakeToolchain object is gone (e.g. from another process)."""
    return [json.loads(line)["argv"] for line in (Path(state_dir) / "calls.jsonl").read_text().splitlines() if line]


__all__ = ["SCENARIOS", "SNAP_DATA_ENV", "FakeToolchain", "load_calls", "set_program_present"]
