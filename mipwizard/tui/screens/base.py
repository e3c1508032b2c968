"""The frame every wizard step shares: step bar, scrolling body, Back / reason / Next, footer."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Static

from ..widgets.field import Field
from ..widgets.key_hints import KeyHints
from ..widgets.step_bar import StepBar

if TYPE_CHECKING:
    from ..host import Wizard


class StepScreen(Screen[None]):
    STEP: ClassVar[str] = ""
    HELP_TOPIC: ClassVar[str] = ""
    NEXT_LABEL: ClassVar[str] = "Next >"
    FOCUS: ClassVar[str] = ""  # a selector to focus when the step is first shown
    HINTS: ClassVar[tuple[tuple[str, str], ...]] = (("Tab", "move"), ("Enter", "press"), ("^N", "next"))
    BINDINGS: ClassVar = [
        Binding("f1", "app.help", "Help"),
        Binding("ctrl+p", "app.command_palette", "Commands"),
        Binding("ctrl+q", "app.quit", "Quit"),
        Binding("ctrl+n", "next", "Next", show=False),
    ]

    @property
    def wizard(self) -> Wizard:
        return self.app  # type: ignore[return-value]  # WizardApp, which implements Wizard

    def compose(self) -> ComposeResult:
        yield StepBar(self.STEP, self.wizard.steps)
        with VerticalScroll(id="body"):
            yield from self.compose_body()
        with Horizontal(id="nav"):
            yield Button("< Back", id="back", compact=True, disabled=self.STEP == "Welcome")
            yield Static("", id="reason")
            yield Button(self.NEXT_LABEL, id="next", compact=True, variant="primary")
        yield KeyHints(self.HINTS)

    def compose_body(self) -> ComposeResult:
        yield from ()

    # --- navigation ----------------------------------------------------------------------------
    def blocker(self) -> str | None:
        """Why Next is disabled, or None. Default: the first invalid visible field."""
        for field in self.query(Field):
            if field.display and field.parent is not None and field.parent.display and field.error:
                return field.error
        return None

    def refresh_next(self) -> None:
        reason = self.blocker()
        try:
            self.query_one("#next", Button).disabled = reason is not None
            self.query_one("#reason", Static).update(reason or "")
        except Exception:  # not composed yet
            return

    def commit(self) -> None:
        """Copy the widgets' values into the wizard state (before leaving the screen)."""

    def on_field_changed(self, event: Field.Changed) -> None:
        self.wizard.state.set(event.field.key, event.value)
        self.refresh_next()

    def on_mount(self) -> None:
        self.call_after_refresh(self._shown)

    def _shown(self) -> None:
        """After the first refresh: the cursor goes to ``FOCUS`` (a step's first field), Next is judged."""
        if self.FOCUS:
            self.query_one(self.FOCUS).focus()
        self.refresh_next()

    def on_screen_resume(self) -> None:
        """A value typed on another step (Review asks a missing secret) shows here too."""
        for field in self.query(Field):
            value = getattr(self.wizard.state, field.key, None)
            if isinstance(value, str) and field.is_mounted and field.value != value:
                field.input.value = value

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "next":
            event.stop()
            self.go_next()
        elif event.button.id == "back":
            event.stop()
            self.commit()
            self.wizard.go_back(self.STEP)

    def action_next(self) -> None:
        if self.query("#next"):  # the Install screen has none
            self.go_next()

    def go_next(self) -> None:
        if self.blocker():
            self.refresh_next()
            return
        self.commit()
        self.wizard.go_next(self.STEP)
