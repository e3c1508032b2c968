"""Shared bits of the benchmark scripts: JSON output, peak RSS, medians."""

from __future__ import annotations

import json
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any


def emit(name: str, **figures: Any) -> None:
    """Print one JSON line: the benchmark's name, its figures, and where/when it ran."""
    record = {
        "benchmark": name,
        **figures,
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d"),
    }
    sys.stdout.write(json.dumps(record, sort_keys=False) + "\n")
    sys.stdout.flush()


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident set size of this process (or its waited-for children) in MB (Linux: KiB)."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
