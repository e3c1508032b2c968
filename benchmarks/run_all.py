"""Run every benchmark script in turn and print their JSON lines (one per script).

One at a time, never in parallel, so they do not disturb each other's figures. A script that
fails is reported on stderr and the others still run; the exit code is 1 if any failed.
Usage: python benchmarks/run_all.py [NAME ...]   (names: startup live_log preflight rerun datacheck chartcheck status
troubleshoot_refresh)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ("startup", "live_log", "preflight", "rerun", "datacheck", "chartcheck", "status", "troubleshoot_refresh")


def main(argv: list[str]) -> int:
    names = argv or list(ORDER)
    unknown = [n for n in names if not (HERE / f"bench_{n}.py").is_file()]
    if unknown:
        print(f"no such benchmark: {', '.join(unknown)} (have: {', '.join(ORDER)})", file=sys.stderr)
        return 2
    failed = 0
    for name in names:
        done = subprocess.run([sys.executable, str(HERE / f"bench_{name}.py")], capture_output=True, text=True,
                              cwd=HERE.parent, check=False)
        lines = done.stdout.strip().splitlines()
        if done.returncode != 0 or not lines:
            failed += 1
            print(f"bench_{name}.py failed (exit {done.returncode}):\n{done.stderr[-2000:]}", file=sys.stderr)
            continue
        print(lines[-1], flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
