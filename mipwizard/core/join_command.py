"""The ``microk8s join <ip>:25000/<token>/<hash> [--worker]`` line: parsed, printed, its token found.

A value module with no dependency on the cluster: the answers model validates a pasted join line
with it, the federation module requests and runs joins with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import UserError

_CONNECTION = r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}/[A-Za-z0-9]+/[A-Za-z0-9]+"
_JOIN_LINE = re.compile(rf"microk8s\s+join\s+({_CONNECTION})(\s+--worker)?")
_CONNECTION_ONLY = re.compile(rf"^{_CONNECTION}$")


@dataclass(frozen=True)
class JoinCommand:
    connection: str  # "<ip>:25000/<token>/<hash>" through the master's default interface
    alternatives: tuple[str, ...] = ()  # the same token through the master's other addresses
    ttl_seconds: int | None = None

    @property
    def address(self) -> str:
        return self.connection.split("/", 1)[0]

    @property
    def token(self) -> str:
        """The one-time secret part; it lets a machine join the cluster until it expires."""
        return self.connection.split("/")[1]

    def command(self, *, worker: bool = True, connection: str | None = None) -> str:
        """The line to paste on the new node."""
        return " ".join(self.argv(worker=worker, connection=connection))

    def argv(self, *, worker: bool = True, connection: str | None = None) -> list[str]:
        argv = ["microk8s", "join", connection or self.connection]
        return [*argv, "--worker"] if worker else argv

    @property
    def worker_command(self) -> str:
        return self.command(worker=True)

    @property
    def alternative_worker_commands(self) -> list[str]:
        return [self.command(connection=c) for c in self.alternatives]

    def to_dict(self) -> dict[str, Any]:
        return {
            "worker_command": self.worker_command,
            "control_plane_command": self.command(worker=False),
            "alternatives": self.alternative_worker_commands,
            "ttl_seconds": self.ttl_seconds,
        }


def parse_join_command(text: str, *, ttl_seconds: int | None = None) -> JoinCommand:
    """The join command in ``microk8s add-node`` output, or in one pasted ``microk8s join`` line.

    A bare ``<ip>:25000/<token>/<hash>`` is accepted too. Raises UserError when none is found.
    """
    connections: list[str] = []
    for match in _JOIN_LINE.finditer(text):
        if match.group(1) not in connections:
            connections.append(match.group(1))
    if not connections and _CONNECTION_ONLY.match(text.strip()):
        connections.append(text.strip())
    if not connections:
        raise UserError(
            "no join command found — paste the line `microk8s join <ip>:25000/<token>/<hash>` "
            "printed by `mipwizard node join-command` on the master"
        )
    return JoinCommand(connections[0], tuple(connections[1:]), ttl_seconds)
