"""Asks for the sudo password (masked) when mipwizard is not root and sudo wants one."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static


class SudoPasswordDialog(ModalScreen["str | None"]):
    """Dismisses with the password, or None when cancelled. The password is never shown or logged."""

    DEFAULT_CSS = """
    SudoPasswordDialog { align: center middle; }
    SudoPasswordDialog > Vertical {
        width: 64; max-width: 95%; height: auto; border: thick $primary; background: $surface; padding: 1 2;
    }
    /* A framed field with a hint: visible before anything is typed, on 16 colours too. */
    SudoPasswordDialog Input { margin: 1 0; border: round $accent; }
    SudoPasswordDialog Horizontal { height: auto; align-horizontal: right; }
    SudoPasswordDialog Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, user: str, *, retry: bool = False) -> None:
        super().__init__()
        self.user = user
        self.retry = retry  # sudo refused the previous password

    def compose(self) -> ComposeResult:
        with Vertical():
            if self.retry:
                yield Static(f"sudo refused the password of {self.user}. Enter it again "
                             "(kept in memory for this run only, never written or shown).", id="prompt")
            else:
                yield Static(
                    f"The install runs some commands with sudo. Enter the sudo password of {self.user} "
                    "(kept in memory for this run only, never written or shown).", id="prompt"
                )
            yield Input(password=True, id="password", placeholder="sudo password, then Enter")
            with Horizontal():
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Continue", id="ok", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#password", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value or None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self.dismiss(self.query_one("#password", Input).value or None)
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
