"""Welcome: choose the role; an existing installation is detected (in a worker) and pre-fills."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, RadioButton, RadioSet, Static

from ..state import ROLES
from ..widgets.step_bar import StepBar
from .base import StepScreen

ROLE_LABELS = {
    "local": "Single machine: master and worker on this server",
    "master": "Federation master: other hospitals' workers join it",
    "worker": "Federation worker: this server joins a master",
}


class WelcomeScreen(StepScreen):
    STEP = "Welcome"
    HELP_TOPIC = "welcome"

    def compose_body(self) -> ComposeResult:
        yield Static(
            "This wizard installs the Medical Informatics Platform (MIP) on this Ubuntu server: "
            "it checks the machine, asks for its addresses and login settings, writes the MIP "
            "profiles and runs microk8s and Helm for you. Nothing changes before the Install step.",
            classes="intro",
        )
        yield Static("What is this machine?", classes="question")
        with RadioSet(id="role"):
            for role in ROLES:
                yield RadioButton(ROLE_LABELS[role], value=role == self.wizard.state.role, id=f"role-{role}")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#role", RadioSet).focus()
        self.call_after_refresh(self.detect)  # after the first frame: it reads disk and may load pydantic

    @work(thread=True, exclusive=True, group="detect", exit_on_error=False)
    def detect(self) -> None:
        found = detect_installation(self.wizard)
        self.app.call_from_thread(self.show_existing, found)

    def show_existing(self, found: dict[str, Any]) -> None:
        if found.get("problem"):
            self.notify(found["problem"], title="Could not read the saved settings", severity="warning")
        if found.get("mapping"):
            self.wizard.prefill(found["mapping"])
            self.select_role(self.wizard.state.role)
            self.wizard.role_changed()
            self.query_one(StepBar).update(StepBar.build(self.STEP, self.wizard.steps))
        if found.get("profiles_dir"):
            text = (f"An existing MIP configuration was found in {found['profiles_dir']}.\n"
                    "Every step is pre-filled from it: edit its profiles, or troubleshoot the running MIP.")
            first = Button("Edit profiles", id="edit-profiles", compact=True)
        elif found.get("answers"):
            text = f"Saved answers were found in {found['answers']}; every step is pre-filled from them."
            first = Button("Review them", id="review-answers", compact=True)
        else:
            return
        # Mounted only when found: the first frame stays small.
        notice = Vertical(
            Static(text, id="existing-text"),
            Horizontal(first, Button("Troubleshoot", id="troubleshoot", compact=True), classes="buttons"),
            id="existing",
            classes="notice",
        )
        self.query_one("#body").mount(notice)

    def select_role(self, role: str) -> None:
        button = self.query_one(f"#role-{role}", RadioButton)
        if not button.value:
            button.value = True

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        role = (event.pressed.id or "role-local").removeprefix("role-")
        if role == self.wizard.state.role:
            return
        self.wizard.state.set("role", role)
        self.wizard.role_changed()
        self.query_one(StepBar).update(StepBar.build(self.STEP, self.wizard.steps))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "edit-profiles":
            event.stop()
            self.wizard.goto("Network")
        elif event.button.id == "review-answers":
            event.stop()
            self.wizard.goto("Review")
        elif event.button.id == "troubleshoot":
            event.stop()
            self.wizard.action_troubleshoot()
        else:
            super().on_button_pressed(event)


def detect_installation(app: Any) -> dict[str, Any]:
    """Saved answers and profile files on disk, read into one answers mapping (thread-safe)."""
    from ...core.errors import UserError

    env = app.env
    found: dict[str, Any] = {}
    mapping: dict[str, Any] | None = None
    base: Any = None
    answers_path: Path = env.saved_answers_path()
    try:
        if answers_path.is_file():
            from ...core.answers import load_answers

            base = load_answers(answers_path)
            mapping = base.model_dump(mode="json")
            found["answers"] = str(answers_path)
    except UserError as exc:
        found["problem"] = str(exc)
    profiles_dir = env.profiles_dir
    if profiles_dir is None:
        chart = Path((mapping or {}).get("mip_deployment", {}).get("path") or "/opt/mip-deployment")
        profiles_dir = chart / "kubernetes"
    app.profiles_dir = profiles_dir
    try:
        if any((profiles_dir / name).is_file() for name in (".direct", ".proxied", ".direct.no_auth")):
            from ...core.profiles import load_profiles

            mapping = load_profiles(profiles_dir, base=base).model_dump(mode="json")
            found["profiles_dir"] = str(profiles_dir)
    except UserError as exc:
        found["problem"] = str(exc)
    except OSError:
        pass
    found["mapping"] = mapping
    return found
