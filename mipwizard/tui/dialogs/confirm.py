"""The one yes/no modal: a question, what will happen (words, or the exact commands), Yes / No.

Dismisses with True (Yes, ``y``) or False (No, ``n``, Escape). No is focused: Enter on an
unread dialog never changes anything. An optional third answer (``also``, key ``s``) dismisses
with True and sets ``chosen = "also"`` (Quit offers "Save and quit" this way). Detail lines
are shown as they are (no markup), so a command can be read and copied exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmDialog(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > Vertical {
        width: 72; max-width: 100%; height: auto; max-height: 100%;
        border: round $warning; background: $surface; padding: 0 1;
    }
    ConfirmDialog .title { text-style: bold; }
    ConfirmDialog #message { margin-top: 1; }
    ConfirmDialog #details { height: auto; max-height: 12; margin-top: 1; }
    ConfirmDialog .detail { color: $text-muted; }
    ConfirmDialog Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    ConfirmDialog Button { margin-left: 1; min-width: 10; }
    /* 60 columns: three answers ("Cancel", "Save and quit", "Quit without saving") still fit on one line */
    ConfirmDialog.-narrow > Vertical { padding: 0; }
    ConfirmDialog.-narrow Button:first-child { margin-left: 0; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, message: str | Sequence[str] = "", *, yes: str = "Yes",
                 no: str = "No", also: str | None = None) -> None:
        """``message``: a sentence (wrapped), or detail lines such as commands (shown verbatim)."""
        super().__init__()
        self.also = also
        self.chosen = ""  # "yes", "no" or "also" once answered
        self.question = question
        self.message = message if isinstance(message, str) else ""
        self.details = [] if isinstance(message, str) else list(message)
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, classes="title", markup=False)
            if self.message:
                yield Static(self.message, id="message", markup=False)
            if self.details:
                with VerticalScroll(id="details"):
                    for line in self.details:
                        yield Static(line, classes="detail", markup=False)
            with Horizontal():
                yield Button(f"{self.no} (n)", id="no", compact=True)
                if self.also:
                    yield Button(f"{self.also} (s)", id="also", variant="primary", compact=True)
                yield Button(f"{self.yes} (y)", id="yes", variant="warning", compact=True)

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()  # the safe answer is the default

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self._answer(str(event.button.id))

    def on_key(self, event: events.Key) -> None:
        if self.also and event.key == "s":
            event.stop()
            self._answer("also")

    def action_answer(self, value: bool) -> None:
        self._answer("yes" if value else "no")

    def _answer(self, chosen: str) -> None:
        self.chosen = chosen
        self.dismiss(chosen in ("yes", "also"))
