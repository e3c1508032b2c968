"""Pilot tests: the Backup/Restore/Upgrade screen runs the same engine as the CLI after the same
confirmation, streaming its output live; the palette and Welcome offer it on an installed machine."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.app import App

from mipwizard.tui.dialogs.confirm import ConfirmDialog
from mipwizard.tui.screens.backup import BackupScreen
from mipwizard.tui.widgets.live_log import LiveLog
from tests.backup_fakes import seed_mip_state, tree
from tests.conftest import EXTERNAL_SECRET, install_fake_cluster


class Harness(App[None]):
    def __init__(self, screen: BackupScreen) -> None:
        super().__init__()
        self.first = screen

    def on_mount(self) -> None:
        self.push_screen(self.first)


async def until(pilot: Any, condition: Callable[[], bool], timeout: float = 60.0, why: Callable[[], str] = str) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise AssertionError(f"condition not met in time: {why()}")
        await pilot.pause(0.05)


@pytest.fixture
def mip(fake_toolchain: Any, answers_data: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    fake = install_fake_cluster(fake_toolchain, answers_data, tmp_path, monkeypatch)
    fake.mip_path = tmp_path / "mip-deployment"
    seed_mip_state(fake, fake.mip_path)
    return fake


def text(screen: BackupScreen) -> str:
    return "\n".join(screen.query_one(LiveLog).lines)


async def test_backup_then_restore_from_the_screen(mip: Any) -> None:
    screen = BackupScreen()
    app = Harness(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: not screen.running and "==> back up the mip now: done" in text(screen),
                    timeout=30, why=lambda: text(screen))
        assert "backup written:" in text(screen) and EXTERNAL_SECRET not in text(screen)
        assert len(screen.archives) == 1
        good = tree(mip.mip_path / ".stored_data")
        (mip.mip_path / ".stored_data" / "portalbackenddb" / "PG_VERSION").write_text("broken")
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("escape")  # the same confirmation as the CLI: no means nothing happens
        await pilot.pause(0.2)
        assert not screen.running and "restore this backup" not in text(screen)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: not screen.running and "==> restore this backup: done" in text(screen))
        assert "restored:" in text(screen) and "the MIP is Ready" in text(screen)
    assert tree(mip.mip_path / ".stored_data") == good


async def test_the_palette_offers_backup_restore_and_upgrade(tmp_path: Path) -> None:
    from mipwizard.tui.commands import WizardCommands

    from .tui_fakes import fake_app

    app = fake_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        commands = {title: cb for title, _help, cb in WizardCommands(app.screen).commands()}
        assert {"Backup", "Restore a backup", "Upgrade the MIP"} <= set(commands)
        commands["Backup"]()
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))  # opens and asks at once
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, BackupScreen))
