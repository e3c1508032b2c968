"""Coming back later (Pilot): the install is recognised, one edit is applied exactly, saved state is kept."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import pytest
import yaml
from textual.widgets import Button, Input, Static

from mipwizard.core.answers import load_answers
from mipwizard.core.answers_file import update_answers_file
from mipwizard.core.install import InstallSettings
from tests.conftest import EXTERNAL_SECRET, INTERNAL_SECRET, requires_shared
from tests.test_tui_flow import SIZE, go_to, press_next, screen_name, type_text, wait_for, walk_to_review
from tests.tui_fakes import answers_mapping, fake_app


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:1] in "+-"]


def chart_files(chart: Path) -> dict[str, str]:
    """What mipwizard writes in the chart folder: the profiles (.<name>) and values.mipwizard*.yaml
    (not the previous copies it keeps, .bak-*)."""
    paths = [*chart.glob(".*"), *chart.glob("values.mipwizard*.yaml")]
    return {p.name: p.read_text() for p in sorted(paths) if p.is_file() and ".bak-" not in p.name}


def real_app(tmp_path: Path) -> Any:
    """The wizard on the fake machine with the real install engine (the fake toolchain is on PATH)."""
    from mipwizard.core.cluster.queries import ClusterQueries

    app = fake_app(tmp_path, machine="perfect-master", installer=None, plan=None,
                   install_settings=InstallSettings(poll_seconds=0.05), helm_releases=None,
                   cluster=lambda: ClusterQueries())
    app.env.installer = None
    return app


@requires_shared()
async def test_install_quit_come_back_edit_one_field_and_apply(
    tmp_path: Path, fake_toolchain: Any, answers_data: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mipwizard.core.cluster.queries import ClusterQueries

    monkeypatch.setenv("MIPWIZARD_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("MIPWIZARD_LOG_DIR", str(tmp_path / "logs"))
    site = answers_mapping(answers_data, tmp_path)
    first = real_app(tmp_path)
    first.state.extra = {"exareme2": site["exareme2"], "mip_deployment": site["mip_deployment"]}
    async with first.run_test(size=SIZE) as pilot:  # the first install; "keep the secrets" left unticked
        await walk_to_review(pilot, tmp_path)
        await press_next(pilot, "InstallScreen")
        await wait_for(pilot, lambda: screen_name(first) == "DoneScreen", timeout=90)
    saved = tmp_path / "state" / "answers.yaml"
    chart = tmp_path / "opt" / "mip-deployment" / "kubernetes"
    answers_before = saved.read_text()
    assert EXTERNAL_SECRET not in answers_before and INTERNAL_SECRET not in answers_before
    profile_before = (chart / ".direct").read_text()
    files_before = chart_files(chart)
    deployed_before = yaml.safe_load(ClusterQueries().helm_values("mip") or "")

    again = real_app(tmp_path)  # `mipwizard` again, later
    async with again.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: again.screen.query("#edit-profiles"), timeout=30)
        text = str(again.screen.query_one("#existing-text", Static).render())
        assert "saved answers in" in text and f"profile files in {chart}" in text
        assert "install journal" in text and "helm releases" in text and "mip" in text
        assert again.screen.query_one("#troubleshoot", Button).display
        again.screen.query_one("#edit-profiles", Button).press()
        await wait_for(pilot, lambda: screen_name(again) == "NetworkScreen")
        assert again.state.keycloak_client_secret == EXTERNAL_SECRET  # from the profile files, not demanded
        await go_to(pilot, again, "Auth", "AuthScreen")
        await type_text(pilot, "#input-keycloak_client_id", "mip-hospital-x")
        await go_to(pilot, again, "Review", "ReviewScreen")
        await wait_for(pilot, lambda: again.screen.facts and "answers" in again.screen.facts)
        again.screen.query_one("#write-apply", Button).press()
        await wait_for(pilot, lambda: type(again.screen).__name__ == "ConfirmDialog", timeout=30)
        message = again.screen.message  # type: ignore[attr-defined]
        assert "1 deployed value(s) change" in message
        assert [line for line in message.splitlines() if line.startswith(("+", "-"))] == [
            "-  CLIENT_ID: mipfedqa", "+  CLIENT_ID: mip-hospital-x"
        ]  # only that value: the overlay helm also gets (data paths, namespace) is not shown as removed
        await wait_for(pilot, lambda: again.screen.query("#yes"))
        again.screen.query_one("#yes", Button).press()
        await wait_for(pilot, lambda: screen_name(again) == "DoneScreen", timeout=90)

    assert changed_lines(answers_before, saved.read_text()) == [
        "-   client_id: mipfedqa", "+   client_id: mip-hospital-x"
    ]
    assert changed_lines(profile_before, (chart / ".direct").read_text()) == [
        "-   CLIENT_ID: mipfedqa", "+   CLIENT_ID: mip-hospital-x"
    ]
    files_after = chart_files(chart)
    assert set(files_after) == set(files_before)
    for name, text in files_after.items():  # every profile and the overlay: that line or nothing
        assert set(changed_lines(files_before[name], text)) <= {
            "-   CLIENT_ID: mipfedqa", "+   CLIENT_ID: mip-hospital-x"
        }, name
    deployed = yaml.safe_load(ClusterQueries().helm_values("mip") or "")
    assert deployed["keycloak"].pop("CLIENT_ID") == "mip-hospital-x"
    assert deployed_before["keycloak"].pop("CLIENT_ID") == "mipfedqa"
    assert deployed == deployed_before
    assert EXTERNAL_SECRET not in saved.read_text()


async def test_a_file_with_one_bad_value_opens_filled_and_marked_and_nothing_is_written(
    tmp_path: Path, answers_data: dict
) -> None:
    path = tmp_path / "site.yaml"
    text = "# our site\n" + yaml.safe_dump(answers_mapping(answers_data, tmp_path), sort_keys=False)
    text = text.replace("10.20.30.40", "999.1.1.1")
    path.write_text(text)
    app = fake_app(tmp_path, answers_file=path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#edit-profiles"))
        notice = str(app.screen.query_one("#existing-text", Static).render())
        assert "machine_main_ip: '999.1.1.1' is not a valid IPv4" in notice
        app.screen.query_one("#edit-profiles", Button).press()
        await wait_for(pilot, lambda: screen_name(app) == "NetworkScreen")
        screen = app.screen
        assert screen.query_one("#input-machine_public_fqdn", Input).value == "mip.example.org"
        assert screen.query_one("#input-machine_private_fqdn_or_ip", Input).value == "10.20.30.41"
        assert screen.query_one("#input-machine_main_ip", Input).value == "999.1.1.1"
        error = str(screen.query_one("#field-machine_main_ip .error", Static).render())
        assert "'999.1.1.1' is not a valid IPv4" in error
        assert screen.query_one("#field-machine_main_ip").has_class("-invalid")
        await wait_for(pilot, lambda: screen.query_one("#next", Button).disabled)  # set after the first refresh
        await go_to(pilot, app, "Data", "DataEngineScreen")
        assert app.screen.query_one("#input-federation", Input).value == "mipfed1"
        assert app.screen.query_one("#input-data_root", Input).value == str(tmp_path / "data")
        await go_to(pilot, app, "Review", "ReviewScreen")
        await wait_for(pilot, lambda: app.screen.facts)
        assert "problems" in app.screen.facts and app.screen.query_one("#next", Button).disabled
        app.screen.write_only()  # refused while a value is wrong
        await pilot.pause()
        assert path.read_text() == text
        assert not (tmp_path / "opt").exists()  # no profile written either
        assert not (tmp_path / "state" / "answers.yaml").exists()  # nor the state folder's copy
        await go_to(pilot, app, "Network", "NetworkScreen")
        await type_text(pilot, "#input-machine_main_ip", "999.1.1.2")  # an edit, still wrong
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: screen_name(app) == "ConfirmDialog")
        app.screen.query_one("#also", Button).press()  # Save and quit: refused, the wizard stays
        await wait_for(pilot, lambda: screen_name(app) == "NetworkScreen")
        assert app.is_running and path.read_text() == text
        await type_text(pilot, "#input-machine_main_ip", "10.20.30.40")
        await go_to(pilot, app, "Review", "ReviewScreen")
        await wait_for(pilot, lambda: app.screen.facts and "answers" in app.screen.facts)
        app.screen.commit()
        assert app.save_answers_after_run()
    assert path.read_text() == text.replace("999.1.1.1", "10.20.30.40")  # that value, nothing else


EVERY_KEY = {
    "role": "master",
    "machine_main_ip": "10.1.2.3",
    "machine_public_fqdn": "mip.hospital-x.org",
    "machine_private_fqdn_or_ip": "mip.internal",
    "active_profile": "proxied.internal_auth",
    "keycloak": {"url": "iam.hospital-x.org", "realm": "HX", "client_id": "hx-mip", "client_secret": "ext-s3cret-1"},
    "internal_keycloak": {"realm": "Inner", "client_id": "inner-mip", "client_secret": "int-s3cret-2"},
    "datacatalogue_host": "catalogue.hospital-x.org",
    "federation": "hxfed",
    "pathologies": ["dementia", "tbi"],
    "admin_user": "mipops",
    "data_root": "/srv/mipdata",
    "microk8s_channel": "1.28/stable",
    "exareme2": {"repo_url": "https://example.org/Exareme2", "path": "/srv/exareme2", "localnodes": 3,
                 "smpc": True},
    "mip_deployment": {"repo_url": "https://example.org/mip-deployment", "path": "/srv/mip-deployment"},
    "smpc_player": True,
    "pods_ready_timeout": 900,
}


async def test_every_answers_key_round_trips_through_the_wizard(tmp_path: Path) -> None:
    from mipwizard.core.answers import Answers

    data = dict(EVERY_KEY)
    for key, value in Answers.model_fields.items():  # keys added later (release, refs…) keep their default
        if key not in data and not value.is_required():
            default = value.get_default(call_default_factory=True)
            data[key] = default.model_dump(mode="json") if hasattr(default, "model_dump") else default
    data = {k: v for k, v in data.items() if v is not None}
    path = tmp_path / "every.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    original = load_answers(path)
    assert set(EVERY_KEY) <= set(original.model_dump())
    app = fake_app(tmp_path, answers_file=path, smpc_players=lambda: 3)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#edit-profiles"))
        for step, screen in (("Network", "NetworkScreen"), ("Auth", "AuthScreen"), ("Data", "DataEngineScreen"),
                             ("Review", "ReviewScreen")):
            await go_to(pilot, app, step, screen)  # every step composed from the loaded values
        await wait_for(pilot, lambda: app.screen.facts)
        assert "answers" in app.screen.facts, app.screen.facts.get("problems")
        app.screen.commit()
        app.state.save_secrets = True
        assert app.save_answers_after_run()
    assert load_answers(path) == original  # every key came back as it was
    assert path.read_text() == yaml.safe_dump(data, sort_keys=False)  # and the file was not even rewritten


def test_a_wizard_save_that_would_not_load_is_refused(tmp_path: Path, answers: Any) -> None:
    path = tmp_path / "answers.yaml"
    update_answers_file(path, answers)
    before = path.read_text()
    broken = answers.model_copy(update={"machine_private_fqdn_or_ip": None, "active_profile": "proxied"})
    with pytest.raises(Exception, match="not updated"):
        update_answers_file(path, broken)
    assert path.read_text() == before


async def test_a_secret_left_out_of_the_saved_answers_is_asked_masked_when_needed(
    tmp_path: Path, answers: Any
) -> None:
    saved = tmp_path / "state" / "answers.yaml"
    update_answers_file(saved, answers, include_secrets=False)  # the default: no secret kept
    app = fake_app(tmp_path, profiles_dir=tmp_path / "no-profiles")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#edit-profiles"))  # loaded, not refused
        await go_to(pilot, app, "Review", "ReviewScreen")
        await wait_for(pilot, lambda: app.screen.facts)
        assert app.screen.query_one("#secrets-needed").display
        assert "Type the missing secret below" in str(app.screen.query_one("#target", Static).render())
        secret = app.screen.query_one("#needed-keycloak_client_secret Input", Input)
        assert secret.password and app.screen.query_one("#next", Button).disabled
        assert not app.screen.query_one("#needed-internal_client_secret").display
        await type_text(pilot, "#needed-keycloak_client_secret Input", EXTERNAL_SECRET)
        await wait_for(pilot, lambda: "answers" in app.screen.facts)
        assert not app.screen.query_one("#next", Button).disabled
        await go_to(pilot, app, "Auth", "AuthScreen")
        assert app.screen.query_one("#input-keycloak_client_secret", Input).value == EXTERNAL_SECRET
    assert EXTERNAL_SECRET not in saved.read_text()


async def test_save_and_quit_keeps_an_edit_of_answers_saved_without_secrets(tmp_path: Path, answers: Any) -> None:
    """Quitting with "Save and quit" does not demand a secret nobody kept (it is not saved anyway)."""
    saved = tmp_path / "state" / "answers.yaml"
    update_answers_file(saved, answers, include_secrets=False)
    before = saved.read_text()
    app = fake_app(tmp_path, profiles_dir=tmp_path / "no-profiles")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#edit-profiles"))
        await go_to(pilot, app, "Data", "DataEngineScreen")
        await type_text(pilot, "#input-federation", "mipfed2")
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: screen_name(app) == "ConfirmDialog")
        app.screen.query_one("#also", Button).press()  # Save and quit
        await wait_for(pilot, lambda: not app.is_running)
    assert changed_lines(before, saved.read_text()) == ["- federation: mipfed1", "+ federation: mipfed2"]
    assert EXTERNAL_SECRET not in saved.read_text()


@pytest.mark.parametrize("source", ["journal", "releases"])
async def test_an_install_known_only_from_its_journal_or_its_helm_releases_is_recognised(
    tmp_path: Path, source: str
) -> None:
    """No answers and no profile files (a lost state folder, a chart folder elsewhere): Welcome still
    says what it found and offers Troubleshoot."""
    from mipwizard.core.install.journal import Journal

    releases: list[str] = []
    if source == "journal":
        journal = Journal(tmp_path / "state" / "install-journal.json")
        for step in ("microk8s-snap", "addons", "mip-chart"):
            journal.record_done(step, "", "done")
    else:
        releases = ["exareme2", "mip"]
    app = fake_app(tmp_path, profiles_dir=tmp_path / "no-profiles", helm_releases=lambda: releases)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#edit-profiles"))
        text = str(app.screen.query_one("#existing-text", Static).render())
        phrase = ("the install journal (3 steps done)" if source == "journal"
                  else "helm releases exareme2, mip on this cluster")
        assert f"An existing MIP installation was found: {phrase}." in text
        assert "No saved answers or profile files to pre-fill" in text and "pre-filled from it" not in text
        assert app.screen.query_one("#troubleshoot", Button).display
