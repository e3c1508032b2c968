"""One static line of key hints: lighter than Footer (no widget per key), so the first frame is fast.

On a narrow terminal (60 columns) the line is fitted, not cut: the keys everyone knows (Tab, Enter,
arrows) go first, then each description keeps its first word; only then is the line cut with '…'.
So ``^Q quit`` stays on screen at 60×20.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widgets import Static

COMMON = (("F1", "help"), ("^P", "commands"), ("^Q", "quit"))
KNOWN_KEYS = {"Tab", "Enter", "↑↓"}  # the first hints to leave a short line

Hints = tuple[tuple[str, str], ...]


def hints_width(hints: Hints) -> int:
    return sum(len(key) + 1 + len(what) for key, what in hints) + 2 * max(0, len(hints) - 1)


def fit_hints(hints: Hints, width: int) -> Hints:
    """``hints`` as they fit in ``width`` columns: generic keys dropped, then descriptions shortened."""
    if hints_width(hints) <= width:
        return hints
    hints = tuple(hint for hint in hints if hint[0] not in KNOWN_KEYS) or hints
    if hints_width(hints) <= width:
        return hints
    return tuple((key, what.split()[0]) for key, what in hints)


class KeyHints(Static):
    DEFAULT_CSS = """
    KeyHints { dock: bottom; height: 1; width: 1fr; background: $panel; color: $text-muted; padding: 0 1; }
    """

    def __init__(self, hints: Hints = ()) -> None:
        self.hints: Hints = (*hints, *COMMON)
        super().__init__(self.build(self.hints))

    def on_resize(self, event: events.Resize) -> None:
        if self.content_size.width:
            self.update(self.build(fit_hints(self.hints, self.content_size.width)))

    @staticmethod
    def build(hints: Hints) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")  # the last resort: cut with a visible '…'
        for n, (key, what) in enumerate(hints):
            if n:
                text.append("  ")
            text.append(key, style="bold")
            text.append(f" {what}")
        return text
