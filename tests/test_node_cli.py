"""`mipwizard node …` and the federation engine against the fake toolchain (call log asserted)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mipwizard.cli.main import main
from mipwizard.core.data import create_pathology_folders
from mipwizard.core.errors import UserError
from mipwizard.core.federation import (
    check_smpc_allowed,
    join_cluster,
    list_nodes,
    parse_join_command,
    request_join_command,
)

JOIN_LINE = re.compile(r"microk8s join [\d.]+:25000/[0-9a-f]{32}/[0-9a-f]+ --worker")


def test_join_command_cli(fake_toolchain, capsys: pytest.CaptureFixture[str]) -> None:
    fake_toolchain.install_microk8s()
    assert main(["node", "join-command", "--ttl", "1800"]) == 0
    out = capsys.readouterr().out
    assert fake_toolchain.calls_of("microk8s", "add-node") == [["microk8s", "add-node", "--token-ttl", "1800"]]
    assert fake_toolchain.state()["tokens"][0]["ttl"] == 1800
    commands = JOIN_LINE.findall(out)
    assert commands, out
    token = fake_toolchain.state()["tokens"][0]["token"]
    assert token in commands[0]
    assert "valid for 30 minutes" in out


def test_join_command_json_and_engine(fake_toolchain, capsys: pytest.CaptureFixture[str]) -> None:
    fake_toolchain.install_microk8s()
    assert main(["node", "join-command", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ttl_seconds"] == 3600
    assert data["worker_command"].endswith(" --worker")
    assert data["control_plane_command"] + " --worker" == data["worker_command"]
    join = request_join_command()
    assert join.token == fake_toolchain.state()["tokens"][-1]["token"]


def test_join_command_without_microk8s(fake_toolchain, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["node", "join-command"]) == 3  # unreachable, with the reason and the fix
    err = capsys.readouterr().err
    assert "cluster unreachable: microk8s is not installed" in err and "snap install microk8s --classic" in err


@pytest.mark.parametrize("command", [["join-command"], ["list"], ["label", "worker1", "--worker"]])
def test_node_commands_when_microk8s_stopped(fake_toolchain, capsys: pytest.CaptureFixture[str],
                                             command: list[str]) -> None:
    fake_toolchain.install_microk8s(running=False)
    assert main(["node", *command]) == 3
    err = capsys.readouterr().err
    assert "cluster unreachable: microk8s is not running — fix: sudo microk8s start" in err


def test_label_uses_lowercase_name_and_overwrite(fake_toolchain, capsys: pytest.CaptureFixture[str]) -> None:
    fake_toolchain.install_microk8s()
    fake_toolchain.add_node("worker1")
    assert main(["node", "label", "Worker1", "--worker", "--smpc-player"]) == 0
    assert fake_toolchain.calls_of("microk8s", "kubectl", "label") == [
        ["microk8s", "kubectl", "label", "node", "worker1", "worker=true", "smpc_player=true", "--overwrite"]
    ]
    labels = fake_toolchain.node_labels("worker1")
    assert labels["worker"] == "true" and labels["smpc_player"] == "true"
    assert "worker1: worker=true smpc_player=true" in capsys.readouterr().out
    # twice is harmless (--overwrite)
    assert main(["node", "label", "worker1", "--worker"]) == 0


def test_label_unknown_node(fake_toolchain, capsys: pytest.CaptureFixture[str]) -> None:
    fake_toolchain.install_microk8s()
    fake_toolchain.add_node("worker1")
    assert main(["node", "label", "worker2", "--worker"]) == 1
    err = capsys.readouterr().err
    assert "no node 'worker2'" in err and "mip-master, worker1" in err
    assert fake_toolchain.calls_of("microk8s", "kubectl", "label") == []


def test_label_needs_a_label(fake_toolchain, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["node", "label", "worker1"]) == 2
    assert "--worker" in capsys.readouterr().err


def test_node_list(fake_toolchain, capsys: pytest.CaptureFixture[str]) -> None:
    fake_toolchain.install_microk8s()
    fake_toolchain.add_node("worker1", {"worker": "true", "smpc_player": "true"})
    fake_toolchain.add_node("worker2", {"worker": "true"}, ready=False)
    assert main(["node", "list"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"worker1\s+yes\s+worker, smpc_player", out)
    assert re.search(r"worker2\s+no\s+worker", out)
    assert "1 smpc_player (SMPC needs 3)" in out


def test_smpc_refused_with_two_players(fake_toolchain) -> None:
    fake_toolchain.install_microk8s()
    fake_toolchain.add_node("worker1", {"worker": "true", "smpc_player": "true"})
    fake_toolchain.add_node("worker2", {"worker": "true", "smpc_player": "true"})
    with pytest.raises(UserError) as caught:
        check_smpc_allowed(list_nodes())
    assert "has 2 (worker1, worker2)" in str(caught.value)
    assert "mipwizard node label NAME --worker --smpc-player" in str(caught.value)
    fake_toolchain.add_node("worker3", {"smpc_player": "true"})
    check_smpc_allowed(list_nodes())


def test_join_cluster_on_a_worker(fake_toolchain) -> None:
    runner_module = pytest.importorskip("mipwizard.core.runner")
    from mipwizard.core.redact import Redactor

    fake_toolchain.install_microk8s()
    join = parse_join_command(f"microk8s join 10.0.0.1:25000/{'ab' * 16}/c0ffee --worker")
    redactor = Redactor()
    result = join_cluster(join, runner_module.ProcessRunner(redactor=redactor), timeout=30)
    assert result.exit_code == 0
    assert fake_toolchain.calls_of("microk8s", "join") == [["microk8s", "join", join.connection, "--worker"]]
    assert fake_toolchain.state()["joined"]["worker"] is True
    assert "ab" * 16 not in redactor.redact(join.worker_command)


def test_pathology_folders_get_the_owner(fake_toolchain, tmp_path: Path) -> None:
    fake_toolchain.add_user("mipadmin")
    root = tmp_path / "data"
    folders = create_pathology_folders(root, "mipfed1", ["dementia", "tbi"], "mipadmin")
    assert all(f.is_dir() for f in folders)
    assert fake_toolchain.owner_of(root / "mipfed1" / "dementia") == "mipadmin:mipadmin"
    assert fake_toolchain.owner_of(root / "mipfed1") == "mipadmin:mipadmin"
    [chown] = fake_toolchain.calls_of("chown")
    assert chown[1:4] == ["-h", "--", "mipadmin:mipadmin"]  # never follows a link


def test_pathology_folders_unknown_owner(fake_toolchain, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="user 'ghost' does not exist"):
        create_pathology_folders(tmp_path / "data", "mipfed1", ["dementia"], "ghost")
    assert not (tmp_path / "data").exists()
