"""The wizard and the release: Review shows and changes it, lists the writers' files; Auth offers
only the auth kinds the release supports."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import RadioButton, Select, Static

from tests.test_tui_flow import SIZE, go_to, wait_for
from tests.tui_fakes import answers_mapping, fake_app


async def test_auth_offers_only_the_release_s_auth_kinds(tmp_path: Path) -> None:
    app = fake_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.state.extra["release"] = "9.0.2"
        await go_to(pilot, app, "Auth", "AuthScreen")
        ids = [b.id for b in app.screen.query(RadioButton)]
        assert ids == ["auth-external"]


async def test_review_shows_the_release_and_its_files_and_changes_it(tmp_path: Path, answers_data: dict) -> None:
    app = fake_app(tmp_path)
    app.state.load_mapping(answers_mapping(answers_data, tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await go_to(pilot, app, "Review", "ReviewScreen")
        await wait_for(pilot, lambda: "answers" in app.screen.facts or "problems" in app.screen.facts)
        text = str(app.screen.query_one("#target", Static).render())
        assert "Release 8.0.0 (exareme2 0.20.0, mip_deployment 8.0.0)" in text, text
        files = str(app.screen.query_one("#files", Static).render())
        assert "Exareme2 values (exareme2-seed)" in files and "MIP microk8s overlay (mip8-profiles)" in files
        select = app.screen.query_one("#release", Select)
        select.value = "guide-f7c6441"
        await wait_for(pilot, lambda: "guide-f7c6441" in str(app.screen.query_one("#target", Static).render()))
        assert app.state.extra["release"] == "guide-f7c6441"
        assert app.state.to_mapping()["release"] == "guide-f7c6441"
        files = str(app.screen.query_one("#files", Static).render())
        assert "exareme2-hostpath" in files
