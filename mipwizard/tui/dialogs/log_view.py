"""The tail of the full install log on disk (already redacted by the runner)."""

from __future__ import annotations

from collections import deque
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Log, Static

TAIL_LINES = 5000


def read_tail(path: Path, lines: int = TAIL_LINES) -> list[str]:
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            return [line.rstrip("\n") for line in deque(handle, maxlen=lines)]
    except OSError as exc:
        return [f"{path}: cannot read the log ({exc.strerror or exc.__class__.__name__})"]


class LogViewDialog(ModalScreen[None]):
    DEFAULT_CSS = """
    LogViewDialog { align: center middle; }
    LogViewDialog > Static { width: 100%; height: 1; background: $panel; padding: 0 1; }
    LogViewDialog > Log { width: 100%; height: 1fr; }
    """
    BINDINGS = [Binding("escape,q", "close", "Close")]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        yield Static(f"{self.path}  (last {TAIL_LINES} lines; Esc closes)")
        yield Log(max_lines=TAIL_LINES, auto_scroll=True)

    def on_mount(self) -> None:
        log = self.query_one(Log)
        log.write_lines(read_tail(self.path))
        log.focus()

    def action_close(self) -> None:
        self.dismiss(None)
