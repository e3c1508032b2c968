"""Pilot tests of the Data and Nodes screens (80×24, keyboard only) on tmp data roots."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import DataTable, Static
from textual.worker import WorkerState

from mipwizard.tui.screens.data import ConfirmDialog, DataScreen, FolderNameDialog
from tests.conftest import SHARED_DATA
from tests.polling import until_async

needs_data = pytest.mark.skipif(not (SHARED_DATA / "tbi").is_dir(), reason="shared datasets are absent")
SIZE = (80, 24)


class Host(App[None]):
    def __init__(self, screen_factory) -> None:
        super().__init__()
        self.screen_factory = screen_factory

    def on_mount(self) -> None:
        self.push_screen(self.screen_factory())


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def data_root(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    target = root / "mipfed1" / "tbi"
    shutil.copytree(SHARED_DATA / "tbi", target, copy_function=shutil.copyfile)
    target.chmod(0o755)
    return root


@needs_data
async def test_data_screen_lists_pathologies_and_problems(tmp_path: Path) -> None:
    root = data_root(tmp_path)
    csv_path = root / "mipfed1" / "tbi" / "dummy_tbi.csv"
    csv_path.write_text(csv_path.read_text().replace(",F,", ",X,", 1))
    (root / "mipfed1" / "epilepsy").mkdir()
    app = Host(lambda: DataScreen(root, "mipfed1", "mipadmin", pathologies=["tbi", "mri"]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DataScreen)
        table = screen.query_one("#pathologies", DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        assert [r[0] for r in rows] == ["epilepsy", "tbi", "mri"]
        assert rows[1][1:] == ["dummy_tbi", "1", "99", "1 error"]
        assert rows[2][4] == "no folder (c)"
        await pilot.press("down")
        problems = text_of(screen, "#problems-text")
        assert "tbi/dummy_tbi.csv:" in problems and "value-not-in-enumeration" in problems
        assert "missing folders: mri" in text_of(screen, "#data-status")


async def test_data_screen_new_folder_validates_the_name(tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "mipfed1").mkdir(parents=True)
    app = Host(lambda: DataScreen(root, "mipfed1", "mipadmin"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        assert isinstance(app.screen, FolderNameDialog)
        await pilot.press(*"../x", "enter")
        assert isinstance(app.screen, FolderNameDialog)  # refused, still asking
        assert "not safe as a folder name" in text_of(app.screen, "#name-error")
        await pilot.press("escape")
        assert isinstance(app.screen, DataScreen)
        assert not (root / "x").exists()


async def test_data_screen_create_missing_can_be_declined(tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "mipfed1").mkdir(parents=True)
    app = Host(lambda: DataScreen(root, "mipfed1", "mipadmin", pathologies=["dementia"]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")  # the focused default is No
        await settle(pilot)
        assert isinstance(app.screen, DataScreen)
        assert not (root / "mipfed1" / "dementia").exists()


async def test_data_screen_creates_missing_folder_with_owner(fake_toolchain, tmp_path: Path) -> None:
    fake_toolchain.add_user("mipadmin")
    root = tmp_path / "data"
    (root / "mipfed1").mkdir(parents=True)
    app = Host(lambda: DataScreen(root, "mipfed1", "mipadmin", pathologies=["dementia"]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        await settle(pilot)  # the re-check after creating
        assert (root / "mipfed1" / "dementia").is_dir()
        assert fake_toolchain.owner_of(root / "mipfed1" / "dementia") == "mipadmin:mipadmin"
        table = app.screen.query_one("#pathologies", DataTable)
        assert table.get_row_at(0)[0] == "dementia" and table.get_row_at(0)[4] == "ok, 1 warning"


async def test_nodes_screen_labels_and_shows_join_command(fake_toolchain) -> None:
    from mipwizard.tui.screens.nodes import NodesScreen

    fake_toolchain.install_microk8s()
    fake_toolchain.add_node("worker1")
    app = Host(NodesScreen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one("#nodes", DataTable)
        names = [table.get_row_at(i)[0] for i in range(table.row_count)]
        assert names == ["mip-master", "worker1"]
        assert "SMPC needs 3" in text_of(screen, "#smpc")

        await pilot.press("down", "s")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        await settle(pilot)
        assert fake_toolchain.calls_of("microk8s", "kubectl", "label") == [
            ["microk8s", "kubectl", "label", "node", "worker1", "worker=true", "smpc_player=true", "--overwrite"]
        ]
        assert table.get_row_at(1)[2] == "worker, smpc_player"

        await pilot.press("j")
        await settle(pilot)
        join_text = text_of(screen, "#join")
        assert fake_toolchain.calls_of("microk8s", "add-node") == [["microk8s", "add-node", "--token-ttl", "3600"]]
        token = fake_toolchain.state()["tokens"][0]["token"]
        assert f"/{token}/" in join_text and "--worker" in join_text
        await pilot.press("y")
        assert token in app.clipboard


async def test_nodes_screen_without_microk8s(fake_toolchain) -> None:
    from mipwizard.tui.screens.nodes import NodesScreen

    app = Host(NodesScreen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "snap install microk8s --classic" in text_of(app.screen, "#nodes-status")
        await pilot.press("w")  # nothing selected: a notice, no crash
        await pilot.press("escape")


async def close_while_working(app: App[None], pilot, screen_type: type, late_seconds: float = 1.2) -> None:
    """Escape while the screen's worker is still busy; the late result must be dropped quietly.

    A cancelled thread worker counts as finished at once while its thread still runs: wait
    ``late_seconds`` so the slow call returns and hands its result to the UI before the app ends.
    """
    busy = await until_async(pilot, lambda: [w for w in app.workers if w.is_running], what="the screen's worker")
    assert isinstance(app.screen, screen_type)
    await pilot.press("escape")
    await pilot.pause()
    assert not isinstance(app.screen, screen_type)
    await app.workers.wait_for_complete()
    await pilot.pause(late_seconds)  # the worker's call back into the UI runs now (and must not raise)
    # Closing the screen cancels its workers (CancelledError is that, not a failure).
    assert [repr(w.error) for w in busy if w.state is WorkerState.ERROR] == []


async def test_data_screen_closed_while_checking(tmp_path: Path, monkeypatch) -> None:
    import time

    from mipwizard.tui.screens import data as data_module

    real = data_module.check_data_root

    def slow_check(*args, **kwargs):
        time.sleep(1.0)
        return real(*args, **kwargs)

    monkeypatch.setattr(data_module, "check_data_root", slow_check)
    failures: list[BaseException] = []
    real_show = DataScreen._show_report

    def show_report(self, report):  # the late result must not reach the closed screen's widgets
        try:
            real_show(self, report)
        except BaseException as exc:  # the cancelled worker would swallow it otherwise
            failures.append(exc)
            raise

    monkeypatch.setattr(DataScreen, "_show_report", show_report)
    root = tmp_path / "data"
    (root / "mipfed1" / "tbi").mkdir(parents=True)
    app = Host(lambda: DataScreen(root, "mipfed1", "mipadmin"))
    async with app.run_test(size=SIZE) as pilot:
        await close_while_working(app, pilot, DataScreen)
    assert failures == []


async def test_nodes_screen_closed_while_reading(fake_toolchain) -> None:
    from mipwizard.tui.screens.nodes import NodesScreen

    fake_toolchain.install_microk8s()
    fake_toolchain.slow("microk8s", "kubectl", "get", "nodes", seconds=1.0)
    app = Host(NodesScreen)
    async with app.run_test(size=SIZE) as pilot:
        await close_while_working(app, pilot, NodesScreen)


async def test_nodes_screen_closed_while_asking_for_a_join_token(fake_toolchain) -> None:
    from mipwizard.tui.screens.nodes import NodesScreen

    fake_toolchain.install_microk8s()
    fake_toolchain.slow("microk8s", "add-node", seconds=1.0)
    app = Host(NodesScreen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j")
        await close_while_working(app, pilot, NodesScreen)


async def test_late_result_handed_to_a_closed_screen_is_dropped(tmp_path: Path) -> None:
    """The hand-off every tool screen's worker uses: after close, neither NoMatches nor NoActiveApp."""
    import asyncio

    from mipwizard.core.data import check_data_root
    from mipwizard.tui.screens.tool_workers import call_if_shown

    root = tmp_path / "data"
    (root / "mipfed1").mkdir(parents=True)
    app = Host(lambda: DataScreen(root, "mipfed1", "mipadmin"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DataScreen)
        report = check_data_root(root, "mipfed1")
        await pilot.press("escape")
        await pilot.pause()
        assert not screen.is_attached
        await asyncio.to_thread(call_if_shown, screen, screen._show_report, report)
        await pilot.pause()
        assert screen.report is not report  # dropped, not shown
