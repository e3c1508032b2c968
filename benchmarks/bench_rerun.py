"""Idempotent re-run: `mipwizard install --yes` on an already-installed (fake) machine.

A first full install runs on the fake toolchain (tests/fake_toolchain) in a temporary folder;
then the same command runs again `--repeat` times, end to end as a user would (new process each
time: Python start-up, imports, every probe). Every step must report "already done".
Goal: ≤ 3 s. Touches nothing outside the temporary folder.
Usage: python benchmarks/bench_rerun.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ANSWERS = """\
machine_main_ip: 10.20.30.40
machine_public_fqdn: mip.example.org
active_profile: direct.no_auth
federation: mipfed1
pathologies: [dementia, tbi]
data_root: {tmp}/data
exareme2: {{path: {tmp}/opt/exareme2}}
mip_deployment: {{path: {tmp}/opt/mip-deployment}}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from tests.fake_toolchain import FakeToolchain

    with tempfile.TemporaryDirectory(prefix="mipwizard-bench-") as tmp_name:
        tmp = Path(tmp_name)
        fake = FakeToolchain(tmp / "fake")
        env = fake.env()
        env.update(MIPWIZARD_STATE_DIR=str(tmp / "state"), MIPWIZARD_LOG_DIR=str(tmp / "logs"), NO_COLOR="1")
        answers = tmp / "answers.yaml"
        answers.write_text(ANSWERS.format(tmp=tmp))
        argv = [sys.executable, "-m", "mipwizard", "install", "--answers", str(answers), "--yes"]

        def run() -> tuple[float, str]:
            start = time.perf_counter()
            done = subprocess.run(argv, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
            if done.returncode != 0:
                sys.exit(f"install failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
            return time.perf_counter() - start, done.stdout

        first, _ = run()
        times, calls = [], 0
        for _ in range(max(1, args.repeat)):
            fake.clear_calls()
            seconds, out = run()
            total = re.search(r"^\[1/(\d+)\]", out, re.MULTILINE)  # the plan's own step count
            steps = int(total.group(1)) if total else 0
            if not steps or out.count("    already done (") != steps:
                sys.exit(f"the re-run changed something:\n{out}")
            times.append(seconds)
            calls = len(fake.calls())
        emit(
            "rerun",
            seconds=round(statistics.median(times), 3),
            max_seconds=round(max(times), 3),
            first_install_seconds=round(first, 3),
            steps=steps,
            program_calls=calls,
            goal_seconds=3.0,
            ok=statistics.median(times) <= 3.0,
        )


if __name__ == "__main__":
    main()
