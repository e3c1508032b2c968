"""Pilot tests of the Data and Nodes screens (80×24, keyboard only) on tmp data roots."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import DataTable, Static

from mipwizard.tui.screens.data import ConfirmDialog, DataScreen, FolderNameDialog
from tests.conftest import SHARED_DATA

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
        assert rows[2][4] == "missing: press c"
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
