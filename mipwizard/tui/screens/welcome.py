"""Welcome: choose the role; an existing installation is recognised (in a worker), says how, and pre-fills."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, RadioSet, Static

from ..state import ROLES
from ..widgets.step_bar import StepBar
from ..widgets.toggles import RadioButton
from .base import StepScreen

if TYPE_CHECKING:
    from ...core.existing import ExistingInstall
    from ..host import Wizard

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

    def show_existing(self, found: ExistingInstall) -> None:
        if found.profiles_dir is not None:
            self.wizard.profiles_dir = found.profiles_dir
        if found.mapping:
            self.wizard.prefill(found.mapping, found.problems)
            self.select_role(self.wizard.state.role)
            self.wizard.role_changed()
            self.query_one(StepBar).show(self.STEP, self.wizard.steps)
        if not found.found:
            for problem in found.unreadable:
                self.notify(problem, title="Could not read the saved settings", severity="warning", timeout=15)
            return
        # Mounted only when found: the first frame stays small.
        notice = Vertical(
            Static(existing_text(found), id="existing-text", markup=False),
            Horizontal(
                Button("Edit profiles", id="edit-profiles", compact=True),
                Button("Troubleshoot", id="troubleshoot", compact=True),
                Button("Backup / upgrade", id="maintenance", compact=True),
                classes="buttons",
            ),
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
        self.query_one(StepBar).show(self.STEP, self.wizard.steps)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "edit-profiles":
            event.stop()
            self.wizard.goto("Network")
        elif event.button.id == "troubleshoot":
            event.stop()
            self.wizard.action_troubleshoot()
        elif event.button.id == "maintenance":
            event.stop()
            self.wizard._push_tool("backup", "BackupScreen")
        else:
            super().on_button_pressed(event)


def existing_text(found: ExistingInstall) -> str:
    lines = ["An existing MIP installation was found: " + "; ".join(found.sources()) + "."]
    if found.mapping:
        lines.append("Every step is pre-filled from it: edit its profiles, or troubleshoot the running MIP.")
    else:  # the journal or the cluster alone: nothing says what the answers were
        lines.append("No saved answers or profile files to pre-fill the steps from: type them again (or start "
                     "with --answers FILE / --profiles-dir DIR), or troubleshoot the running MIP.")
    if found.problems:
        lines.append(f"{len(found.problems)} saved value(s) need fixing (marked on their step; nothing is "
                     "written until they are fixed):")
        lines += [f"  {key}: {message}" if key else f"  {message}" for key, message in found.problems.items()]
    lines += [f"  {problem}" for problem in found.unreadable]
    return "\n".join(lines)


def detect_installation(app: Wizard) -> ExistingInstall:
    """Saved answers, profile files, the install journal and helm releases (runs in a worker)."""
    from ...core.existing import find_existing

    env = app.env
    return find_existing(
        env.saved_answers_path(),
        env.profiles_dir,
        env.state_path() / "install-journal.json",
        releases=env.deployed_releases,
    )
