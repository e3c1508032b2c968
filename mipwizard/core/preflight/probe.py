"""Facts about a machine, from one injectable source.

``Probe`` reads this machine (psutil, files, PATH, short read-only queries). ``FakeProbe``
describes a synthetic machine from a mapping or a JSON file (like subiquity's machine configs),
so every check can be tested without touching the real system. A fact that cannot be read
raises (``OSError``, ``FactUnavailable``); the checks turn that into skip/warn with the reason.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

from ..system import Captured, on_path


class FactUnavailable(Exception):
    """This fact cannot be known on this machine; the message says why."""


@dataclass(frozen=True)
class DiskFact:
    path: str  # the path asked about, e.g. /var/snap
    measured_at: str  # the nearest existing folder, whose filesystem was measured
    total: int
    free: int  # free for unprivileged users (what psutil calls free)
    device: int | None = None  # st_dev, to tell whether two paths share a filesystem

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "measured_at": self.measured_at, "total": self.total, "free": self.free}


@dataclass(frozen=True)
class Listener:
    """A TCP socket listening on this machine."""

    port: int
    address: str
    pid: int | None = None
    process: str | None = None  # None when we may not see who owns it


def nearest_existing(path: str, exists: Any) -> str:
    """``path`` itself or its closest existing parent (``/`` at worst)."""
    current = PurePosixPath(path)
    while not exists(str(current)) and current != current.parent:
        current = current.parent
    return str(current)


_LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp's "st" column


def parse_proc_net_tcp(text: str, *, ipv6: bool = False) -> list[Listener]:
    """Listening sockets from /proc/net/tcp or tcp6 (no owner: that needs /proc/<pid>/fd)."""
    found = []
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 4 or parts[3] != _LISTEN:
            continue
        address_hex, _, port_hex = parts[1].rpartition(":")
        try:
            port = int(port_hex, 16)
            if not 0 < port <= 0xFFFF:
                continue
            found.append(Listener(port=port, address=_proc_address(address_hex, ipv6)))
        except ValueError:  # a line we do not understand: skip it rather than lose them all
            continue
    return found


def _proc_address(hex_text: str, ipv6: bool) -> str:
    raw = bytes.fromhex(hex_text)
    # The kernel prints each 32-bit word in host (little-endian) order.
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return socket.inet_ntop(socket.AF_INET6 if ipv6 else socket.AF_INET, words)


class Probe:
    """The real machine. Each fact is read on demand; the costly ones once per probe."""

    def cpu_count(self) -> int:
        import psutil

        count = psutil.cpu_count(logical=True)
        if not count:
            raise FactUnavailable("psutil cannot count the CPUs here (/proc/cpuinfo unreadable?)")
        return int(count)

    def memory_total(self) -> int:
        import psutil

        return int(psutil.virtual_memory().total)

    def exists(self, path: str) -> bool:
        return os.path.exists(path)

    def disk(self, path: str) -> DiskFact:
        import psutil

        where = nearest_existing(path, self.exists)
        usage = psutil.disk_usage(where)
        return DiskFact(path, where, int(usage.total), int(usage.free), os.stat(where).st_dev)

    def read_text(self, path: str) -> str:
        return Path(path).read_text(encoding="utf-8", errors="replace")

    def which(self, name: str) -> str | None:
        return on_path(name)

    def hostname(self) -> str:
        return socket.gethostname()

    def is_root(self) -> bool:
        return os.geteuid() == 0

    def user(self) -> str:
        import pwd

        try:
            return pwd.getpwuid(os.geteuid()).pw_name
        except KeyError:
            return str(os.geteuid())

    def sudo_user(self) -> str | None:
        """Who ran us through sudo, if anyone."""
        return os.environ.get("SUDO_USER") or None

    def session_gids(self) -> set[int]:
        return {os.getegid(), *os.getgroups()}

    def run(self, argv: list[str], *, timeout: float) -> Captured:
        """A short read-only query; never raises (a missing program gives exit 127)."""
        from ..system import capture

        program = self.which(argv[0])
        if program is None:
            return Captured(argv, 127, "", f"{argv[0]}: not found on PATH")
        return capture([program, *argv[1:]], timeout=timeout)

    @cached_property
    def _listeners(self) -> list[Listener]:
        import psutil

        try:
            connections = psutil.net_connections(kind="tcp")
        except (psutil.AccessDenied, PermissionError):
            return self._listeners_from_proc()
        found = []
        for conn in connections:
            if conn.status != psutil.CONN_LISTEN or not conn.laddr:
                continue
            found.append(Listener(conn.laddr.port, conn.laddr.ip, conn.pid, _process_name(conn.pid)))
        return found

    def _listeners_from_proc(self) -> list[Listener]:
        found: list[Listener] = []
        for name, ipv6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
            try:
                found += parse_proc_net_tcp(self.read_text(name), ipv6=ipv6)
            except FileNotFoundError:
                continue  # no IPv6 on this kernel
        return found

    def listeners(self) -> list[Listener]:
        return self._listeners

    def interface_addresses(self) -> list[tuple[str, str]]:
        import psutil

        pairs = []
        for name, addresses in psutil.net_if_addrs().items():
            for address in addresses:
                if address.family in (socket.AF_INET, socket.AF_INET6):
                    pairs.append((name, address.address.split("%", 1)[0]))
        return pairs

    def resolve(self, name: str, *, timeout: float = 1.0) -> list[str]:
        """Addresses ``name`` resolves to; raises ``TimeoutError`` instead of hanging.

        getaddrinfo cannot be cancelled, so it runs in a daemon thread that is left behind
        on timeout (it ends by itself when the resolver gives up).
        """
        box: dict[str, Any] = {}

        def lookup() -> None:
            try:
                infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
                box["addresses"] = sorted({str(info[4][0]) for info in infos})
            except OSError as exc:
                box["error"] = exc

        thread = threading.Thread(target=lookup, name=f"resolve {name}", daemon=True)
        thread.start()
        thread.join(timeout)
        if thread.is_alive():
            raise TimeoutError(f"no answer within {timeout:g} s")
        if "error" in box:
            raise box["error"]
        return list(box["addresses"])

    @classmethod
    def from_json(cls, path: str | Path) -> FakeProbe:
        return FakeProbe.from_json(path)


def _process_name(pid: int | None) -> str | None:
    if not pid:
        return None
    import psutil

    try:
        return str(psutil.Process(pid).name())
    except (psutil.Error, OSError):
        return None


_SIZE = re.compile(r"^\s*([0-9.]+)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?\s*$")
_UNITS = {
    None: 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
    "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40,
}


def parse_size(value: int | float | str) -> int:
    """Bytes from ``17179869184`` or ``"16 GiB"`` / ``"60 GB"`` (machine files are for people)."""
    if isinstance(value, (int, float)):
        return int(value)
    match = _SIZE.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a size — write e.g. 60 GB or 16 GiB")
    return int(float(match.group(1)) * _UNITS[match.group(2)])


class FakeProbe(Probe):
    """A synthetic machine described by a mapping (see tests/machines/*.json).

    Keys: cpu_count, memory_total, disks {path: {total, free, device}}, files {path: text |
    {"error": "permission"}}, programs {name: path}, hostname, root, user, sudo_user, gids,
    listening [{port, address, pid, process}] or {"error": ...}, interfaces {name: [addresses]},
    resolve {name: [addresses] | "timeout"}, commands {"argv joined by spaces": {exit, stdout,
    stderr, timed_out}}. A missing key means the fact is unavailable (or the file/program absent).
    """

    def __init__(self, machine: dict[str, Any], *, name: str = "fake machine") -> None:
        self.machine = machine
        self.name = name

    @classmethod
    def from_json(cls, path: str | Path) -> FakeProbe:
        path = Path(path)
        return cls(json.loads(path.read_text(encoding="utf-8")), name=path.stem)

    def _fact(self, key: str) -> Any:
        if key not in self.machine or self.machine[key] is None:
            raise FactUnavailable(f"{key} is not known on {self.name}")
        return self.machine[key]

    def cpu_count(self) -> int:
        count = self.machine.get("cpu_count")
        if not count:
            raise FactUnavailable("psutil cannot count the CPUs here (/proc/cpuinfo unreadable?)")
        return int(count)

    def memory_total(self) -> int:
        return parse_size(self._fact("memory_total"))

    def exists(self, path: str) -> bool:
        if path == "/" or path in self.machine.get("disks", {}) or path in self.machine.get("files", {}):
            return True
        return path in self.machine.get("folders", [])

    def disk(self, path: str) -> DiskFact:
        disks = self.machine.get("disks", {})
        where = nearest_existing(path, self.exists)
        # The filesystem is the one mounted at the longest listed prefix of ``where``.
        mount = nearest_existing(where, lambda p: p in disks)
        if mount not in disks:
            raise FactUnavailable(f"no disk figures for {path} on {self.name}")
        entry = disks[mount]
        if "error" in entry:
            raise PermissionError(entry["error"])
        return DiskFact(path, where, parse_size(entry["total"]), parse_size(entry["free"]),
                        entry.get("device", hash(mount)))

    def read_text(self, path: str) -> str:
        files = self.machine.get("files", {})
        if path not in files:
            raise FileNotFoundError(2, "No such file or directory", path)
        content = files[path]
        if isinstance(content, dict):
            raise PermissionError(13, content.get("error", "Permission denied"), path)
        return str(content)

    def which(self, name: str) -> str | None:
        found = self.machine.get("programs", {}).get(name)
        return str(found) if found else None

    def hostname(self) -> str:
        return str(self._fact("hostname"))

    def is_root(self) -> bool:
        return bool(self.machine.get("root", False))

    def user(self) -> str:
        return str(self.machine.get("user", "root" if self.is_root() else "mipadmin"))

    def sudo_user(self) -> str | None:
        value = self.machine.get("sudo_user")
        return str(value) if value else None

    def session_gids(self) -> set[int]:
        return {int(g) for g in self.machine.get("gids", [])}

    def run(self, argv: list[str], *, timeout: float) -> Captured:
        if self.which(argv[0]) is None:
            return Captured(argv, 127, "", f"{argv[0]}: not found on PATH")
        reply = self.machine.get("commands", {}).get(" ".join(argv))
        if reply is None:
            return Captured(argv, 127, "", f"{' '.join(argv)}: no canned reply on {self.name}")
        return Captured(argv, int(reply.get("exit", 0)), reply.get("stdout", ""), reply.get("stderr", ""),
                        bool(reply.get("timed_out", False)))

    def listeners(self) -> list[Listener]:
        listening = self._fact("listening")
        if isinstance(listening, dict):
            raise PermissionError(13, listening.get("error", "Permission denied"), "/proc/net/tcp")
        return [Listener(int(e["port"]), e.get("address", "*"), e.get("pid"), e.get("process"))
                for e in listening]

    def interface_addresses(self) -> list[tuple[str, str]]:
        return [(name, address) for name, addresses in self._fact("interfaces").items()
                for address in addresses]

    def resolve(self, name: str, *, timeout: float = 1.0) -> list[str]:
        answer = self.machine.get("resolve", {}).get(name)
        if answer == "timeout":
            raise TimeoutError(f"no answer within {timeout:g} s")
        if not answer:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(answer)
