"""A bounded log for the live output of a running command.

Output arrives from the runner's reader thread in batches. ``feed`` (any thread) appends to a
bounded pending buffer and posts at most one ``Flush`` message until the UI drains it, so a
command printing a million lines costs a handful of messages and one ``write_lines`` per frame.
Only the last ``max_lines`` are kept on screen; the full log is on disk. Drains happen at most
``DRAIN_HZ`` times a second: lines that would scroll out before anyone could read them are
dropped from the pending buffer instead of being written, laid out and pruned.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterable

from textual import events
from textual.message import Message
from textual.widgets import Log

DEFAULT_MAX_LINES = 5000
DRAIN_HZ = 10


class LiveLog(Log):
    DEFAULT_CSS = """
    LiveLog { border: round $primary-darken-2; height: 1fr; scrollbar-size-vertical: 1; }
    """

    class Flush(Message):
        """Pending lines are waiting; coalesced so the queue never holds more than one."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, LiveLog.Flush)

    def __init__(self, max_lines: int = DEFAULT_MAX_LINES, **kwargs: object) -> None:
        super().__init__(max_lines=max_lines, auto_scroll=True, **kwargs)  # type: ignore[arg-type]
        self._pending: deque[str] = deque(maxlen=max_lines)
        self._lock = threading.Lock()
        self._flush_posted = False
        self._last_drain = 0.0
        self.lines_seen = 0  # every line fed, including those scrolled out
        self._height_seen = 0

    def on_resize(self, event: events.Resize) -> None:
        """A panel appearing below (a failed step's reason) shrinks the log: its last lines, the
        error, stay in view when the log was following the end."""
        before, self._height_seen = self._height_seen, self.scrollable_content_region.height
        if self.auto_scroll and before and self.scroll_y + before >= self.virtual_size.height:
            self.scroll_end(animate=False, immediate=False, x_axis=False)

    def feed(self, lines: Iterable[str]) -> None:
        """Queue lines from any thread; the UI writes them on its next turn."""
        batch = lines if isinstance(lines, list) else list(lines)
        with self._lock:
            self._pending.extend(batch)
            self.lines_seen += len(batch)
            if self._flush_posted:
                return
            self._flush_posted = True
        self.post_message(self.Flush())

    def drain(self) -> int:
        """Write everything pending in one batch (UI thread). Returns the number written."""
        with self._lock:
            lines = list(self._pending)
            self._pending.clear()
            self._flush_posted = False
        self._last_drain = time.monotonic()
        if lines:
            self.write_lines(lines)
        return len(lines)

    def on_live_log_flush(self, message: LiveLog.Flush) -> None:
        message.stop()
        wait = self._last_drain + 1 / DRAIN_HZ - time.monotonic()
        if wait > 0:
            self.set_timer(wait, self.drain)  # no new Flush is posted until this drain runs
        else:
            self.drain()
