"""F1: the current screen's help, from assets/help/<screen>.md."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

from ...resources import asset_text


class HelpDialog(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpDialog { align: center middle; }
    HelpDialog > Vertical {
        width: 90%; max-width: 100; height: 90%; border: thick $primary; background: $surface; padding: 0 1;
    }
    HelpDialog VerticalScroll { height: 1fr; }
    HelpDialog .close { color: $text-muted; height: 1; }
    """
    BINDINGS = [Binding("escape,f1,q", "close", "Close")]

    def __init__(self, topic: str) -> None:
        super().__init__()
        self.topic = topic

    def compose(self) -> ComposeResult:
        text = asset_text(f"help/{self.topic}.md", f"# {self.topic}\n\nNo help written for this screen yet.")
        with Vertical():  # the close hint under the text, not docked over its last line
            with VerticalScroll():
                yield Markdown(text)
            yield Static("Esc closes this help", classes="close")

    def action_close(self) -> None:
        self.dismiss(None)
