"""The #16 scale case, not timed (benchmarks/bench_status.py has the figures): a federation of 30
nodes and 600 pods is read in one kubectl get (none per pod) and every pod and node is reported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mipwizard.cli.main import main

from .conftest import install_fake_cluster, requires_shared
from .fake_federation import make_federation

pytestmark = requires_shared()


def test_status_of_a_600_pod_federation(
    fake_toolchain: Any,
    answers_data: dict,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    install_fake_cluster(fake_toolchain, answers_data, tmp_path, monkeypatch)
    make_federation(fake_toolchain)
    fake_toolchain.clear_calls()
    code = main(["status", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["healthy"], data["problems"]
    assert len(data["pods"]) == 600 and len(data["nodes"]) == 30
    assert len({(p["namespace"], p["name"]) for p in data["pods"]}) == 600
    calls = [c[1:3] for c in fake_toolchain.calls() if c[0] == "microk8s"]
    assert sorted(calls) == [["helm3", "list"], ["kubectl", "get"]]  # microk8s status only when something is off
