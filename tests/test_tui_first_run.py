"""The wizard's first run, done safely: the host facts re-checked, a question before any change,
a readable failure, next steps, Save and quit, and states that do not depend on colour."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, Checkbox, Input, RadioButton, Static

from mipwizard.core.install import InstallResult
from mipwizard.tui.widgets.live_log import LiveLog
from tests.test_tui_flow import (
    SIZE,
    confirm_install,
    go_to,
    next_button,
    press_next,
    reason,
    screen_name,
    type_text,
    wait_for,
)
from tests.tui_fakes import ScriptedInstaller, answers_mapping, fake_app


def text(app: Any, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_preflight_rechecks_the_main_ip_after_network_and_review_blocks_install(
    tmp_path: Path, answers_data: dict
) -> None:
    """The guide's main warning: a main IP that is not on this host fails, with its fix."""
    installer = ScriptedInstaller()
    app = fake_app(tmp_path, machine="perfect-master", installer=installer)  # has 10.20.30.40 on eth0
    async with app.run_test(size=SIZE) as pilot:
        await press_next(pilot, "PreflightScreen")
        preflight: Any = app.screen
        await wait_for(pilot, lambda: preflight.results and not preflight.running, timeout=30)
        assert preflight.results["main-ip-assigned"].status.value == "skip"  # no answers yet
        assert "mip.example.org" not in preflight.results["fqdn-resolves"].summary, \
            preflight.results["fqdn-resolves"].summary
        await press_next(pilot, "NetworkScreen")
        await type_text(pilot, "#input-machine_main_ip", "192.168.1.230")  # a NAT'd address
        await type_text(pilot, "#input-machine_public_fqdn", "mip.example.org")
        await go_to(pilot, app, "Preflight", "PreflightScreen")
        await wait_for(pilot, lambda: preflight.facts is not None and not preflight.running, timeout=30)
        main_ip = preflight.results["main-ip-assigned"]
        assert main_ip.status.value == "fail" and "192.168.1.230 is not on any interface here" in main_ip.summary
        fqdn = preflight.results["fqdn-resolves"]  # the FQDN is resolved again too, now that it is known
        assert fqdn.status.value == "warn"
        assert fqdn.summary == "mip.example.org → 10.20.30.40, not MACHINE_MAIN_IP 192.168.1.230"
        assert next_button(app).disabled and "1 check failed" in reason(app)
        details = text(app, "#details")  # the cursor went to the failure: its fix is on screen
        assert "Fix: set machine_main_ip to an address this machine has, e.g. 10.20.30.40" in details
        # The Review says so too, and Install is blocked until it is fixed or ignored.
        app.state.load_mapping({**answers_mapping(answers_data, tmp_path), "machine_main_ip": "192.168.1.230"})
        await go_to(pilot, app, "Review", "ReviewScreen")
        review: Any = app.screen
        await wait_for(pilot, lambda: review.facts and "host_checks" in review.facts, timeout=30)
        assert "[FAIL] Main IP on host: 192.168.1.230" in text(app, "#host-checks")
        assert next_button(app).disabled and "fix it in Network, or ignore it on Preflight" in reason(app)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen_name(app) == "ReviewScreen" and installer.runs == []
        preflight.ignored.add("main-ip-assigned")  # as `i` on its row does
        review.recheck()
        await wait_for(pilot, lambda: not next_button(app).disabled, timeout=30)
        assert "[warn] Main IP on host" in text(app, "#host-checks")


async def test_ignore_is_offered_on_failed_rows_only(tmp_path: Path) -> None:
    app = fake_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await press_next(pilot, "PreflightScreen")
        screen: Any = app.screen
        await wait_for(pilot, lambda: not screen.running and len(screen.results) == 6)
        table = screen.query_one("#checks")
        ignore = screen.query_one("#ignore", Button)
        table.move_cursor(row=0)  # cpu: passed
        await pilot.pause()
        assert not ignore.display
        await pilot.press("i")  # nothing to ignore
        await pilot.pause()
        assert screen.ignored == set()
        table.move_cursor(row=4)  # snap: failed
        await pilot.pause()
        assert ignore.display and not ignore.disabled


@pytest.mark.parametrize("role", ["local", "master"])
async def test_review_lists_what_will_run_and_install_asks_first(tmp_path: Path, answers_data: dict,
                                                                 role: str) -> None:
    installer = ScriptedInstaller()
    app = fake_app(tmp_path, plan=None, installer=installer)  # the real plan: its steps and commands
    async with app.run_test(size=SIZE) as pilot:
        app.state.load_mapping({**answers_mapping(answers_data, tmp_path), "role": role})
        await go_to(pilot, app, "Review", "ReviewScreen")
        review: Any = app.screen
        await wait_for(pilot, lambda: review.facts and "plan" in review.facts, timeout=30)
        listing = text(app, "#plan")
        steps = re.search(r"The install will run (\d+) steps:", listing)
        from mipwizard.core.install import build_plan

        assert steps and int(steps.group(1)) == len(build_plan(review.facts["answers"])), listing[:200]
        assert "$ snap install microk8s --classic" in listing
        assert "$ microk8s helm3 upgrade --install" in listing  # from the recording runner, as --dry-run
        assert "values.mipwizard.yaml" in listing  # the files it writes
        for secret in review.facts["answers"].secrets():
            assert secret not in listing
        for press in ("button", "ctrl+n"):
            if press == "button":
                next_button(app).press()
            else:
                await pilot.press("ctrl+n")
            await wait_for(pilot, lambda: screen_name(app) == "ConfirmDialog")
            dialog: Any = app.screen
            assert dialog.question == f"Install the MIP on {app.env.host_name()}?"
            assert "release 8.0.0" in dialog.message and "mip.example.org" in dialog.message
            assert "Nothing has changed yet" in dialog.message
            assert dialog.focused is not None and dialog.focused.id == "no"  # Enter is the safe answer
            await pilot.press("n")
            await wait_for(pilot, lambda: screen_name(app) == "ReviewScreen")
            assert installer.runs == []  # nothing ran
        next_button(app).press()
        await confirm_install(pilot)
        await wait_for(pilot, lambda: screen_name(app) in ("InstallScreen", "DoneScreen"))
        await wait_for(pilot, lambda: installer.runs == [None])


async def test_a_failed_step_shows_its_whole_reason_and_the_log_path_at_80x24(
    tmp_path: Path, answers_data: dict
) -> None:
    long_reason = ("helm upgrade --install mip failed with exit code 1: Error: INSTALLATION FAILED: context "
                   "deadline exceeded while waiting for the mip-frontend Deployment to become ready")

    class Failing(ScriptedInstaller):
        def __call__(self, answers: Any, on_event: Any) -> Any:
            handle = super().__call__(answers, on_event)
            run = handle.run

            def failing(*, from_step: str | None, cancel: Any) -> Any:
                result = run(from_step=from_step, cancel=cancel)
                return InstallResult(False, "mip-chart", long_reason) if not result.ok else result

            handle.run = failing  # type: ignore[method-assign]
            return handle

    app = fake_app(tmp_path, installer=Failing(fail_at="mip-chart"))
    async with app.run_test(size=(80, 24)) as pilot:
        app.state.load_mapping(answers_mapping(answers_data, tmp_path))
        await go_to(pilot, app, "Review", "ReviewScreen")
        await wait_for(pilot, lambda: app.screen.facts)
        await press_next(pilot, "InstallScreen")
        install: Any = app.screen
        await wait_for(pilot, lambda: install.failed_step and not install.running)
        failure = install.query_one("#failure", Static)
        assert failure.display and failure.region.height >= 4  # wrapped, not cut
        shown = " ".join(str(failure.render()).split())
        assert "context deadline exceeded while waiting for the mip-frontend Deployment" in shown
        assert failure.region.bottom <= install.query_one("#nav").region.y  # above the buttons, visible
        live = install.query_one(LiveLog)  # the failure panel shrank the log: its last line, the error, shows
        await wait_for(pilot, lambda: not live._pending and len(live.lines) == live.lines_seen)
        await pilot.pause()
        assert live.is_vertical_scroll_end and "==> FAILED" in live.lines[-2], live.lines[-3:]
        log_line = str(install.query_one("#log-path", Static).render())
        assert log_line == f"Log: {tmp_path / 'logs' / 'install.log'}"


async def test_a_masters_success_screen_says_what_comes_next(tmp_path: Path, answers_data: dict) -> None:
    app = fake_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.state.load_mapping({**answers_mapping(answers_data, tmp_path), "role": "master"})
        await go_to(pilot, app, "Review", "ReviewScreen")
        await wait_for(pilot, lambda: app.screen.facts)
        next_button(app).press()
        await confirm_install(pilot)
        await wait_for(pilot, lambda: screen_name(app) == "DoneScreen")
        steps = text(app, "#next-steps")
        assert "mipwizard node join-command" in steps and "Join step" in steps
        assert "mipwizard node label NAME --worker" in steps and "Nodes" in steps


async def test_ctrl_q_offers_save_and_quit(tmp_path: Path, answers_data: dict) -> None:
    app = fake_app(tmp_path)
    saved = tmp_path / "state" / "answers.yaml"
    async with app.run_test(size=SIZE) as pilot:
        app.state.load_mapping(answers_mapping(answers_data, tmp_path))
        await go_to(pilot, app, "Network", "NetworkScreen")
        await type_text(pilot, "#input-machine_public_fqdn", "mip.hospital.org")
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: screen_name(app) == "ConfirmDialog")
        assert "Save and quit (s)" in str(app.screen.query_one("#also", Button).label)
        await pilot.press("s")
        await wait_for(pilot, lambda: not app.is_running)
    assert app.return_code == 0  # the wizard's exit code after a quit (tests/test_exit_codes.py: ELSEWHERE)
    assert "machine_public_fqdn: mip.hospital.org" in saved.read_text()
    assert oct(saved.stat().st_mode & 0o777) == "0o600"


async def test_save_and_quit_with_invalid_answers_says_why_and_stays(tmp_path: Path) -> None:
    app = fake_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, app, "Network", "NetworkScreen")
        await type_text(pilot, "#input-machine_main_ip", "10.1.2.3")
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: screen_name(app) == "ConfirmDialog")
        await pilot.press("s")
        await wait_for(pilot, lambda: screen_name(app) == "NetworkScreen")
        assert app.is_running and not (tmp_path / "state" / "answers.yaml").exists()


async def test_states_are_glyphs_not_only_colours(tmp_path: Path) -> None:
    app = fake_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(app) == "WelcomeScreen")
        buttons = list(app.screen.query(RadioButton))
        assert [b.render().plain[:3] for b in buttons] == ["(●)", "( )", "( )"]
        await go_to(pilot, app, "Auth", "AuthScreen")
        box = app.screen.query(Checkbox).first()
        assert box.render().plain.startswith("[ ]")
        box.value = True
        await pilot.pause()
        assert box.render().plain.startswith("[X]")


async def test_linux_console_gets_ascii_states_and_no_emoji(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("TERM", "linux")
    app = fake_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(app) == "WelcomeScreen")
        assert app.screen.query(RadioButton).first().render().plain.startswith("(*)")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: screen_name(app) == "CommandPalette")
        await pilot.pause()
        from textual.command import SearchIcon

        icon = app.screen.query_one(SearchIcon)
        assert icon.icon.isascii()


async def test_the_sudo_password_field_is_visible_before_typing(tmp_path: Path, answers_data: dict) -> None:
    app = fake_app(tmp_path, needs_password=lambda: True)
    async with app.run_test(size=SIZE) as pilot:
        app.state.load_mapping(answers_mapping(answers_data, tmp_path))
        await go_to(pilot, app, "Review", "ReviewScreen")
        await wait_for(pilot, lambda: app.screen.facts)
        next_button(app).press()
        await confirm_install(pilot)
        await wait_for(pilot, lambda: screen_name(app) == "SudoPasswordDialog")
        field = app.screen.query_one("#password", Input)
        assert field.password and field.placeholder  # a hint is shown while empty
        assert field.styles.border_top[0] not in ("", "none", "hidden")  # framed, not a blank line


async def test_the_smpc_switch_says_on_or_off_in_words(tmp_path: Path, monkeypatch: Any) -> None:
    """Textual's slider is on or off by colour and side only: a 16-colour console shows neither."""
    from textual.widgets import Switch

    monkeypatch.setenv("TERM", "linux")
    app = fake_app(tmp_path, smpc_players=lambda: 3)
    async with app.run_test(size=SIZE) as pilot:
        app.state.set("role", "master")
        await go_to(pilot, app, "Data", "DataEngineScreen")
        switch = app.screen.query_one("#smpc", Switch)
        await wait_for(pilot, lambda: not switch.disabled)  # 3 smpc players counted: allowed
        assert switch.render().plain == "[ ] off"  # type: ignore[union-attr]
        switch.focus()
        await pilot.press("space")
        await pilot.pause()
        assert switch.render().plain == "[x] on "  # type: ignore[union-attr]
        assert app.state.smpc is True
