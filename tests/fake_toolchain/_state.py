"""The fake machine's state: one JSON file in ``$MIPWIZARD_FAKE_STATE``, changed under a lock.

Shared by the fake programs (run as scripts, concurrently) and the test-side ``FakeToolchain``.
Stdlib only and cheap to import: every fake call pays for it.
"""

from __future__ import annotations

import fcntl
import json
import os

TYPE_CHECKING = False  # typing/pathlib cost milliseconds at every fake call
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

STATE_ENV = "MIPWIZARD_FAKE_STATE"
STATE_FILE = "state.json"
CALLS_FILE = "calls.jsonl"
LOCK_FILE = "state.lock"


def default_state(hostname: str, current_user: str, current_uid: int) -> dict[str, Any]:
    """A fresh Ubuntu 22.04 server: snapd, no microk8s, root (+ the user running the tests)."""
    users: dict[str, Any] = {"root": {"uid": 0, "gid": 0, "home": "/root", "shell": "/bin/bash"}}
    groups: dict[str, Any] = {
        "root": {"gid": 0, "members": []},
        "adm": {"gid": 4, "members": ["syslog"]},
        "sudo": {"gid": 27, "members": []},
        "users": {"gid": 100, "members": []},
    }
    if current_user not in users:
        users[current_user] = {
            "uid": current_uid,
            "gid": current_uid,
            "home": f"/home/{current_user}",
            "shell": "/bin/bash",
        }
        groups[current_user] = {"gid": current_uid, "members": []}
    return {
        "hostname": hostname,
        "ip": "192.168.1.230",
        "other_ips": ["10.23.209.1", "172.17.0.1"],
        "current_user": current_user,
        "snapd": True,
        "microk8s": None,  # {"channel", "version", "revision", "running", "addons": [...]}
        "permission_denied": False,
        "sudo_password": None,
        "users": users,
        "groups": groups,
        "nodes": {},  # name -> {"labels": {}, "ready": bool, "ip": str, "role": str}
        "tokens": [],
        "joined": None,
        "releases": {},  # name -> helm release record
        "pods": None,  # None: generated from releases; else the raw pod items to serve
        "pod_scenario": {"name": "healthy", "pod": None},
        "ready_after": 0,
        "get_pods_calls": 0,
        "restarts": {},  # pod-name base -> number of deletions (new name suffix each time)
        "log_lines": {},
        "owners": {},
        "faults": [],
        "seq": 0,
    }


class Store:
    """Reads and atomically rewrites ``state.json``; appends to ``calls.jsonl``."""

    def __init__(self, state_dir: str | Path) -> None:
        self.dir = os.fspath(state_dir)
        self.path = os.path.join(self.dir, STATE_FILE)
        self.calls_path = os.path.join(self.dir, CALLS_FILE)
        self.lock_path = os.path.join(self.dir, LOCK_FILE)

    def read(self) -> dict[str, Any]:
        with open(self.path, encoding="utf-8") as fh:
            data: dict[str, Any] = json.load(fh)
        return data

    def write(self, state: dict[str, Any]) -> None:
        tmp = os.path.join(self.dir, f".{STATE_FILE}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(state, fh, indent=1)
        os.replace(tmp, self.path)

    def locked(self) -> _Lock:
        return _Lock(self.lock_path)

    def update(self) -> _Update:
        """``with store.update() as state: ...`` — read, let the caller change, write back
        (also when the block returns early; not when it raises)."""
        return _Update(self)

    def log_call(self, argv: list[str], stdin: bool) -> None:
        line = json.dumps({"argv": argv, "stdin": stdin}) + "\n"
        # One O_APPEND write per call: concurrent writers never interleave short lines.
        fd = os.open(self.calls_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)

    def read_calls(self) -> list[dict[str, Any]]:
        try:
            with open(self.calls_path, encoding="utf-8") as fh:
                text = fh.read()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in text.splitlines() if line.strip()]


class _Lock:
    """An exclusive flock on state.lock (contextlib costs an import per call)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd = -1

    def __enter__(self) -> None:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


class _Update:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.lock = _Lock(store.lock_path)

    def __enter__(self) -> dict[str, Any]:
        self.lock.__enter__()
        try:
            self.state = self.store.read()
        except BaseException:
            self.lock.__exit__()
            raise
        return self.state

    def __exit__(self, exc_type: object, *exc: object) -> None:
        try:
            if exc_type is None:
                self.store.write(self.state)
        finally:
            self.lock.__exit__()


FAKE_PY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake.py")


def write_wrapper(bin_dir: str | Path, name: str) -> None:
    """An executable ``bin_dir/name`` that runs the fake (absolute path, so it works anywhere)."""
    import shlex

    path = os.path.join(bin_dir, name)
    tmp = os.path.join(bin_dir, f".{name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(
            "#!/bin/sh\n"
            f'exec "${{MIPWIZARD_FAKE_PYTHON:-python3}}" -S {shlex.quote(FAKE_PY)} {shlex.quote(name)} "$@"\n'
        )
    os.chmod(tmp, 0o755)
    os.replace(tmp, path)


def set_program_present(state: dict[str, Any], name: str, present: bool) -> None:
    """Put ``name`` on (or off) the fake PATH, like a snap adding /snap/bin/microk8s."""
    bin_dir = state.get("bin_dir")
    if not bin_dir:
        return
    if present:
        write_wrapper(bin_dir, name)
    else:
        try:  # noqa: SIM105 - contextlib costs an import per call
            os.unlink(os.path.join(bin_dir, name))
        except FileNotFoundError:
            pass


ANY_CALL = "*"  # a fault prefix matching every call but sudo's own (the command sudo runs matches)


def prefix_matches(prefix: list[str], argv: list[str]) -> bool:
    if prefix == [ANY_CALL]:
        return bool(argv) and argv[0] != "sudo"
    return len(argv) >= len(prefix) and argv[: len(prefix)] == prefix
