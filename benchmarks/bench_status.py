"""Troubleshooting at scale: a fake federation of 30 nodes and 600 pods (tests/fake_federation.py).

Figures:
- raw_seconds: ``microk8s kubectl get pods -A -o json`` alone (the fake kubectl; median);
- status_seconds: ``mipwizard status --json`` (a fresh process: start, its three reads — status,
  one get of every kind, helm list — diagnosis, JSON out; median) → ratio, goal ≤ 1.5; and the
  CPU seconds of each (the command and all its children), which load on the machine cannot move;
- troubleshoot: the Troubleshoot screen refreshing in a loop (its reads in a thread worker) while
  a probe on the UI's event loop measures how late it runs (every 10 ms): the worst and the 99th
  percentile lag are how long input would wait; goal: no stall ≥ 100 ms (a key feels instant).
Usage: python benchmarks/bench_status.py [--repeat 5] [--refreshes 5]
"""

from __future__ import annotations

import argparse
import asyncio
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
from _common import emit

# The fake toolchain has its own top-level ``_common``: let it import that one.
sys.path.pop(0)
del sys.modules["_common"]

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ANSWERS: dict[str, Any] = {
    "role": "local",
    "machine_main_ip": "192.168.1.230",
    "machine_public_fqdn": "mip.example.org",
    "active_profile": "direct.no_auth",
    "federation": "mipfed1",
    "pathologies": ["dementia"],
}


def build(tmp: Path) -> tuple[Any, dict[str, str]]:
    import yaml

    from tests.fake_federation import make_federation
    from tests.fake_toolchain import FakeToolchain

    fake = FakeToolchain(tmp / "fake")
    answers = dict(
        ANSWERS,
        data_root=str(tmp / "data"),
        exareme2={"path": str(tmp / "exareme2")},
        mip_deployment={"path": str(tmp / "mip-deployment")},
    )
    fake.mark_fully_installed(answers)
    make_federation(fake)
    env = fake.env()
    env.update(MIPWIZARD_STATE_DIR=str(tmp / "state"), MIPWIZARD_LOG_DIR=str(tmp / "logs"))
    (tmp / "state").mkdir()
    (tmp / "state" / "answers.yaml").write_text(yaml.safe_dump(answers))
    return fake, env


def timed(argv: list[str], env: dict[str, str], repeat: int) -> tuple[float, float, str]:
    """Median wall seconds, median CPU seconds (the command and every child: load cannot move it)."""
    import resource

    times, cpus, out = [], [], ""
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False, cwd="/")
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        out = done.stdout
    return statistics.median(times), statistics.median(cpus), out


def troubleshoot_lag(env: dict[str, str], refreshes: int) -> dict[str, Any]:
    os.environ.update(env)
    from textual.app import App

    from mipwizard.core.cluster.queries import ClusterQueries
    from mipwizard.tui.screens.troubleshoot import TroubleshootScreen

    screen = TroubleshootScreen(ClusterQueries(use_sudo=False), refresh_seconds=0.05)

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(screen)

    app = Host()
    figures: dict[str, Any] = {}

    async def drive(pilot: Any) -> None:
        first: list[float] = []  # until the first 600 rows are on screen (the table is built once)
        lags: list[float] = []  # the refreshes after it: what a user waits for while it refreshes
        loop = asyncio.get_running_loop()
        start = loop.time()
        while screen.refreshes < refreshes + 1 and loop.time() - start < 120:
            before = loop.time()
            await asyncio.sleep(0.01)
            (first if screen.refreshes < 1 else lags).append(loop.time() - before - 0.01)
        elapsed = loop.time() - start
        lags.sort()
        figures.update(
            refreshes=screen.refreshes - 1,
            seconds_per_refresh=round(elapsed / max(1, screen.refreshes), 3),
            pods_shown=len(screen.snapshot.pod_health) if screen.snapshot else 0,
            first_fill_worst_lag_ms=round(max(first) * 1000, 1),
            worst_lag_ms=round(lags[-1] * 1000, 1),
            p99_lag_ms=round(lags[int(len(lags) * 0.99)] * 1000, 1),
            median_lag_ms=round(statistics.median(lags) * 1000, 1),
        )
        app.exit()

    app.run(headless=True, size=(80, 24), auto_pilot=drive)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--refreshes", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-status-") as tmp:
        _fake, env = build(Path(tmp))
        raw, raw_cpu, raw_out = timed(["microk8s", "kubectl", "get", "pods", "-A", "-o", "json"], env, args.repeat)
        status, status_cpu, status_out = timed(
            [sys.executable, "-m", "mipwizard", "status", "--json"], env, args.repeat
        )
        data = json.loads(status_out)
        if len(data["pods"]) != len(json.loads(raw_out)["items"]) or len(data["nodes"]) != 30:
            raise SystemExit(f"status saw {len(data['pods'])} pods, {len(data['nodes'])} nodes")
        lag = troubleshoot_lag(env, args.refreshes)
    emit(
        "status",
        nodes=len(data["nodes"]),
        pods=len(data["pods"]),
        raw_seconds=round(raw, 3),
        status_seconds=round(status, 3),
        ratio=round(status / raw, 2),
        raw_cpu_seconds=round(raw_cpu, 3),
        status_cpu_seconds=round(status_cpu, 3),
        cpu_ratio=round(status_cpu / raw_cpu, 2),
        goal_ratio=1.5,
        troubleshoot=lag,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
