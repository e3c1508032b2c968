"""The ``mipwizard`` command's entry point (and ``python -m mipwizard``'s).

``status`` starts its cluster reads here, before the rest of mipwizard is imported: at scale the
slowest read is the command's critical path, and everything imported before it starts adds to it
(benchmarks/bench_status.py). Only the stdlib-light process modules load first.
"""

from __future__ import annotations

import gc
import sys


def main() -> int:
    if sys.argv[1:2] == ["status"]:
        if "--watch" not in sys.argv:
            # One look, then the process ends: no cycle collection while it imports and parses
            # 600 pods' JSON (~200,000 objects, walked again and again by the collector: ~15 ms).
            gc.disable()
        from ..core.cluster.prefetch import start_early

        start_early()
    from .main import main as run

    return run()
