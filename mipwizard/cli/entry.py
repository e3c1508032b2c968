"""The ``mipwizard`` command's entry point (and ``python -m mipwizard``'s).

``status`` starts its cluster reads here, before the rest of mipwizard is imported: at scale the
slowest read is the command's critical path, and everything imported before it starts adds to it
(benchmarks/bench_status.py). Only the stdlib-light process modules load first.
"""

from __future__ import annotations

import gc
import os
import sys


def main(*, leave_at_once: bool = True) -> int:
    one_look = one_look_status(sys.argv[1:])
    if sys.argv[1:2] == ["status"]:
        if one_look:
            # One look, then the process ends: no cycle collection while it imports and parses
            # 600 pods' JSON (~200,000 objects, walked again and again by the collector: ~15 ms).
            gc.disable()
        from ..core.cluster.prefetch import start_early

        start_early()
    from .main import main as run

    code = run()
    if one_look and leave_at_once:
        leave(code)
    return code


def one_look_status(args: list[str]) -> bool:
    """``status`` without ``--watch``: argparse also takes any prefix of it (``--wa``), so any
    ``--w…`` counts as a watch (which must keep the collector on and end as usual)."""
    return args[:1] == ["status"] and not any(arg.startswith("--w") for arg in args[1:])


def leave(code: int) -> None:
    """End the process now, its output flushed: the interpreter's teardown would free every
    module and the 600 pods' parse one object at a time (~15 ms, after the answer is out).

    Only for a command that is done: its children reaped, its threads ended, its files closed
    (mipwizard writes no log through ``logging``, and registers no ``atexit``)."""
    import contextlib  # (loaded already, by the process modules)

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BrokenPipeError, ValueError):  # a reader that left (``| head``)
            stream.flush()
    os._exit(code)
