"""The one way tests wait: poll a condition until it holds, or fail when the deadline passes.

Never a fixed sleep after the condition holds — when it holds, the test goes on. ``until`` is for
plain code (a process, a file, the fake's call log); ``until_async`` turns the app's event loop
between checks (Textual's Pilot), so workers and messages run while the test waits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
TIMEOUT = 20.0  # generous: the suite shares 2 cores with other work
STEP = 0.05


def until(condition: Callable[[], T], *, timeout: float = TIMEOUT, what: str = "") -> T:
    """Call ``condition`` every STEP seconds until it returns something true; return that."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or condition}")
        time.sleep(STEP)


async def until_async(pilot: Any, condition: Callable[[], T], *, timeout: float = TIMEOUT, what: str = "") -> T:
    """``until`` inside a running Textual app: ``pilot.pause`` between checks lets the app work."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = condition()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or condition}")
        await pilot.pause(STEP)


async def settled(pilot: Any, *, workers: bool = True) -> None:
    """After ``until_async``: let the app finish what the condition's change set off — its workers
    (skip for one that never ends, like a followed log), animations, and the refresh they queue."""
    if workers:
        await pilot.app.workers.wait_for_complete()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()
