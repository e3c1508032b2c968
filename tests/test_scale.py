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


async def test_troubleshoot_fills_600_rows_a_chunk_at_a_time_and_keeps_the_cursor(
    fake_toolchain: Any, answers_data: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DataTable measures every new row on one idle turn (600: 50-110 ms of the UI thread): the
    screen adds them FILL_CHUNK at a time, so no turn measures more; a refill keeps the cursor."""
    from textual.widgets import DataTable

    from mipwizard.core.cluster.queries import ClusterQueries
    from mipwizard.tui.screens import troubleshoot
    from mipwizard.tui.screens.troubleshoot import FILL_CHUNK, TroubleshootScreen

    from .test_tui_troubleshoot import Harness, until

    install_fake_cluster(fake_toolchain, answers_data, tmp_path, monkeypatch)
    make_federation(fake_toolchain)
    added: list[int] = []  # rows added between two of the table's idle turns
    original_add, original_idle = DataTable.add_row, DataTable._on_idle

    def add_row(table: Any, *cells: Any, **kw: Any) -> Any:
        added[-1:] = [added[-1] + 1] if added else [1]
        return original_add(table, *cells, **kw)

    async def on_idle(table: Any, event: Any) -> None:
        if added and added[-1]:
            added.append(0)
        await original_idle(table, event)

    monkeypatch.setattr(DataTable, "add_row", add_row)
    monkeypatch.setattr(DataTable, "_on_idle", on_idle)
    screen = TroubleshootScreen(ClusterQueries(use_sudo=False), refresh_seconds=3600)
    async with Harness(screen).run_test(size=(80, 24)) as pilot:
        table = screen.query_one("#pods", DataTable)
        await until(pilot, lambda: table.row_count == 600, timeout=60)
        assert max(added) <= FILL_CHUNK < 600 and sum(added) == 600
        table.move_cursor(row=400)
        chosen = screen._selected_key()
        screen._rows = {}  # the next refresh refills the table (as after a resize)
        added.clear()
        screen.action_refresh()
        await until(pilot, lambda: screen.refreshes == 2 and table.row_count == 600, timeout=60)
        await pilot.pause()
        assert max(added) <= FILL_CHUNK and screen._selected_key() == chosen
        assert troubleshoot.gc.get_freeze_count() > 0  # the filled table is out of full collections


def test_status_ends_at_once_with_all_its_output(
    fake_toolchain: Any, answers_data: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A one-look ``status`` skips the interpreter's teardown (entry.leave): what it printed is all
    there (600 pods' JSON, more than a pipe holds), its exit code is its own, and a reader that
    leaves early (``| head``) gets no traceback."""
    import subprocess
    import sys

    install_fake_cluster(fake_toolchain, answers_data, tmp_path, monkeypatch)
    make_federation(fake_toolchain)
    argv, env = [sys.executable, "-m", "mipwizard", "status", "--json"], fake_toolchain.env()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["pods"]) == 600
    fake_toolchain.pod_scenario("crashloop")
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1 and not json.loads(done.stdout)["healthy"]
    reader = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reader.stdout is not None and reader.stdout.read(100)
    reader.stdout.close()
    _, err = reader.communicate(timeout=120)
    assert b"Traceback" not in err and b"Exception ignored" not in err, err
    assert reader.returncode in (0, 1)
