"""The Troubleshoot screen refreshing a 600-pod federation never blocks input (#16).

The screen (its real worker, queries and diagnosis) against the fake federation of
benchmarks/bench_status.py, driven headless by Textual's Pilot at 80×24. While it refreshes in a
loop, a probe on the UI's event loop sleeps 10 ms at a time and records how late it wakes: that
lateness is how long a key press would wait. Keys (Down/Up) are pressed between probes and the
time from the key's event to the cursor having moved is recorded too.

Figures: refreshes and seconds per refresh (the worker: two reads + diagnosis), the UI thread's
own time per refresh (handling ``SnapshotRead``: the cells that changed), the worst, 99th
percentile and median event-loop lag during the refreshes after the first, the first fill's worst
lag (600 rows added once, and Textual measuring them on its next idle turn), and the worst key
latency. Goal: no stall over 50 ms. For comparison,
the same probe on an idle app in the same process for as long (``idle_*``): on a shared machine the
operating system's scheduling alone makes some of these lags, with no refresh at all.
Usage: python benchmarks/bench_troubleshoot_refresh.py [--refreshes 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit
from bench_status import build  # it takes ``_common`` out of sys.modules: the fake toolchain has its own

sys.path.remove(str(Path(__file__).resolve().parent))


async def probe(seconds: float, into: list[float]) -> None:
    """Sleep 10 ms at a time for ``seconds``; record how late each wake-up is."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while loop.time() < end:
        before = loop.time()
        await asyncio.sleep(0.01)
        into.append(loop.time() - before - 0.01)


def lag_figures(prefix: str, lags: list[float]) -> dict[str, float]:
    lags = sorted(lags)
    return {
        f"{prefix}worst_lag_ms": round(lags[-1] * 1000, 1),
        f"{prefix}p99_lag_ms": round(lags[int(len(lags) * 0.99)] * 1000, 1),
        f"{prefix}median_lag_ms": round(statistics.median(lags) * 1000, 1),
    }


def idle_lags(seconds: float) -> dict[str, float]:
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    lags: list[float] = []

    class Idle(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("idle")

    async def drive(pilot: Any) -> None:
        await probe(seconds, lags)
        pilot.app.exit()

    Idle().run(headless=True, size=(80, 24), auto_pilot=drive)
    return lag_figures("idle_", lags)


def first_fill_pending(table: Any) -> bool:
    """The table still has rows to measure: DataTable does it on an idle turn after add_row (600
    rows: 50-80 ms of the UI thread, once, when the screen opens — not a refresh's)."""
    return bool(table._new_rows or table._require_update_dimensions)


def measure(env: dict[str, str], refreshes: int) -> dict[str, Any]:
    os.environ.update(env)
    from textual.app import App
    from textual.widgets import DataTable

    from mipwizard.core.cluster.queries import ClusterQueries
    from mipwizard.tui.screens.troubleshoot import TroubleshootScreen

    ui_seconds: list[float] = []

    # Time the screen's own SnapshotRead handler (registered by @on, so wrapped where Textual keeps it).
    handlers = TroubleshootScreen.__dict__["_decorated_handlers"][TroubleshootScreen.SnapshotRead]
    (show, selectors), *_ = handlers

    def timed_show(self: TroubleshootScreen, message: TroubleshootScreen.SnapshotRead) -> None:
        start = time.perf_counter()
        show(self, message)
        ui_seconds.append(time.perf_counter() - start)

    handlers[0] = (timed_show, selectors)
    screen = TroubleshootScreen(ClusterQueries(use_sudo=False), refresh_seconds=0.05)

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(screen)

    app = Host()
    figures: dict[str, Any] = {}

    async def drive(pilot: Any) -> None:
        first: list[float] = []  # until the first 600 rows are on screen (the table is built once)
        lags: list[float] = []  # the refreshes after it: what a user waits for while it refreshes
        keys: list[float] = []
        loop = asyncio.get_running_loop()
        start = loop.time()
        table = screen.query_one("#pods", DataTable)
        step = 0
        filled = -1  # the probe step at which the first fill was done: shown, measured, painted
        while screen.refreshes < refreshes + 1 and loop.time() - start < 180:
            before = loop.time()
            await asyncio.sleep(0.01)
            if filled < 0 and screen.refreshes >= 1 and not first_fill_pending(table):
                filled = step + 3  # its paint comes on the next idle turns
            (lags if 0 <= filled <= step else first).append(loop.time() - before - 0.01)
            step += 1
            if 0 <= filled <= step and step % 10 == 0:
                row = table.cursor_row
                pressed = time.perf_counter()
                pilot.app.simulate_key("down" if row < 5 else "up")  # as the driver posts a key
                while table.cursor_row == row:
                    await asyncio.sleep(0)
                keys.append(time.perf_counter() - pressed)
        elapsed = loop.time() - start
        figures.update(
            refreshes=screen.refreshes - 1,
            seconds_per_refresh=round(elapsed / max(1, screen.refreshes), 3),
            ui_ms_per_refresh=round(statistics.median(ui_seconds[1:] or ui_seconds) * 1000, 1),
            first_fill_ui_ms=round(ui_seconds[0] * 1000, 1),
            pods_shown=table.row_count,
            first_fill_worst_lag_ms=round(max(first) * 1000, 1),
            **lag_figures("", lags),
            keys_pressed=len(keys),
            worst_key_ms=round(max(keys) * 1000, 1) if keys else None,
            goal_ms=50,
        )
        app.exit()

    app.run(headless=True, size=(80, 24), auto_pilot=drive)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--refreshes", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-troubleshoot-") as tmp:
        _fake, env = build(Path(tmp))
        figures = measure(env, args.refreshes)
        figures.update(idle_lags(figures["refreshes"] * figures["seconds_per_refresh"]))
        emit("troubleshoot_refresh", nodes=30, **figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
