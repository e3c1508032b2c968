"""Federation: join tokens, worker joins, node labels and the SMPC player rule.

On the master, ``microk8s add-node --token-ttl N`` prints the join command (format in
transcripts/microk8s-add-node.txt). The token is single-use by default and a *failed* join still
consumes it (canonical/microk8s#4513), so we always ask for a TTL: the same command then works
again until it expires. Node names are lowercase hostnames; labels are applied with
``--overwrite`` so running the step twice is harmless.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .cluster.readers import Node, ReaderError, parse_nodes
from .errors import UsageError, UserError
from .fields import SMPC_MIN_PLAYERS as SMPC_MIN_PLAYERS  # re-exported: the federation rule
from .join_command import JoinCommand as JoinCommand  # re-exported: callers import them from here too
from .join_command import parse_join_command as parse_join_command
from .system import Captured, capture, privileged_argv

DEFAULT_TTL_SECONDS = 3600
LABEL_TRUE = "true"

_NODE_NAME = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")

Run = Callable[[list[str]], Captured]


def _run(argv: list[str]) -> Captured:
    return capture(privileged_argv(argv), timeout=60)


# ---------------------------------------------------------------- join command
# (JoinCommand and parse_join_command live in join_command.py: the answers model checks a pasted
# line with them, and must not depend on this module, which talks to the cluster.)


def request_join_command(ttl_seconds: int = DEFAULT_TTL_SECONDS, *, run: Run = _run) -> JoinCommand:
    """Ask the master for a join token valid ``ttl_seconds`` (reusable until then)."""
    if ttl_seconds <= 0:
        raise UsageError(f"--ttl {ttl_seconds}: give the token lifetime in seconds, e.g. 3600")
    result = run(["microk8s", "add-node", "--token-ttl", str(ttl_seconds)])
    if not result.ok:
        raise UserError(f"`microk8s add-node` failed: {_last_line(result)} — {_MICROK8S_FIX}")
    return parse_join_command(result.stdout, ttl_seconds=ttl_seconds)


def join_cluster(
    join_command: JoinCommand, runner: Any, *, worker: bool = True, timeout: float = 600, **options: Any
) -> Any:
    """Run ``microk8s join … --worker`` on this node through the install runner.

    ``runner`` is a ``mipwizard.core.runner.ProcessRunner`` (returns its RunResult); typed loosely
    so this module does not depend on the install engine. The token is added to the runner's
    redactor first: it grants cluster membership until it expires, so it stays out of logs.
    ``options`` go to ``runner.run`` (e.g. ``on_lines``, ``cancel``).
    """
    redactor = getattr(runner, "redactor", None)
    if redactor is not None:
        redactor.add(join_command.token)
    return runner.run(join_command.argv(worker=worker), privileged=True, timeout=timeout, **options)


def explain_join_failure(output: str) -> str:
    """A fix for a failed ``microk8s join``, from its output."""
    lowered = output.lower()
    if "invalid token" in lowered or "401" in lowered:
        return (
            "the master refused the token (expired or already used) — run "
            "`mipwizard node join-command` on the master again and paste the new line"
        )
    if "timed out" in lowered or "connection refused" in lowered or "unreachable" in lowered:
        return (
            "the master could not be reached on port 25000 — try one of the alternative "
            "addresses, and check firewalls between the machines (ports 25000, 16443, 10250)"
        )
    return "read the output above; then request a new join command on the master and retry"


# ---------------------------------------------------------------- nodes

_MICROK8S_FIX = "check that microk8s is running on this machine (`microk8s status`)"


@dataclass(frozen=True)
class NodeInfo:
    """What the federation needs of a node (built from the cluster readers' typed ``Node``)."""

    name: str
    labels: Mapping[str, str] = field(default_factory=dict)
    ready: bool = False

    def has(self, label: str) -> bool:
        return self.labels.get(label, "").lower() == LABEL_TRUE

    @property
    def mip_roles(self) -> list[str]:
        return [role for role in ("master", "worker", "smpc_player") if self.has(role)]

    @classmethod
    def from_node(cls, node: Node) -> NodeInfo:
        return cls(node.name, dict(node.labels), node.ready)


def parse_nodes_json(text: str) -> list[NodeInfo]:
    """Nodes from ``kubectl get nodes -o json`` (parsed by the cluster readers)."""
    try:
        return [NodeInfo.from_node(node) for node in parse_nodes(text)]
    except ReaderError as exc:
        raise UserError(f"{exc} — {_MICROK8S_FIX}") from None


def list_nodes(*, run: Run = _run) -> list[NodeInfo]:
    result = run(["microk8s", "kubectl", "get", "nodes", "-o", "json"])
    if not result.ok:
        raise UserError(f"cannot list the cluster's nodes: {_last_line(result)} — {_MICROK8S_FIX}")
    return parse_nodes_json(result.stdout)


def node_name(raw: str) -> str:
    """Kubernetes node names are the lowercase hostname."""
    name = raw.strip().lower()
    if not _NODE_NAME.match(name):
        raise UsageError(f"{raw!r} is not a node name — use the machine's hostname, e.g. worker1")
    return name


def labels_for(*, worker: bool = False, smpc_player: bool = False, master: bool = False) -> list[str]:
    wanted = [("master", master), ("worker", worker), ("smpc_player", smpc_player)]
    return [f"{label}={LABEL_TRUE}" for label, on in wanted if on]


def label_node(
    name: str,
    worker: bool = True,
    smpc_player: bool = False,
    *,
    master: bool = False,
    nodes: Sequence[LabelledNode] | None = None,
    run: Run = _run,
) -> list[str]:
    """Label the node ``name`` (lowercased); returns the labels set. The node must exist."""
    target = node_name(name)
    labels = labels_for(worker=worker, smpc_player=smpc_player, master=master)
    if not labels:
        raise UsageError("choose at least one label: --worker, --smpc-player or --master")
    known = list(nodes) if nodes is not None else list_nodes(run=run)
    if target not in {n.name for n in known}:
        listed = ", ".join(sorted(n.name for n in known)) or "none yet"
        raise UserError(
            f"there is no node {target!r} in the cluster (nodes: {listed}) — join it first "
            "with the command from `mipwizard node join-command`, then label it"
        )
    result = run(["microk8s", "kubectl", "label", "node", target, *labels, "--overwrite"])
    if not result.ok:
        raise UserError(f"labelling {target} failed: {_last_line(result)} — {_MICROK8S_FIX}")
    return labels


class LabelledNode(Protocol):
    """A NodeInfo, the cluster readers' ``Node``, or anything with a name and labels."""

    @property
    def name(self) -> str: ...

    @property
    def labels(self) -> Mapping[str, str]: ...


def smpc_players(nodes: Sequence[LabelledNode]) -> list[str]:
    return sorted(n.name for n in nodes if n.labels.get("smpc_player", "").lower() == LABEL_TRUE)


def check_smpc_allowed(nodes: Sequence[LabelledNode]) -> None:
    """Raise UserError unless at least 3 nodes carry smpc_player=true."""
    players = smpc_players(nodes)
    if len(players) >= SMPC_MIN_PLAYERS:
        return
    named = f" ({', '.join(players)})" if players else ""
    raise UserError(
        f"SMPC needs at least {SMPC_MIN_PLAYERS} nodes labelled smpc_player=true, "
        f"this cluster has {len(players)}{named} — label more with "
        "`mipwizard node label NAME --worker --smpc-player`, or leave SMPC disabled"
    )


def _last_line(result: Captured) -> str:
    lines = (result.stderr or result.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit code {result.exit_code}"
