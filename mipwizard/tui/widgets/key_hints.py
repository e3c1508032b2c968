"""One static line of key hints: lighter than Footer (no widget per key), so the first frame is fast."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

COMMON = (("F1", "help"), ("^P", "commands"), ("^Q", "quit"))


class KeyHints(Static):
    DEFAULT_CSS = """
    KeyHints { dock: bottom; height: 1; width: 1fr; background: $panel; color: $text-muted; padding: 0 1; }
    """

    def __init__(self, hints: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(self.build(hints))

    @staticmethod
    def build(hints: tuple[tuple[str, str], ...]) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        for n, (key, what) in enumerate((*hints, *COMMON)):
            if n:
                text.append("  ")
            text.append(key, style="bold")
            text.append(f" {what}")
        return text
