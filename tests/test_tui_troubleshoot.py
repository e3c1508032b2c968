"""Pilot tests: the Troubleshoot dashboard, a pod's live log, restart and profile switch, on the fake cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from textual.app import App
from textual.widgets import Button, DataTable, Select, Static

from mipwizard.core.cluster.queries import ClusterQueries
from mipwizard.tui.screens.pod_log import PodLogScreen
from mipwizard.tui.screens.troubleshoot import TroubleshootScreen
from mipwizard.tui.widgets.live_log import LiveLog

from .conftest import EXTERNAL_SECRET, install_fake_cluster, requires_shared
from .polling import until_async as until

pytestmark = requires_shared()


class Harness(App[None]):
    def __init__(self, screen: TroubleshootScreen) -> None:
        super().__init__()
        self.first = screen

    def on_mount(self) -> None:
        self.push_screen(self.first)


@pytest.fixture
def cluster(fake_toolchain: Any, answers_data: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    return install_fake_cluster(fake_toolchain, answers_data, tmp_path, monkeypatch)


def make_screen(cluster: Any) -> TroubleshootScreen:
    return TroubleshootScreen(
        ClusterQueries(use_sudo=False), chart=cluster.chart, answers_path=cluster.answers, refresh_seconds=60
    )


def pod_named(cluster: Any, part: str) -> tuple[str, str]:
    pod = next(p for p in cluster.pods() if part in p["metadata"]["name"])
    return pod["metadata"]["name"], pod["metadata"]["namespace"]


async def select_pod(pilot: Any, screen: TroubleshootScreen, name: str, namespace: str) -> None:
    table = screen.query_one("#pods", DataTable)
    await until(pilot, lambda: table.row_count > 0)
    table.move_cursor(row=table.get_row_index(f"{namespace}/{name}"))
    await pilot.pause()


async def test_dashboard_lists_pods_and_problems(cluster: Any) -> None:
    cluster.pod_scenario("crashloop")
    screen = make_screen(cluster)
    async with Harness(screen).run_test(size=(100, 30)) as pilot:
        table = screen.query_one("#pods", DataTable)
        await until(pilot, lambda: table.row_count > 0)
        keys = {str(row.value) for row in table.rows}
        assert keys == {f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in cluster.pods()}
        bad, ns = pod_named(cluster, "exareme2-controller")
        assert table.get_row_index(f"{ns}/{bad}") == 0  # problems first
        assert "CrashLoopBackOff" in str(table.get_row_at(0)[-1])
        problems = str(screen.query_one("#ts-problems", Static).render())
        assert "keeps crashing" in problems and "mipwizard logs" in problems
        cluster_text = str(screen.query_one("#ts-cluster", Static).render())
        assert "master,worker" in cluster_text and "mip deployed" in cluster_text


async def test_dashboard_unreachable(cluster: Any) -> None:
    cluster.set_running(False)
    screen = make_screen(cluster)
    async with Harness(screen).run_test(size=(80, 24)) as pilot:
        status = screen.query_one("#ts-cluster", Static)
        await until(pilot, lambda: "unreachable" in str(status.render()))
        assert "microk8s start" in str(screen.query_one("#ts-problems", Static).render())


async def test_opening_a_pod_streams_its_log(cluster: Any) -> None:
    name, ns = pod_named(cluster, "frontend")
    cluster.set_log_lines(name, ["hello from the frontend", f"secret={EXTERNAL_SECRET}", "last line"])
    screen = make_screen(cluster)
    async with Harness(screen).run_test(size=(100, 30)) as pilot:
        await select_pod(pilot, screen, name, ns)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, PodLogScreen))
        log_screen = pilot.app.screen
        log = log_screen.query_one(LiveLog)
        await until(pilot, lambda: "last line" in log.lines)
        assert "hello from the frontend" in log.lines
        assert all(EXTERNAL_SECRET not in line for line in log.lines)
        assert any(c[:4] == ["microk8s", "kubectl", "logs", "-f"] and name in c for c in cluster.calls())
        await pilot.press("space")
        assert log_screen.paused
        await pilot.press("slash")
        await pilot.press(*"hello", "enter")
        assert "match at line" in str(log_screen.query_one("#log-status", Static).render())
        await pilot.press("escape")
        await until(pilot, lambda: pilot.app.screen is screen)


async def test_restart_pod_asks_then_deletes(cluster: Any) -> None:
    name, ns = pod_named(cluster, "gateway-db")
    screen = make_screen(cluster)
    async with Harness(screen).run_test(size=(100, 30)) as pilot:
        await select_pod(pilot, screen, name, ns)
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("escape")  # the confirmation's Cancel
        await pilot.pause()
        assert not cluster.calls_of("microk8s", "kubectl", "delete")
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await until(pilot, lambda: bool(cluster.calls_of("microk8s", "kubectl", "delete")))
        assert cluster.calls_of("microk8s", "kubectl", "delete")[0] == [
            "microk8s",
            "kubectl",
            "delete",
            "pod",
            name,
            "-n",
            ns,
        ]


async def test_switch_profile_runs_the_right_helm_argv(cluster: Any) -> None:
    screen = make_screen(cluster)
    async with Harness(screen).run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: screen.snapshot is not None)
        await pilot.press("p")
        await pilot.pause()
        dialog = pilot.app.screen
        dialog.query_one("#profile", Select).value = "proxied.no_auth"
        deploy = dialog.query_one("#deploy", Button)
        await until(pilot, lambda: not deploy.disabled)
        diff = str(dialog.query_one("#diff", Static).render())
        assert "LINK: proxied" in diff and EXTERNAL_SECRET not in diff
        await pilot.click("#deploy")
        chart = cluster.chart
        expected = [
            "microk8s",
            "helm3",
            "upgrade",
            "--install",
            "mip",
            str(chart),
            "-f",
            str(chart / ".proxied.no_auth"),
        ]
        await until(pilot, lambda: expected in cluster.calls())
        status = dialog.query_one("#switch-status", Static)
        await until(pilot, lambda: "All Ready" in str(status.render()), timeout=30)
        assert yaml.safe_load(cluster.answers.read_text())["active_profile"] == "proxied.no_auth"
        await pilot.press("escape")
        await until(pilot, lambda: pilot.app.screen is screen)


async def test_pod_log_container_choice(cluster: Any) -> None:
    name, ns = pod_named(cluster, "globalnode")
    screen = make_screen(cluster)
    async with Harness(screen).run_test(size=(100, 30)) as pilot:
        await select_pod(pilot, screen, name, ns)
        await pilot.press("l")
        await until(pilot, lambda: isinstance(pilot.app.screen, PodLogScreen))
        log_screen = pilot.app.screen
        assert isinstance(log_screen, PodLogScreen) and len(log_screen.containers) > 1
        first, second = log_screen.containers[:2]

        def logs_of(container: str) -> bool:
            calls = cluster.calls_of("microk8s", "kubectl", "logs")
            return any("-c" in c and c[c.index("-c") + 1] == container for c in calls)

        await until(pilot, lambda: logs_of(first))
        await pilot.press("c")
        await until(pilot, lambda: logs_of(second))
        assert log_screen.container == second


async def test_closing_while_loading_is_quiet(cluster: Any) -> None:
    from textual.worker import WorkerState

    errors: list[BaseException | None] = []
    cluster.slow("microk8s", "kubectl", "get", "pods", seconds=1.0, times=1)
    screen = make_screen(cluster)
    app = Harness(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: [w for w in app.workers if w.is_running])  # still loading
        await pilot.press("escape")
        watched = list(app.workers)
        await until(
            pilot,
            lambda: all(w.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED) for w in watched),
            timeout=10,
        )
        errors += [w.error for w in watched if w.state is WorkerState.ERROR]
    assert errors == []


def log_children(pod: str) -> list[Any]:
    """Our `kubectl logs -f POD` child processes still alive."""
    import psutil

    alive = []
    for child in psutil.Process().children(recursive=True):
        try:
            line = " ".join(child.cmdline())
        except psutil.Error:
            continue
        if "logs" in line and "-f" in line and pod in line and child.status() != psutil.STATUS_ZOMBIE:
            alive.append(child)
    return alive


async def test_closing_the_pod_log_kills_kubectl_logs(cluster: Any) -> None:
    name, ns = pod_named(cluster, "frontend")
    cluster.set_log_lines(name, ["first line"])
    cluster.hang("microk8s", "kubectl", "logs")  # like a quiet followed log: prints, then waits forever
    screen = make_screen(cluster)
    app = Harness(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await select_pod(pilot, screen, name, ns)
        await pilot.press("l")
        await until(pilot, lambda: isinstance(pilot.app.screen, PodLogScreen))
        log_screen = pilot.app.screen
        assert isinstance(log_screen, PodLogScreen)
        await until(pilot, lambda: "first line" in log_screen.query_one(LiveLog).lines)
        assert log_children(name), "the followed log should be running"
        await pilot.press("escape")
        await until(pilot, lambda: pilot.app.screen is screen)
        assert log_screen._cancel.is_set()
        await until(pilot, lambda: not log_children(name), timeout=10)
        await until(pilot, lambda: not [w for w in app.workers if w.group == "pod-log" and w.is_running])
        assert not [w for w in app.workers if w.error is not None]


async def test_closing_the_pod_log_while_events_load_is_quiet(cluster: Any) -> None:
    name, ns = pod_named(cluster, "frontend")
    cluster.slow("microk8s", "kubectl", "get", "events", seconds=1.0)
    cluster.slow("microk8s", "kubectl", "logs", seconds=1.0)
    screen = make_screen(cluster)
    app = Harness(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await select_pod(pilot, screen, name, ns)
        await pilot.press("l")
        await until(pilot, lambda: isinstance(pilot.app.screen, PodLogScreen))
        await until(pilot, lambda: log_children(name))  # `kubectl logs -f` runs; the events still load
        await pilot.press("escape")
        await until(pilot, lambda: pilot.app.screen is screen)
        await until(pilot, lambda: not [w for w in app.workers if w.group.startswith("pod-") and w.is_running])
        assert not [w for w in app.workers if w.error is not None]
        assert not log_children(name)


async def test_refresh_keeps_the_selected_pod_and_focus(cluster: Any) -> None:
    name, ns = pod_named(cluster, "gateway-db")
    screen = make_screen(cluster)
    async with Harness(screen).run_test(size=(80, 24)) as pilot:
        await select_pod(pilot, screen, name, ns)
        table = screen.query_one("#pods", DataTable)
        loads = screen.snapshot
        await pilot.press("r")
        await until(pilot, lambda: screen.snapshot is not loads)
        await pilot.pause()
        assert table.has_focus
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == f"{ns}/{name}"
