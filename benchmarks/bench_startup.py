"""Startup: process start to the wizard's first painted frame (headless), against a bare Textual app.

Each sample is a fresh interpreter, so imports count as a user feels them over SSH. "First painted
frame" is the first compositor update Textual hands to its driver for a screen with content (the
wizard's Welcome step; the bare app's one Static): the frame is fully rendered at that point, the
headless driver only skips writing it. The child prints the wall-clock time of that moment (and
its CPU time so far) and exits; the parent took the time just before starting it. The bare app is
measured in the same run, alternating with the wizard, so the ratio holds on a noisy machine;
``ratio`` compares medians, ``best_ratio`` the fastest samples. When valgrind is installed, both
also run once under callgrind up to that frame: ``instructions_ratio`` does not move with load
and decides ``ok``.
Goal: ratio ≤ 1.3.  Usage: python benchmarks/bench_startup.py [--repeat N] [--size 80x24] [--no-valgrind]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit

ROOT = Path(__file__).resolve().parents[1]

# Wraps App._display: the first frame of a screen with widgets prints the time and ends the app.
FIRST_FRAME_HOOK = """
import sys, time
from textual.app import App
_display = App._display
def _first_frame(self, screen, renderable):
    _display(self, screen, renderable)
    if renderable is not None and screen.children and not getattr(self, "_bench_painted", False):
        self._bench_painted = True
        print(repr(time.time()), repr(time.process_time()), flush=True)
        self.exit()
App._display = _first_frame
"""

TARGETS = {
    "bare": """
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("hello")
Bare().run(headless=True, size=SIZE)
""",
    "wizard": """
from mipwizard.tui.app import make_app
make_app().run(headless=True, size=SIZE)
""",
}


def sample(code: str, env: dict[str, str]) -> tuple[float, float, float]:
    """Seconds to the first painted frame (wall, CPU), seconds until the process was gone."""
    start = time.time()
    done = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True,
                          cwd=ROOT)
    end = time.time()
    lines = done.stdout.split()
    if not lines:
        sys.exit(f"no frame was painted:\n{done.stderr}")
    return float(lines[-2]) - start, float(lines[-1]), end - start


def instructions(code: str, env: dict[str, str]) -> int:
    """Instructions executed from process start to the first frame (callgrind; exits right there)."""
    code = code.replace("self.exit()", "import os; os._exit(0)")
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", code],
        env={**env, "PYTHONHASHSEED": "0"}, capture_output=True, text=True, cwd=ROOT, check=True,
    )
    match = re.search(r"Collected : (\d+)", done.stderr)
    if match is None:
        sys.exit(f"callgrind printed no count:\n{done.stderr[-2000:]}")
    return int(match.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--size", default="80x24", help="terminal size COLSxROWS (users often have 80x24)")
    parser.add_argument("--no-valgrind", action="store_true", help="skip the instruction counts")
    args = parser.parse_args()
    cols, rows = (int(n) for n in args.size.lower().split("x"))
    codes = {name: FIRST_FRAME_HOOK + code.replace("SIZE", f"({cols}, {rows})") for name, code in TARGETS.items()}
    with tempfile.TemporaryDirectory() as state:
        # The wizard must not read this machine's real state or installation while measured.
        env = {**os.environ, "MIPWIZARD_STATE_DIR": state, "MIPWIZARD_LOG_DIR": state}
        # A user's install has its bytecode cached: let the warm-up write any missing .pyc.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for code in codes.values():  # warm the OS file cache and .pyc files once
            sample(code, env)
        frames: dict[str, list[float]] = {name: [] for name in codes}
        cpus: dict[str, list[float]] = {name: [] for name in codes}
        totals: dict[str, list[float]] = {name: [] for name in codes}
        for _ in range(max(1, args.repeat)):
            for name, code in codes.items():
                frame, cpu, total = sample(code, env)
                frames[name].append(frame)
                cpus[name].append(cpu)
                totals[name].append(total)
        counts = {}
        if shutil.which("valgrind") and not args.no_valgrind:
            counts = {name: instructions(code, env) for name, code in codes.items()}
    bare = statistics.median(frames["bare"])
    wizard = statistics.median(frames["wizard"])
    ratio = wizard / bare
    emit(
        "startup",
        bare_first_frame_seconds=round(bare, 3),
        wizard_first_frame_seconds=round(wizard, 3),
        ratio=round(ratio, 2),
        # Fastest of each: the least disturbed by other load (the medians move ±0.1 on a busy machine).
        best_ratio=round(min(frames["wizard"]) / min(frames["bare"]), 2),
        # CPU seconds of the child up to that frame: barely moved by other load on the machine.
        bare_cpu_seconds=round(statistics.median(cpus["bare"]), 3),
        wizard_cpu_seconds=round(statistics.median(cpus["wizard"]), 3),
        cpu_ratio=round(statistics.median(cpus["wizard"]) / statistics.median(cpus["bare"]), 2),
        bare_process_seconds=round(statistics.median(totals["bare"]), 3),
        wizard_process_seconds=round(statistics.median(totals["wizard"]), 3),
        instructions_ratio=round(counts["wizard"] / counts["bare"], 3) if counts else None,
        size=f"{cols}x{rows}",
        repeat=args.repeat,
        goal_ratio=1.3,
        # The verdict uses the instruction count when there is one: the same on every run.
        ok=(counts["wizard"] / counts["bare"] if counts else ratio) <= 1.3,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
