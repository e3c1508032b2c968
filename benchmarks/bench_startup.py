"""Startup: process start to the wizard's first painted frame (headless), against a bare Textual app.

Each sample is a fresh interpreter, so imports count as a user feels them over SSH. The bare app
is measured in the same run, alternating with the wizard, so the ratio holds on a noisy machine.
Goal: ratio ≤ 1.3.  Usage: python benchmarks/bench_startup.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit  # noqa: E402

TARGETS = {
    # Both exit right after their first frame is painted (auto_pilot runs once the app is ready).
    "bare": """
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("hello")
async def first_frame(pilot):
    await pilot.pause()
    pilot.app.exit()
Bare().run(headless=True, size=(100, 30), auto_pilot=first_frame)
""",
    "wizard": """
from mipwizard.tui.app import make_app
async def first_frame(pilot):
    await pilot.pause()
    pilot.app.exit()
make_app().run(headless=True, size=(100, 30), auto_pilot=first_frame)
""",
}


def sample(code: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as state:
        # The wizard must not read this machine's real state or installation while measured.
        env = {**os.environ, "MIPWIZARD_STATE_DIR": state, "MIPWIZARD_LOG_DIR": state}
        for code in TARGETS.values():  # warm the OS file cache and .pyc files once
            sample(code, env)
        times: dict[str, list[float]] = {name: [] for name in TARGETS}
        for _ in range(args.repeat):
            for name, code in TARGETS.items():
                times[name].append(sample(code, env))
    bare = statistics.median(times["bare"])
    wizard = statistics.median(times["wizard"])
    emit(
        "startup",
        bare_seconds=round(bare, 3),
        wizard_seconds=round(wizard, 3),
        ratio=round(wizard / bare, 2),
        goal_ratio=1.3,
        repeat=args.repeat,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
