"""Pilot tests: Troubleshoot on a worker, the previous container's log, the describe view,
a refresh that never blocks input; plus their 80x24 snapshots."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Static

from mipwizard.core.cluster.queries import ClusterQueries
from mipwizard.tui.screens import troubleshoot
from mipwizard.tui.screens.pod_describe import PodDescribeScreen
from mipwizard.tui.screens.pod_log import PodLogScreen
from mipwizard.tui.screens.troubleshoot import TroubleshootScreen
from mipwizard.tui.widgets.live_log import LiveLog

from .conftest import EXTERNAL_SECRET, install_fake_cluster, requires_shared
from .test_tui_tools_snapshots import Host, pin_event_times, settle
from .test_tui_troubleshoot import Harness, make_screen, pod_named, select_pod, until

pytestmark = requires_shared()


@pytest.fixture
def cluster(fake_toolchain: Any, answers_data: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(troubleshoot, "clock_text", lambda: "12:00:00")
    return install_fake_cluster(fake_toolchain, answers_data, tmp_path, monkeypatch)


@pytest.fixture
def worker(fake_toolchain: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(troubleshoot, "clock_text", lambda: "12:00:00")
    monkeypatch.setenv("MIPWIZARD_STATE_DIR", str(tmp_path / "state"))
    fake_toolchain.install_microk8s(addons=("dns",))
    fake_toolchain.mark_joined(master="10.0.0.5")
    return fake_toolchain


def worker_screen() -> TroubleshootScreen:
    return TroubleshootScreen(ClusterQueries(use_sudo=False), refresh_seconds=3600)


async def test_troubleshoot_on_a_worker_says_it_is_one(worker: Any) -> None:
    screen = worker_screen()
    async with Harness(screen).run_test(size=(80, 24)) as pilot:
        cluster_text = screen.query_one("#ts-cluster", Static)
        await until(pilot, lambda: "worker node" in str(cluster_text.render()))
        assert "10.0.0.5" in str(cluster_text.render()) and "mipwizard status" in str(cluster_text.render())
        checks = str(screen.query_one("#ts-problems", Static).render())
        assert "ok kubelite" in checks and "ok clustered.lock" in checks
        assert "neither" not in checks
        assert screen.query_one("#pods", DataTable).row_count == 0


async def test_previous_key_shows_the_container_that_died(cluster: Any) -> None:
    cluster.pod_scenario("crashloop")
    name, ns = pod_named(cluster, "exareme2-controller")
    cluster.set_log_lines(name, ["the new container waits"])
    cluster.set_log_lines(f"{name}/previous", ["old container", f"token {EXTERNAL_SECRET}", "fatal: exit 1"])
    screen = make_screen(cluster)
    async with Harness(screen).run_test(size=(100, 30)) as pilot:
        await select_pod(pilot, screen, name, ns)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, PodLogScreen))
        log_screen = pilot.app.screen
        log = log_screen.query_one(LiveLog)
        await until(pilot, lambda: "the new container waits" in log.lines)
        await pilot.press("p")
        await until(pilot, lambda: "fatal: exit 1" in log.lines)
        assert "the new container waits" not in log.lines and all(EXTERNAL_SECRET not in x for x in log.lines)
        assert any("--previous" in c and name in c for c in cluster.calls_of("microk8s", "kubectl", "logs"))
        assert "PREVIOUS" in str(log_screen.query_one("#log-status", Static).render())
        await pilot.press("p")  # back to the live container
        await until(pilot, lambda: "the new container waits" in log.lines)


async def test_describe_view_shows_conditions_last_state_mounts_events(cluster: Any) -> None:
    cluster.pod_scenario("crashloop")
    name, ns = pod_named(cluster, "exareme2-controller")
    screen = make_screen(cluster)
    async with Harness(screen).run_test(size=(100, 30)) as pilot:
        await select_pod(pilot, screen, name, ns)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, PodLogScreen))
        await pilot.press("i")
        await until(pilot, lambda: isinstance(pilot.app.screen, PodDescribeScreen))
        describe = pilot.app.screen
        await until(pilot, lambda: bool(describe.lines))
        text = "\n".join(describe.lines)
        assert "Conditions: " in text and "Ready False" in text
        assert "last state: terminated: Error, exit code 1" in text
        assert "Events (" in text and "BackOff" in text
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(pilot.app.screen, PodLogScreen))


async def test_refresh_runs_in_a_thread_and_input_stays_live(cluster: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A refresh whose kubectl hangs leaves the screen answering keys (the read is a thread worker)."""
    screen = make_screen(cluster)
    gate = threading.Event()
    real = ClusterQueries.snapshot

    def slow_snapshot(self: ClusterQueries, **kwargs: Any) -> Any:
        gate.wait(20)
        return real(self, **kwargs)

    monkeypatch.setattr(ClusterQueries, "snapshot", slow_snapshot)
    async with Harness(screen).run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert screen.refreshes == 0  # still reading
        await pilot.press("p")  # the profile switch dialog opens at once
        await until(pilot, lambda: pilot.app.screen is not screen)
        await pilot.press("escape")
        gate.set()
        await until(pilot, lambda: screen.refreshes == 1)


async def test_refresh_result_is_one_typed_message_worked_out_off_the_ui_thread(
    cluster: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker reads, diagnoses and builds the rows; the UI thread gets one SnapshotRead."""
    screen = make_screen(cluster)
    built_on_ui_thread: list[bool] = []
    real = troubleshoot.cluster_view

    def spy(snap: Any) -> Any:
        built_on_ui_thread.append(threading.current_thread() is threading.main_thread())
        return real(snap)

    monkeypatch.setattr(troubleshoot, "cluster_view", spy)
    posted: list[TroubleshootScreen.SnapshotRead] = []

    def hook(message: Any) -> None:
        if isinstance(message, TroubleshootScreen.SnapshotRead):
            posted.append(message)

    async with Harness(screen).run_test(size=(100, 30), message_hook=hook) as pilot:
        await until(pilot, lambda: screen.refreshes == 1)
        view = posted[0].view
        assert built_on_ui_thread and not any(built_on_ui_thread)
        assert view.snapshot is screen.snapshot and list(view.rows) == [h.key for h in view.snapshot.pod_health]
        assert screen.query_one("#pods", DataTable).row_count == len(view.rows) > 0


# --- snapshots at 80x24 -------------------------------------------------------------------------------


def test_snapshot_troubleshoot_worker(snap_compare: Any, worker: Any) -> None:
    screen = worker_screen()

    async def run_before(pilot: Any) -> None:
        await settle(pilot, lambda: screen.refreshes > 0)

    assert snap_compare(Host(screen), terminal_size=(80, 24), run_before=run_before)


def test_snapshot_pod_describe(snap_compare: Any, cluster: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    cluster.pod_scenario("crashloop")
    name, ns = pod_named(cluster, "exareme2-controller")
    pin_event_times(monkeypatch)
    screen = PodDescribeScreen(ClusterQueries(use_sudo=False), name, ns)

    async def run_before(pilot: Any) -> None:
        await settle(pilot, lambda: bool(screen.lines))

    assert snap_compare(Host(screen), terminal_size=(80, 24), run_before=run_before)


def test_snapshot_pod_log_previous(snap_compare: Any, cluster: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    cluster.pod_scenario("crashloop")
    name, ns = pod_named(cluster, "exareme2-controller")
    cluster.set_log_lines(f"{name}/previous", ["INFO  controller starting", "ERROR no database: exiting (code 1)"])
    pin_event_times(monkeypatch)
    screen = PodLogScreen(ClusterQueries(use_sudo=False), name, ns, ["controller"])
    screen.previous = True

    async def run_before(pilot: Any) -> None:
        log = screen.query_one(LiveLog)
        events = screen.query_one("#events")
        await settle(pilot, lambda: screen.ended and bool(log.lines) and "reading" not in str(events.render()))

    assert snap_compare(Host(screen), terminal_size=(80, 24), run_before=run_before)


def test_many_nodes_are_counted_so_the_releases_stay_in_view() -> None:
    """30 nodes listed one by one pushed the helm line out of the 4-line cluster box."""
    from mipwizard.core.cluster.readers import Node
    from mipwizard.core.cluster.snapshot import ClusterSnapshot
    from mipwizard.tui.screens.cluster_view import cluster_view

    def node(name: str, ready: bool, **labels: str) -> Node:
        status = {"conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
        return Node({"metadata": {"name": name, "labels": labels}, "status": status})

    nodes = [node("mip-master", True, master="true", worker="true")]
    nodes += [node(f"worker{i:02d}", i != 3, worker="true") for i in range(1, 6)] + [node("spare", True)]
    text = cluster_view(ClusterSnapshot(taken_at=0, nodes=nodes)).cluster_text
    assert "nodes: 6/7 Ready · master mip-master · 6 workers · NOT READY: worker03 · no MIP labels: spare" in text
    assert text.splitlines()[-1].startswith("helm: ")
    few = cluster_view(ClusterSnapshot(taken_at=0, nodes=nodes[:2])).cluster_text
    assert "mip-master Ready [master,worker]; worker01 Ready [worker]" in few


async def test_shown_data_is_frozen_out_of_full_collections_only_while_the_screen_is_up(cluster: Any) -> None:
    import gc

    screen = make_screen(cluster)
    async with Harness(screen).run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: screen.refreshes == 1)
        assert gc.get_freeze_count() > 0  # the app, the table and the pods are left out of gen-2 walks

        def frozen(snap: Any) -> bool:  # the collector's generations do not hold its pods' JSON
            raws = {id(h.pod.raw) for h in snap.pod_health}
            return bool(raws) and not any(id(o) in raws for o in gc.get_objects())

        assert frozen(screen.snapshot) and gc.isenabled()
        screen.action_refresh()  # each refresh's new snapshot is frozen too, by the worker that made it
        await until(pilot, lambda: screen.refreshes == 2)
        assert frozen(screen.snapshot) and gc.isenabled()
        await select_pod(pilot, screen, *pod_named(cluster, "exareme2-controller"))
        await pilot.press("enter")  # the pod's log on top: the rest of the app collects as usual
        await until(pilot, lambda: isinstance(pilot.app.screen, PodLogScreen))
        assert gc.get_freeze_count() == 0
    assert gc.get_freeze_count() == 0
