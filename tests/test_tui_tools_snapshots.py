"""SVG snapshots of the tool screens (Troubleshoot, pod log, Data, Nodes) at 80×24 and 120×40.

Deterministic frames: the clock is pinned, on-screen paths are relative to a chdir'ed tmp folder,
and the random join token stays off-frame. Update: ``pytest tests/test_tui_tools_snapshots.py
--snapshot-update``, then LOOK at the svg files before committing them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.screen import Screen
from textual.widgets import DataTable

from mipwizard.core.cluster.queries import ClusterQueries
from mipwizard.core.cluster.readers import Event
from mipwizard.tui.screens import troubleshoot
from mipwizard.tui.screens.data import DataScreen
from mipwizard.tui.screens.nodes import NodesScreen
from mipwizard.tui.screens.pod_log import PodLogScreen
from mipwizard.tui.screens.troubleshoot import TroubleshootScreen
from mipwizard.tui.widgets.live_log import LiveLog

from .conftest import EXTERNAL_SECRET, INTERNAL_SECRET, SHARED_DATA, install_fake_cluster, requires_shared
from .polling import settled, until_async

pytestmark = requires_shared()
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
SNAPSHOTS = Path(__file__).parent / "__snapshots__" / "test_tui_tools_snapshots"


class Host(App[None]):
    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.first = screen

    def on_mount(self) -> None:
        self.push_screen(self.first)


async def settle(
    pilot: Any, condition: Callable[[], object], timeout: float = 20.0, *, all_workers: bool = True
) -> None:
    await until_async(pilot, condition, timeout=timeout, what="the screen to settle")
    await settled(pilot, workers=all_workers)  # a followed log's worker never completes


@pytest.fixture
def cluster(fake_toolchain: Any, answers_data: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(troubleshoot, "clock_text", lambda: "12:00:00")
    install_fake_cluster(fake_toolchain, answers_data, tmp_path, monkeypatch)
    fake_toolchain.pod_scenario("crashloop")
    return fake_toolchain


def dashboard(cluster: Any) -> TroubleshootScreen:
    return TroubleshootScreen(
        ClusterQueries(use_sudo=False), chart=cluster.chart, answers_path=cluster.answers, refresh_seconds=3600
    )


@pytest.mark.parametrize("size", SIZES)
def test_troubleshoot_crashloop(snap_compare: Any, cluster: Any, size: tuple[int, int]) -> None:
    screen = dashboard(cluster)

    async def run_before(pilot: Any) -> None:
        await settle(pilot, lambda: screen.query_one("#pods", DataTable).row_count > 0)

    assert snap_compare(Host(screen), terminal_size=size, run_before=run_before)


def pin_event_times(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake stamps events with the current time; the frame shows a fixed one."""
    from mipwizard.core.cluster import health

    real = health.pod_events

    def pinned(pod: Any, events: Any) -> list[Any]:
        return [Event({**e.raw, "lastTimestamp": "2026-11-24T12:00:00Z"}) for e in real(pod, events)]

    monkeypatch.setattr(health, "pod_events", pinned)


@pytest.mark.parametrize("size", SIZES)
def test_pod_log(snap_compare: Any, cluster: Any, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]) -> None:
    pod = next(p for p in cluster.pods() if "exareme2-controller" in p["metadata"]["name"])
    name, namespace = pod["metadata"]["name"], pod["metadata"]["namespace"]
    containers = [c["name"] for c in pod["spec"]["containers"]]
    cluster.set_log_lines(
        name,
        [
            "INFO  controller starting",
            f"DEBUG connecting with client secret {EXTERNAL_SECRET}",
            "ERROR cannot reach the database at exareme2-db:5432: connection refused",
            "INFO  controller exiting (code 1)",
        ],
    )
    cluster.hang("microk8s", "kubectl", "logs")  # a followed log that went quiet
    pin_event_times(monkeypatch)
    from mipwizard.core.cluster.sources import redactor_for

    redactor = redactor_for(cluster.chart, cluster.answers)  # what the dashboard hands over
    screen = PodLogScreen(ClusterQueries(use_sudo=False), name, namespace, containers, redactor=redactor)

    async def run_before(pilot: Any) -> None:
        log = screen.query_one(LiveLog)
        events = screen.query_one("#events")
        await settle(
            pilot,
            lambda: "INFO  controller exiting (code 1)" in log.lines and "reading" not in str(events.render()),
            all_workers=False,
        )

    assert snap_compare(Host(screen), terminal_size=size, run_before=run_before)


def data_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``data/mipfed1`` relative to a chdir'ed tmp folder: the dementia data plus a broken CSV."""
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "data" / "mipfed1" / "dementia"
    shutil.copytree(SHARED_DATA / "dementia", target, copy_function=shutil.copyfile)
    source = (target / "edsd.csv").read_text().splitlines()
    header = source[0]
    rows = [row.replace(",edsd,", ",nosuchdataset,", 1) for row in source[1:4]]
    (target / "broken.csv").write_text("\n".join([header, rows[0], "text,in,numbers", *rows[1:]]) + "\n")
    return Path("data")


@pytest.mark.parametrize("size", SIZES)
def test_data(snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]) -> None:
    root = data_root(tmp_path, monkeypatch)
    screen = DataScreen(root, "mipfed1", "mipadmin", pathologies=["dementia", "tbi"])

    async def run_before(pilot: Any) -> None:
        await settle(pilot, lambda: screen.report is not None)

    assert snap_compare(Host(screen), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_nodes(snap_compare: Any, fake_toolchain: Any, size: tuple[int, int]) -> None:
    fake_toolchain.install_microk8s()
    fake_toolchain.add_node("worker1")
    fake_toolchain.add_node("worker2")
    screen = NodesScreen()

    async def run_before(pilot: Any) -> None:
        await settle(pilot, lambda: screen.query_one("#nodes", DataTable).row_count == 3)

    assert snap_compare(Host(screen), terminal_size=size, run_before=run_before)


def test_no_secret_in_any_tool_snapshot() -> None:
    files = sorted(SNAPSHOTS.glob("*.svg"))
    assert files, "run the snapshot tests first"
    for svg in files:
        text = svg.read_text()
        assert EXTERNAL_SECRET not in text and INTERNAL_SECRET not in text, svg.name
