"""Preflight's own buttons (Re-run, Ignore) and the frame's (Back, Next) each do their one thing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Button

from tests.test_tui_flow import SIZE, next_button, press_next, screen_name, wait_for
from tests.tui_fakes import fake_app


async def test_ignore_rerun_back_and_next_buttons(tmp_path: Path) -> None:
    app = fake_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await press_next(pilot, "PreflightScreen")
        screen: Any = app.screen
        await wait_for(pilot, lambda: not screen.running and len(screen.results) == 6)
        screen.query_one("#checks").move_cursor(row=4)  # snap: failed
        await pilot.pause()
        screen.query_one("#ignore", Button).press()
        await wait_for(pilot, lambda: not screen.running and screen.results["snap"].ignored)
        assert screen.ignored == {"snap"} and not next_button(app).disabled
        runs: list[bool] = []
        screen.run_checks = lambda: runs.append(True)  # Re-run starts the checks again
        screen.query_one("#rerun", Button).press()
        await pilot.pause()
        assert runs == [True] and screen.ignored == {"snap"}
        screen.query_one("#back", Button).press()
        await wait_for(pilot, lambda: screen_name(app) == "WelcomeScreen")
        await press_next(pilot, "PreflightScreen")
        assert app.screen is screen  # the same screen, its ignores kept
        await press_next(pilot, "NetworkScreen")
