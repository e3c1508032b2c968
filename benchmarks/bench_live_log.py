"""Live log speed and memory: a child printing 1M lines, as the user sees them.

Cases, each in a fresh interpreter so its peak RSS is its own:
- wizard: `cat FILE` (1M log lines) is the one command of an install plan run by the REAL path:
  WizardApp (headless) → Install step → InstallScreen's worker → InstallEngine → ProcessRunner
  (batched, redacted, written to the rotated log file) → StepOutput events → the screen's LiveLog.
  Timed from opening the Install step to its ``finished`` (the log drained). Goal ≥ 500k lines/s,
  peak RSS ≤ 120 MB.
- naive (in-run baseline, fewer lines): the same kind of child read line by line, each line handed
  to a plain Textual ``Log.write_line`` with ``call_from_thread`` (what a first attempt does).
- logs: `mipwizard logs -f POD` to a pipe (same goals: lines/s, peak RSS) against the fake toolchain's `kubectl logs -f`
  (tests/fake_toolchain, 1M generated lines) vs `cat` of the same bytes to a pipe → ratio; also vs
  the fake `microk8s kubectl logs -f` itself (the source mipwizard cannot be faster than).
Usage: python benchmarks/bench_live_log.py [--lines 1000000] [--naive-lines 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, peak_rss_mb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ANSWERS = {
    "role": "local",
    "machine_main_ip": "10.20.30.40",
    "machine_public_fqdn": "mip.example.org",
    "active_profile": "direct.no_auth",
    "federation": "mipfed1",
    "pathologies": ["dementia"],
}


def make_data(path: Path, lines: int) -> int:
    """``lines`` lines shaped like a pod's log (about 60 bytes each); returns the byte count."""
    with path.open("w") as handle:
        for start in range(0, lines, 10_000):
            handle.write("".join(
                f"2026-11-24 09:00:00,000 - INFO - controller - log line {i + 1}\n"
                for i in range(start, min(lines, start + 10_000))
            ))
    return path.stat().st_size


# --- case: the wizard's install screen ------------------------------------------------------------


def case_wizard(data: Path, lines: int, tmp: Path) -> dict[str, Any]:
    from mipwizard.core.answers import answers_from_mapping
    from mipwizard.core.install.steps import Command, Step
    from mipwizard.tui.app import make_app
    from mipwizard.tui.env import WizardEnv
    from mipwizard.tui.widgets.live_log import LiveLog

    step = Step(id="flood", title="Print the log", commands=[Command(("cat", str(data)), privileged=False)])
    env = WizardEnv(state_dir=tmp / "state", log_dir=tmp / "logs", plan=lambda _answers: [step])
    app = make_app(env=env)
    figures: dict[str, Any] = {}

    async def drive(pilot: Any) -> None:
        import asyncio

        await pilot.pause()
        app.answers = answers_from_mapping(ANSWERS)
        start = time.perf_counter()
        app.goto("Install")
        screen: Any = app.get_screen("Install")
        while screen.result is None:  # finished() drains the LiveLog before we see the result
            await asyncio.sleep(0.005)
        seconds = time.perf_counter() - start
        log = screen.query_one(LiveLog)
        figures.update(
            ok=bool(screen.result.ok),
            seconds=seconds,
            lines_seen=log.lines_seen,
            lines_on_screen=log.line_count,
            last_line=str(log.lines[-1]) if log.lines else "",
        )
        app.exit()

    app.run(headless=True, size=(100, 30), auto_pilot=drive)
    figures["peak_rss_mb"] = peak_rss_mb()
    figures["log_file_mb"] = round(sum(p.stat().st_size for p in (tmp / "logs").glob("install.log*")) / 2**20, 1)
    if not figures.get("ok") or figures["lines_seen"] < lines:
        raise SystemExit(f"the install did not show every line: {figures}")
    return figures


# --- case: the naive baseline ---------------------------------------------------------------------


def case_naive(data: Path, lines: int) -> dict[str, Any]:
    import threading

    from textual.app import App, ComposeResult
    from textual.widgets import Log

    class Naive(App[None]):
        def compose(self) -> ComposeResult:
            yield Log()

    app = Naive()
    figures: dict[str, Any] = {}

    async def drive(pilot: Any) -> None:
        import asyncio

        await pilot.pause()
        log = app.query_one(Log)
        done = threading.Event()

        def read() -> None:
            with subprocess.Popen(["head", "-n", str(lines), str(data)], stdout=subprocess.PIPE, text=True) as child:
                assert child.stdout is not None
                for line in child.stdout:
                    app.call_from_thread(log.write_line, line.rstrip("\n"))
            done.set()

        start = time.perf_counter()
        threading.Thread(target=read, daemon=True).start()
        while not done.is_set():
            await asyncio.sleep(0.005)
        figures.update(seconds=time.perf_counter() - start, lines_on_screen=log.line_count)
        app.exit()

    app.run(headless=True, size=(100, 30), auto_pilot=drive)
    figures["peak_rss_mb"] = peak_rss_mb()
    return figures


# --- case: mipwizard logs -f to a pipe ------------------------------------------------------------


def drain_pipe(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int, int, float]:
    """Run ``argv`` with stdout to a pipe we read to the end: (seconds, bytes, lines, peak RSS MB).

    The peak RSS is the child's own (or a process it waited for, e.g. kubectl, if larger)."""
    start = time.perf_counter()
    size = count = 0
    with subprocess.Popen(argv, stdout=subprocess.PIPE, env=env, cwd=ROOT) as child:
        assert child.stdout is not None
        fd = child.stdout.fileno()
        while chunk := os.read(fd, 1 << 20):
            size += len(chunk)
            count += chunk.count(b"\n")
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{argv} exited {child.returncode}")
    return time.perf_counter() - start, size, count, round(usage.ru_maxrss / 1024, 1)


def case_logs(tmp: Path, lines: int, repeat: int) -> dict[str, Any]:
    # The fake toolchain imports its own module named _common in-process: make room for it.
    sys.modules.pop("_common", None)
    from tests.fake_toolchain import FakeToolchain

    fake = FakeToolchain(tmp / "fake")
    fake.mark_fully_installed({**ANSWERS, "data_root": str(tmp / "data"),
                               "exareme2": {"path": str(tmp / "exareme2")},
                               "mip_deployment": {"path": str(tmp / "mip-deployment")}})
    pod = next(p for p in fake.pods() if "controller" in p["metadata"]["name"])
    name, namespace = pod["metadata"]["name"], pod["metadata"]["namespace"]
    fake.set_log_lines(name, lines)
    env = {**fake.env(), "MIPWIZARD_STATE_DIR": str(tmp / "state"), "MIPWIZARD_LOG_DIR": str(tmp / "logs"),
           "NO_COLOR": "1"}
    kubectl = ["microk8s", "kubectl", "logs", name, "-n", namespace, "-f"]
    mipwizard = [sys.executable, "-m", "mipwizard", "logs", name, "-n", namespace, "-f"]
    same = tmp / "pod.log"
    with same.open("wb") as handle:  # the very bytes kubectl prints, for `cat`
        subprocess.run(kubectl, env=env, stdout=handle, check=True)
    runs: dict[str, list[float]] = {"cat": [], "kubectl": [], "mipwizard": []}
    sizes: dict[str, tuple[int, int]] = {}
    rss = 0.0
    for _ in range(max(1, repeat)):
        for label, argv in (("cat", ["cat", str(same)]), ("kubectl", kubectl), ("mipwizard", mipwizard)):
            seconds, size, count, peak = drain_pipe(argv, env)
            runs[label].append(seconds)
            rss = max(rss, peak) if label == "mipwizard" else rss
            sizes[label] = (size, count)
    if sizes["mipwizard"] != sizes["cat"]:
        raise SystemExit(f"mipwizard logs printed {sizes['mipwizard']} (bytes, lines), cat {sizes['cat']}")
    return {label: statistics.median(times) for label, times in runs.items()} | {"lines": sizes["cat"][1], "rss": rss}


# --- driver ---------------------------------------------------------------------------------------


def child(case: str, *args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--case", case, *args],
                         capture_output=True, text=True, cwd=ROOT, check=False)
    if out.returncode != 0:
        sys.exit(f"case {case} failed (exit {out.returncode}):\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--naive-lines", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--case", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        kind, *rest = args.case
        result = (case_wizard(Path(rest[0]), int(rest[1]), Path(rest[2])) if kind == "wizard"
                  else case_naive(Path(rest[0]), int(rest[1])))
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory(prefix="mipwizard-bench-") as name:
        tmp = Path(name)
        data = tmp / "lines.txt"
        make_data(data, args.lines)
        wizard = [child("wizard", str(data), str(args.lines), str(tmp / f"w{n}")) for n in range(args.repeat)]
        naive = child("naive", str(data), str(args.naive_lines))
        logs = case_logs(tmp, args.lines, args.repeat)
    seconds = statistics.median(w["seconds"] for w in wizard)
    rss = max(w["peak_rss_mb"] for w in wizard)
    rate = args.lines / seconds
    naive_rate = args.naive_lines / naive["seconds"]
    emit(
        "live_log",
        lines=args.lines,
        wizard_seconds=round(seconds, 3),
        wizard_lines_per_second=round(rate),
        wizard_peak_rss_mb=rss,
        wizard_lines_on_screen=wizard[0]["lines_on_screen"],
        naive_lines=args.naive_lines,
        naive_lines_per_second=round(naive_rate),
        naive_peak_rss_mb=naive["peak_rss_mb"],
        speedup_vs_naive=round(rate / naive_rate, 1),
        logs_f_seconds=round(logs["mipwizard"], 3),
        cat_seconds=round(logs["cat"], 3),
        logs_f_vs_cat_ratio=round(logs["mipwizard"] / logs["cat"], 1),
        fake_kubectl_seconds=round(logs["kubectl"], 3),
        logs_f_vs_kubectl_ratio=round(logs["mipwizard"] / logs["kubectl"], 2),
        logs_f_lines_per_second=round(logs["lines"] / logs["mipwizard"]),
        logs_f_peak_rss_mb=logs["rss"],
        repeat=args.repeat,
        goal_lines_per_second=500_000,
        goal_peak_rss_mb=120,
        ok=rate >= 500_000 and rss <= 120 and logs["lines"] / logs["mipwizard"] >= 500_000 and logs["rss"] <= 120,
    )


if __name__ == "__main__":
    main()
