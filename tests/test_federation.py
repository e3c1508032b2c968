"""Federation engine without any program: join-command parsing, node names, SMPC rule.

(The same flows against the fake toolchain are in test_federation_fake.py.)
"""

from __future__ import annotations

import json

import pytest

from mipwizard.core.cluster.readers import Node
from mipwizard.core.errors import UsageError, UserError
from mipwizard.core.federation import (
    JoinCommand,
    check_smpc_allowed,
    explain_join_failure,
    join_cluster,
    label_node,
    node_name,
    parse_join_command,
    parse_nodes_json,
    request_join_command,
    smpc_players,
)
from mipwizard.core.system import Captured
from tests.conftest import TRANSCRIPTS, requires_shared


def make_node(name: str, labels: dict[str, str] | None = None) -> Node:
    return Node({"metadata": {"name": name, "labels": labels or {}}})


CONNECTION = "192.168.1.230:25000/92b2db237428470dc4fcfc4ebbd9dc81/2c0cb3284b05"


class Recorder:
    """A ``run`` stand-in: records argv, answers with canned output."""

    def __init__(self, stdout: str = "", exit_code: int = 0, stderr: str = "") -> None:
        self.calls: list[list[str]] = []
        self.stdout, self.exit_code, self.stderr = stdout, exit_code, stderr

    def __call__(self, argv: list[str]) -> Captured:
        self.calls.append(argv)
        return Captured(argv, self.exit_code, self.stdout, self.stderr)


@requires_shared()
def test_parse_add_node_transcript() -> None:
    join = parse_join_command((TRANSCRIPTS / "microk8s-add-node.txt").read_text())
    assert join.connection == CONNECTION
    assert join.worker_command == f"microk8s join {CONNECTION} --worker"
    assert join.command(worker=False) == f"microk8s join {CONNECTION}"
    assert [c.split()[2].split(":")[0] for c in join.alternative_worker_commands] == ["10.23.209.1", "172.17.0.1"]
    assert all(c.endswith(" --worker") for c in join.alternative_worker_commands)
    assert join.address == "192.168.1.230:25000"


def test_parse_pasted_line_and_bare_connection() -> None:
    assert parse_join_command(f"  microk8s join {CONNECTION} --worker\n").connection == CONNECTION
    assert parse_join_command(CONNECTION).argv() == ["microk8s", "join", CONNECTION, "--worker"]


@pytest.mark.parametrize("text", ["", "microk8s join", "microk8s join 1.2.3.4:25000/abc; rm -rf /", "hello"])
def test_parse_refuses_garbage(text: str) -> None:
    with pytest.raises(UserError, match="no join command found"):
        parse_join_command(text)


@requires_shared()
def test_request_join_command_asks_for_a_ttl() -> None:
    run = Recorder((TRANSCRIPTS / "microk8s-add-node.txt").read_text())
    join = request_join_command(1800, run=run)
    assert run.calls == [["microk8s", "add-node", "--token-ttl", "1800"]]
    assert join.ttl_seconds == 1800 and join.to_dict()["ttl_seconds"] == 1800


def test_request_join_command_failure_is_explained() -> None:
    with pytest.raises(UserError, match=r"microk8s add-node.*not running"):
        request_join_command(run=Recorder(exit_code=1, stderr="microk8s is not running"))
    with pytest.raises(UsageError):
        request_join_command(0, run=Recorder())


def test_join_cluster_uses_the_runner_privileged() -> None:
    class Runner:
        def __init__(self) -> None:
            self.calls: list[tuple[list[str], dict]] = []

        def run(self, argv: list[str], **kwargs: object) -> str:
            self.calls.append((argv, kwargs))
            return "result"

    runner = Runner()
    assert join_cluster(JoinCommand(CONNECTION), runner) == "result"
    argv, kwargs = runner.calls[0]
    assert argv == ["microk8s", "join", CONNECTION, "--worker"]
    assert kwargs["privileged"] is True and kwargs["timeout"]


def test_explain_join_failure() -> None:
    assert "join-command" in explain_join_failure("Invalid Token")
    assert "25000" in explain_join_failure("Connection refused")


def _nodes_json(*nodes: tuple[str, dict[str, str]]) -> str:
    items = [
        {"metadata": {"name": name, "labels": labels},
         "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
        for name, labels in nodes
    ]
    return json.dumps({"kind": "NodeList", "items": items})


@requires_shared()
def test_parse_nodes_transcript() -> None:
    text = (TRANSCRIPTS / "kubectl-get-nodes.json").read_text()
    nodes = parse_nodes_json(text[text.index("{"):])
    assert [(n.name, n.ready, n.mip_roles) for n in nodes] == [("repldev-marc", True, [])]


def test_label_node_lowercases_and_overwrites() -> None:
    run = Recorder(_nodes_json(("master1", {"master": "true"}), ("worker1", {})))
    labels = label_node("Worker1", worker=True, smpc_player=True, run=run)
    assert labels == ["worker=true", "smpc_player=true"]
    assert run.calls[-1] == ["microk8s", "kubectl", "label", "node", "worker1",
                             "worker=true", "smpc_player=true", "--overwrite"]


def test_label_unknown_node_lists_the_known_ones() -> None:
    run = Recorder(_nodes_json(("master1", {}), ("worker1", {})))
    with pytest.raises(UserError, match=r"no node 'worker9'.*master1, worker1"):
        label_node("worker9", run=run)
    assert len(run.calls) == 1  # nothing labelled


@pytest.mark.parametrize("name", ["", "bad name", "-x", "a/b"])
def test_bad_node_names(name: str) -> None:
    with pytest.raises(UsageError):
        node_name(name)


def test_no_label_chosen() -> None:
    with pytest.raises(UsageError, match="at least one label"):
        label_node("worker1", worker=False, nodes=[make_node("worker1")], run=Recorder())


def test_smpc_needs_three_players() -> None:
    two = [make_node("a", {"smpc_player": "true"}), make_node("b", {"smpc_player": "true"}), make_node("c")]
    assert smpc_players(two) == ["a", "b"]
    with pytest.raises(UserError) as caught:
        check_smpc_allowed(two)
    message = str(caught.value)
    assert "at least 3" in message and "has 2 (a, b)" in message
    assert "mipwizard node label NAME --worker --smpc-player" in message
    check_smpc_allowed([*two[:2], make_node("c", {"smpc_player": "true"})])
