"""Every wizard screen at 60×20 on the Linux console: nothing overlaps, every button and field can be
reached (on screen, or by scrolling its screen's scroll container), no emoji, F1 and Escape work.

One generic check (``assert_usable``) runs on each screen, dialog and tool the wizard shows: the
steps (Welcome, Preflight, Network, Auth, Data, Join, Review and its Install question), Install
while running, failed and succeeded, the quit / sudo / help dialogs, and the day-2 screens
(Troubleshoot, Nodes, Backup, Data).
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from textual.app import App
from textual.containers import ScrollableContainer
from textual.errors import NoWidget
from textual.geometry import Region
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, DataTable, Input, RadioButton, Switch

from mipwizard.tui.widgets.key_hints import KeyHints
from tests.conftest import install_fake_cluster, requires_shared
from tests.polling import settled, until_async
from tests.test_tui_flow import screen_name
from tests.tui_fakes import ScriptedInstaller, answers_mapping, fake_app

SMALL = (60, 20)
JOIN_LINE = "microk8s join 192.168.1.230:25000/5f0c2a9e7d1b4c3a8e6f2d0b9a7c5e1f/e3b0c44298fc1c14 --worker"


# --- the check ---------------------------------------------------------------------------------


def shown(widget: Widget) -> bool:
    """Displayed and visible, and so are all its ancestors (a hidden panel hides its buttons)."""
    node: Any = widget
    while isinstance(node, Widget):
        if not node.display or not node.visible:
            return False
        node = node.parent
    return True


def visible_region(screen: Screen[Any], widget: Widget) -> Region:
    try:
        geometry = screen.find_widget(widget)
    except NoWidget:
        return Region()
    return geometry.region.intersection(geometry.clip)


WHOLE = (Button, Input, RadioButton, Checkbox, Switch)  # never usable half-drawn


def actions(screen: Screen[Any]) -> list[Widget]:
    """What a person acts on: every shown button, and every other widget that takes the focus."""
    return [w for w in screen.query("*") if shown(w) and (isinstance(w, Button) or w.can_focus)]


def leaves(screen: Screen[Any]) -> list[tuple[Widget, Region]]:
    drawn = []
    for widget in screen.query("*"):
        if any(shown(child) for child in widget.children) or not shown(widget):
            continue
        region = visible_region(screen, widget)
        if region.area:
            drawn.append((widget, region))
    return drawn


def name(widget: Widget) -> str:
    return f"{type(widget).__name__}#{widget.id}" if widget.id else repr(widget)


async def assert_usable(pilot: Any, what: str) -> None:
    """Nothing overlaps; every action is on screen or scrolls into view, whole and inside 60×20."""
    await settled(pilot, workers=False)
    screen: Screen[Any] = pilot.app.screen
    width, height = pilot.app.size
    drawn = leaves(screen)
    overlaps = [
        (name(a), name(b), ra.intersection(rb))
        for i, (a, ra) in enumerate(drawn)
        for b, rb in drawn[i + 1:]
        if ra.overlaps(rb)
    ]
    assert not overlaps, f"{what}: widgets drawn over each other: {overlaps}"
    for hints in screen.query(KeyHints):  # the key line is fitted, not cut: ^Q quit stays readable
        line = str(hints.render())
        assert "^Q quit" in line and cell_len(line) <= hints.content_size.width, f"{what}: key hints cut: {line}"
    found = actions(screen)
    assert found, f"{what}: nothing to act on"
    for widget in found:
        screen.scroll_to_widget(widget, animate=False)
        await pilot.pause()
        region = visible_region(screen, widget)
        full = widget.region
        assert region.area, f"{what}: {name(widget)} cannot be reached (not on screen, not scrolled to)"
        if isinstance(widget, WHOLE) or (full.height <= height // 2 and not isinstance(widget, ScrollableContainer)):
            assert region == full, f"{what}: {name(widget)} is cut: shows {region} of {full}"
        assert region.right <= width and region.bottom <= height, f"{what}: {name(widget)} is off the terminal"


async def assert_help_opens_and_closes(pilot: Any, what: str) -> None:
    before = screen_name(pilot.app)
    await pilot.press("f1")
    await until_async(pilot, lambda: screen_name(pilot.app) == "HelpDialog", what=f"F1 on {what}")
    await assert_usable(pilot, f"{what} › help")
    await pilot.press("escape")
    await until_async(pilot, lambda: screen_name(pilot.app) == before, what=f"Escape back to {what}")


# --- the wizard's steps and dialogs ------------------------------------------------------------


async def goto(pilot: Any, step: str, screen: str) -> None:
    pilot.app.goto(step)
    await until_async(pilot, lambda: screen_name(pilot.app) == screen)


async def fill(pilot: Any, selector: str, value: str) -> None:
    pilot.app.screen.query_one(selector, Input).value = value
    await pilot.pause()


async def welcome(pilot: Any) -> None:
    await until_async(pilot, lambda: screen_name(pilot.app) == "WelcomeScreen")


async def preflight(pilot: Any) -> None:
    await goto(pilot, "Preflight", "PreflightScreen")
    screen = pilot.app.screen
    await until_async(pilot, lambda: len(screen.results) == 6 and not screen.running)
    screen.query_one("#checks").move_cursor(row=4)  # the failed row: its fix and Ignore are shown


async def network_proxied(pilot: Any) -> None:
    await goto(pilot, "Network", "NetworkScreen")
    await fill(pilot, "#input-machine_main_ip", "10.20.30")  # an error message under the field too
    await fill(pilot, "#input-machine_public_fqdn", "mip.example.org")
    pilot.app.screen.query_one("#link-proxied", RadioButton).value = True
    await pilot.pause()


async def auth_internal_http(pilot: Any) -> None:
    await goto(pilot, "Auth", "AuthScreen")
    pilot.app.screen.query_one("#auth-internal_http", RadioButton).value = True
    await pilot.pause()


async def auth_external(pilot: Any) -> None:
    await goto(pilot, "Auth", "AuthScreen")


async def data_master(pilot: Any) -> None:
    pilot.app.state.set("role", "master")
    await goto(pilot, "Data", "DataEngineScreen")
    await until_async(pilot, lambda: not pilot.app.screen.query_one("#smpc").disabled)


async def join_worker(pilot: Any) -> None:
    pilot.app.state.set("role", "worker")
    await goto(pilot, "Join", "JoinScreen")
    await fill(pilot, "#input-join_command", JOIN_LINE)


async def review(pilot: Any) -> None:
    await goto(pilot, "Review", "ReviewScreen")
    await until_async(pilot, lambda: pilot.app.screen.facts and "plan" in pilot.app.screen.facts, timeout=30)


async def review_confirm(pilot: Any) -> None:
    await review(pilot)
    pilot.app.screen.query_one("#next", Button).press()
    await until_async(pilot, lambda: screen_name(pilot.app) == "ConfirmDialog")


async def _installed(pilot: Any, done: Callable[[Any], bool]) -> None:
    await review_confirm(pilot)
    await pilot.press("y")
    await until_async(pilot, lambda: done(pilot.app), timeout=30)


async def install_running(pilot: Any) -> None:
    await _installed(pilot, lambda app: screen_name(app) == "InstallScreen" and app.screen.current == "addons")


async def install_failed(pilot: Any) -> None:
    await _installed(pilot, lambda app: screen_name(app) == "InstallScreen" and app.screen.failed_step
                     and not app.screen.running)


async def install_done(pilot: Any) -> None:
    await _installed(pilot, lambda app: screen_name(app) == "DoneScreen")


async def quit_dialog(pilot: Any) -> None:
    await network_proxied(pilot)  # answers not saved yet: Quit offers Save and quit too
    await pilot.press("ctrl+q")
    await until_async(pilot, lambda: screen_name(pilot.app) == "ConfirmDialog")


async def sudo_dialog(pilot: Any) -> None:
    await review_confirm(pilot)
    await pilot.press("y")
    await until_async(pilot, lambda: screen_name(pilot.app) == "SudoPasswordDialog")


class Paused(ScriptedInstaller):
    """Stops at the ``addons`` step until released: the Install screen while a step runs."""

    def __init__(self) -> None:
        super().__init__(lines_per_step=40)
        self.release = threading.Event()

    def __call__(self, answers: Any, on_event: Any) -> Any:
        def paused(event: Any) -> None:
            on_event(event)
            if type(event).__name__ == "StepOutput" and event.step_id == "addons":
                self.release.wait(30)

        return super().__call__(answers, paused)


Visit = Callable[[Any], Awaitable[None]]
STEPS: list[tuple[str, Visit, dict[str, Any]]] = [
    ("welcome", welcome, {}),
    ("preflight", preflight, {}),
    ("network", network_proxied, {}),
    ("auth-external", auth_external, {}),
    ("auth-internal-http", auth_internal_http, {}),
    ("data-master", data_master, {"smpc_players": lambda: 3}),
    ("join-worker", join_worker, {}),
    ("review", review, {"plan": None}),
    ("review-confirm", review_confirm, {}),
    ("install-running", install_running, {"installer": "paused"}),
    ("install-failed", install_failed, {"installer": ScriptedInstaller(fail_at="checkouts")}),
    ("install-done", install_done, {}),
    ("quit-dialog", quit_dialog, {}),
    ("sudo-dialog", sudo_dialog, {"needs_password": lambda: True}),
]


# Emoji and pictographs: the Linux console's font has none (a box, or two cells that shift the line).
EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F]")


def assert_no_emoji(app: Any, what: str) -> None:
    frame = html.unescape(app.export_screenshot())
    assert not EMOJI.search(frame), f"{what}: {EMOJI.findall(frame)} on the Linux console"


@pytest.mark.parametrize(("what", "visit", "fields"), STEPS, ids=[s[0] for s in STEPS])
async def test_every_wizard_screen_is_usable_at_60x20(
    tmp_path: Path, answers_data: dict, what: str, visit: Visit, fields: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TERM", "linux")  # the smallest terminal and the 16-colour console at once
    fields = dict(fields)
    paused = Paused() if fields.get("installer") == "paused" else None
    if paused is not None:
        fields["installer"] = paused
    app = fake_app(tmp_path, **fields)
    try:
        async with app.run_test(size=SMALL) as pilot:
            if what not in ("welcome", "network", "quit-dialog"):
                app.state.load_mapping(answers_mapping(answers_data, tmp_path))
            await visit(pilot)
            await assert_usable(pilot, what)
            assert_no_emoji(app, what)
            if not what.endswith("dialog") and what != "review-confirm":
                await assert_help_opens_and_closes(pilot, what)
    finally:
        if paused is not None:
            paused.release.set()


async def test_keys_still_work_at_60x20(tmp_path: Path) -> None:
    """Ctrl+N goes on, Ctrl+P opens the palette, Ctrl+Q asks: the key hints' actions, not just buttons."""
    app = fake_app(tmp_path)
    async with app.run_test(size=SMALL) as pilot:
        await welcome(pilot)
        await pilot.press("ctrl+n")
        await until_async(pilot, lambda: screen_name(app) == "PreflightScreen")
        await pilot.press("ctrl+p")
        await until_async(pilot, lambda: screen_name(app) == "CommandPalette")
        await pilot.press("escape")
        await until_async(pilot, lambda: screen_name(app) == "PreflightScreen")
        app.state.set("machine_public_fqdn", "mip.example.org")  # an answer not saved yet: Quit asks
        await pilot.press("ctrl+q")
        await until_async(pilot, lambda: screen_name(app) == "ConfirmDialog")
        await pilot.press("n")
        await until_async(pilot, lambda: screen_name(app) == "PreflightScreen")


# --- the day-2 tools ---------------------------------------------------------------------------


@pytest.fixture
def installed(fake_toolchain: Any, answers_data: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    return install_fake_cluster(fake_toolchain, answers_data, tmp_path, monkeypatch)


def troubleshoot(fake: Any) -> tuple[Screen[Any], Callable[[Screen[Any]], bool]]:
    from mipwizard.core.cluster.queries import ClusterQueries
    from mipwizard.tui.screens.troubleshoot import TroubleshootScreen

    fake.pod_scenario("crashloop")
    screen = TroubleshootScreen(ClusterQueries(use_sudo=False), chart=fake.chart, answers_path=fake.answers,
                                refresh_seconds=3600)
    return screen, lambda s: s.query_one("#pods", DataTable).row_count > 0


def nodes(fake: Any) -> tuple[Screen[Any], Callable[[Screen[Any]], bool]]:
    from mipwizard.tui.screens.nodes import NodesScreen

    fake.add_node("worker1")
    return NodesScreen(), lambda s: s.query_one("#nodes", DataTable).row_count == 2


def backup(fake: Any) -> tuple[Screen[Any], Callable[[Screen[Any]], bool]]:
    from mipwizard.tui.screens.backup import BackupScreen

    return BackupScreen(), lambda s: True


def data(fake: Any) -> tuple[Screen[Any], Callable[[Screen[Any]], bool]]:
    from mipwizard.tui.screens.data import DataScreen

    root = fake.chart.parent.parent / "data"
    (root / "mipfed1" / "dementia").mkdir(parents=True, exist_ok=True)
    screen = DataScreen(root, "mipfed1", "mipadmin", pathologies=["dementia", "tbi"])
    return screen, lambda s: s.report is not None


TOOLS = [("troubleshoot", troubleshoot), ("nodes", nodes), ("backup", backup), ("data", data)]


@requires_shared()
@pytest.mark.parametrize(("what", "make"), TOOLS, ids=[t[0] for t in TOOLS])
async def test_every_tool_screen_is_usable_at_60x20(installed: Any, tmp_path: Path, what: str, make: Any) -> None:
    screen, ready = make(installed)
    app = fake_app(tmp_path)  # the wizard itself: its stylesheet and small-terminal classes
    async with app.run_test(size=SMALL) as pilot:
        await welcome(pilot)
        app.push_screen(screen)
        await until_async(pilot, lambda: screen.is_mounted and ready(screen), timeout=30, what=f"{what} ready")
        await assert_usable(pilot, what)


def test_the_check_sees_a_button_pushed_off_screen() -> None:
    """The check itself: a button below a non-scrolling 60×20 screen is reported, not passed."""
    import asyncio

    from textual.containers import Vertical
    from textual.widgets import Static

    class Crowded(App[None]):
        CSS = "Vertical { height: 100%; overflow: hidden; } Static { height: 30; }"

        def compose(self) -> Any:
            with Vertical():
                yield Static("tall")
                yield Button("Lost", id="lost")

    async def run() -> None:
        async with Crowded().run_test(size=SMALL) as pilot:
            with pytest.raises(AssertionError, match="Button#lost cannot be reached"):
                await assert_usable(pilot, "crowded")

    asyncio.run(run())


def test_the_check_sees_widgets_drawn_over_each_other() -> None:
    import asyncio

    from textual.widgets import Static

    class Overlapping(App[None]):
        CSS = "#a { offset: 0 0; } #b { offset: 0 -1; } Static { height: 1; }"

        def compose(self) -> Any:
            yield Static("first", id="a")
            yield Button("second", id="b", compact=True)

    async def run() -> None:
        async with Overlapping().run_test(size=SMALL) as pilot:
            with pytest.raises(AssertionError, match="drawn over each other"):
                await assert_usable(pilot, "overlapping")

    asyncio.run(run())
