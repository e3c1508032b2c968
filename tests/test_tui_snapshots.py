"""SVG snapshots of every wizard screen at 80×24 and 120×40 (no clock, no host names, no secrets).

Update after a deliberate UI change: ``pytest tests/test_tui_snapshots.py --snapshot-update``,
then LOOK at the report / the svg files before committing them.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, RadioButton

from mipwizard.core.install import InstallResult, InstallSettings
from mipwizard.tui.widgets.live_log import LiveLog
from tests.conftest import EXTERNAL_SECRET, INTERNAL_SECRET
from tests.polling import settled, until_async
from tests.tui_fakes import ScriptedInstaller, fake_app

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
SNAPSHOTS = Path(__file__).parent / "__snapshots__" / "test_tui_snapshots"
# Paths that show on screen must not depend on pytest's tmp folders.
FIXED_STATE = Path(tempfile.gettempdir()) / "mipwizard-snapshot-state"
NO_PROFILES = Path("/nonexistent/mip-deployment/kubernetes")


async def settle(pilot: Any, condition: Callable[[], object] = lambda: True, timeout: float = 10.0) -> None:
    await until_async(pilot, condition, timeout=timeout, what="the screen to settle")
    await settled(pilot)
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    await pilot.pause()


def on(step: str) -> Callable[[Any], bool]:
    def ready(app: Any) -> bool:
        screen = app.screen
        return type(screen).__name__ == step and screen.is_mounted and bool(screen.children)

    return ready


async def fill(pilot: Any, selector: str, value: str) -> None:
    pilot.app.screen.query_one(selector, Input).value = value
    await pilot.pause()


def goto(step: str, screen_class: str, then: Callable[[Any], Awaitable[None]] | None = None) -> Any:
    async def run_before(pilot: Any) -> None:
        pilot.app.goto(step)
        await settle(pilot, lambda: on(screen_class)(pilot.app))
        if then is not None:
            await then(pilot)
        await settle(pilot)

    return run_before


@pytest.fixture
def fixed_state() -> Path:
    shutil.rmtree(FIXED_STATE, ignore_errors=True)
    FIXED_STATE.mkdir(parents=True)
    yield FIXED_STATE
    shutil.rmtree(FIXED_STATE, ignore_errors=True)


@pytest.fixture
def filled(answers_data: dict) -> dict:
    data = dict(answers_data)
    data["data_root"] = "/data"
    return data


@pytest.mark.parametrize("size", SIZES)
def test_welcome(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot, lambda: on("WelcomeScreen")(pilot.app))

    assert snap_compare(fake_app(tmp_path, profiles_dir=NO_PROFILES), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_preflight(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def then(pilot: Any) -> None:
        screen = pilot.app.screen
        await settle(pilot, lambda: len(screen.results) == 6 and not screen.running)
        screen.query_one("#checks").move_cursor(row=4)

    app = fake_app(tmp_path, profiles_dir=NO_PROFILES)
    assert snap_compare(app, terminal_size=size, run_before=goto("Preflight", "PreflightScreen", then))


@pytest.mark.parametrize("size", SIZES)
def test_network_proxied(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def then(pilot: Any) -> None:
        await fill(pilot, "#input-machine_main_ip", "10.20.30.40")
        await fill(pilot, "#input-machine_public_fqdn", "mip.example.org")
        pilot.app.screen.query_one("#link-proxied", RadioButton).value = True
        await fill(pilot, "#input-machine_private_fqdn_or_ip", "10.20.30.41")
        pilot.app.screen.query_one("#input-machine_main_ip").focus()

    app = fake_app(tmp_path, profiles_dir=NO_PROFILES)
    assert snap_compare(app, terminal_size=size, run_before=goto("Network", "NetworkScreen", then))


@pytest.mark.parametrize("size", SIZES)
def test_network_bad_ip(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def then(pilot: Any) -> None:
        await fill(pilot, "#input-machine_main_ip", "10.20.30")
        await fill(pilot, "#input-machine_public_fqdn", "https://mip.example.org")

    app = fake_app(tmp_path, profiles_dir=NO_PROFILES)
    assert snap_compare(app, terminal_size=size, run_before=goto("Network", "NetworkScreen", then))


@pytest.mark.parametrize("size", SIZES)
def test_auth_external(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def then(pilot: Any) -> None:
        await fill(pilot, "#input-keycloak_client_id", "mipfedqa")
        await fill(pilot, "#input-keycloak_client_secret", EXTERNAL_SECRET)

    app = fake_app(tmp_path, profiles_dir=NO_PROFILES)
    assert snap_compare(app, terminal_size=size, run_before=goto("Auth", "AuthScreen", then))


@pytest.mark.parametrize("size", SIZES)
def test_auth_internal_http(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def then(pilot: Any) -> None:
        pilot.app.screen.query_one("#auth-internal_http", RadioButton).value = True
        await pilot.pause()
        await fill(pilot, "#input-internal_client_secret", INTERNAL_SECRET)

    app = fake_app(tmp_path, profiles_dir=NO_PROFILES)
    assert snap_compare(app, terminal_size=size, run_before=goto("Auth", "AuthScreen", then))


@pytest.mark.parametrize("size", SIZES)
def test_data(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def then(pilot: Any) -> None:
        await settle(pilot, lambda: "Only" in str(pilot.app.screen.query_one("#smpc-reason").render()))

    app = fake_app(tmp_path, profiles_dir=NO_PROFILES)
    assert snap_compare(app, terminal_size=size, run_before=goto("Data", "DataEngineScreen", then))


@pytest.mark.parametrize("size", SIZES)
def test_review(snap_compare: Any, tmp_path: Path, filled: dict, size: tuple[int, int]) -> None:
    async def then(pilot: Any) -> None:
        await settle(pilot, lambda: pilot.app.screen.facts)

    app = fake_app(tmp_path, profiles_dir=NO_PROFILES)
    app.state.load_mapping(filled)
    assert snap_compare(app, terminal_size=size, run_before=goto("Review", "ReviewScreen", then))


def _install_run_before(done: str) -> Any:
    async def run_before(pilot: Any) -> None:
        app = pilot.app
        app.goto("Review")
        await settle(pilot, lambda: on("ReviewScreen")(app) and app.screen.facts)
        app.screen.query_one("#next").press()
        await settle(pilot, lambda: on("ConfirmDialog")(app))
        await pilot.press("y")  # the Install question: Yes
        await settle(pilot, lambda: on(done)(app) and (done != "InstallScreen" or (
            app.screen.failed_step and not app.screen.running)))  # finished: the failure panel is shown
        await settle(pilot, lambda: not app.screen.query("Toast"), timeout=15)
        if done == "InstallScreen":  # the live log drains on a timer: wait for its last line, or the frame races
            live = app.screen.query_one(LiveLog)
            await settle(pilot, lambda: not live._pending and len(live.lines) == live.lines_seen)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_install_failed_step(snap_compare: Any, tmp_path: Path, filled: dict, size: tuple[int, int]) -> None:
    app = fake_app(tmp_path, profiles_dir=NO_PROFILES, installer=ScriptedInstaller(fail_at="checkouts"),
                   log_dir=FIXED_STATE / "logs")  # the log path is on screen: the same on every run
    app.state.load_mapping(filled)
    assert snap_compare(app, terminal_size=size, run_before=_install_run_before("InstallScreen"))


@pytest.mark.parametrize("size", SIZES)
def test_install_done(
    snap_compare: Any, tmp_path: Path, filled: dict, fixed_state: Path, size: tuple[int, int]
) -> None:
    app = fake_app(tmp_path, profiles_dir=NO_PROFILES, state_dir=fixed_state, log_dir=fixed_state / "logs")
    app.state.load_mapping(filled)
    assert snap_compare(app, terminal_size=size, run_before=_install_run_before("DoneScreen"))


def test_no_secret_in_any_snapshot() -> None:
    files = list(SNAPSHOTS.glob("*.svg")) if SNAPSHOTS.is_dir() else []
    if not files:
        pytest.skip("no snapshots written yet")
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert EXTERNAL_SECRET not in text and INTERNAL_SECRET not in text, path
        # Rich escapes characters in SVG text; check the secret's distinctive middle too.
        assert "7f3a9c1e" not in text and "0c4e8d2a" not in text, path
        assert JOIN_TOKEN not in text and JOIN_TOKEN[8:20] not in text, path


@pytest.mark.parametrize("size", [pytest.param((80, 24), id="80x24")])
def test_network_light_theme(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def then(pilot: Any) -> None:
        await fill(pilot, "#input-machine_main_ip", "10.20.30")
        await fill(pilot, "#input-machine_public_fqdn", "mip.example.org")

    app = fake_app(tmp_path, profiles_dir=NO_PROFILES)
    app.theme = "textual-light"
    assert snap_compare(app, terminal_size=size, run_before=goto("Network", "NetworkScreen", then))


# --- the worker role ---------------------------------------------------------------------------

JOIN_TOKEN = "5f0c2a9e7d1b4c3a8e6f2d0b9a7c5e1f"
JOIN_LINE = f"microk8s join 192.168.1.230:25000/{JOIN_TOKEN}/e3b0c44298fc1c14 --worker"
WORKER_DONE = InstallResult(
    True, None, "this worker joined the cluster — now, on the master, run: mipwizard node label hospital-w1 --worker"
)


def worker_app(tmp_path: Path, filled: dict, **fields: Any) -> Any:
    app = fake_app(tmp_path, profiles_dir=NO_PROFILES, plan=None,
                   install_settings=InstallSettings(node_name="hospital-w1"), **fields)
    app.state.load_mapping({**filled, "role": "worker", "join_command": JOIN_LINE})
    return app


@pytest.mark.parametrize("size", SIZES)
def test_worker_join(snap_compare: Any, tmp_path: Path, filled: dict, size: tuple[int, int]) -> None:
    async def then(pilot: Any) -> None:
        await settle(pilot, lambda: "Will run" in str(pilot.app.screen.query_one("#join-shown").render()))

    app = worker_app(tmp_path, filled)
    assert snap_compare(app, terminal_size=size, run_before=goto("Join", "JoinScreen", then))


@pytest.mark.parametrize("size", SIZES)
def test_worker_join_bad(snap_compare: Any, tmp_path: Path, filled: dict, size: tuple[int, int]) -> None:
    async def then(pilot: Any) -> None:
        await fill(pilot, "#input-join_command", "microk8s join 192.168.1.230/oops")

    app = worker_app(tmp_path, filled)
    assert snap_compare(app, terminal_size=size, run_before=goto("Join", "JoinScreen", then))


@pytest.mark.parametrize("size", SIZES)
def test_worker_review(snap_compare: Any, tmp_path: Path, filled: dict, size: tuple[int, int]) -> None:
    async def then(pilot: Any) -> None:
        await settle(pilot, lambda: pilot.app.screen.facts)

    app = worker_app(tmp_path, filled)
    assert snap_compare(app, terminal_size=size, run_before=goto("Review", "ReviewScreen", then))


@pytest.mark.parametrize("size", SIZES)
def test_worker_done(
    snap_compare: Any, tmp_path: Path, filled: dict, fixed_state: Path, size: tuple[int, int]
) -> None:
    app = worker_app(tmp_path, filled, state_dir=fixed_state, installer=ScriptedInstaller(done=WORKER_DONE),
                     log_dir=fixed_state / "logs")
    assert snap_compare(app, terminal_size=size, run_before=_install_run_before("DoneScreen"))
