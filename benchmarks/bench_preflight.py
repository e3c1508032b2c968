"""Preflight speed on THIS machine: all local checks (everything but the slow ones that wait on
DNS or the microk8s API) with a fresh real Probe each run, so no fact is cached between runs.

Goal: local checks ≤ 0.5 s. Read-only: psutil, file reads, PATH look-ups, and (when present)
`snap list microk8s`, `microk8s status`, `sudo -n true`.
Usage: python benchmarks/bench_preflight.py [--role master] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def one_run(role: str) -> tuple[float, float, dict[str, float]]:
    """(local seconds, slow seconds, per-check seconds) of one full run."""
    from mipwizard.core.preflight import Probe, check_specs, iter_checks

    slow_ids = {s.id for s in check_specs(role) if s.slow}
    per_check: dict[str, float] = {}
    start = time.perf_counter()
    for result in iter_checks(role, probe=Probe()):  # lazy: each check runs when asked for
        now = time.perf_counter()
        per_check[result.id] = now - start
        start = now
    local = sum(t for i, t in per_check.items() if i not in slow_ids)
    slow = sum(t for i, t in per_check.items() if i in slow_ids)
    return local, slow, per_check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--role", default="master", choices=["local", "master", "worker"])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    first_start = time.perf_counter()
    first_local, _, _ = one_run(args.role)  # includes importing psutil and the engine
    first_total = time.perf_counter() - first_start
    runs = [one_run(args.role) for _ in range(max(1, args.repeat))]
    local = statistics.median(r[0] for r in runs)
    slow = statistics.median(r[1] for r in runs)
    slowest = max(runs[0][2].items(), key=lambda item: item[1])
    emit(
        "preflight",
        role=args.role,
        local_seconds=round(local, 4),
        first_run_local_seconds=round(first_local, 4),
        first_run_with_imports_seconds=round(first_total, 4),
        slow_checks_seconds=round(slow, 4),
        slowest_check=slowest[0],
        slowest_check_seconds=round(slowest[1], 4),
        checks=len(runs[0][2]),
        repeat=args.repeat,
        goal_local_seconds=0.5,
        ok=local <= 0.5 and first_local <= 0.5,
    )


if __name__ == "__main__":
    main()
