"""Pilot tests: the whole wizard flow on synthetic machines and the fake toolchain."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
import yaml
from textual.widgets import Button, Input, RadioButton, Static, Switch

from mipwizard.cli.main import main as cli_main
from mipwizard.core.install import InstallSettings
from mipwizard.core.profiles import write_profiles
from mipwizard.tui.app import WizardApp
from mipwizard.tui.widgets.live_log import LiveLog
from tests.conftest import EXTERNAL_SECRET, INTERNAL_SECRET
from tests.polling import until_async as wait_for
from tests.tui_fakes import ScriptedInstaller, answers_mapping, fake_app

SIZE = (100, 30)


def first_hit(app: WizardApp) -> str:
    """The first line of the command palette's results ('' while it searches)."""
    from textual.widgets import OptionList

    results = app.screen.query(OptionList)
    if not results or results.first().option_count == 0:
        return ""
    return str(results.first().get_option_at_index(0).prompt)


def screen_name(app: WizardApp) -> str:
    """The current screen's class, once it is composed (a switch is not instantaneous)."""
    screen = app.screen
    if not screen.is_mounted or not screen.children:
        return "(switching)"
    return type(screen).__name__


async def type_text(pilot: Any, selector: str, text: str, *, clear: bool = True) -> None:
    widget = pilot.app.screen.query_one(selector, Input)
    widget.focus()
    await pilot.pause()
    if clear:
        widget.value = ""
    await pilot.press("end", *text)  # focus selects the text: go to its end first
    await pilot.pause()


def next_button(app: WizardApp) -> Button:
    return app.screen.query_one("#next", Button)


def reason(app: WizardApp) -> str:
    return str(app.screen.query_one("#reason", Static).render())


async def press_next(pilot: Any, expected: str) -> None:
    await wait_for(pilot, lambda: not next_button(pilot.app).disabled)
    next_button(pilot.app).press()
    if expected == "InstallScreen":
        await confirm_install(pilot)
    await wait_for(pilot, lambda: screen_name(pilot.app) == expected)
    await pilot.pause()


async def confirm_install(pilot: Any) -> None:
    """Review's Install asks first (naming the machine and the release): answer Yes."""
    await wait_for(pilot, lambda: screen_name(pilot.app) == "ConfirmDialog")
    assert str(pilot.app.screen.question).startswith("Install the MIP on ")
    await pilot.press("y")


async def go_to(pilot: Any, app: WizardApp, step: str, screen: str) -> None:
    """Jump to ``step`` (as the palette does) and wait until its screen is shown."""
    app.goto(step)
    await wait_for(pilot, lambda: screen_name(app) == screen)


async def choose(pilot: Any, button_id: str) -> None:
    pilot.app.screen.query_one(f"#{button_id}", RadioButton).value = True
    await pilot.pause()


# --- validation ----------------------------------------------------------------------------------


async def test_bad_ip_shows_the_validator_message_and_blocks_next(tmp_path: Path) -> None:
    app = fake_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, app, "Network", "NetworkScreen")
        await type_text(pilot, "#input-machine_main_ip", "10.20.30")
        await type_text(pilot, "#input-machine_public_fqdn", "mip.example.org")
        error = str(app.screen.query_one("#field-machine_main_ip .error", Static).render())
        assert error == (
            "MACHINE_MAIN_IP: '10.20.30' is not a valid IPv4 or IPv6 address — use the address "
            "assigned to this server, e.g. 10.20.30.40"
        )
        assert next_button(app).disabled
        assert reason(app).startswith("MACHINE_MAIN_IP: '10.20.30' is not a valid")
        await pilot.press("enter")  # Enter in the field does not go on either
        assert screen_name(app) == "NetworkScreen"
        await type_text(pilot, "#input-machine_main_ip", ".40", clear=False)
        assert not next_button(app).disabled
        await press_next(pilot, "AuthScreen")


async def test_same_message_as_the_cli(tmp_path: Path, answers_file: Path, capsys: Any) -> None:
    data = yaml.safe_load(answers_file.read_text())
    data["machine_public_fqdn"] = "https://mip.example.org"
    answers_file.write_text(yaml.safe_dump(data))
    assert cli_main(["profiles", "write", "--answers", str(answers_file), "--out", str(tmp_path / "o")]) == 1
    cli_message = capsys.readouterr().err
    app = fake_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, app, "Network", "NetworkScreen")
        await type_text(pilot, "#input-machine_public_fqdn", "https://mip.example.org")
        shown = str(app.screen.query_one("#field-machine_public_fqdn .error", Static).render())
        assert shown.startswith("MACHINE_PUBLIC_FQDN: ")
        assert f"machine_public_fqdn: {shown.split(': ', 1)[1]}" in cli_message


async def test_proxied_needs_the_private_address_and_the_diagram_follows(tmp_path: Path) -> None:
    app = fake_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, app, "Network", "NetworkScreen")
        await type_text(pilot, "#input-machine_main_ip", "10.20.30.40")
        await type_text(pilot, "#input-machine_public_fqdn", "mip.example.org")
        assert not next_button(app).disabled
        diagram = lambda: str(app.screen.query_one("#diagram", Static).render())  # noqa: E731
        assert "DIRECT" in diagram() and "mip.example.org" in diagram() and "10.20.30.40" in diagram()
        await choose(pilot, "link-proxied")
        assert "PROXIED" in diagram() and "reverse proxy" in diagram()
        assert next_button(app).disabled and "MACHINE_PRIVATE_FQDN_OR_IP" in reason(app)
        await type_text(pilot, "#input-machine_private_fqdn_or_ip", "mip.internal")
        assert "mip.internal" in diagram()
        assert not next_button(app).disabled
        assert all(len(line) <= 78 for line in diagram().splitlines())


async def test_detected_address_fills_the_ip(tmp_path: Path) -> None:
    app = fake_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, app, "Network", "NetworkScreen")
        from textual.widgets import Select

        select = app.screen.query_one("#detected", Select)
        await wait_for(pilot, lambda: len(select._options) > 1)
        select.value = "192.168.1.7"
        await pilot.pause()
        assert app.screen.query_one("#input-machine_main_ip", Input).value == "192.168.1.7"
        assert app.state.machine_main_ip == "192.168.1.7"


# --- preflight -----------------------------------------------------------------------------------


async def test_failed_check_blocks_next_until_ignored(tmp_path: Path) -> None:
    app = fake_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await press_next(pilot, "PreflightScreen")
        screen: Any = app.screen
        await wait_for(pilot, lambda: not screen.running and len(screen.results) == 6)
        assert next_button(app).disabled and "1 check failed" in reason(app)
        screen.query_one("#checks").move_cursor(row=4)  # snap: FAIL
        await pilot.pause()
        details = str(screen.query_one("#details", Static).render())
        assert "snap" in details and "Fix: sudo apt-get install snapd" in details
        await pilot.press("i")
        await wait_for(pilot, lambda: not screen.running and screen.results["snap"].ignored)
        assert not next_button(app).disabled
        await press_next(pilot, "NetworkScreen")


async def test_preflight_on_a_synthetic_machine(tmp_path: Path) -> None:
    app = fake_app(tmp_path, machine="laptop-2core-4gb")
    async with app.run_test(size=SIZE) as pilot:
        await press_next(pilot, "WelcomeScreen") if False else None
        next_button(app).press()
        await wait_for(pilot, lambda: screen_name(app) == "PreflightScreen")
        screen: Any = app.screen
        await wait_for(pilot, lambda: screen.results and not screen.running, timeout=30)
        statuses = {r.id: r.status.value for r in screen.results.values()}
        assert "fail" in statuses.values()
        assert next_button(app).disabled


# --- the whole walk ------------------------------------------------------------------------------


async def walk_to_review(pilot: Any, tmp_path: Path) -> None:
    app = pilot.app
    await press_next(pilot, "PreflightScreen")
    screen: Any = app.screen
    await wait_for(pilot, lambda: screen.results and not screen.running, timeout=30)
    await press_next(pilot, "NetworkScreen")
    await type_text(pilot, "#input-machine_main_ip", "10.20.30")
    assert next_button(app).disabled
    await type_text(pilot, "#input-machine_main_ip", ".40", clear=False)
    await type_text(pilot, "#input-machine_public_fqdn", "mip.example.org")
    await choose(pilot, "link-proxied")
    await type_text(pilot, "#input-machine_private_fqdn_or_ip", "10.20.30.41")
    await choose(pilot, "link-direct")
    await press_next(pilot, "AuthScreen")
    # fill the embedded Keycloak too, so that all 8 profiles can be written
    await choose(pilot, "auth-internal")
    await type_text(pilot, "#input-internal_client_secret", INTERNAL_SECRET)
    await choose(pilot, "auth-external")
    assert next_button(app).disabled  # client id and secret still empty
    await type_text(pilot, "#input-keycloak_client_id", "mipfedqa")
    await type_text(pilot, "#input-keycloak_client_secret", EXTERNAL_SECRET)
    await press_next(pilot, "DataEngineScreen")
    assert app.screen.query_one("#smpc", Switch).disabled
    await type_text(pilot, "#input-federation", "mipfed1")
    await type_text(pilot, "#input-data_root", str(tmp_path / "data"))
    await press_next(pilot, "ReviewScreen")
    await wait_for(pilot, lambda: app.screen.facts)


async def test_complete_walk_writes_the_cli_profiles_and_installs(
    tmp_path: Path, fake_toolchain: Any, answers_data: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIPWIZARD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("MIPWIZARD_LOG_DIR", str(tmp_path / "logs"))
    site = answers_mapping(answers_data, tmp_path)
    app = fake_app(
        tmp_path,
        machine="perfect-master",
        installer=None,
        plan=None,
        install_settings=InstallSettings(poll_seconds=0.05),
    )
    app.env.installer = None
    app.state.extra = {"exareme2": site["exareme2"], "mip_deployment": site["mip_deployment"]}
    async with app.run_test(size=SIZE) as pilot:
        await walk_to_review(pilot, tmp_path)
        review: Any = app.screen
        assert "problems" not in review.facts, review.facts.get("problems")
        assert len(review.facts["files"]) == 8 and not review.facts["skipped"]
        diff_text = str(review.query_one("#diff", Static).render())
        assert EXTERNAL_SECRET not in diff_text and INTERNAL_SECRET not in diff_text
        await press_next(pilot, "InstallScreen")
        install: Any = app.screen
        await wait_for(pilot, lambda: screen_name(app) == "DoneScreen", timeout=60)
        assert "https://mip.example.org/" in str(app.screen.query_one("#url", Static).render())
        # the external Keycloak's login check ran last; the fake serves no MIP UI: a warning, not a failure
        assert install.outcome["login-check"] == "warning"
        warning = str(app.screen.query_one(".warning", Static).render())
        assert warning.startswith("Warning: login-check:") and "did not answer" in warning

    # the profiles equal what `mipwizard profiles write` makes from the same answers
    answers_path = tmp_path / "cli-answers.yaml"
    answers_path.write_text(yaml.safe_dump(site))
    assert cli_main(["profiles", "write", "--answers", str(answers_path), "--out", str(tmp_path / "cli")]) == 0
    written = tmp_path / "opt" / "mip-deployment" / "kubernetes"
    cli_files = sorted(p.name for p in (tmp_path / "cli").iterdir())
    assert len(cli_files) == 8
    for name in cli_files:
        assert (written / name).read_text() == (tmp_path / "cli" / name).read_text(), name
    # the answers are saved 0600 for a headless replay, secrets left out (the box was not ticked)
    saved = tmp_path / "state" / "answers.yaml"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    saved_text = saved.read_text()
    assert "mipfedqa" in saved_text and EXTERNAL_SECRET not in saved_text and INTERNAL_SECRET not in saved_text
    # no secret in any log
    for log in (tmp_path / "logs").rglob("*"):
        if log.is_file():
            text = log.read_text(errors="replace")
            assert EXTERNAL_SECRET not in text and INTERNAL_SECRET not in text, log


async def test_failing_step_shows_retry_and_retry_resumes(
    tmp_path: Path, fake_toolchain: Any, answers_data: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIPWIZARD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("MIPWIZARD_LOG_DIR", str(tmp_path / "logs"))
    fake_toolchain.fail("git", "clone", exit_code=128, stderr="fatal: unable to access 'https://github.com/'", times=1)
    app = fake_app(tmp_path, installer=None, plan=None, install_settings=InstallSettings(poll_seconds=0.05))
    app.env.installer = None
    app.env.plan = None
    async with app.run_test(size=SIZE) as pilot:
        app.state.load_mapping(answers_mapping(answers_data, tmp_path))
        app.state.save_secrets = True
        app.goto("Review")
        await wait_for(pilot, lambda: screen_name(app) == "ReviewScreen" and app.screen.facts)
        await press_next(pilot, "InstallScreen")
        install: Any = app.screen
        retry = install.query_one("#retry", Button)
        await wait_for(pilot, lambda: retry.display and not install.running, timeout=60)
        assert install.failed_step == "checkouts"
        assert install.outcome["microk8s-snap"] == "done"
        assert "Failed" in reason(app)
        log = install.query_one(LiveLog)
        assert any("unable to access" in line for line in log.lines)
        snap_installs = len(fake_toolchain.calls_of("snap", "install"))
        retry.press()
        await wait_for(pilot, lambda: screen_name(app) == "DoneScreen", timeout=60)
        assert len(fake_toolchain.calls_of("snap", "install")) == snap_installs  # resumed, not restarted
        assert install.outcome["microk8s-snap"] == "done" and install.outcome["checkouts"] == "done"
    saved = (tmp_path / "state" / "answers.yaml").read_text()
    assert EXTERNAL_SECRET in saved  # the user ticked "keep the secrets"


async def test_skip_asks_first_and_continues_after_the_step(tmp_path: Path, answers_data: dict) -> None:
    installer = ScriptedInstaller(fail_at="checkouts")
    app = fake_app(tmp_path, installer=installer)
    async with app.run_test(size=SIZE) as pilot:
        app.state.load_mapping(answers_mapping(answers_data, tmp_path))
        app.goto("Review")
        await wait_for(pilot, lambda: screen_name(app) == "ReviewScreen" and app.screen.facts)
        await press_next(pilot, "InstallScreen")
        install: Any = app.screen
        await wait_for(pilot, lambda: install.failed_step and not install.running)
        install.query_one("#skip", Button).press()
        await wait_for(pilot, lambda: screen_name(app) == "ConfirmDialog")
        await pilot.press("escape")  # no: nothing runs
        await pilot.pause()
        assert installer.runs == [None]
        install.query_one("#skip", Button).press()
        await wait_for(pilot, lambda: screen_name(app) == "ConfirmDialog")
        app.screen.query_one("#yes", Button).press()
        await wait_for(pilot, lambda: screen_name(app) == "DoneScreen")
        assert installer.runs == [None, "mip-chart"]
        assert install.outcome["checkouts"] == "skipped"


# --- app-wide behaviour ----------------------------------------------------------------------------


async def test_quit_asks_only_when_answers_would_be_lost(tmp_path: Path) -> None:
    app = fake_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, app, "Network", "NetworkScreen")
        await type_text(pilot, "#input-machine_main_ip", "10.1.2.3")
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: screen_name(app) == "ConfirmDialog")
        await pilot.press("escape")
        await pilot.pause()
        assert screen_name(app) == "NetworkScreen" and app.is_running
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: screen_name(app) == "ConfirmDialog")
        app.screen.query_one("#yes", Button).press()
        await wait_for(pilot, lambda: not app.is_running)
    clean = fake_app(tmp_path)
    async with clean.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not clean.is_running)


async def test_f1_shows_help_for_the_current_screen(tmp_path: Path) -> None:
    app = fake_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, app, "Network", "NetworkScreen")
        await pilot.press("f1")
        await wait_for(pilot, lambda: screen_name(app) == "HelpDialog")
        assert app.screen.topic == "network"  # type: ignore[attr-defined]
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "NetworkScreen")


async def test_palette_commands_and_jumps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mipwizard.tui import commands

    app = fake_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        provider = commands.WizardCommands(app.screen)
        titles = [title for title, _, _ in provider.commands()]
        for wanted in ("Switch profile", "Open log", "Re-run preflight", "Go to Network", "Go to Review"):
            assert wanted in titles
        assert "Go to Install" not in titles
        monkeypatch.setattr(commands, "module_available", lambda name: False)
        assert "Troubleshoot" not in [t for t, _, _ in provider.commands()]
        jump = dict((t, cb) for t, _, cb in provider.commands())["Go to Auth"]
        jump()
        await wait_for(pilot, lambda: screen_name(app) == "AuthScreen")
        app.state.role = "worker"  # no MIP chart on a worker, so no profile to switch
        assert "Switch profile" not in [t for t, _, _ in provider.commands()]
        app.state.role = "local"
        hits = [hit async for hit in provider.search("open log")]
        assert hits and "Open log" in str(hits[0].text)
        await pilot.press("ctrl+p")  # the real palette, with our provider registered
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CommandPalette")
        await pilot.press(*"go to review")
        await wait_for(pilot, lambda: first_hit(app).startswith("Go to Review"))  # the search is async
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(app) == "ReviewScreen")


async def test_existing_installation_prefills_and_offers_edit(tmp_path: Path, answers: Any) -> None:
    profiles = tmp_path / "kubernetes"
    write_profiles(answers, profiles)
    app = fake_app(tmp_path, profiles_dir=profiles)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#edit-profiles"))
        assert str(profiles) in str(app.screen.query_one("#existing-text", Static).render())
        app.screen.query_one("#edit-profiles", Button).press()
        await wait_for(pilot, lambda: screen_name(app) == "NetworkScreen")
        assert app.screen.query_one("#input-machine_main_ip", Input).value == "10.20.30.40"
        assert app.screen.query_one("#input-machine_private_fqdn_or_ip", Input).value == "10.20.30.41"
        assert app.state.keycloak_client_secret == EXTERNAL_SECRET
        assert not next_button(app).disabled


async def test_auth_reveal_toggle_and_warnings(tmp_path: Path) -> None:
    app = fake_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, app, "Auth", "AuthScreen")
        secret = app.screen.query_one("#input-keycloak_client_secret", Input)
        assert secret.password
        app.screen.query_one("#reveal-external").toggle()  # type: ignore[attr-defined]
        await pilot.pause()
        assert not secret.password
        await choose(pilot, "auth-internal_http")
        assert app.screen.query_one("#http-warning").display
        assert not app.screen.query_one("#external").display
        await choose(pilot, "auth-none")
        assert app.screen.query_one("#none-warning").display
        assert not next_button(app).disabled


async def test_smpc_only_for_a_master_with_three_players(tmp_path: Path) -> None:
    app = fake_app(tmp_path, smpc_players=lambda: 3)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, app, "Data", "DataEngineScreen")
        switch = app.screen.query_one("#smpc", Switch)
        assert switch.disabled
        assert "Only a federation master" in str(app.screen.query_one("#smpc-reason", Static).render())
        app.state.role = "master"
        app.screen.update_smpc()  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: not switch.disabled)
    few = fake_app(tmp_path, smpc_players=lambda: 2)
    few.state.role = "master"
    async with few.run_test(size=SIZE) as pilot:
        few.goto("Data")
        await wait_for(pilot, lambda: screen_name(few) == "DataEngineScreen")
        await wait_for(pilot, lambda: "2 found" in str(few.screen.query_one("#smpc-reason", Static).render()))
        assert few.screen.query_one("#smpc", Switch).disabled


async def test_live_log_stays_bounded_and_responsive(tmp_path: Path) -> None:
    import threading

    from textual.app import App, ComposeResult

    class LogApp(App[None]):
        def compose(self) -> ComposeResult:
            yield LiveLog(max_lines=1000)

    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        log = app.query_one(LiveLog)

        def produce() -> None:
            for batch in range(200):
                log.feed([f"line {batch}-{n}" for n in range(500)])

        thread = threading.Thread(target=produce)
        thread.start()
        while thread.is_alive():
            await pilot.pause(0.01)  # the UI keeps turning while the producer floods it
        thread.join()
        await wait_for(pilot, lambda: log.lines and log.lines[-1] == "line 199-499")
        assert log.line_count <= 1000
        assert log.lines_seen == 100_000


async def test_saved_answers_prefill_every_step(tmp_path: Path, answers: Any) -> None:
    from mipwizard.core.answers import save_answers

    save_answers(answers, tmp_path / "state" / "answers.yaml")
    app = fake_app(tmp_path, profiles_dir=tmp_path / "no-profiles")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#edit-profiles"))
        text = str(app.screen.query_one("#existing-text", Static).render())
        assert f"saved answers in {tmp_path / 'state' / 'answers.yaml'}" in text
        app.screen.query_one("#edit-profiles", Button).press()
        await wait_for(pilot, lambda: screen_name(app) == "NetworkScreen")
        await go_to(pilot, app, "Review", "ReviewScreen")
        await wait_for(pilot, lambda: app.screen.facts)
        assert "problems" not in app.screen.facts
        assert app.state.machine_public_fqdn == "mip.example.org" and app.state.federation == "mipfed1"


async def test_sudo_password_is_asked_when_not_root(tmp_path: Path, answers_data: dict) -> None:
    app = fake_app(tmp_path, needs_password=lambda: True)
    async with app.run_test(size=SIZE) as pilot:
        app.state.load_mapping(answers_mapping(answers_data, tmp_path))
        app.goto("Review")
        await wait_for(pilot, lambda: screen_name(app) == "ReviewScreen" and app.screen.facts)
        next_button(app).press()
        await confirm_install(pilot)
        await wait_for(pilot, lambda: screen_name(app) == "SudoPasswordDialog")
        password = app.screen.query_one("#password", Input)
        assert password.password  # masked
        await pilot.press(*"hunter2", "enter")
        await wait_for(pilot, lambda: screen_name(app) == "DoneScreen")
        assert app.env.sudo_password == "hunter2"
        assert app.redact("sudo said hunter2") == "sudo said ***HIDDEN***"


@pytest.mark.parametrize(
    ("action", "screen_class"),
    [("troubleshoot", "TroubleshootScreen"), ("data", "DataScreen"), ("nodes", "NodesScreen")],
)
async def test_tools_open_from_the_palette_actions(
    tmp_path: Path, fake_toolchain: Any, monkeypatch: pytest.MonkeyPatch, action: str, screen_class: str
) -> None:
    from mipwizard.tui.commands import module_available

    module = {"troubleshoot": "troubleshoot", "data": "data", "nodes": "nodes"}[action]
    if not module_available(f"mipwizard.tui.screens.{module}"):
        pytest.skip(f"the {module} screen is not written yet")
    monkeypatch.setenv("MIPWIZARD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("MIPWIZARD_LOG_DIR", str(tmp_path / "logs"))
    app = fake_app(tmp_path)
    app.state.data_root = str(tmp_path / "data")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: screen_name(app) == "WelcomeScreen")
        getattr(app, f"action_{action}")()
        await wait_for(pilot, lambda: type(app.screen).__name__ == screen_class)
        await app.workers.wait_for_complete()  # let the tool finish its first look before leaving
        await pilot.pause()
        app.goto("Network")  # a jump closes the tool and lands on the step
        await wait_for(pilot, lambda: screen_name(app) == "NetworkScreen")


async def test_an_engine_crash_is_shown_as_a_failure_with_retry(tmp_path: Path, answers_data: dict) -> None:
    from mipwizard.tui.env import InstallHandle

    calls: list[str | None] = []

    def crashing(answers: Any, on_event: Any) -> InstallHandle:
        def run(*, from_step: str | None, cancel: Any) -> Any:
            calls.append(from_step)
            raise RuntimeError(f"journal unreadable near {EXTERNAL_SECRET}")

        return InstallHandle(run)

    app = fake_app(tmp_path, installer=crashing)
    async with app.run_test(size=SIZE) as pilot:
        app.state.load_mapping(answers_mapping(answers_data, tmp_path))
        app.goto("Review")
        await wait_for(pilot, lambda: screen_name(app) == "ReviewScreen" and app.screen.facts)
        await press_next(pilot, "InstallScreen")
        install: Any = app.screen
        await wait_for(pilot, lambda: install.query_one("#retry").display)
        text = reason(app)
        assert "RuntimeError" in text and EXTERNAL_SECRET not in text
        assert app.is_running and not app.install_running


async def test_quit_during_install_cancels_it(tmp_path: Path, answers_data: dict) -> None:
    import threading

    from mipwizard.tui.env import InstallHandle

    started = threading.Event()
    cancelled = threading.Event()

    def slow(answers: Any, on_event: Any) -> InstallHandle:
        def run(*, from_step: str | None, cancel: threading.Event) -> Any:
            started.set()
            if cancel.wait(10):
                cancelled.set()
            from mipwizard.core.install import InstallResult

            return InstallResult(False, None, "cancelled")

        return InstallHandle(run)

    app = fake_app(tmp_path, installer=slow)
    async with app.run_test(size=SIZE) as pilot:
        app.state.load_mapping(answers_mapping(answers_data, tmp_path))
        app.goto("Review")
        await wait_for(pilot, lambda: screen_name(app) == "ReviewScreen" and app.screen.facts)
        await press_next(pilot, "InstallScreen")
        await wait_for(pilot, started.is_set)
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: screen_name(app) == "ConfirmDialog")
        assert "still running" in str(app.screen.message)  # type: ignore[attr-defined]
        app.screen.query_one("#yes", Button).press()
        await wait_for(pilot, cancelled.is_set)


async def test_write_profiles_only_for_an_existing_chart_folder(tmp_path: Path, answers: Any) -> None:
    profiles = tmp_path / "kubernetes"
    write_profiles(answers, profiles)
    (profiles / ".direct").unlink()
    app = fake_app(tmp_path, profiles_dir=profiles)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#edit-profiles"))
        app.goto("Review")
        await wait_for(pilot, lambda: screen_name(app) == "ReviewScreen" and app.screen.facts)
        button = app.screen.query_one("#write-only", Button)
        assert app.screen.query_one("#write-actions").display
        files = str(app.screen.query_one("#files", Static).render())
        assert "new     .direct " in files and "same    .proxied " in files
        button.press()
        await wait_for(pilot, lambda: (profiles / ".direct").exists())
        assert stat.S_IMODE((profiles / ".direct").stat().st_mode) == 0o600
        written = str(app.screen.query_one("#written", Static).render())
        assert "The running MIP is unchanged" in written and "mipwizard apply --answers" in written
    # Another machine (its own state folder): the saved answers of the first run must not be found.
    fresh = fake_app(tmp_path, state_dir=tmp_path / "fresh-state", profiles_dir=tmp_path / "not-yet")
    async with fresh.run_test(size=SIZE) as pilot:
        fresh.state.load_mapping(answers.model_dump(mode="json"))
        fresh.goto("Review")
        await wait_for(pilot, lambda: screen_name(fresh) == "ReviewScreen" and fresh.screen.facts)
        assert not fresh.screen.query_one("#write-actions").display


# --- the worker role ---------------------------------------------------------------------------

JOIN_TOKEN = "5f0c2a9e7d1b4c3a8e6f2d0b9a7c5e1f"
JOIN_LINE = f"microk8s join 192.168.1.230:25000/{JOIN_TOKEN}/e3b0c44298fc1c14 --worker"


def step_bar_text(app: WizardApp) -> str:
    from mipwizard.tui.widgets.step_bar import StepBar

    return str(app.screen.query_one(StepBar).render())


async def walk_worker_to_join(pilot: Any) -> None:
    app = pilot.app
    await choose(pilot, "role-worker")
    assert "Join" in step_bar_text(app) and "Network" not in step_bar_text(app)
    await press_next(pilot, "PreflightScreen")
    screen: Any = app.screen
    await wait_for(pilot, lambda: screen.results and not screen.running, timeout=30)
    await press_next(pilot, "JoinScreen")


async def test_worker_walk_joins_and_shows_the_label_command(
    tmp_path: Path, fake_toolchain: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIPWIZARD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("MIPWIZARD_LOG_DIR", str(tmp_path / "logs"))
    app = fake_app(tmp_path, machine="perfect-master", plan=None,
                   install_settings=InstallSettings(poll_seconds=0.05, node_name="Hospital-W1"))
    app.env.installer = None  # the real engine on the fake toolchain
    async with app.run_test(size=SIZE) as pilot:
        await walk_worker_to_join(pilot)
        assert app.screen.query_one("#input-join_command", Input).password  # masked as typed
        await type_text(pilot, "#input-join_command", JOIN_LINE)
        shown = str(app.screen.query_one("#join-shown", Static).render())
        assert "192.168.1.230:25000/********/e3b0c44298fc1c14 --worker" in shown and JOIN_TOKEN not in shown
        await press_next(pilot, "DataEngineScreen")
        assert not app.screen.query("#field-localnodes") and not app.screen.query("#smpc")  # set on the master
        await type_text(pilot, "#input-federation", "mipfed1")
        await type_text(pilot, "#input-data_root", str(tmp_path / "data"))
        await press_next(pilot, "ReviewScreen")
        review: Any = app.screen
        await wait_for(pilot, lambda: review.facts)
        assert "problems" not in review.facts, review.facts.get("problems")
        summary = str(review.query_one("#target", Static).render())
        listing = str(review.query_one("#plan", Static).render())
        assert "Join the cluster as a worker" in listing and "mipwizard node label hospital-w1 --worker" in summary
        assert "$ microk8s join 192.168.1.230:25000/***HIDDEN***/" in listing  # the commands, token masked
        assert not review.query_one("#active").display and not review.query_one("#diff").display  # no profiles
        assert JOIN_TOKEN not in summary + listing
        await press_next(pilot, "InstallScreen")
        install: Any = app.screen
        assert [step for step, _ in install.steps] == ["microk8s-snap", "admin-user", "microk8s-ready", "join",
                                                      "data-folders"]
        await wait_for(pilot, lambda: screen_name(app) == "DoneScreen", timeout=60)
        label = str(app.screen.query_one("#label", Static).render())
        assert "mipwizard node label hospital-w1 --worker" in label
        assert JOIN_TOKEN not in "\n".join(install.query_one(LiveLog).lines)
    assert fake_toolchain.calls_of("microk8s", "join")  # it really joined (on the fake)
    assert (tmp_path / "data" / "mipfed1" / "dementia").is_dir()
    assert not (tmp_path / "opt").exists()  # a worker writes no profile and clones nothing
    saved = (tmp_path / "state" / "answers.yaml").read_text()
    assert "role: worker" in saved and JOIN_TOKEN not in saved  # saved without secrets
    for log in (tmp_path / "logs").rglob("*"):
        if log.is_file():
            assert JOIN_TOKEN not in log.read_text(errors="replace"), log


async def test_bad_join_command_blocks_next_with_the_engine_message(tmp_path: Path) -> None:
    from mipwizard.core.answers import check_join_command

    app = fake_app(tmp_path, machine="perfect-master")
    async with app.run_test(size=SIZE) as pilot:
        await walk_worker_to_join(pilot)
        assert next_button(app).disabled and "join_command: is empty" in reason(app)
        await type_text(pilot, "#input-join_command", "microk8s join 192.168.1.230/oops")
        assert next_button(app).disabled
        with pytest.raises(ValueError) as engine:
            check_join_command("microk8s join 192.168.1.230/oops")
        assert reason(app) == f"join_command: {engine.value}"
        assert "oops" not in reason(app)  # the pasted text (a token) is never echoed
        await type_text(pilot, "#input-join_command", JOIN_LINE)
        await press_next(pilot, "DataEngineScreen")
        # Back from Data goes to Join, not to Network
        app.screen.query_one("#back", Button).press()
        await wait_for(pilot, lambda: screen_name(app) == "JoinScreen")


async def test_changing_the_role_back_restores_the_master_steps(tmp_path: Path) -> None:
    app = fake_app(tmp_path, machine="perfect-master")
    async with app.run_test(size=SIZE) as pilot:
        await walk_worker_to_join(pilot)
        await go_to(pilot, app, "Welcome", "WelcomeScreen")
        await choose(pilot, "role-master")
        assert "Network" in step_bar_text(app) and "Join" not in step_bar_text(app)
        await press_next(pilot, "PreflightScreen")
        screen: Any = app.screen
        await wait_for(pilot, lambda: screen.results and not screen.running, timeout=30)
        await press_next(pilot, "NetworkScreen")
        assert "Network" in step_bar_text(app)


# --- sudo refuses the password -------------------------------------------------------------------


async def test_wrong_sudo_password_retry_asks_again(
    tmp_path: Path, fake_toolchain: Any, answers_data: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIPWIZARD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("MIPWIZARD_LOG_DIR", str(tmp_path / "logs"))
    fake_toolchain.set_current_user("alice")
    fake_toolchain.set_sudo_password("right-horse-battery")
    monkeypatch.setattr("mipwizard.core.runner.is_root", lambda: False)  # the runner goes through the fake sudo
    app = fake_app(tmp_path, plan=None, install_settings=InstallSettings(poll_seconds=0.05),
                   needs_password=lambda: True)
    app.env.installer = None
    async with app.run_test(size=SIZE) as pilot:
        app.state.load_mapping(answers_mapping(answers_data, tmp_path))
        app.goto("Review")
        await wait_for(pilot, lambda: screen_name(app) == "ReviewScreen" and app.screen.facts)
        next_button(app).press()
        await confirm_install(pilot)
        await wait_for(pilot, lambda: screen_name(app) == "SudoPasswordDialog")
        await pilot.press(*"wrong-pass-1", "enter")
        await wait_for(pilot, lambda: screen_name(app) == "InstallScreen")
        install: Any = app.screen
        retry = install.query_one("#retry", Button)
        await wait_for(pilot, lambda: retry.display and not install.running, timeout=60)
        assert install.sudo_rejected and "sudo refused the password" in reason(app)
        retry.press()
        await wait_for(pilot, lambda: screen_name(app) == "SudoPasswordDialog")
        assert "refused" in str(app.screen.query_one("#prompt", Static).render())
        assert app.screen.query_one("#password", Input).password  # masked
        await pilot.press(*"right-horse-battery", "enter")
        await wait_for(pilot, lambda: screen_name(app) == "DoneScreen", timeout=60)
        assert app.env.sudo_password == "right-horse-battery"
        lines = "\n".join(install.query_one(LiveLog).lines)
    for secret in ("wrong-pass-1", "right-horse-battery"):
        assert secret not in lines
        for log in (tmp_path / "logs").rglob("*"):
            if log.is_file():
                assert secret not in log.read_text(errors="replace"), log
