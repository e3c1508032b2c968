"""Hand a thread worker's result to the UI only while its screen is still shown.

A check or ``kubectl`` call may finish after the user pressed Escape (or quit): the screen's
widgets are gone then, and querying them raises ``NoMatches``. Every tool screen's worker goes
through these two calls instead of ``app.call_from_thread``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.screen import Screen


def call_in_ui(app: App[Any], callback: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """``app.call_from_thread`` that is a no-op once the app has stopped."""
    try:
        app.call_from_thread(callback, *args, **kwargs)
    except RuntimeError:  # the app is no longer running
        return


def call_if_shown(screen: Screen[Any], callback: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """From a worker thread: run ``callback`` on the UI thread if ``screen`` is still attached."""

    def guarded() -> None:
        if screen.is_attached:
            callback(*args, **kwargs)

    try:
        app = screen.app
    except Exception:  # no active app: nothing to show anything on
        return
    call_in_ui(app, guarded)
